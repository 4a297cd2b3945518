#include "store/history.h"

#include <gtest/gtest.h>

namespace pchat::store {
namespace {

TEST(StoreHistory, DmKeyIsSymmetric) {
  EXPECT_EQ(dm_key("bob", "alice"), "dm:alice:bob");
  EXPECT_EQ(dm_key("alice", "bob"), "dm:alice:bob");
  EXPECT_EQ(dm_key("me", "me"), "dm:me:me");
}

TEST(StoreHistory, DmPeer) {
  EXPECT_EQ(dm_peer("dm:alice:bob", "alice"), "bob");
  EXPECT_EQ(dm_peer("dm:alice:bob", "bob"), "alice");
  EXPECT_EQ(dm_peer("dm:me:me", "me"), "me");
  EXPECT_EQ(dm_peer(dm_key("[x]", "a-b"), "a-b"), "[x]");
  EXPECT_FALSE(dm_peer("dm:alice:bob", "carol"));
  EXPECT_FALSE(dm_peer("dm:alice:bob", "alic"));
  EXPECT_FALSE(dm_peer("#alice", "alice"));
  EXPECT_FALSE(dm_peer("dm:alice", "alice"));
  EXPECT_FALSE(dm_peer("dm::bob", "bob"));
  EXPECT_FALSE(dm_peer("dm:alice:bob:carol", "alice"));
}

TEST(StoreHistory, IsoTimestamp) {
  EXPECT_EQ(iso_timestamp_us(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(iso_timestamp_us(1546612406123456), "2019-01-04T14:33:26.123456Z");
  EXPECT_EQ(iso_timestamp_us(1709251199999000), "2024-02-29T23:59:59.999000Z");
  EXPECT_EQ(iso_timestamp_us(32503680000000000), "3000-01-01T00:00:00.000000Z");
  EXPECT_EQ(iso_timestamp_us(253402300799999999), "9999-12-31T23:59:59.999999Z");
}

}  // namespace
}  // namespace pchat::store
