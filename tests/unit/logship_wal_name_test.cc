#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "dr/logship/timeline_history.h"
#include "dr/logship/wal_name.h"

namespace pchat::logship {
namespace {

constexpr uint64_t kMB = 1ull << 20;

TEST(LogshipWalName, SegmentsPerXlogid) {
  EXPECT_EQ(segments_per_xlogid(1 * kMB), 4096u);
  EXPECT_EQ(segments_per_xlogid(16 * kMB), 256u);
  EXPECT_EQ(segments_per_xlogid(64 * kMB), 64u);
  EXPECT_TRUE(is_valid_wal_segsize(kMB));
  EXPECT_TRUE(is_valid_wal_segsize(1024 * kMB));
  EXPECT_FALSE(is_valid_wal_segsize(kMB / 2));
  EXPECT_FALSE(is_valid_wal_segsize(2048 * kMB));
  EXPECT_FALSE(is_valid_wal_segsize(3 * kMB));
}

TEST(LogshipWalName, RoundTripsForSeveralSegmentSizes) {
  for (uint64_t segsize : {1 * kMB, 16 * kMB, 64 * kMB}) {
    uint64_t per = segments_per_xlogid(segsize);
    for (TimeLineId tli : {1u, 0x2Au, 0xFFFFFFFFu}) {
      for (SegNo segno : {SegNo{0}, SegNo{1}, per - 1, per, per + 1, 3 * per + 7, SegNo{123456}}) {
        for (WalFileKind kind :
             {WalFileKind::kSegment, WalFileKind::kPartial, WalFileKind::kBackupHistory}) {
          WalFileName f{kind, tli, segno, kind == WalFileKind::kBackupHistory ? 0x28u : 0u};
          std::string name = format_wal_file_name(f, segsize);
          auto back = parse_wal_file_name(name, segsize);
          ASSERT_TRUE(back.ok()) << name << ": " << back.error().message;
          EXPECT_EQ(*back, f) << name << " segsize " << segsize;
        }
      }
      auto h = parse_wal_file_name(history_file_name(tli), segsize);
      ASSERT_TRUE(h.ok());
      EXPECT_EQ(h->kind, WalFileKind::kHistory);
      EXPECT_EQ(h->tli, tli);
    }
  }
}

TEST(LogshipWalName, SameNameMeansDifferentSegmentsPerSegsize) {
  const std::string name = "0000000100000001000000FF";
  auto a = parse_wal_file_name(name, 1 * kMB);
  auto b = parse_wal_file_name(name, 16 * kMB);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->segno, 4096u + 255u);
  EXPECT_EQ(b->segno, 256u + 255u);
  auto c = parse_wal_file_name(name, 64 * kMB);  // 64 segments per xlogid: FF is out of range
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, ErrorKind::kInvalidInput);
  EXPECT_NE(c.error().message.find("out of range"), std::string::npos);
  EXPECT_EQ(segment_file_name(1, 0x1FF, 16 * kMB), name);
  EXPECT_EQ(segment_file_name(3, 0x41, 64 * kMB), "000000030000000100000001");
}

TEST(LogshipWalName, ParsesTheOtherForms) {
  auto p = parse_wal_file_name("000000020000000A000000B3.partial", 16 * kMB);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->kind, WalFileKind::kPartial);
  EXPECT_EQ(p->tli, 2u);
  EXPECT_EQ(p->segno, 0xAu * 256 + 0xB3);
  EXPECT_EQ(replayable_name(*p, 16 * kMB), "000000020000000A000000B3");
  auto b = parse_wal_file_name("000000010000000000000002.00000028.backup", 16 * kMB);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->kind, WalFileKind::kBackupHistory);
  EXPECT_EQ(b->segno, 2u);
  EXPECT_EQ(b->backup_offset, 0x28u);
  EXPECT_EQ(history_file_name(0x1A), "0000001A.history");
}

TEST(LogshipWalName, RejectsWhatIsNotAWalName) {
  for (const char* bad :
       {"", "00000001000000000000000", "0000000100000000000000001", "00000001000000000000000a",
        "000000000000000000000001", "00000000.history", "0000000G0000000000000001",
        "../../etc/passwd", "000000010000000000000001.part", "000000010000000000000001.partial.x",
        "000000010000000000000001.28.backup", "000000010000000000000001.01000000.backup",
        "pchat-manifest.jsonl"}) {
    auto r = parse_wal_file_name(bad, 16 * kMB);
    EXPECT_FALSE(r.ok()) << "accepted '" << bad << "'";
  }
  EXPECT_FALSE(looks_like_wal_file_name("../000000010000000000000001"));
  EXPECT_TRUE(looks_like_wal_file_name("000000010000000000000001"));
  EXPECT_FALSE(parse_wal_file_name("000000010000000000000001", 3 * kMB).ok());
}

