#include "dr/logship/store_common.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "dr/logship/file_io.h"
#include "dr/logship/manifest.h"

namespace pchat::logship {

Status settle_existing(const std::filesystem::path& final_path,
                       const std::filesystem::path& manifest, std::string_view name,
                       const FileDigest& incoming, std::string_view what) {
  auto existing = sha256_file(final_path);
  if (!existing) return existing.error();
  if (existing->sha256 != incoming.sha256 || existing->size != incoming.size) {
    return make_error(ErrorKind::kConflict,
                      fmt::format("{}: refusing to overwrite {}: it exists with different contents "
                                  "(stored: {} bytes, sha256 {}; incoming: {} bytes, sha256 {})",
                                  what, final_path.string(), existing->size, existing->sha256,
                                  incoming.size, incoming.sha256));
  }
  // Same file. Make the earlier rename durable (it may be what a crash interrupted).
  if (auto s = fsync_dir(final_path.parent_path()); !s) return s;
  auto contents = read_manifest(manifest);
  if (!contents) return contents.error();
  auto rec = find_record(contents->records, name);
  if (rec && rec->sha256 == existing->sha256) {
    spdlog::info("logship {}: {} already stored with the same sha256; nothing to do", what, name);
    return ok_status();
  }
  spdlog::warn("logship {}: {} was stored but not recorded (an interrupted run); recording it",
               what, name);
  return append_manifest(manifest, ManifestRecord{std::string(name), existing->size,
                                                  existing->sha256, manifest_now()});
}

}  // namespace pchat::logship
