#include "store/commit_handoff.h"

#include <gtest/gtest.h>

#include <thread>

#include "store/message_stream.h"

namespace pchat::store {
namespace {

using namespace std::chrono_literals;

std::vector<HistoryRow> range(int64_t first, int64_t last) {
  std::vector<HistoryRow> rows;
  for (int64_t id = first; id <= last; ++id) {
    HistoryRow r;
    r.id = id;
    r.msgid = "m" + std::to_string(id);
    rows.push_back(r);
  }
  return rows;
}

TEST(CommitHandoff, TakesTheExactRangeOnce) {
  CommitHandoff h;
  h.publish(range(5, 7));
  auto got = h.take(5, 7, 0ms);
  ASSERT_TRUE(got);
  ASSERT_EQ(got->size(), 3u);
  EXPECT_EQ(got->front().msgid, "m5");
  EXPECT_FALSE(h.take(5, 7, 0ms));
}

TEST(CommitHandoff, AnotherRangeIsNotTaken) {
  CommitHandoff h;
  h.publish(range(5, 7));
  EXPECT_FALSE(h.take(5, 6, 0ms));  // not the range published
  EXPECT_FALSE(h.take(4, 7, 0ms));  // nothing published starts at 4: 5.. is later
}

TEST(CommitHandoff, OlderRangesAreDroppedOnTheWay) {
  CommitHandoff h;
  h.publish(range(1, 2));
  h.publish(range(3, 3));
  h.publish(range(4, 9));
  auto got = h.take(4, 9, 0ms);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->back().id, 9);
  EXPECT_FALSE(h.take(1, 2, 0ms));
}

TEST(CommitHandoff, GivesUpWhenALaterRangeIsThere) {
  CommitHandoff h;
  h.publish(range(10, 12));
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(h.take(8, 9, 5s));  // 8..9 will not come: 10.. already did
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  EXPECT_TRUE(h.take(10, 12, 0ms));
}

TEST(CommitHandoff, WaitsForTheWriter) {
  CommitHandoff h;
  std::thread writer([&] {
    std::this_thread::sleep_for(20ms);
    h.publish(range(1, 4));
  });
  auto got = h.take(1, 4, 5s);
  writer.join();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->size(), 4u);
}

TEST(CommitHandoff, TimesOutWithNothing) {
  CommitHandoff h;
  EXPECT_FALSE(h.take(1, 1, 10ms));
}

TEST(CommitHandoff, KeepsABoundedNumberOfRanges) {
  CommitHandoff h;
  for (int64_t i = 1; i <= static_cast<int64_t>(CommitHandoff::kMaxRanges) + 10; ++i) {
    h.publish(range(i, i));
  }
  EXPECT_FALSE(h.take(1, 1, 0ms));  // dropped
  EXPECT_TRUE(h.take(11, 11, 0ms));
}

TEST(MessageStreamNote, ParsesWriterAndRange) {
  auto n = MessageStream::parse_note("a1/123 40 52", "a1/123");
  EXPECT_TRUE(n.own);
  EXPECT_EQ(n.first, 40);
  EXPECT_EQ(n.last, 52);
  auto other = MessageStream::parse_note("a1/123/files 53 53", "a1/123");
  EXPECT_FALSE(other.own);
  EXPECT_EQ(other.last, 53);
  EXPECT_FALSE(MessageStream::parse_note("a1/123 40 52", "").own);
  auto bad = MessageStream::parse_note("garbage", "a1/123");
  EXPECT_EQ(bad.last, -1);
  EXPECT_EQ(MessageStream::parse_note("w 1 x", "w").last, -1);
}

}  // namespace
}  // namespace pchat::store
