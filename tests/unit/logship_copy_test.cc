#include <gtest/gtest.h>

#include <fmt/format.h>

#include "dr/logship/archive.h"
#include "dr/logship/chain.h"
#include "dr/logship/chain_scan.h"
#include "dr/logship/copy.h"
#include "dr/logship/manifest.h"
#include "dr/logship/sha256.h"
#include "logship_test_util.h"

namespace pchat::logship {
namespace {

using test_util::count_temp_files;
using test_util::kSegSize;
using test_util::read_file;
using test_util::TempDir;
using test_util::write_file;

ManifestRecord rec(const std::string& name, const std::string& bytes) {
  return ManifestRecord{name, bytes.size(), sha256_hex(bytes), std::chrono::system_clock::now()};
}

std::vector<std::string> names(const std::vector<ManifestRecord>& records) {
  std::vector<std::string> out;
  for (const auto& r : records) out.push_back(r.name);
  return out;
}

TEST(LogshipPlanCopy, CopiesWhatIsMissingInArchiveOrder) {
  std::vector<ManifestRecord> share = {
      rec("000000020000000000000006", "6@2"), rec("000000010000000000000004", "4"),
      rec("000000010000000000000003", "3"),   rec("00000002.history", "h2"),
      rec("000000010000000000000005", "5"),   rec("000000020000000000000005", "5@2"),
      rec("000000010000000000000003", "3"),  // a retried archive recorded twice: same file
  };
  DestinationState dst;
  dst.files = {"000000010000000000000003", "000000010000000000000004"};
  dst.manifest = {rec("000000010000000000000003", "3")};  // 4: renamed but not recorded
  CopyPlan plan = plan_copy(share, dst, kSegSize);
  EXPECT_TRUE(plan.conflicts.empty());
  EXPECT_EQ(names(plan.to_copy),
            (std::vector<std::string>{"00000002.history", "000000010000000000000004",
                                      "000000010000000000000005", "000000020000000000000005",
                                      "000000020000000000000006"}));
}

TEST(LogshipPlanCopy, ConflictsAreReportedAndNotCopied) {
  std::vector<ManifestRecord> share = {
      rec("000000010000000000000003", "3"),
      rec("000000010000000000000004", "4"),
      rec("000000010000000000000004", "4 from another cluster"),
      rec("000000010000000000000005", "5"),
  };
  DestinationState dst;
  dst.files = {"000000010000000000000003"};
  dst.manifest = {rec("000000010000000000000003", "a different 3")};
  CopyPlan plan = plan_copy(share, dst, kSegSize);
  EXPECT_EQ(names(plan.to_copy), (std::vector<std::string>{"000000010000000000000005"}));
  ASSERT_EQ(plan.conflicts.size(), 2u);
  std::string all = plan.conflicts[0] + "\n" + plan.conflicts[1];
  EXPECT_NE(all.find("000000010000000000000003: the copy destination holds a different file"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("000000010000000000000004: the share's manifest records two"),
            std::string::npos)
      << all;
}

class LogshipCopy : public ::testing::Test {
 protected:
  void SetUp() override {
    share_ = root_.path() / "share";
    dst_ = root_.path() / "copy-destination";
    std::filesystem::create_directory(share_);
    std::filesystem::create_directory(dst_);
  }
  TempDir root_;
  std::filesystem::path share_;
  std::filesystem::path dst_;
};

TEST_F(LogshipCopy, CopiesVerifiesAndRecords) {
  write_file(share_ / "000000010000000000000003", "three");
  auto r = copy_verified(share_ / "000000010000000000000003", dst_, sha256_hex("three"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->name, "000000010000000000000003");
  EXPECT_EQ(r->sha256, sha256_hex("three"));
  EXPECT_EQ(read_file(dst_ / "000000010000000000000003"), "three");
  auto st = read_destination(dst_);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->files, (std::vector<std::string>{"000000010000000000000003"}));
  ASSERT_EQ(st->manifest.size(), 1u);
  EXPECT_EQ(st->manifest[0], *r);
  // Idempotent: copying again changes nothing.
  auto again = copy_verified(share_ / "000000010000000000000003", dst_, sha256_hex("three"));
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(read_destination(dst_)->manifest.size(), 1u);
  EXPECT_EQ(count_temp_files(dst_), 0);
}

TEST_F(LogshipCopy, CorruptFileInTheShareIsRefused) {
  write_file(share_ / "000000010000000000000003", "three");
  std::string expected = sha256_hex("three");
  write_file(share_ / "000000010000000000000003", "thrEe");  // bit rot on the share
  auto r = copy_verified(share_ / "000000010000000000000003", dst_, expected);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalidInput);
  EXPECT_NE(r.error().message.find("checksum mismatch for 000000010000000000000003"),
            std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find(expected), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dst_ / "000000010000000000000003"));
  EXPECT_EQ(count_temp_files(dst_), 0);
  EXPECT_TRUE(read_destination(dst_)->manifest.empty());
}

TEST_F(LogshipCopy, TruncatedFileInTheShareIsRefused) {
  std::string full(4096, 'w');
  write_file(share_ / "000000010000000000000003", full.substr(0, 1000));
  auto r = copy_verified(share_ / "000000010000000000000003", dst_, sha256_hex(full));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("1000 bytes"), std::string::npos) << r.error().message;
  EXPECT_FALSE(std::filesystem::exists(dst_ / "000000010000000000000003"));
}

