#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include "dr/logship/archive.h"
#include "dr/logship/manifest.h"
#include "dr/logship/sha256.h"
#include "logship_test_util.h"

namespace pchat::logship {
namespace {

using test_util::count_temp_files;
using test_util::read_file;
using test_util::TempDir;
using test_util::write_file;

constexpr const char* kSeg = "000000010000000000000003";

class LogshipArchive : public ::testing::Test {
 protected:
  void SetUp() override {
    share_ = pg_wal_.path() / "share";
    std::filesystem::create_directory(share_);
    write_file(pg_wal_ / kSeg, "segment three, the original");
  }
  std::vector<ManifestRecord> records() {
    auto m = read_manifest(share_ / std::string(kManifestFileName));
    EXPECT_TRUE(m.ok());
    EXPECT_TRUE(m->warnings.empty());
    return m->records;
  }

  TempDir pg_wal_;
  std::filesystem::path share_;
};

TEST_F(LogshipArchive, StoresTheFileAndRecordsIt) {
  auto s = archive_into(share_, pg_wal_ / kSeg, kSeg);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(read_file(share_ / kSeg), "segment three, the original");
  auto recs = records();
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].name, kSeg);
  EXPECT_EQ(recs[0].size, 27u);
  EXPECT_EQ(recs[0].sha256, sha256_hex("segment three, the original"));
  EXPECT_LE(recs[0].stored_at, std::chrono::system_clock::now());
  EXPECT_EQ(count_temp_files(share_), 0);
}

TEST_F(LogshipArchive, RetryOfTheSameFileSucceedsWithoutASecondRecord) {
  ASSERT_TRUE(archive_into(share_, pg_wal_ / kSeg, kSeg).ok());
  auto s = archive_into(share_, pg_wal_ / kSeg, kSeg);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(records().size(), 1u);
}

TEST_F(LogshipArchive, ADifferentFileNeverOverwritesAnExistingName) {
  ASSERT_TRUE(archive_into(share_, pg_wal_ / kSeg, kSeg).ok());
  write_file(pg_wal_ / "other", "segment three from another cluster");
  auto s = archive_into(share_, pg_wal_ / "other", kSeg);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, ErrorKind::kConflict);
  EXPECT_NE(s.error().message.find("refusing to overwrite"), std::string::npos)
      << s.error().message;
  EXPECT_NE(s.error().message.find(sha256_hex("segment three, the original")), std::string::npos);
  EXPECT_EQ(read_file(share_ / kSeg), "segment three, the original");
  EXPECT_EQ(records().size(), 1u);
  EXPECT_EQ(count_temp_files(share_), 0);
}

TEST_F(LogshipArchive, RerunAfterACrashBeforeTheRecordCompletesIt) {
  // What a crash between the rename and the manifest append leaves: the file, no record.
  write_file(share_ / kSeg, "segment three, the original");
  ASSERT_TRUE(records().empty());
  auto s = archive_into(share_, pg_wal_ / kSeg, kSeg);
  ASSERT_TRUE(s.ok()) << s.error().message;
  auto recs = records();
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].sha256, sha256_hex("segment three, the original"));
}

TEST_F(LogshipArchive, StaleTemporaryFileFromACrashIsReplaced) {
  write_file(share_ / (".pchat-tmp." + std::string(kSeg)),
             "half a segment from a crashed run, "
             "longer than the real one");
  ASSERT_TRUE(archive_into(share_, pg_wal_ / kSeg, kSeg).ok());
  EXPECT_EQ(read_file(share_ / kSeg), "segment three, the original");
  EXPECT_EQ(count_temp_files(share_), 0);
}

TEST_F(LogshipArchive, ConcurrentStoreOfTheSameNameIsRefusedForNow) {
  auto tmp = share_ / (".pchat-tmp." + std::string(kSeg));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);  // another archiver at work (flock is per open file)
  auto s = archive_into(share_, pg_wal_ / kSeg, kSeg);
  ::close(fd);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, ErrorKind::kUnavailable);
  EXPECT_FALSE(std::filesystem::exists(share_ / kSeg));
  EXPECT_TRUE(archive_into(share_, pg_wal_ / kSeg, kSeg).ok());  // and later it works
}

TEST_F(LogshipArchive, HistoryAndPartialNamesAreAccepted) {
  write_file(pg_wal_ / "00000002.history", "1\t0/3000158\tno recovery target specified\n");
  ASSERT_TRUE(archive_into(share_, pg_wal_ / "00000002.history", "00000002.history").ok());
  ASSERT_TRUE(archive_into(share_, pg_wal_ / kSeg, std::string(kSeg) + ".partial").ok());
  EXPECT_EQ(records().size(), 2u);
}

TEST_F(LogshipArchive, BadInputs) {
  auto s = archive_into(share_, pg_wal_ / kSeg, "../escape");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, ErrorKind::kInvalidInput);
  s = archive_into(share_, pg_wal_ / "000000010000000000000004", "000000010000000000000004");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, ErrorKind::kNotFound);
  s = archive_into(share_ / "missing", pg_wal_ / kSeg, kSeg);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, ErrorKind::kNotFound);
  EXPECT_TRUE(records().empty());
}

}  // namespace
}  // namespace pchat::logship
