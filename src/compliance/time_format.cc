#include "compliance/time_format.h"

#include <fmt/format.h>

#include <cassert>
#include <chrono>

#include "compliance/event.h"

namespace pchat::compliance {

namespace {

struct Civil {
  int year;
  unsigned month, day;
  int64_t hour, minute, second, micros;
};

Civil civil(int64_t ts_us) {
  assert(ts_us >= 0 && ts_us <= kMaxTimestampUs);
  using namespace std::chrono;
  sys_time<microseconds> t{microseconds{ts_us}};
  sys_days day = floor<days>(t);
  year_month_day ymd{day};
  int64_t in_day = (t - day).count();
  return Civil{static_cast<int>(ymd.year()),
               static_cast<unsigned>(ymd.month()),
               static_cast<unsigned>(ymd.day()),
               in_day / 3600000000,
               in_day / 60000000 % 60,
               in_day / 1000000 % 60,
               in_day % 1000000};
}

}  // namespace

UtcForms utc_forms(int64_t ts_us) {
  Civil c = civil(ts_us);
  UtcForms f;
  f.since1970 = fmt::format("{}", ts_us / 1000);
  f.string = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}0Z", c.year, c.month, c.day,
                         c.hour, c.minute, c.second, c.micros);
  f.ticks = fmt::format("{}", ts_us * 10 + kUnixEpochTicks);
  return f;
}

std::string compact_utc(int64_t ts_us) {
  Civil c = civil(ts_us);
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", c.year, c.month, c.day, c.hour, c.minute,
                     c.second);
}

}  // namespace pchat::compliance
