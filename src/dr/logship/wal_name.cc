#include "dr/logship/wal_name.h"

#include <fmt/format.h>

#include <limits>

namespace pchat::logship {
namespace {

constexpr std::string_view kPartialSuffix = ".partial";
constexpr std::string_view kHistorySuffix = ".history";
constexpr std::string_view kBackupSuffix = ".backup";

bool is_upper_hex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

// REQUIRES: s is 1-16 upper-case hex digits.
uint64_t hex_value(std::string_view s) {
  uint64_t v = 0;
  for (char c : s) v = v * 16 + static_cast<uint64_t>(c <= '9' ? c - '0' : c - 'A' + 10);
  return v;
}

// Kind from the shape alone; nullopt when `name` has none of the four shapes.
std::optional<WalFileKind> shape_of(std::string_view name) {
  if (name.size() == 24 && is_upper_hex(name)) return WalFileKind::kSegment;
  if (name.size() == 24 + kPartialSuffix.size() && name.ends_with(kPartialSuffix) &&
      is_upper_hex(name.substr(0, 24))) {
    return WalFileKind::kPartial;
  }
  if (name.size() == 8 + kHistorySuffix.size() && name.ends_with(kHistorySuffix) &&
      is_upper_hex(name.substr(0, 8))) {
    return WalFileKind::kHistory;
  }
  if (name.size() == 24 + 1 + 8 + kBackupSuffix.size() && name.ends_with(kBackupSuffix) &&
      name[24] == '.' && is_upper_hex(name.substr(0, 24)) && is_upper_hex(name.substr(25, 8))) {
    return WalFileKind::kBackupHistory;
  }
  return std::nullopt;
}

int kind_rank(WalFileKind k) {
  switch (k) {
    case WalFileKind::kHistory:
      return 0;
    case WalFileKind::kSegment:
      return 1;
    case WalFileKind::kPartial:
      return 2;
    case WalFileKind::kBackupHistory:
      return 3;
  }
  return 4;
}

}  // namespace

bool is_valid_wal_segsize(uint64_t bytes) {
  return bytes >= kMinWalSegSize && bytes <= kMaxWalSegSize && (bytes & (bytes - 1)) == 0;
}

uint64_t segments_per_xlogid(uint64_t segsize) {
  return 0x100000000ull / segsize;
}

std::strong_ordering operator<=>(const WalSegment& a, const WalSegment& b) {
  if (auto c = a.segno <=> b.segno; c != 0) return c;
  return a.tli <=> b.tli;
}

const char* to_string(WalFileKind kind) {
  switch (kind) {
    case WalFileKind::kSegment:
      return "segment";
    case WalFileKind::kPartial:
      return "partial";
    case WalFileKind::kHistory:
      return "history";
    case WalFileKind::kBackupHistory:
      return "backup";
  }
  return "?";
}

std::strong_ordering compare_wal_files(const WalFileName& a, const WalFileName& b) {
  bool ah = a.kind == WalFileKind::kHistory;
  bool bh = b.kind == WalFileKind::kHistory;
  if (ah != bh) return ah ? std::strong_ordering::less : std::strong_ordering::greater;
  if (ah) return a.tli <=> b.tli;
  if (auto c = a.segment() <=> b.segment(); c != 0) return c;
  if (auto c = kind_rank(a.kind) <=> kind_rank(b.kind); c != 0) return c;
  return a.backup_offset <=> b.backup_offset;
}

bool looks_like_wal_file_name(std::string_view name) {
  return shape_of(name).has_value();
}

Result<WalFileName> parse_wal_file_name(std::string_view name, uint64_t segsize) {
  if (!is_valid_wal_segsize(segsize)) {
    return make_error(
        ErrorKind::kInvalidInput,
        fmt::format("invalid WAL segment size {} (a power of 2, 1 MB to 1 GB)", segsize));
  }
  auto shape = shape_of(name);
  if (!shape) {
    return make_error(ErrorKind::kInvalidInput,
                      fmt::format("'{}' is not a WAL file name (expected 24 upper-case hex "
                                  "digits, optionally .partial, or TTTTTTTT.history, or "
                                  "<segment>.OOOOOOOO.backup)",
                                  name));
  }
  WalFileName f;
  f.kind = *shape;
  f.tli = static_cast<TimeLineId>(hex_value(name.substr(0, 8)));
  if (f.tli == 0) {
    return make_error(ErrorKind::kInvalidInput,
                      fmt::format("'{}': timeline 0 does not exist", name));
  }
  if (f.kind == WalFileKind::kHistory) return f;
  uint64_t per_id = segments_per_xlogid(segsize);
  uint64_t log = hex_value(name.substr(8, 8));
  uint64_t seg = hex_value(name.substr(16, 8));
  if (seg >= per_id) {
    return make_error(ErrorKind::kInvalidInput,
                      fmt::format("'{}': segment part {:08X} is out of range for {} MB segments "
                                  "(at most {:08X})",
                                  name, seg, segsize >> 20, per_id - 1));
  }
  f.segno = log * per_id + seg;
  if (f.kind == WalFileKind::kBackupHistory) {
    uint64_t off = hex_value(name.substr(25, 8));
    if (off >= segsize) {
      return make_error(
          ErrorKind::kInvalidInput,
          fmt::format("'{}': backup offset {:08X} is beyond the segment size", name, off));
    }
    f.backup_offset = static_cast<uint32_t>(off);
  }
  return f;
}

std::string segment_file_name(TimeLineId tli, SegNo segno, uint64_t segsize) {
  uint64_t per_id = segments_per_xlogid(segsize);
  return fmt::format("{:08X}{:08X}{:08X}", tli, segno / per_id, segno % per_id);
}

std::string history_file_name(TimeLineId tli) {
  return fmt::format("{:08X}.history", tli);
}

std::string format_wal_file_name(const WalFileName& file, uint64_t segsize) {
  switch (file.kind) {
    case WalFileKind::kSegment:
      return segment_file_name(file.tli, file.segno, segsize);
    case WalFileKind::kPartial:
      return segment_file_name(file.tli, file.segno, segsize) + std::string(kPartialSuffix);
    case WalFileKind::kHistory:
      return history_file_name(file.tli);
    case WalFileKind::kBackupHistory:
      return fmt::format("{}.{:08X}.backup", segment_file_name(file.tli, file.segno, segsize),
                         file.backup_offset);
  }
  return {};
}

std::string replayable_name(const WalFileName& partial, uint64_t segsize) {
  return segment_file_name(partial.tli, partial.segno, segsize);
}

std::optional<WalSegment> next_segment(WalSegment s, uint64_t segsize) {
  uint64_t last = std::numeric_limits<uint64_t>::max() / segsize;  // last whole segment
  if (s.segno >= last) return std::nullopt;
  return WalSegment{s.tli, s.segno + 1};
}

std::optional<WalSegment> previous_segment(WalSegment s) {
  if (s.segno == 0) return std::nullopt;
  return WalSegment{s.tli, s.segno - 1};
}

SegNo lsn_to_segno(Lsn lsn, uint64_t segsize) {
  return lsn / segsize;
}

Lsn segment_start_lsn(SegNo segno, uint64_t segsize) {
  return segno * segsize;
}

Result<Lsn> parse_lsn(std::string_view text) {
  auto bad = [&] {
    return make_error(ErrorKind::kInvalidInput,
                      fmt::format("'{}' is not an LSN (expected hex 'X/X', e.g. 0/3000158)", text));
  };
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return bad();
  std::string_view hi = text.substr(0, slash);
  std::string_view lo = text.substr(slash + 1);
  if (hi.empty() || lo.empty() || hi.size() > 8 || lo.size() > 8) return bad();
  uint64_t v[2] = {0, 0};
  std::string_view parts[2] = {hi, lo};
  for (int i = 0; i < 2; ++i) {
    for (char c : parts[i]) {
      int d;
      if (c >= '0' && c <= '9') {
        d = c - '0';
      } else if (c >= 'A' && c <= 'F') {
        d = c - 'A' + 10;
      } else if (c >= 'a' && c <= 'f') {
        d = c - 'a' + 10;
      } else {
        return bad();
      }
      v[i] = v[i] * 16 + static_cast<uint64_t>(d);
    }
  }
  return (v[0] << 32) | v[1];
}

std::string format_lsn(Lsn lsn) {
  return fmt::format("{:X}/{:X}", lsn >> 32, lsn & 0xFFFFFFFFull);
}

}  // namespace pchat::logship
