// The manifest: an append-only record of every file stored in a log-shipping folder
// (the backup share, and the copy destination). One JSON object per line:
//   {"name":"000000010000000000000003","size":16777216,
//    "sha256":"<64 hex>","stored_at":"2024-05-01T12:00:00.123Z"}
// `stored_at` is UTC with milliseconds. Unknown keys are ignored (room to grow).
//
// Durability: a record is one write(2) of the line and its '\n' with O_APPEND, under
// an exclusive flock, followed by fsync; append_manifest returns only after the fsync.
// A crash can therefore leave, at most, a torn last line (no '\n'): it was never
// acknowledged. Readers ignore it with a warning; the next append first truncates
// the file back to its last '\n' (so a new record never glues onto a fragment). A
// complete line that does not parse (someone edited the file) is skipped with a
// warning; no other line is ever lost.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace pchat::logship {

inline constexpr std::string_view kManifestFileName = "pchat-manifest.jsonl";
// The copy job's report in the copy destination (pchatctl logship copy-job).
inline constexpr std::string_view kCopyJobStatusFileName = "pchat-copy-job.json";
// Present in the copy destination once log shipping is removed from the backup store
// (runbook step 1, dr/runbook/secondary.h): the copy job copies nothing more.
inline constexpr std::string_view kSecondaryRemovedFileName = "pchat-secondary-removed.json";
// The failover's journal (dr/runbook/journal.h), in the copy destination: datacenter B.
inline constexpr std::string_view kFailoverJournalFileName = "pchat-failover.json";
inline constexpr std::string_view kFailbackJournalFileName = "pchat-failback.json";
// Held (flock) while pchatctl failover or failback runs (dr/runbook/state_file.h).
inline constexpr std::string_view kRunbookLockFileName = ".pchat-runbook.lock";
// Held (flock) by whoever copies into the copy destination, for a whole round: the
// copy job from its check of the step-1 marker to its last file, `logship copy` and
// runbook step 2. Runbook step 1 takes it once after writing the marker: from then on
// no round copies.
inline constexpr std::string_view kCopyRoundLockFileName = ".pchat-copy-round.lock";

// True for the files pchat keeps beside the WAL files (manifest, job report, runbook
// state): never copied, replayed or reported as foreign.
inline bool is_bookkeeping_file(std::string_view name) {
  return name == kManifestFileName || name == kCopyJobStatusFileName ||
         name == kSecondaryRemovedFileName || name == kFailoverJournalFileName ||
         name == kFailbackJournalFileName || name == kRunbookLockFileName ||
         name == kCopyRoundLockFileName;
}

struct ManifestRecord {
  std::string name;    // a WAL file name (wal_name.h)
  uint64_t size = 0;   // bytes
  std::string sha256;  // lower-case hex
  std::chrono::system_clock::time_point stored_at;

  friend bool operator==(const ManifestRecord&, const ManifestRecord&) = default;
};

struct ManifestContents {
  std::vector<ManifestRecord> records;  // in file order
  std::vector<std::string> warnings;    // torn last line, unparseable lines (with line numbers)
};

// The JSON line of `record`, without the '\n'. stored_at is kept to the millisecond.
std::string format_manifest_line(const ManifestRecord& record);
// kInvalidInput naming what is wrong (not JSON, a missing or mistyped key, a bad
// sha256 or time).
Result<ManifestRecord> parse_manifest_line(std::string_view line);

// Reads `file`. A missing file is an empty manifest. Warnings are also logged.
// kUnavailable on a read error.
Result<ManifestContents> read_manifest(const std::filesystem::path& file);

// Appends one record durably (see above). Creating the file also fsyncs its directory.
Status append_manifest(const std::filesystem::path& file, const ManifestRecord& record);

// The last record named `name` (later records win), or nullopt.
std::optional<ManifestRecord> find_record(const std::vector<ManifestRecord>& records,
                                          std::string_view name);

// The current time at the manifest's precision (milliseconds), so that a record built
// in memory equals the same record read back.
std::chrono::system_clock::time_point manifest_now();

// ISO 8601 UTC with milliseconds ("2024-05-01T12:00:00.123Z") and back.
std::string format_utc(std::chrono::system_clock::time_point t);
// format_utc of the current time.
inline std::string now_utc() {
  return format_utc(std::chrono::system_clock::now());
}
Result<std::chrono::system_clock::time_point> parse_utc(std::string_view text);

}  // namespace pchat::logship
