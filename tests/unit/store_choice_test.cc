#include "dr/store_choice.h"

#include <gtest/gtest.h>

namespace pchat::dr {
namespace {

StoreProbe up(std::string name, bool writable, int64_t epoch, std::string primary = "primary") {
  StoreProbe p;
  p.name = std::move(name);
  p.reachable = true;
  p.writable = writable;
  p.has_state = true;
  p.epoch = epoch;
  p.primary_store = std::move(primary);
  return p;
}

TEST(StoreChoice, UsesThePrimaryInNormalTimes) {
  auto c =
      choose_store({up("primary", true, 1), up("mirror", false, 1), up("backup", false, 1)}, "", 0);
  ASSERT_TRUE(c.use);
  EXPECT_EQ(*c.use, "primary");
  EXPECT_TRUE(c.fence.empty());
  EXPECT_EQ(c.epoch, 1);
}

TEST(StoreChoice, FollowsTheHigherEpochAndFencesTheOldPrimary) {
  // After failover: backup promoted with epoch 2; datacenter A's primary is back.
  auto c = choose_store({up("primary", true, 1), up("backup", true, 2, "backup")}, "primary", 1);
  ASSERT_TRUE(c.use);
  EXPECT_EQ(*c.use, "backup");
  EXPECT_EQ(c.fence, std::vector<std::string>{"primary"});
}

TEST(StoreChoice, NeverGoesBackBelowAnEpochItHasSeen) {
  // The new primary is unreachable; the old one (lower epoch) is the only writable.
  StoreProbe gone;
  gone.name = "backup";
  auto c = choose_store({up("primary", true, 1), gone}, "backup", 2);
  EXPECT_FALSE(c.use);
  EXPECT_EQ(c.fence, std::vector<std::string>{"primary"});
  EXPECT_EQ(c.epoch, 2);
}

TEST(StoreChoice, TieKeepsTheCurrentThenThePoolStatesChoice) {
  // Promoted but epoch not written yet: two writable stores with the same epoch.
  auto probes =
      std::vector<StoreProbe>{up("primary", true, 3, "primary"), up("backup", true, 3, "primary")};
  EXPECT_EQ(*choose_store(probes, "backup", 3).use, "backup");
  EXPECT_EQ(*choose_store(probes, "", 3).use, "primary");
  EXPECT_TRUE(choose_store(probes, "", 3).fence.empty());
}

TEST(StoreChoice, FencedAndStandbyStoresAreNeverUsed) {
  auto fenced = up("primary", true, 1);
  fenced.fenced = true;
  auto c = choose_store({fenced, up("mirror", false, 1)}, "primary", 1);
  EXPECT_FALSE(c.use);
  EXPECT_TRUE(c.fence.empty());  // already fenced
}

TEST(StoreChoice, UnreachableStoresDoNotCount) {
  StoreProbe p;
  p.name = "backup";
  p.epoch = 9;  // stale value from an unreachable store: ignored
  auto c = choose_store({up("primary", true, 1), p}, "", 0);
  EXPECT_EQ(*c.use, "primary");
  EXPECT_EQ(c.epoch, 1);
}

TEST(StoreChoice, AStoreWithoutPoolStateIsNeitherFencedNorUsedOnceThePoolHasAnEpoch) {
  // Two servers start together on a new store: the first is creating the schema, and
  // the second's probes read the primary before pool_state was committed and the
  // synchronous mirror after. The primary is not the old primary of a failover.
  StoreProbe fresh;
  fresh.name = "primary";
  fresh.reachable = true;
  fresh.writable = true;
  auto c = choose_store({fresh, up("mirror", false, 1)}, "", 0);
  EXPECT_FALSE(c.use);
  EXPECT_TRUE(c.fence.empty());
  EXPECT_EQ(c.epoch, 1);
  // Alone, on the very first start, it is the store to use (and to migrate).
  auto first = choose_store({fresh}, "", 0);
  ASSERT_TRUE(first.use);
  EXPECT_EQ(*first.use, "primary");
}

TEST(StoreChoice, ANewStoreIsUsedOnlyWhenEveryStoreAnswersWithoutPoolState) {
  StoreProbe fresh;
  fresh.name = "primary";
  fresh.reachable = true;
  fresh.writable = true;
  StoreProbe standby = fresh;
  standby.name = "mirror";
  standby.writable = false;
  // A new pool: every store answers, none has pool state yet.
  auto c = choose_store({fresh, standby}, "", 0);
  ASSERT_TRUE(c.use);
  EXPECT_EQ(*c.use, "primary");
  // The backup does not answer: it may hold the pool at a higher epoch (after a
  // failover, with datacenter A's store rebuilt empty), so nothing is used.
  StoreProbe silent;
  silent.name = "backup";
  auto w = choose_store({fresh, standby, silent}, "", 0);
  EXPECT_FALSE(w.use);
  EXPECT_TRUE(w.fence.empty());
  EXPECT_NE(w.why.find("backup does not answer"), std::string::npos) << w.why;
  // Nor once this server has seen an epoch.
  EXPECT_FALSE(choose_store({fresh, standby}, "", 1).use);
}

}  // namespace
}  // namespace pchat::dr
