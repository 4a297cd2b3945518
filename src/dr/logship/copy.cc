#include "dr/logship/copy.h"

#include <unistd.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "dr/logship/file_io.h"
#include "dr/logship/store_common.h"
#include "dr/logship/wal_name.h"

namespace pchat::logship {

CopyPlan plan_copy(const std::vector<ManifestRecord>& share_manifest,
                   const DestinationState& destination, uint64_t segsize) {
  CopyPlan plan;
  std::set<std::string_view> listed(destination.files.begin(), destination.files.end());
  std::map<std::string_view, const ManifestRecord*> recorded;  // destination: last wins
  for (const auto& r : destination.manifest) recorded[r.name] = &r;

  // The share's records by name; two checksums for one name is a conflict.
  std::map<std::string_view, const ManifestRecord*> wanted;
  std::set<std::string_view> conflicted;
  for (const auto& r : share_manifest) {
    auto [it, inserted] = wanted.emplace(r.name, &r);
    if (!inserted && it->second->sha256 != r.sha256 && conflicted.insert(r.name).second) {
      plan.conflicts.push_back(
          fmt::format("{}: the share's manifest records two different files under this name "
                      "(sha256 {} and {}); not copied",
                      r.name, it->second->sha256, r.sha256));
    }
  }
  for (const auto& [name, rec] : wanted) {
    if (conflicted.count(name)) continue;
    auto dst = recorded.find(name);
    if (dst != recorded.end() && dst->second->sha256 != rec->sha256) {
      plan.conflicts.push_back(
          fmt::format("{}: the copy destination holds a different file under this name (sha256 {}, "
                      "the share has {}); not copied",
                      name, dst->second->sha256, rec->sha256));
      continue;
    }
    if (dst != recorded.end() && listed.count(name)) continue;  // done
    plan.to_copy.push_back(*rec);
  }
  std::sort(plan.to_copy.begin(), plan.to_copy.end(),
            [segsize](const ManifestRecord& a, const ManifestRecord& b) {
              auto fa = parse_wal_file_name(a.name, segsize);
              auto fb = parse_wal_file_name(b.name, segsize);
              if (fa.ok() != fb.ok()) return fa.ok();
              if (!fa.ok()) return a.name < b.name;
              return compare_wal_files(*fa, *fb) < 0;
            });
  return plan;
}

Result<DestinationState> read_destination(const std::filesystem::path& dst_dir) {
  DestinationState st;
  auto files = list_files(dst_dir);
  if (!files) return files.error();
  for (auto& f : *files) {
    if (!is_bookkeeping_file(f)) st.files.push_back(std::move(f));
  }
  auto manifest = read_manifest(dst_dir / kManifestFileName);
  if (!manifest) return manifest.error();
  st.manifest = std::move(manifest->records);
  return st;
}

Result<ManifestRecord> copy_verified(const std::filesystem::path& src,
                                     const std::filesystem::path& dst_dir,
                                     std::string_view expected_sha256) {
  std::string name = src.filename().string();
  if (!looks_like_wal_file_name(name)) {
    return make_error(ErrorKind::kInvalidInput,
                      fmt::format("copy: '{}' is not a WAL file name", name));
  }
  std::filesystem::path final_path = dst_dir / name;
  std::filesystem::path manifest = dst_dir / kManifestFileName;
  auto settle = [&](const FileDigest& d) -> Result<ManifestRecord> {
    if (auto s = settle_existing(final_path, manifest, name, d, "copy"); !s) return s.error();
    auto contents = read_manifest(manifest);
    if (!contents) return contents.error();
    if (auto rec = find_record(contents->records, name)) return *rec;
    return make_error(ErrorKind::kInternal, fmt::format("copy: {} recorded but not found", name));
  };

  if (::access(final_path.c_str(), F_OK) == 0) {
    // Already copied (or half-recorded): it must be the file the share describes.
    auto existing = sha256_file(final_path);
    if (!existing) return existing.error();
    if (existing->sha256 != expected_sha256) {
      return make_error(ErrorKind::kConflict,
                        fmt::format("copy: {} exists in {} with sha256 {}, but the share's "
                                    "manifest says {}; left alone",
                                    name, dst_dir.string(), existing->sha256, expected_sha256));
    }
    return settle(*existing);
  }

  auto read_digest = copy_to_temp(src, dst_dir, name);
  if (!read_digest) return read_digest.error();
  std::filesystem::path tmp = temp_path(dst_dir, name);
  // Verify what is now in the destination, not what we meant to write.
  auto written = sha256_file(tmp);
  if (!written) {
    ::unlink(tmp.c_str());
    return written.error();
  }
  if (written->sha256 != expected_sha256) {
    ::unlink(tmp.c_str());
    return make_error(
        ErrorKind::kInvalidInput,
        fmt::format("copy: checksum mismatch for {}: the share's manifest says sha256 {}, the "
                    "copy has {} ({} bytes; read from the share: {}); not copied",
                    name, expected_sha256, written->sha256, written->size,
                    read_digest->sha256 == written->sha256 ? "same" : read_digest->sha256));
  }
  if (auto s = rename_no_replace(tmp, final_path); !s) {
    ::unlink(tmp.c_str());
    if (s.error().kind != ErrorKind::kConflict) return s.error();
    return settle(*written);
  }
  if (auto s = fsync_dir(dst_dir); !s) return s.error();
  ManifestRecord rec{name, written->size, written->sha256, manifest_now()};
  if (auto s = append_manifest(manifest, rec); !s) return s.error();
  spdlog::debug("logship copy: {} -> {} ({} bytes, verified)", src.string(), dst_dir.string(),
                written->size);
  return rec;
}

}  // namespace pchat::logship
