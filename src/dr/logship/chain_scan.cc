#include "dr/logship/chain_scan.h"

#include <fstream>
#include <sstream>

#include "dr/logship/file_io.h"
#include "dr/logship/manifest.h"
#include "dr/logship/sha256.h"

namespace pchat::logship {

Result<std::vector<ChainFile>> scan_chain_files(const std::filesystem::path& dir) {
  auto names = list_files(dir);
  if (!names) return names.error();
  auto manifest = read_manifest(dir / kManifestFileName);
  if (!manifest) return manifest.error();
  std::vector<ChainFile> out;
  for (const auto& name : *names) {
    if (is_bookkeeping_file(name)) continue;
    auto digest = sha256_file(dir / name);
    if (!digest) return digest.error();
    ChainFile cf;
    cf.name = name;
    cf.size = digest->size;
    cf.actual_sha256 = digest->sha256;
    if (auto rec = find_record(manifest->records, name)) cf.expected_sha256 = rec->sha256;
    if (name.ends_with(".history") && digest->size < (1u << 20)) {
      std::ifstream in(dir / name, std::ios::binary);
      std::ostringstream ss;
      ss << in.rdbuf();
      cf.content = ss.str();
    }
    out.push_back(std::move(cf));
  }
  return out;
}

}  // namespace pchat::logship