TEST_F(LogshipCopy, ExistingDifferentFileInTheDestinationIsLeftAlone) {
  write_file(share_ / "000000010000000000000003", "three");
  write_file(dst_ / "000000010000000000000003", "another three");
  auto r = copy_verified(share_ / "000000010000000000000003", dst_, sha256_hex("three"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kConflict);
  EXPECT_EQ(read_file(dst_ / "000000010000000000000003"), "another three");
}

TEST_F(LogshipCopy, RerunAfterACrashBeforeTheRecordCompletesIt) {
  write_file(share_ / "000000010000000000000003", "three");
  write_file(dst_ / "000000010000000000000003", "three");  // renamed, not recorded
  auto st = read_destination(dst_);
  ASSERT_TRUE(st.ok());
  CopyPlan plan = plan_copy({rec("000000010000000000000003", "three")}, *st, kSegSize);
  ASSERT_EQ(plan.to_copy.size(), 1u);
  auto r = copy_verified(share_ / "000000010000000000000003", dst_, plan.to_copy[0].sha256);
  ASSERT_TRUE(r.ok()) << r.error().message;
  st = read_destination(dst_);
  EXPECT_EQ(st->manifest.size(), 1u);
  EXPECT_TRUE(plan_copy({rec("000000010000000000000003", "three")}, *st, kSegSize).to_copy.empty());
}

TEST_F(LogshipCopy, ShareToDestinationToChainEndToEnd) {
  TempDir pg_wal;
  for (int seg = 3; seg <= 6; ++seg) {
    std::string name = fmt::format("0000000100000000000000{:02X}", seg);
    std::string bytes(kSegSize, static_cast<char>('a' + seg));
    write_file(pg_wal / name, bytes);
    ASSERT_TRUE(archive_into(share_, pg_wal / name, name).ok());
  }
  auto share_manifest = read_manifest(share_ / std::string(kManifestFileName));
  ASSERT_TRUE(share_manifest.ok());
  auto st = read_destination(dst_);
  ASSERT_TRUE(st.ok());
  CopyPlan plan = plan_copy(share_manifest->records, *st, kSegSize);
  ASSERT_EQ(plan.to_copy.size(), 4u);
  for (const auto& r : plan.to_copy) {
    auto c = copy_verified(share_ / r.name, dst_, r.sha256);
    ASSERT_TRUE(c.ok()) << c.error().message;
  }
  st = read_destination(dst_);
  EXPECT_TRUE(plan_copy(share_manifest->records, *st, kSegSize).to_copy.empty());

  auto files = scan_chain_files(dst_);
  ASSERT_TRUE(files.ok()) << files.error().message;
  ChainReport rep = check_chain(*files, ReplayPoint::after_segment({1, 2}), kSegSize);
  EXPECT_TRUE(rep.ready) << format_chain_report(rep);
  EXPECT_EQ(rep.to_apply.size(), 4u);
  EXPECT_EQ(rep.last_present, "000000010000000000000006");

  // Corrupt one copied byte: the chain names the file and refuses.
  std::string five = read_file(dst_ / "000000010000000000000005");
  five[100] ^= 1;
  write_file(dst_ / "000000010000000000000005", five);
  files = scan_chain_files(dst_);
  ASSERT_TRUE(files.ok());
  rep = check_chain(*files, ReplayPoint::after_segment({1, 2}), kSegSize);
  EXPECT_FALSE(rep.ready);
  EXPECT_EQ(rep.bad_files, (std::vector<std::string>{"000000010000000000000005"}));
}

}  // namespace
}  // namespace pchat::logship
