#include <gtest/gtest.h>

#include <algorithm>

#include "dr/logship/chain.h"
#include "dr/logship/sha256.h"

namespace pchat::logship {
namespace {

constexpr uint64_t kChainSegSize = 16ull << 20;

std::string name(TimeLineId tli, SegNo segno) {
  return segment_file_name(tli, segno, kChainSegSize);
}

// A verified file: recorded checksum == checksum on disk.
ChainFile good(std::string file_name, uint64_t size = kChainSegSize) {
  std::string sha = sha256_hex(file_name);
  return ChainFile{file_name, size, sha, sha, std::nullopt};
}
ChainFile seg(TimeLineId tli, SegNo segno) {
  return good(name(tli, segno));
}
ChainFile partial(TimeLineId tli, SegNo segno) {
  return good(name(tli, segno) + ".partial");
}
ChainFile history(TimeLineId tli, std::optional<std::string> content) {
  ChainFile f = good(history_file_name(tli), content ? content->size() : 40);
  f.content = std::move(content);
  return f;
}

std::vector<ChainFile> run(SegNo from, SegNo to, TimeLineId tli = 1) {
  std::vector<ChainFile> out;
  for (SegNo s = from; s <= to; ++s) out.push_back(seg(tli, s));
  return out;
}

bool has_problem(const ChainReport& r, ChainProblemKind kind, const std::string& file) {
  return std::any_of(r.problems.begin(), r.problems.end(),
                     [&](const ChainProblem& p) { return p.kind == kind && p.file == file; });
}

bool any_note_contains(const ChainReport& r, const std::string& text) {
  return std::any_of(r.notes.begin(), r.notes.end(),
                     [&](const std::string& n) { return n.find(text) != std::string::npos; });
}

TEST(LogshipChain, CleanChainFromTheStandbysPosition) {
  auto files = run(1, 7);
  std::reverse(files.begin(), files.end());  // input order does not matter
  ChainReport r = check_chain(files, ReplayPoint::after_segment({1, 2}), kChainSegSize);
  EXPECT_TRUE(r.ready) << format_chain_report(r);
  EXPECT_EQ(r.to_apply,
            (std::vector<std::string>{name(1, 3), name(1, 4), name(1, 5), name(1, 6), name(1, 7)}));
  EXPECT_EQ(r.last_present, name(1, 7));
  EXPECT_TRUE(r.problems.empty());
  EXPECT_TRUE(r.gaps.empty());
  EXPECT_NE(format_chain_report(r).find("chain ready: 5 file(s) to apply"), std::string::npos);
}

TEST(LogshipChain, CleanChainAcrossAnXlogidBoundary) {
  ChainReport r = check_chain(run(0xFE, 0x101), ReplayPoint::at_lsn(1, 0xFE000010, kChainSegSize),
                              kChainSegSize);
  EXPECT_TRUE(r.ready) << format_chain_report(r);
  EXPECT_EQ(r.to_apply,
            (std::vector<std::string>{"0000000100000000000000FE", "0000000100000000000000FF",
                                      "000000010000000100000000", "000000010000000100000001"}));
}

TEST(LogshipChain, StartFromAnLsn) {
  // 0/5000000 is the first byte of segment 5: segment 4 is done.
  ChainReport r =
      check_chain(run(3, 6), ReplayPoint::at_lsn(1, 0x5000000, kChainSegSize), kChainSegSize);
  EXPECT_EQ(r.to_apply, (std::vector<std::string>{name(1, 5), name(1, 6)}));
  // 0/4FFFFFF is inside segment 4: still needed.
  r = check_chain(run(3, 6), ReplayPoint::at_lsn(1, 0x4FFFFFF, kChainSegSize), kChainSegSize);
  EXPECT_EQ(r.to_apply.front(), name(1, 4));
}

TEST(LogshipChain, NothingLeftToApplyIsReady) {
  ChainReport r = check_chain(run(3, 6), ReplayPoint::after_segment({1, 6}), kChainSegSize);
  EXPECT_TRUE(r.ready);
  EXPECT_TRUE(r.to_apply.empty());
  EXPECT_EQ(r.last_present, name(1, 6));
}

TEST(LogshipChain, GapNamesTheFirstMissingSegment) {
  auto files = run(3, 4);
  auto tail = run(8, 9);
  files.insert(files.end(), tail.begin(), tail.end());
  ChainReport r = check_chain(files, ReplayPoint::after_segment({1, 2}), kChainSegSize);
  EXPECT_FALSE(r.ready);
  ASSERT_EQ(r.gaps.size(), 1u);
  EXPECT_EQ(r.gaps[0].first_missing, name(1, 5));
  EXPECT_EQ(r.gaps[0].last_missing, name(1, 7));
  EXPECT_EQ(r.gaps[0].count, 3u);
  EXPECT_TRUE(has_problem(r, ChainProblemKind::kGap, name(1, 5)));
  EXPECT_EQ(r.last_present, name(1, 9));
  std::string text = format_chain_report(r);
  EXPECT_NE(text.find("chain NOT ready"), std::string::npos) << text;
  EXPECT_NE(text.find("3 segments missing, " + name(1, 5) + " to " + name(1, 7)), std::string::npos)
      << text;
}

TEST(LogshipChain, GapRightAfterTheReplayPoint) {
  ChainReport r = check_chain(run(4, 6), ReplayPoint::after_segment({1, 2}), kChainSegSize);
  EXPECT_FALSE(r.ready);
  ASSERT_EQ(r.gaps.size(), 1u);
  EXPECT_EQ(r.gaps[0].first_missing, name(1, 3));
  EXPECT_EQ(r.gaps[0].count, 1u);
}

TEST(LogshipChain, BadChecksumNamesTheFile) {
  auto files = run(3, 6);
  files[2].actual_sha256 = sha256_hex("flipped bit");
  ChainReport r = check_chain(files, ReplayPoint::after_segment({1, 2}), kChainSegSize);
  EXPECT_FALSE(r.ready);
  EXPECT_EQ(r.bad_files, (std::vector<std::string>{name(1, 5)}));
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].kind, ChainProblemKind::kBadFile);
  EXPECT_NE(r.problems[0].reason.find("checksum mismatch"), std::string::npos);
}

