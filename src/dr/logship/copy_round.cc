#include "dr/logship/copy_round.h"

#include <sys/stat.h>

#include <set>

#include "dr/logship/copy.h"
#include "dr/logship/file_io.h"

namespace pchat::logship {

namespace fs = std::filesystem;

namespace {

std::optional<std::chrono::system_clock::time_point> mtime_of(const fs::path& p) {
  struct stat st;
  if (::stat(p.c_str(), &st) != 0) return std::nullopt;
  return std::chrono::system_clock::time_point(std::chrono::seconds(st.st_mtim.tv_sec) +
                                               std::chrono::nanoseconds(st.st_mtim.tv_nsec));
}

}  // namespace

CopyRoundResult copy_round(const fs::path& share, const fs::path& dest, uint64_t segsize,
                           std::chrono::seconds foreign_grace) {
  CopyRoundResult out;
  auto manifest = read_manifest(share / kManifestFileName);
  if (!manifest) {
    out.problems.push_back({"io", std::string(kManifestFileName), manifest.error().message});
    return out;
  }
  for (const auto& w : manifest->warnings) {
    out.problems.push_back({"manifest", std::string(kManifestFileName), w});
  }
  std::set<std::string> recorded;
  for (const auto& r : manifest->records) recorded.insert(r.name);
  auto files = list_files(share);
  if (!files) {
    out.problems.push_back({"io", share.string(), files.error().message});
    return out;
  }
  const auto now = std::chrono::system_clock::now();
  for (const auto& f : *files) {
    if (is_bookkeeping_file(f) || recorded.count(f) > 0) continue;
    auto mt = mtime_of(share / f);
    if (mt && now - *mt < foreign_grace) continue;  // being stored right now
    out.problems.push_back({"foreign", f,
                            f + " is in the backup share without a manifest record (not stored by "
                                "the backup job): not copied; move it out of the share"});
  }
  auto dst = read_destination(dest);
  if (!dst) {
    out.problems.push_back({"io", dest.string(), dst.error().message});
    return out;
  }
  CopyPlan plan = plan_copy(manifest->records, *dst, segsize);
  for (const auto& c : plan.conflicts) out.problems.push_back({"conflict", "", c});
  std::vector<ManifestRecord> todo;
  for (const auto& r : plan.to_copy) {
    auto done = find_record(dst->manifest, r.name);
    if (done && done->sha256 == r.sha256) continue;  // copied once, removed by retention
    todo.push_back(r);
  }
  size_t i = 0;
  for (; i < todo.size(); ++i) {
    const auto& r = todo[i];
    const fs::path src = share / r.name;
    std::error_code ec;
    if (!fs::exists(src, ec)) {
      out.problems.push_back({"missing", r.name,
                              r.name + " is recorded in the share's manifest but missing from the "
                                       "share: nothing after it is copied until it is back"});
      break;
    }
    auto copied = copy_verified(src, dest, r.sha256);
    if (copied) {
      out.copied.push_back(*copied);
      continue;
    }
    const Error& e = copied.error();
    std::string kind = "io";
    if (e.kind == ErrorKind::kInvalidInput) {
      auto size = fs::file_size(src, ec);
      kind = (!ec && size < r.size) ? "truncated" : "corrupted";
      out.problems.push_back({kind, r.name,
                              r.name + " in the share is " + kind + " (" +
                                  std::to_string(ec ? 0 : size) + " bytes, " +
                                  std::to_string(r.size) +
                                  " recorded; checksum differs from the manifest): not "
                                  "copied, never applied. " +
                                  e.message});
    } else {
      if (e.kind == ErrorKind::kConflict) kind = "conflict";
      out.problems.push_back({kind, r.name, e.message});
    }
    break;
  }
  out.pending = todo.size() - out.copied.size();
  return out;
}

std::vector<std::string> retention_sweep(const fs::path& share, const fs::path& dest,
                                         WalSegment replay, uint64_t segsize,
                                         std::chrono::seconds retention) {
  std::vector<std::string> removed;
  auto dst_manifest = read_manifest(dest / kManifestFileName);
  auto share_manifest = read_manifest(share / kManifestFileName);
  if (!dst_manifest) return removed;
  const auto now = std::chrono::system_clock::now();
  auto applied_and_old = [&](const std::string& name, const std::vector<ManifestRecord>& records) {
    auto f = parse_wal_file_name(name, segsize);
    if (!f || (f->kind != WalFileKind::kSegment && f->kind != WalFileKind::kPartial)) return false;
    if (f->segno >= replay.segno) return false;  // not wholly replayed yet
    auto rec = find_record(records, name);
    return rec && now - rec->stored_at > retention;
  };
  if (auto files = list_files(dest)) {
    for (const auto& f : *files) {
      if (!applied_and_old(f, dst_manifest->records)) continue;
      std::error_code ec;
      if (fs::remove(dest / f, ec)) removed.push_back(f);
    }
  }
  if (share_manifest) {
    if (auto files = list_files(share)) {
      for (const auto& f : *files) {
        if (!find_record(dst_manifest->records, f)) continue;  // not copied yet
        if (!applied_and_old(f, share_manifest->records)) continue;
        std::error_code ec;
        if (fs::remove(share / f, ec)) removed.push_back(f);
      }
    }
  }
  return removed;
}

}  // namespace pchat::logship
