// The copy job's round and the retention sweep (dr/logship/copy_round.h): every bad
// file in the share is reported with its kind and never reaches the destination.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <utime.h>

#include "dr/logship/archive.h"
#include "dr/logship/copy_round.h"
#include "dr/logship/manifest.h"
#include "logship_test_util.h"

namespace pchat::logship {
namespace {

using test_util::kSegSize;
using test_util::read_file;
using test_util::TempDir;
using test_util::write_file;

namespace fs = std::filesystem;

struct Folders {
  TempDir src, share, dest;
  // Archives segment `name` with `bytes` into the share as the backup job would.
  void archive(const std::string& name, const std::string& bytes) {
    write_file(src.path() / name, bytes);
    ASSERT_TRUE(archive_into(share.path(), src.path() / name, name).ok());
  }
  CopyRoundResult round() {
    return copy_round(share.path(), dest.path(), kSegSize, std::chrono::seconds(5));
  }
};

std::vector<std::string> copied_names(const CopyRoundResult& r) {
  std::vector<std::string> out;
  for (const auto& c : r.copied) out.push_back(c.name);
  return out;
}

TEST(LogshipCopyRound, CopiesEverythingRecordedInOrderThenNothing) {
  Folders f;
  f.archive("000000010000000000000004", "four");
  f.archive("000000010000000000000003", "three");
  auto r = f.round();
  EXPECT_TRUE(r.problems.empty());
  EXPECT_EQ(copied_names(r),
            (std::vector<std::string>{"000000010000000000000003", "000000010000000000000004"}));
  EXPECT_EQ(read_file(f.dest.path() / "000000010000000000000004"), "four");
  EXPECT_EQ(f.round().copied.size(), 0u);
}

TEST(LogshipCopyRound, CorruptedFileIsReportedAndStopsTheRound) {
  Folders f;
  f.archive("000000010000000000000003", "three");
  f.archive("000000010000000000000004", "four");
  f.archive("000000010000000000000005", "five");
  write_file(f.share.path() / "000000010000000000000004", "fouR");
  auto r = f.round();
  EXPECT_EQ(copied_names(r), (std::vector<std::string>{"000000010000000000000003"}));
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].kind, "corrupted");
  EXPECT_EQ(r.problems[0].file, "000000010000000000000004");
  EXPECT_EQ(r.pending, 2u);
  EXPECT_FALSE(fs::exists(f.dest.path() / "000000010000000000000004"));
  EXPECT_FALSE(fs::exists(f.dest.path() / "000000010000000000000005"));  // nothing past a hole
  // Repaired: the round goes on.
  write_file(f.share.path() / "000000010000000000000004", "four");
  r = f.round();
  EXPECT_TRUE(r.problems.empty());
  EXPECT_EQ(r.copied.size(), 2u);
}

TEST(LogshipCopyRound, TruncatedAndMissingFilesAreNamed) {
  Folders f;
  f.archive("000000010000000000000003", "three");
  write_file(f.share.path() / "000000010000000000000003", "th");
  auto r = f.round();
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].kind, "truncated");
  fs::remove(f.share.path() / "000000010000000000000003");
  r = f.round();
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].kind, "missing");
  EXPECT_TRUE(r.copied.empty());
}

TEST(LogshipCopyRound, ForeignFileIsReportedOnceOldEnoughAndNeverCopied) {
  Folders f;
  f.archive("000000010000000000000003", "three");
  write_file(f.share.path() / "000000010000000000000009", "not archived by pchat");
  auto r = f.round();
  EXPECT_TRUE(r.problems.empty());  // could be a store in progress (renamed, not yet recorded)
  struct utimbuf old {};
  old.actime = old.modtime = time(nullptr) - 60;
  ASSERT_EQ(utime((f.share.path() / "000000010000000000000009").c_str(), &old), 0);
  r = f.round();
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].kind, "foreign");
  EXPECT_EQ(r.problems[0].file, "000000010000000000000009");
  EXPECT_FALSE(fs::exists(f.dest.path() / "000000010000000000000009"));
}

TEST(LogshipCopyRound, ARetainedAwayFileIsNotCopiedAgain) {
  Folders f;
  f.archive("000000010000000000000003", "three");
  f.round();
  fs::remove(f.dest.path() / "000000010000000000000003");  // retention removed it
  fs::remove(f.share.path() / "000000010000000000000003");
  auto r = f.round();
  EXPECT_TRUE(r.problems.empty());
  EXPECT_TRUE(r.copied.empty());
}

TEST(LogshipRetention, RemovesOnlyAppliedFilesOlderThanRetention) {
  Folders f;
  f.archive("00000002.history", "h");
  f.archive("000000010000000000000003", "three");
  f.archive("000000010000000000000004", "four");
  f.archive("000000010000000000000005", "five");
  f.round();
  // Replay is in segment 5: 3 and 4 are applied; 5 is not wholly replayed.
  auto removed = retention_sweep(f.share.path(), f.dest.path(), WalSegment{1, 5}, kSegSize,
                                 std::chrono::seconds(3600));
  EXPECT_TRUE(removed.empty());  // not old enough
  removed = retention_sweep(f.share.path(), f.dest.path(), WalSegment{1, 5}, kSegSize,
                            std::chrono::seconds(-1));
  EXPECT_EQ(removed.size(), 4u);  // 3 and 4, from both folders
  for (const auto* dir : {&f.share, &f.dest}) {
    EXPECT_FALSE(fs::exists(dir->path() / "000000010000000000000003"));
    EXPECT_FALSE(fs::exists(dir->path() / "000000010000000000000004"));
    EXPECT_TRUE(fs::exists(dir->path() / "000000010000000000000005"));
    EXPECT_TRUE(fs::exists(dir->path() / "00000002.history"));
  }
}

TEST(LogshipRetention, KeepsShareFilesNotYetCopied) {
  Folders f;
  f.archive("000000010000000000000003", "three");
  auto removed = retention_sweep(f.share.path(), f.dest.path(), WalSegment{1, 9}, kSegSize,
                                 std::chrono::seconds(-1));
  EXPECT_TRUE(removed.empty());
  EXPECT_TRUE(fs::exists(f.share.path() / "000000010000000000000003"));
}

}  // namespace
}  // namespace pchat::logship
