// SignInThrottle (server/sign_in_throttle.h): free failures, growing waits, forgetting.
#include <gtest/gtest.h>

#include "server/sign_in_throttle.h"

namespace pchat::server {
namespace {

using std::chrono::seconds;
using Clock = SignInThrottle::Clock;

SignInThrottle::Limits small() {
  SignInThrottle::Limits l;
  l.free_failures_per_account = 3;
  l.free_failures_per_address = 6;
  l.first_delay = seconds(1);
  l.max_delay = seconds(8);
  l.forget_after = seconds(100);
  l.max_entries = 1000;
  return l;
}

TEST(SignInThrottle, FreeFailuresThenDoublingWaitsUpToTheCap) {
  SignInThrottle t(small());
  const Clock::time_point t0{};
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(t.wait("alice", "10.0.0.1", t0), Clock::duration::zero());
    t.failed("alice", "10.0.0.1", t0);
  }
  EXPECT_EQ(t.wait("alice", "10.0.0.1", t0), Clock::duration::zero());  // 3 are free
  t.failed("alice", "10.0.0.1", t0);
  EXPECT_EQ(t.wait("alice", "10.0.0.2", t0), seconds(1));  // the account, from anywhere
  t.failed("alice", "10.0.0.1", t0);
  EXPECT_EQ(t.wait("alice", "10.0.0.3", t0), seconds(2));
  for (int i = 0; i < 5; ++i) t.failed("alice", "10.0.0.4", t0);
  EXPECT_EQ(t.wait("alice", "10.0.0.5", t0), seconds(8));  // capped
  EXPECT_EQ(t.wait("alice", "10.0.0.5", t0 + seconds(3)), seconds(5));
  EXPECT_EQ(t.wait("alice", "10.0.0.5", t0 + seconds(8)), Clock::duration::zero());
  EXPECT_EQ(t.wait("bob", "10.0.0.9", t0), Clock::duration::zero());  // others unaffected
}

TEST(SignInThrottle, AnAddressSprayingNamesIsHeldBack) {
  SignInThrottle t(small());
  const Clock::time_point t0{};
  for (int i = 0; i < 7; ++i) t.failed("name" + std::to_string(i), "192.0.2.7", t0);
  EXPECT_EQ(t.wait("fresh", "192.0.2.7", t0), seconds(1));
  EXPECT_EQ(t.wait("fresh", "192.0.2.8", t0), Clock::duration::zero());
}

TEST(SignInThrottle, SuccessForgetsTheAccountAndTimeForgetsEverything) {
  SignInThrottle t(small());
  const Clock::time_point t0{};
  for (int i = 0; i < 4; ++i) t.failed("carol", "198.51.100.1", t0);
  EXPECT_GT(t.wait("carol", "198.51.100.2", t0), Clock::duration::zero());
  t.succeeded("carol");
  EXPECT_EQ(t.wait("carol", "198.51.100.2", t0), Clock::duration::zero());
  for (int i = 0; i < 4; ++i) t.failed("dave", "198.51.100.1", t0);
  EXPECT_GT(t.wait("dave", "198.51.100.3", t0), Clock::duration::zero());
  EXPECT_EQ(t.wait("dave", "198.51.100.3", t0 + seconds(100)), Clock::duration::zero());
  // A failure after forgetting starts the count again.
  t.failed("dave", "198.51.100.3", t0 + seconds(200));
  EXPECT_EQ(t.wait("dave", "198.51.100.3", t0 + seconds(200)), Clock::duration::zero());
}

TEST(SignInThrottle, MemoryIsBounded) {
  auto l = small();
  l.max_entries = 100;
  SignInThrottle t(l);
  Clock::time_point now{};
  for (int i = 0; i < 1000; ++i) {
    now += std::chrono::milliseconds(1);
    t.failed("n" + std::to_string(i), "203.0.113." + std::to_string(i % 250), now);
    ASSERT_LE(t.entries(), 100u);
  }
  // The newest failures are kept.
  for (int k = 0; k < 4; ++k) t.failed("n999", "203.0.113.249", now);
  EXPECT_GT(t.wait("n999", "203.0.113.1", now), Clock::duration::zero());
}

}  // namespace
}  // namespace pchat::server
