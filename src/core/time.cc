#include "core/time.h"

#include <fmt/format.h>

#include <chrono>

namespace pchat::time {

namespace {

using std::chrono::days;
using std::chrono::microseconds;
using std::chrono::sys_days;

constexpr int64_t kUsPerDay = 86400LL * 1000000;

// Floor division: times before 1970 fall into the previous day.
int64_t floor_div(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

}  // namespace

int64_t now_us() {
  return std::chrono::duration_cast<microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<int64_t> days_from_civil(int64_t year, unsigned month, unsigned day) {
  if (year < 1 || year > 9999) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{static_cast<int>(year)},
                                        std::chrono::month{month}, std::chrono::day{day}};
  if (!ymd.ok()) return std::nullopt;
  return sys_days{ymd}.time_since_epoch().count();
}

Civil civil_from_unix_us(int64_t unix_us) {
  const int64_t day_number = floor_div(unix_us, kUsPerDay);
  const int64_t in_day = unix_us - day_number * kUsPerDay;
  const std::chrono::year_month_day ymd{sys_days{days{day_number}}};
  return Civil{static_cast<int>(ymd.year()),
               static_cast<unsigned>(ymd.month()),
               static_cast<unsigned>(ymd.day()),
               in_day / 3600000000,
               in_day / 60000000 % 60,
               in_day / 1000000 % 60,
               in_day % 1000000};
}

std::string iso8601_ms(int64_t unix_us) {
  const Civil c = civil_from_unix_us(unix_us);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", c.year, c.month, c.day, c.hour,
                     c.minute, c.second, c.micros / 1000);
}

std::string iso8601_us(int64_t unix_us) {
  const Civil c = civil_from_unix_us(unix_us);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", c.year, c.month, c.day, c.hour,
                     c.minute, c.second, c.micros);
}

std::string iso8601_s(int64_t unix_us) {
  const Civil c = civil_from_unix_us(unix_us);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", c.year, c.month, c.day, c.hour,
                     c.minute, c.second);
}

std::string compact_utc(int64_t unix_us) {
  const Civil c = civil_from_unix_us(unix_us);
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", c.year, c.month, c.day, c.hour, c.minute,
                     c.second);
}

std::string sql_iso8601(const std::string& expr, bool millis) {
  return "coalesce(to_char((" + expr + ") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS" +
         (millis ? ".MS" : "") + "\"Z\"'), '')";
}

}  // namespace pchat::time
