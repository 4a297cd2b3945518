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

TEST(CommitHandoff, TakesTheCommitOnce) {
  CommitHandoff h;
  h.publish(1, range(5, 7));
  auto got = h.take(1, 5, 7, 0ms);
  ASSERT_TRUE(got);
  ASSERT_EQ(got->size(), 3u);
  EXPECT_EQ(got->front().msgid, "m5");
  EXPECT_FALSE(h.take(1, 5, 7, 0ms));
}

TEST(CommitHandoff, AnotherRangeIsNotTaken) {
  CommitHandoff h;
  h.publish(1, range(5, 7));
  EXPECT_FALSE(h.take(1, 5, 6, 0ms));  // the commit holds other ids than the note says
  EXPECT_FALSE(h.take(2, 8, 9, 0ms));  // commit 2 was not published
}

TEST(CommitHandoff, SameIdsOfAnotherCommitAreNotTaken) {
  // A failover: the new store reuses ids 5..7 for another commit. The range the
  // writer published for the old store must not stand in for it.
  CommitHandoff h;
  h.publish(3, range(5, 7));
  EXPECT_FALSE(h.take(4, 5, 7, 0ms));
  h.publish(5, range(5, 7));
  EXPECT_FALSE(h.take(4, 5, 7, 0ms));  // 4 never came: 5 did, and is left alone
  auto got = h.take(5, 5, 7, 0ms);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->size(), 3u);
}

TEST(CommitHandoff, EarlierCommitsAreDroppedOnTheWay) {
  CommitHandoff h;
  h.publish(1, range(1, 2));
  h.publish(2, range(3, 3));
  h.publish(3, range(4, 9));
  auto got = h.take(3, 4, 9, 0ms);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->back().id, 9);
  EXPECT_FALSE(h.take(1, 1, 2, 0ms));
}

TEST(CommitHandoff, GivesUpWhenALaterCommitIsThere) {
  CommitHandoff h;
  h.publish(7, range(10, 12));
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(h.take(6, 8, 9, 5s));  // commit 6 will not come: 7 already did
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  EXPECT_TRUE(h.take(7, 10, 12, 0ms));
}

TEST(CommitHandoff, WaitsForTheWriter) {
  CommitHandoff h;
  std::thread writer([&] {
    std::this_thread::sleep_for(20ms);
    h.publish(1, range(1, 4));
  });
  auto got = h.take(1, 1, 4, 5s);
  writer.join();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->size(), 4u);
}

TEST(CommitHandoff, TimesOutWithNothing) {
  CommitHandoff h;
  EXPECT_FALSE(h.take(1, 1, 1, 10ms));
}

TEST(CommitHandoff, KeepsABoundedNumberOfRanges) {
  CommitHandoff h;
  const auto n = static_cast<int64_t>(CommitHandoff::kMaxRanges) + 10;
  for (int64_t i = 1; i <= n; ++i) h.publish(static_cast<uint64_t>(i), range(i, i));
  EXPECT_FALSE(h.take(1, 1, 1, 0ms));  // dropped
  EXPECT_TRUE(h.take(11, 11, 11, 0ms));
}

TEST(CommitHandoff, KeepsABoundedNumberOfRows) {
  CommitHandoff h;
  const auto big = static_cast<int64_t>(CommitHandoff::kMaxRows) / 2;
  h.publish(1, range(1, big));
  h.publish(2, range(big + 1, 2 * big));
  h.publish(3, range(2 * big + 1, 2 * big + 1));  // over the bound: commit 1 goes
  EXPECT_FALSE(h.take(1, 1, big, 0ms));
  EXPECT_TRUE(h.take(2, big + 1, 2 * big, 0ms));
  // One range larger than the bound is still kept (the newest always is).
  h.publish(4, range(1, 2 * static_cast<int64_t>(CommitHandoff::kMaxRows)));
  EXPECT_TRUE(h.take(4, 1, 2 * static_cast<int64_t>(CommitHandoff::kMaxRows), 0ms));
}

TEST(MessageStreamNote, ParsesWriterCommitAndRange) {
  auto n = MessageStream::parse_note("a1/123/0f 9 40 52", "a1/123/0f");
  EXPECT_TRUE(n.own);
  EXPECT_EQ(n.commit, 9u);
  EXPECT_EQ(n.first, 40);
  EXPECT_EQ(n.last, 52);
  auto files = MessageStream::parse_note("a1/123/0f/files 53 53", "a1/123/0f");
  EXPECT_FALSE(files.own);
  EXPECT_EQ(files.last, 53);
  EXPECT_FALSE(MessageStream::parse_note("a1/123/0f 9 40 52", "").own);
  EXPECT_FALSE(MessageStream::parse_note("b2/123/0f 9 40 52", "a1/123/0f").own);
  EXPECT_FALSE(MessageStream::parse_note("a1/123/0f x 40 52", "a1/123/0f").own);
  EXPECT_FALSE(MessageStream::parse_note("a1/123/0f 40 52", "a1/123/0f").own);  // no number
  auto bad = MessageStream::parse_note("garbage", "a1/123/0f");
  EXPECT_EQ(bad.last, -1);
  EXPECT_EQ(MessageStream::parse_note("w 1 2 x", "w").last, -1);
}

}  // namespace
}  // namespace pchat::store
