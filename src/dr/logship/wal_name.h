// WAL file names and positions, as PostgreSQL 15 spells them (xlog_internal.h).
//
// A WAL segment file is named TTTTTTTTXXXXXXXXYYYYYYYY in upper-case hex:
// timeline T, then the segment number split as "log" X = segno / per_id and
// "seg" Y = segno % per_id, where per_id = 0x100000000 / wal_segsize is the number of
// segments per 4 GB "xlogid" (256 for 16 MB segments, 4096 for 1 MB, 64 for 64 MB).
// So the same name denotes different segments for different segment sizes, and
// every function that maps between names and positions takes the segment size.
//
// Other files the archive holds:
//   TTTTTTTTXXXXXXXXYYYYYYYY.partial          an incomplete segment: the tail that
//       pg_receivewal is still writing, or the old timeline's last segment archived by
//       a promoted standby. Replayable once renamed to the plain name (it holds a
//       prefix of that segment).
//   TTTTTTTT.history                          a timeline's history: one line per
//       ancestor, "parentTLI<TAB>switchpoint X/X<TAB>reason" (see timeline_history.h).
//   TTTTTTTTXXXXXXXXYYYYYYYY.OOOOOOOO.backup  a backup history file: a base backup
//       started at offset O within that segment. Informational for replay.
//
// Timeline 0 is invalid (PostgreSQL starts at 1). Everything here is pure.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace pchat::logship {

using TimeLineId = uint32_t;
using SegNo = uint64_t;  // absolute segment number: LSN / wal_segsize
using Lsn = uint64_t;    // a WAL position (XLogRecPtr)

inline constexpr uint64_t kMinWalSegSize = 1ull << 20;  // initdb --wal-segsize bounds
inline constexpr uint64_t kMaxWalSegSize = 1ull << 30;
inline constexpr uint64_t kDefaultWalSegSize = 16ull << 20;

// True when `bytes` is a power of two between 1 MB and 1 GB (what initdb accepts).
bool is_valid_wal_segsize(uint64_t bytes);

// 0x100000000 / segsize. REQUIRES: is_valid_wal_segsize(segsize).
uint64_t segments_per_xlogid(uint64_t segsize);

// One segment of one timeline.
struct WalSegment {
  TimeLineId tli = 0;
  SegNo segno = 0;
  friend bool operator==(const WalSegment&, const WalSegment&) = default;
};

// Replay order of segments: by position first, then timeline (at one position the
// higher timeline is the one a standby following the latest timeline reads).
std::strong_ordering operator<=>(const WalSegment& a, const WalSegment& b);

enum class WalFileKind {
  kSegment,        // a complete segment
  kPartial,        // TTTTTTTTXXXXXXXXYYYYYYYY.partial
  kHistory,        // TTTTTTTT.history (segno unused)
  kBackupHistory,  // TTTTTTTTXXXXXXXXYYYYYYYY.OOOOOOOO.backup
};

const char* to_string(WalFileKind kind);

struct WalFileName {
  WalFileKind kind = WalFileKind::kSegment;
  TimeLineId tli = 0;
  SegNo segno = 0;             // all kinds but kHistory
  uint32_t backup_offset = 0;  // kBackupHistory only: byte offset within the segment

  WalSegment segment() const { return {tli, segno}; }
  friend bool operator==(const WalFileName&, const WalFileName&) = default;
};

// Archive order, total: history files first (by timeline: they must reach a standby
// before the segments of their timeline), then by segment (as WalSegment orders),
// then kSegment < kPartial < kBackupHistory, then backup offset.
std::strong_ordering compare_wal_files(const WalFileName& a, const WalFileName& b);

// Parses any of the four forms. kInvalidInput (with the reason) when `name` is not
// one of them: wrong length, lower-case or non-hex digits, timeline 0, a "seg" part
// >= segments_per_xlogid(segsize), a backup offset >= segsize, an invalid segsize.
Result<WalFileName> parse_wal_file_name(std::string_view name, uint64_t segsize);

// True when `name` has the shape of one of the four forms (upper-case hex of the
// right lengths and suffix), whatever the segment size. A cheap gate before a name
// is used as a path component: it never contains '/' or "..".
bool looks_like_wal_file_name(std::string_view name);

// The inverse of parse_wal_file_name. REQUIRES: is_valid_wal_segsize(segsize), and
// segno within the 2^64-byte address space.
std::string format_wal_file_name(const WalFileName& file, uint64_t segsize);
std::string segment_file_name(TimeLineId tli, SegNo segno, uint64_t segsize);
std::string history_file_name(TimeLineId tli);

// The name a .partial file is replayed under (its suffix removed). REQUIRES: kind kPartial.
std::string replayable_name(const WalFileName& partial, uint64_t segsize);

// Neighbours on the same timeline; nullopt past either end of the address space.
std::optional<WalSegment> next_segment(WalSegment s, uint64_t segsize);
std::optional<WalSegment> previous_segment(WalSegment s);

// The segment holding byte `lsn` (XLByteToSeg) and the first LSN of a segment.
SegNo lsn_to_segno(Lsn lsn, uint64_t segsize);
Lsn segment_start_lsn(SegNo segno, uint64_t segsize);

// "16/B374D848" <-> Lsn, as pg_lsn prints it (upper-case hex, 1-8 digits each side).
Result<Lsn> parse_lsn(std::string_view text);
std::string format_lsn(Lsn lsn);

}  // namespace pchat::logship
