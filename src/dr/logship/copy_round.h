// One round of the copy job (datacenter B) and the retention sweep: what `pchatctl
// logship copy-job` runs every copy_interval_ms, and `logship copy` once. File-level
// only (the caller supplies the backup store's replay position for retention).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "dr/logship/manifest.h"
#include "dr/logship/wal_name.h"

namespace pchat::logship {

// A file the copy job refused, with why. Kinds: "corrupted" (checksum differs from the
// share's manifest), "truncated" (shorter than recorded), "missing" (recorded in the
// share's manifest, absent from the share), "foreign" (in the share without a manifest
// record: not stored by the backup job), "conflict" (one name, two checksums),
// "manifest" (unreadable manifest lines), "io".
struct CopyProblem {
  std::string kind;
  std::string file;
  std::string message;
  friend bool operator==(const CopyProblem&, const CopyProblem&) = default;
};

struct CopyRoundResult {
  std::vector<ManifestRecord> copied;  // this round, in order
  std::vector<CopyProblem> problems;
  size_t pending = 0;  // records still to copy after this round (stopped at a problem)
};

// Copies every recorded file of `share` not yet in `dest`, in archive order, verifying
// each against the share's manifest; stops at the first refused file (so the folder
// never holds WAL past a hole). A share file without a record is reported as foreign
// once older than `foreign_grace` (the backup job renames a file in before recording
// it). A file the destination recorded and no longer lists was removed by retention:
// not copied again.
CopyRoundResult copy_round(const std::filesystem::path& share, const std::filesystem::path& dest,
                           uint64_t segsize, std::chrono::seconds foreign_grace);

// Retention: removes WAL segments (and .partial files) that lie wholly before
// `replay` (the backup store's replay position: applied) and were recorded more than
// `retention` ago, from `dest`, and from `share` when `dest` recorded them (copied).
// History files are kept. Returns the names removed.
std::vector<std::string> retention_sweep(const std::filesystem::path& share,
                                         const std::filesystem::path& dest, WalSegment replay,
                                         uint64_t segsize, std::chrono::seconds retention);

}  // namespace pchat::logship
