// Chain checks for the restore/apply step (runbook step 3, `pchatctl logship apply`):
// given the files in the copy destination and how far the standby has replayed, what
// remains to apply, in order, and is it safe to apply it all and promote?
//
// The rules, in the order a standby following the latest timeline reads files
// (recovery_target_timeline = latest; xlogrecovery.c XLogFileReadAnyTLI):
//   - Segments are applied by position. At each position the highest timeline present
//     (not below the current one) wins; the files of lower timelines at that position
//     are superseded (notes, not problems): after a promotion the new timeline's first
//     segment repeats the old one's data up to the switchpoint.
//   - Moving to a higher timeline needs its TTTTTTTT.history file. When the history's
//     content is known it must name the current timeline as an ancestor, and the
//     switchpoint leaving it must fall in the segment where the chain switches
//     (otherwise the old timeline's files past the fork diverge: a problem).
//   - A position with no file, with files further on, is a gap: the first missing
//     segment is named (on the current timeline) with the count.
//   - A .partial is an incomplete segment. As the last file of the chain it is the
//     tail (pg_receivewal's, replayable once renamed: a note); anywhere else the WAL
//     after it is missing (a problem). A .partial beside the complete segment of the
//     same name is superseded.
//   - Every file the chain uses (and every history file above the starting timeline)
//     must be recorded with a checksum that matches its contents; a complete segment
//     must be exactly wal_segsize bytes (shorter: truncated).
//   - A name that is not a WAL file name is a problem (a foreign file is reported,
//     never silently ignored). .backup files are informational.
// Files entirely before the replay point are already applied: their defects are
// notes. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dr/logship/wal_name.h"

namespace pchat::logship {

// One file of the copy destination (chain_scan.h builds these from a folder).
struct ChainFile {
  std::string name;
  uint64_t size = 0;
  std::string expected_sha256;         // from the manifest; empty when the file is not recorded
  std::string actual_sha256;           // of the bytes on disk
  std::optional<std::string> content;  // for .history files, when read
};

// Where the standby stands: the timeline it replays and the first segment it still
// needs.
struct ReplayPoint {
  TimeLineId tli = 1;
  SegNo next_segno = 0;

  // The standby has replayed segment `last` completely.
  static ReplayPoint after_segment(WalSegment last) { return {last.tli, last.segno + 1}; }
  // The standby's replay position (pg_last_wal_replay_lsn()); the segment holding it is
  // still needed (its file is refetched if the standby restarts).
  static ReplayPoint at_lsn(TimeLineId tli, Lsn lsn, uint64_t segsize) {
    return {tli, lsn_to_segno(lsn, segsize)};
  }
};

enum class ChainProblemKind {
  kGap,             // segments missing between two present ones (or after the replay point)
  kBadFile,         // checksum mismatch, not recorded, wrong size
  kMissingHistory,  // a timeline switch without its .history file
  kBadHistory,      // a .history that does not parse or contradicts the chain
  kPartialNotLast,  // a .partial followed by more WAL
  kUnknownFile,     // not a WAL file name
};

const char* to_string(ChainProblemKind kind);

struct ChainProblem {
  ChainProblemKind kind;
  std::string file;    // the file (or first missing segment) concerned
  std::string reason;  // one human-readable sentence
};

struct ChainGap {
  std::string first_missing;  // segment file name on the timeline in force
  std::string last_missing;
  uint64_t count = 0;
};

struct ChainReport {
  std::optional<std::string> last_present;  // the chain's last file: where replay will end
  std::vector<std::string> to_apply;        // segments (and a final .partial), in order
  std::vector<std::string> histories;       // .history files the chain's switches use
  std::vector<ChainGap> gaps;
  std::vector<std::string> bad_files;  // names, each also explained in problems
  std::vector<ChainProblem> problems;  // any of these makes the chain not ready
  std::vector<std::string> notes;      // harmless oddities, for the operator
  bool ready = false;                  // problems.empty()
};

// `start`: nullopt when nothing is known of the standby (the chain then starts at the
// lowest position present, on its lowest timeline). REQUIRES: is_valid_wal_segsize.
ChainReport check_chain(const std::vector<ChainFile>& files, std::optional<ReplayPoint> start,
                        uint64_t segsize);

// The report as lines for a terminal: a verdict line, then problems, then notes.
std::string format_chain_report(const ChainReport& report);

}  // namespace pchat::logship
