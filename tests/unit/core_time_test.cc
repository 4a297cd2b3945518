// core/time.h: civil dates and ISO 8601 with <chrono> calendars.
#include "core/time.h"

#include <gtest/gtest.h>

namespace pchat::time {
namespace {

TEST(CoreTime, DaysFromCivil) {
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(2000, 3, 1), 11017);
  EXPECT_EQ(days_from_civil(1969, 12, 31), -1);
  EXPECT_EQ(days_from_civil(2024, 2, 29), 19782);
  EXPECT_FALSE(days_from_civil(2023, 2, 29).has_value());
  EXPECT_FALSE(days_from_civil(2024, 13, 1).has_value());
  EXPECT_FALSE(days_from_civil(2024, 0, 1).has_value());
  EXPECT_FALSE(days_from_civil(2024, 4, 31).has_value());
  EXPECT_FALSE(days_from_civil(0, 1, 1).has_value());
  EXPECT_FALSE(days_from_civil(10000, 1, 1).has_value());
  EXPECT_EQ(days_from_civil(9999, 12, 31), 2932896);
}

TEST(CoreTime, Iso8601) {
  EXPECT_EQ(iso8601_us(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(iso8601_us(1546612406123456), "2019-01-04T14:33:26.123456Z");
  EXPECT_EQ(iso8601_us(1709251199999000), "2024-02-29T23:59:59.999000Z");
  EXPECT_EQ(iso8601_us(32503680000000000), "3000-01-01T00:00:00.000000Z");
  EXPECT_EQ(iso8601_us(253402300799999999), "9999-12-31T23:59:59.999999Z");
  EXPECT_EQ(iso8601_ms(1546612406123999), "2019-01-04T14:33:26.123Z") << "truncated";
  EXPECT_EQ(iso8601_s(1546612406999999), "2019-01-04T14:33:26Z");
  EXPECT_EQ(compact_utc(1546612406999999), "20190104T143326Z");
  // Before 1970: the previous day, not a negative time of day.
  EXPECT_EQ(iso8601_us(-1), "1969-12-31T23:59:59.999999Z");
}

TEST(CoreTime, CivilRoundTrip) {
  for (int64_t d : {0LL, 1LL, 59LL, 365LL, 11016LL, 11017LL, 19782LL, 2932896LL}) {
    const Civil c = civil_from_unix_us(d * 86400 * 1000000 + 3723000004);
    EXPECT_EQ(days_from_civil(c.year, c.month, c.day), d);
    EXPECT_EQ(c.hour, 1);
    EXPECT_EQ(c.minute, 2);
    EXPECT_EQ(c.second, 3);
    EXPECT_EQ(c.micros, 4);
  }
}

TEST(CoreTime, SqlExpression) {
  EXPECT_EQ(sql_iso8601("created_at"),
            "coalesce(to_char((created_at) AT TIME ZONE 'UTC', "
            "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '')");
  EXPECT_EQ(sql_iso8601("ts", true),
            "coalesce(to_char((ts) AT TIME ZONE 'UTC', "
            "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), '')");
}

}  // namespace
}  // namespace pchat::time