TEST(LogshipWalName, NextAndPreviousCrossXlogidBoundaries) {
  for (uint64_t segsize : {1 * kMB, 16 * kMB, 64 * kMB}) {
    uint64_t per = segments_per_xlogid(segsize);
    WalSegment last_of_0{1, per - 1};
    auto next = next_segment(last_of_0, segsize);
    ASSERT_TRUE(next.has_value());
    EXPECT_EQ(segment_file_name(next->tli, next->segno, segsize), "000000010000000100000000");
    EXPECT_EQ(segment_file_name(1, per - 1, segsize),
              fmt::format("0000000100000000{:08X}", per - 1));
    auto prev = previous_segment(*next);
    ASSERT_TRUE(prev.has_value());
    EXPECT_EQ(*prev, last_of_0);
    EXPECT_LT(last_of_0, *next);
  }
  EXPECT_FALSE(previous_segment({1, 0}).has_value());
  EXPECT_FALSE(next_segment({1, ~0ull / (16 * kMB)}, 16 * kMB).has_value());
}

TEST(LogshipWalName, ArchiveOrderIsByPositionNotByName) {
  const uint64_t segsize = 16 * kMB;
  std::vector<std::string> expected = {
      "00000001.history",  // history files first (a standby needs them before the switch)
      "00000002.history",
      "0000000100000000000000FE",
      "0000000100000000000000FF",
      "000000010000000100000000",  // across the xlogid boundary
      "000000010000000100000001",
      "000000010000000100000001.00000028.backup",
      "000000010000000100000002.partial",
      "000000020000000100000002",  // the new timeline's copy of the switch segment
      "000000020000000100000003",
  };
  // By name, timeline 2's files would sort after every timeline-1 file.
  std::vector<std::string> by_name = expected;
  std::sort(by_name.begin(), by_name.end());
  EXPECT_NE(by_name, expected);

  std::vector<WalFileName> files;
  for (const auto& n : expected) {
    auto f = parse_wal_file_name(n, segsize);
    ASSERT_TRUE(f.ok()) << n;
    files.push_back(*f);
  }
  std::mt19937 rng(7);
  for (int round = 0; round < 5; ++round) {
    std::shuffle(files.begin(), files.end(), rng);
    std::sort(files.begin(), files.end(), [](const WalFileName& a, const WalFileName& b) {
      return compare_wal_files(a, b) < 0;
    });
    std::vector<std::string> got;
    for (const auto& f : files) got.push_back(format_wal_file_name(f, segsize));
    EXPECT_EQ(got, expected);
  }
}

TEST(LogshipWalName, LsnsAndSegments) {
  auto lsn = parse_lsn("16/B374D848");
  ASSERT_TRUE(lsn.ok());
  EXPECT_EQ(*lsn, 0x16B374D848ull);
  EXPECT_EQ(format_lsn(*lsn), "16/B374D848");
  EXPECT_EQ(segment_file_name(1, lsn_to_segno(*lsn, 16 * kMB), 16 * kMB),
            "0000000100000016000000B3");
  EXPECT_EQ(segment_file_name(1, lsn_to_segno(*lsn, 1 * kMB), 1 * kMB), "000000010000001600000B37");
  EXPECT_EQ(segment_file_name(1, lsn_to_segno(*lsn, 64 * kMB), 64 * kMB),
            "00000001000000160000002C");
  EXPECT_EQ(*parse_lsn("0/3000158"), 0x3000158ull);
  EXPECT_EQ(*parse_lsn("a/b"), 0xA0000000Bull);
  EXPECT_EQ(format_lsn(0x3000000), "0/3000000");
  for (SegNo s : {SegNo{0}, SegNo{3}, SegNo{0x1FF}}) {
    EXPECT_EQ(lsn_to_segno(segment_start_lsn(s, 16 * kMB), 16 * kMB), s);
    EXPECT_EQ(lsn_to_segno(segment_start_lsn(s + 1, 16 * kMB) - 1, 16 * kMB), s);
  }
  for (const char* bad : {"", "0", "/1", "1/", "0/123456789", "x/1", "1/2/3"}) {
    EXPECT_FALSE(parse_lsn(bad).ok()) << bad;
  }
}

TEST(LogshipTimelineHistory, ParsesPostgresHistoryFiles) {
  auto h = parse_timeline_history(
      "1\t0/3000158\tno recovery target specified\n"
      "\n"
      "# comment\n"
      "2\t0/5000A28\tbefore 2024-05-01 12:00:00+00\n");
  ASSERT_TRUE(h.ok()) << h.error().message;
  ASSERT_EQ(h->size(), 2u);
  EXPECT_EQ((*h)[0].parent_tli, 1u);
  EXPECT_EQ((*h)[0].switchpoint, 0x3000158ull);
  EXPECT_EQ((*h)[1].parent_tli, 2u);
  EXPECT_EQ((*h)[1].switchpoint, 0x5000A28ull);
  EXPECT_FALSE(parse_timeline_history("x\t0/1\tr\n").ok());
  EXPECT_FALSE(parse_timeline_history("1\tnope\tr\n").ok());
  EXPECT_FALSE(parse_timeline_history("2\t0/5\tr\n1\t0/6\tr\n").ok());  // timelines decrease
  EXPECT_FALSE(parse_timeline_history("1\t0/6\tr\n2\t0/5\tr\n").ok());  // switchpoints go back
  EXPECT_TRUE(parse_timeline_history("").ok());
}

}  // namespace
}  // namespace pchat::logship
