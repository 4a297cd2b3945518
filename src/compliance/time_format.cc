#include "compliance/time_format.h"

#include <fmt/format.h>

#include <cassert>

#include "compliance/event.h"
#include "core/time.h"

namespace pchat::compliance {

namespace {

time::Civil civil(int64_t ts_us) {
  assert(ts_us >= 0 && ts_us <= kMaxTimestampUs);
  return time::civil_from_unix_us(ts_us);
}

}  // namespace

UtcForms utc_forms(int64_t ts_us) {
  const time::Civil c = civil(ts_us);
  UtcForms f;
  f.since1970 = fmt::format("{}", ts_us / 1000);
  f.string = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}0Z", c.year, c.month, c.day,
                         c.hour, c.minute, c.second, c.micros);
  f.ticks = fmt::format("{}", ts_us * 10 + kUnixEpochTicks);
  return f;
}

std::string compact_utc(int64_t ts_us) {
  assert(ts_us >= 0 && ts_us <= kMaxTimestampUs);
  return time::compact_utc(ts_us);
}

}  // namespace pchat::compliance
