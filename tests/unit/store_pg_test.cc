#include "store/pg.h"

#include <gtest/gtest.h>

namespace pchat::pg {
namespace {

TEST(MakeTextArray, EscapesQuotesAndBackslashes) {
  EXPECT_EQ(make_text_array({}), "{}");
  EXPECT_EQ(make_text_array({std::string("a")}), "{\"a\"}");
  EXPECT_EQ(make_text_array({std::string("a\"b"), std::string("c\\d")}), "{\"a\\\"b\",\"c\\\\d\"}");
}

TEST(MakeTextArray, NullAndEmptyAreDistinct) {
  EXPECT_EQ(make_text_array({std::nullopt, std::string()}), "{NULL,\"\"}");
  // The word NULL as a value is quoted, so it stays a string.
  EXPECT_EQ(make_text_array({std::string("NULL")}), "{\"NULL\"}");
}

TEST(MakeTextArray, KeepsBracesCommasAndUtf8) {
  EXPECT_EQ(make_text_array({std::string("{x,y}"), std::string("héllo 世界")}),
            "{\"{x,y}\",\"héllo 世界\"}");
}

TEST(ClassifySqlstate, RetryOrFail) {
  EXPECT_EQ(classify_sqlstate("08006"), ErrorKind::kUnavailable);  // connection failure
  EXPECT_EQ(classify_sqlstate("57P01"), ErrorKind::kUnavailable);  // admin shutdown
  EXPECT_EQ(classify_sqlstate("25006"), ErrorKind::kUnavailable);  // read-only transaction
  EXPECT_EQ(classify_sqlstate("53300"), ErrorKind::kUnavailable);  // too many connections
  EXPECT_EQ(classify_sqlstate(""), ErrorKind::kUnavailable);       // no SQLSTATE at all
  EXPECT_EQ(classify_sqlstate("23505"), ErrorKind::kConflict);
  EXPECT_EQ(classify_sqlstate("40001"), ErrorKind::kConflict);
  EXPECT_EQ(classify_sqlstate("23502"), ErrorKind::kInvalidInput);
  EXPECT_EQ(classify_sqlstate("22P02"), ErrorKind::kInvalidInput);
  EXPECT_EQ(classify_sqlstate("42601"), ErrorKind::kInternal);  // syntax error: our bug
}

}  // namespace
}  // namespace pchat::pg