TEST(LogshipChain, TruncatedAndUnrecordedFilesAreBad) {
  auto files = run(3, 5);
  files[0].size = 8192;
  files[1].expected_sha256.clear();
  ChainReport r = check_chain(files, std::nullopt, kChainSegSize);
  EXPECT_FALSE(r.ready);
  EXPECT_EQ(r.bad_files, (std::vector<std::string>{name(1, 3), name(1, 4)}));
  EXPECT_NE(r.problems[0].reason.find("truncated"), std::string::npos);
  EXPECT_NE(r.problems[1].reason.find("not recorded"), std::string::npos);
}

TEST(LogshipChain, BadFileAlreadyReplayedIsOnlyANote) {
  auto files = run(1, 5);
  files[0].actual_sha256 = sha256_hex("rot");
  ChainReport r = check_chain(files, ReplayPoint::after_segment({1, 2}), kChainSegSize);
  EXPECT_TRUE(r.ready) << format_chain_report(r);
  EXPECT_TRUE(any_note_contains(r, "already replayed"));
}

// A promotion at 0/5000A28 (inside segment 5): timeline 1 stops there (its segment 5
// archived as .partial by the promoted standby), timeline 2 starts with its own copy
// of segment 5.
std::vector<ChainFile> switch_to_timeline_2() {
  auto files = run(3, 4);
  files.push_back(partial(1, 5));
  files.push_back(seg(2, 5));
  files.push_back(seg(2, 6));
  return files;
}

TEST(LogshipChain, TimelineSwitchWithHistory) {
  auto files = switch_to_timeline_2();
  files.push_back(history(2, "1\t0/5000A28\tno recovery target specified\n"));
  ChainReport r = check_chain(files, ReplayPoint::after_segment({1, 2}), kChainSegSize);
  EXPECT_TRUE(r.ready) << format_chain_report(r);
  EXPECT_EQ(r.to_apply, (std::vector<std::string>{name(1, 3), name(1, 4), name(2, 5), name(2, 6)}));
  EXPECT_EQ(r.histories, (std::vector<std::string>{"00000002.history"}));
  EXPECT_EQ(r.last_present, name(2, 6));
  EXPECT_TRUE(any_note_contains(r, name(1, 5) + ".partial: superseded by timeline 2"));
}

TEST(LogshipChain, TimelineSwitchWithoutHistory) {
  ChainReport r =
      check_chain(switch_to_timeline_2(), ReplayPoint::after_segment({1, 2}), kChainSegSize);
  EXPECT_FALSE(r.ready);
  EXPECT_TRUE(has_problem(r, ChainProblemKind::kMissingHistory, "00000002.history"))
      << format_chain_report(r);
  EXPECT_EQ(r.problems.size(), 1u);
}

