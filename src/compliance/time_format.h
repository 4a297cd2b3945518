// The three forms of a DateTimeUTC / StartTimeUTC / EndTimeUTC element.
//
// Lync Server 2013 Persistent Chat writes every instant three ways:
//   since1970 = milliseconds since 1970-01-01T00:00:00Z ("1212610540953"),
//   string    = ISO 8601 UTC with 7 fractional digits ("2008-06-04T20:15:40.9535482Z"),
//   long      = .NET DateTime ticks: 100 ns units since 0001-01-01T00:00:00
//               ("633482073409535482").
// pchat keeps microseconds, so the 7th fractional digit is always 0.
#pragma once

#include <cstdint>
#include <string>

namespace pchat::compliance {

struct UtcForms {
  std::string since1970;
  std::string string;
  std::string ticks;  // the "long" attribute
};

// REQUIRES: 0 <= ts_us <= kMaxTimestampUs (event.h).
UtcForms utc_forms(int64_t ts_us);

// "YYYYMMDDTHHMMSSZ" (seconds truncated), for file names.
// REQUIRES: 0 <= ts_us <= kMaxTimestampUs.
std::string compact_utc(int64_t ts_us);

// Ticks of 1970-01-01T00:00:00Z.
inline constexpr int64_t kUnixEpochTicks = 621355968000000000;

}  // namespace pchat::compliance
