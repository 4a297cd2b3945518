#include "server/msgid.h"

#include <gtest/gtest.h>

#include <set>

namespace pchat::server {
namespace {

TEST(Msgid, LayoutIsTimeThenRandom) {
  // The ULID specification's example: time 1469918176385 ms is "01ARYZ6S41".
  auto id = make_msgid(1469918176385ULL, 0, 0);
  EXPECT_EQ(id, "01aryz6s410000000000000000");
  EXPECT_EQ(make_msgid(0, 0xffff, ~0ULL), "0000000000zzzzzzzzzzzzzzzz");
  // Only 16 bits of hi: bits 64-79 of the 80, so the 4th digit holds one of them.
  EXPECT_EQ(make_msgid(0, 0x1ffff, 0), "0000000000zzzg000000000000");
  EXPECT_EQ(make_msgid(0xffffffffffffULL, 0, 0).substr(0, 10), "7zzzzzzzzz");
}

TEST(Msgid, SortsByTime) {
  EXPECT_LT(make_msgid(1000, ~0ULL, ~0ULL), make_msgid(1001, 0, 0));
  EXPECT_LT(make_msgid(1469918176385ULL, 5, 5), make_msgid(1800000000000ULL, 0, 0));
}

TEST(Msgid, FreshIdsAreDistinctAndWellFormed) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    auto id = new_msgid();
    ASSERT_EQ(id.size(), 26u);
    ASSERT_EQ(id.find_first_not_of("0123456789abcdefghjkmnpqrstvwxyz"), std::string::npos) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 10000u);
}

}  // namespace
}  // namespace pchat::server