TEST(LogshipChain, HistoryThatContradictsTheChain) {
  // The history says timeline 2 left timeline 1 in segment 3: timeline 1's segments 3
  // and 4 here diverge from what timeline 2 holds (an old primary that kept writing).
  auto files = switch_to_timeline_2();
  files.push_back(history(2, "1\t0/3000000\tno recovery target specified\n"));
  ChainReport r = check_chain(files, ReplayPoint::after_segment({1, 2}), kChainSegSize);
  EXPECT_FALSE(r.ready);
  EXPECT_TRUE(has_problem(r, ChainProblemKind::kBadHistory, "00000002.history"))
      << format_chain_report(r);
}

TEST(LogshipChain, HistoryOfAnotherBranch) {
  auto files = run(3, 4);
  files.push_back(seg(3, 5));
  files.push_back(history(3, "2\t0/5000000\tforked from timeline 2\n"));
  ChainReport r = check_chain(files, ReplayPoint::after_segment({1, 2}), kChainSegSize);
  EXPECT_FALSE(r.ready);
  ASSERT_TRUE(has_problem(r, ChainProblemKind::kBadHistory, "00000003.history"));
  EXPECT_NE(format_chain_report(r).find("does not descend from timeline 1"), std::string::npos);
}

TEST(LogshipChain, StandbyAlreadyOnTheNewTimelineIgnoresOldTimelineFiles) {
  auto files = switch_to_timeline_2();
  files.push_back(seg(1, 6));  // the old primary went on writing after the fork
  files.push_back(history(2, "1\t0/5000A28\tno recovery target specified\n"));
  ChainReport r = check_chain(files, ReplayPoint::after_segment({2, 5}), kChainSegSize);
  EXPECT_TRUE(r.ready) << format_chain_report(r);
  EXPECT_EQ(r.to_apply, (std::vector<std::string>{name(2, 6)}));
  EXPECT_TRUE(any_note_contains(r, name(1, 6) + ": on timeline 1"));
}

TEST(LogshipChain, PartialInTheMiddleIsAProblem) {
  auto files = run(3, 3);
  files.push_back(partial(1, 4));
  files.push_back(seg(1, 5));
  ChainReport r = check_chain(files, ReplayPoint::after_segment({1, 2}), kChainSegSize);
  EXPECT_FALSE(r.ready);
  EXPECT_TRUE(has_problem(r, ChainProblemKind::kPartialNotLast, name(1, 4) + ".partial"))
      << format_chain_report(r);
}

TEST(LogshipChain, PartialAtTheEndIsTheTail) {
  auto files = run(3, 4);
  files.push_back(partial(1, 5));
  ChainReport r = check_chain(files, ReplayPoint::after_segment({1, 2}), kChainSegSize);
  EXPECT_TRUE(r.ready) << format_chain_report(r);
  EXPECT_EQ(r.to_apply.back(), name(1, 5) + ".partial");
  EXPECT_EQ(r.last_present, name(1, 5) + ".partial");
  EXPECT_TRUE(any_note_contains(r, "replayed under the name " + name(1, 5)));
}

TEST(LogshipChain, PartialBesideItsCompleteSegmentIsSuperseded) {
  auto files = run(3, 5);
  files.push_back(partial(1, 4));
  ChainReport r = check_chain(files, ReplayPoint::after_segment({1, 2}), kChainSegSize);
  EXPECT_TRUE(r.ready) << format_chain_report(r);
  EXPECT_EQ(r.to_apply, (std::vector<std::string>{name(1, 3), name(1, 4), name(1, 5)}));
  EXPECT_TRUE(any_note_contains(r, "superseded by the complete segment"));
}

TEST(LogshipChain, ForeignFileIsReported) {
  auto files = run(3, 4);
  files.push_back(good("notes.txt", 12));
  ChainReport r = check_chain(files, ReplayPoint::after_segment({1, 2}), kChainSegSize);
  EXPECT_FALSE(r.ready);
  EXPECT_TRUE(has_problem(r, ChainProblemKind::kUnknownFile, "notes.txt"));
  EXPECT_EQ(r.to_apply.size(), 2u);
}

}  // namespace
}  // namespace pchat::logship
