#include "dr/logship/archive.h"

#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "dr/logship/file_io.h"
#include "dr/logship/manifest.h"
#include "dr/logship/store_common.h"
#include "dr/logship/wal_name.h"

namespace pchat::logship {

Status archive_into(const std::filesystem::path& share_dir, const std::filesystem::path& source,
                    std::string_view name) {
  if (!looks_like_wal_file_name(name)) {
    return make_error(ErrorKind::kInvalidInput,
                      fmt::format("archive: '{}' is not a WAL file name", name));
  }
  std::filesystem::path final_path = share_dir / name;
  std::filesystem::path manifest = share_dir / kManifestFileName;

  // Retry of an archived file: compare without writing anything.
  if (::access(final_path.c_str(), F_OK) == 0) {
    auto src = sha256_file(source);
    if (!src) return src.error();
    return settle_existing(final_path, manifest, name, *src, "archive");
  }

  auto digest = copy_to_temp(source, share_dir, name);
  if (!digest) return digest.error();
  std::filesystem::path tmp = temp_path(share_dir, name);
  if (auto s = rename_no_replace(tmp, final_path); !s) {
    ::unlink(tmp.c_str());
    if (s.error().kind != ErrorKind::kConflict) return s;
    // Someone stored the name between our check and the rename: settle against it.
    return settle_existing(final_path, manifest, name, *digest, "archive");
  }
  if (auto s = fsync_dir(share_dir); !s) return s;
  ManifestRecord rec{std::string(name), digest->size, digest->sha256, manifest_now()};
  if (auto s = append_manifest(manifest, rec); !s) return s;
  spdlog::debug("logship archive: stored {} ({} bytes, sha256 {})", name, digest->size,
                digest->sha256);
  return ok_status();
}

}  // namespace pchat::logship
