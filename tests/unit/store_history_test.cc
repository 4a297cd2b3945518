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

}  // namespace
}  // namespace pchat::store
