// The witness's book (dr/arbiter/witness_book.h): who it holds as primary, and when
// it grants a promotion.
#include <gtest/gtest.h>

#include "dr/arbiter/witness_book.h"

namespace pchat::dr {
namespace {

WitnessBook book_at(int64_t t) {
  WitnessBook b({"primary", "mirror"}, 1000, t);
  b.observe("primary", true, true, 3, t);
  b.observe("mirror", true, false, 3, t);
  return b;
}

TEST(ArbiterWitnessBook, HoldsTheWritableStoreWithTheHighestEpochAsPrimary) {
  WitnessBook b = book_at(0);
  EXPECT_EQ(b.primary(), "primary");
  b.observe("mirror", true, true, 2, 10);  // writable at a lower epoch: not the primary
  EXPECT_EQ(b.primary(), "primary");
  b.observe("mirror", true, true, 4, 20);  // promoted by an operator, epoch raised
  EXPECT_EQ(b.primary(), "mirror");
}

TEST(ArbiterWitnessBook, GrantsOnlyWhenItHasNotSeenThePrimaryForTheDelay) {
  WitnessBook b = book_at(0);
  b.observe("primary", false, false, 0, 100);
  auto g = b.grant("primary", "mirror", "test", 900, "now");
  EXPECT_FALSE(g.granted);
  EXPECT_NE(g.why.find("saw the primary"), std::string::npos) << g.why;
  g = b.grant("primary", "mirror", "test", 1000, "now");
  EXPECT_TRUE(g.granted) << g.why;
  EXPECT_EQ(b.primary(), "mirror");
  EXPECT_EQ(b.view(1000)["last_failover"]["from"], "primary");
  EXPECT_EQ(b.view(1000)["last_failover"]["epoch"], 4);
  // Granted once: the old primary cannot take it back, nor a second grant happen.
  EXPECT_FALSE(b.grant("primary", "mirror", "again", 2000, "now").granted);
  EXPECT_EQ(b.grants(), 1u);
  EXPECT_EQ(b.refusals(), 2u);
}

TEST(ArbiterWitnessBook, OldPrimaryBackAtItsOldEpochIsNotThePrimary) {
  WitnessBook b = book_at(0);
  b.observe("primary", false, false, 0, 100);
  ASSERT_TRUE(b.grant("primary", "mirror", "test", 2000, "now").granted);
  b.observe("primary", true, true, 3, 2100);  // SIGCONT: writable, old epoch
  EXPECT_EQ(b.primary(), "mirror");
}

TEST(ArbiterWitnessBook, RefusesWhenOffOrWhenTheTargetIsNotSeen) {
  WitnessBook b = book_at(0);
  b.observe("primary", false, false, 0, 100);
  b.set_auto(false);
  EXPECT_FALSE(b.grant("primary", "mirror", "test", 5000, "now").granted);
  b.set_auto(true);
  b.observe("mirror", false, false, 0, 4000);
  EXPECT_FALSE(b.grant("primary", "mirror", "test", 5000, "now").granted);
  EXPECT_FALSE(b.grant("mirror", "mirror", "test", 5000, "now").granted);
  EXPECT_FALSE(b.grant("primary", "backup", "test", 5000, "now").granted);
}

TEST(ArbiterWitnessBook, RefusesWhileThePoolIsFailedOverToTheOtherDatacenter) {
  WitnessBook b = book_at(0);
  b.observe_other("backup", true, true, 4);  // promoted by the datacenter failover
  b.observe("primary", false, false, 0, 100);
  auto g = b.grant("primary", "mirror", "failback rebuilding the primary", 5000, "now");
  EXPECT_FALSE(g.granted);
  EXPECT_NE(g.why.find("operator's call"), std::string::npos) << g.why;
  b.observe_other("backup", true, false, 4);  // a standby again (failback done)
  EXPECT_TRUE(b.grant("primary", "mirror", "kill", 5000, "now").granted);
}

TEST(ArbiterWitnessBook, AnOperatorsFailoverHoldsGrantsUntilReleasedOrExpired) {
  WitnessBook b = book_at(0);
  b.hold(10000, "alice");
  b.observe("primary", false, false, 0, 100);  // stopped for the switch-over
  auto g = b.grant("primary", "mirror", "agent", 5000, "now");
  EXPECT_FALSE(g.granted);
  EXPECT_NE(g.why.find("alice"), std::string::npos) << g.why;
  EXPECT_EQ(b.view(5000)["hold"]["left_ms"], 5000);
  EXPECT_EQ(b.primary(), "primary");
  b.hold(0, "alice");  // released
  EXPECT_TRUE(b.view(5000)["hold"].is_null());
  EXPECT_TRUE(b.grant("primary", "mirror", "agent", 5000, "now").granted);

  WitnessBook e = book_at(0);
  e.hold(3000, "bob");  // pchatctl died: the hold ends by itself
  e.observe("primary", false, false, 0, 100);
  EXPECT_FALSE(e.grant("primary", "mirror", "agent", 2999, "now").granted);
  EXPECT_EQ(e.held_ms(3000), 0);
  EXPECT_TRUE(e.grant("primary", "mirror", "agent", 3000, "now").granted);
}

TEST(ArbiterWitnessBook, StateSurvivesARestart) {
  WitnessBook b = book_at(0);
  b.observe("primary", false, false, 0, 100);
  ASSERT_TRUE(b.grant("primary", "mirror", "kill", 2000, "t1").granted);
  b.set_auto(false);
  WitnessBook r({"primary", "mirror"}, 1000, 0);
  r.restore(b.state());
  EXPECT_EQ(r.primary(), "mirror");
  EXPECT_FALSE(r.auto_enabled());
  EXPECT_EQ(r.view(0)["last_failover"]["why"], "kill");
  r.observe("primary", true, true, 3, 10);  // the old primary's old epoch
  EXPECT_EQ(r.primary(), "mirror");
}

TEST(ArbiterWitnessBook, NeverSeenCountsFromTheWitnessStart) {
  WitnessBook b({"primary", "mirror"}, 1000, 500);
  EXPECT_EQ(b.unseen_ms("primary", 1700), 1200);
  b.observe("primary", true, true, 1, 1800);
  EXPECT_EQ(b.unseen_ms("primary", 1900), 0);
}

}  // namespace
}  // namespace pchat::dr
