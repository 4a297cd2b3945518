// Calendar and time: the one place pchat converts between Unix time and civil
// (proleptic Gregorian, UTC) dates and writes ISO 8601, built on C++20 <chrono>
// calendar types. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace pchat::time {

// Microseconds since 1970-01-01T00:00:00Z, now.
int64_t now_us();

// Days since 1970-01-01 of a civil date; nullopt when it is no date ("2023-02-29",
// month 13) or its year is outside 1..9999.
std::optional<int64_t> days_from_civil(int64_t year, unsigned month, unsigned day);

struct Civil {
  int year = 1970;
  unsigned month = 1, day = 1;
  int64_t hour = 0, minute = 0, second = 0, micros = 0;
};
// The civil UTC time of `unix_us`. REQUIRES: a year within 1..32767.
Civil civil_from_unix_us(int64_t unix_us);

// ISO 8601 UTC: "2026-11-26T04:14:17.123Z" (milliseconds, IRCv3 server-time),
// "2026-11-26T04:14:17.123456Z" (microseconds, exact: PostgreSQL timestamptz),
// "2026-11-26T04:14:17Z" (seconds). Fractions are truncated, never rounded.
// REQUIRES: a year within 1..32767 (what <chrono> calendars hold).
std::string iso8601_ms(int64_t unix_us);
std::string iso8601_us(int64_t unix_us);
std::string iso8601_s(int64_t unix_us);
// "20261126T041417Z" (seconds truncated), for file names.
std::string compact_utc(int64_t unix_us);

// SQL: an expression that renders timestamptz expression `expr` as ISO 8601 UTC with
// seconds ("...Z") or milliseconds (`millis`), '' for NULL. For SELECT lists, so
// every command prints times the same way.
std::string sql_iso8601(const std::string& expr, bool millis = false);

}  // namespace pchat::time
