#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/secret_file.h"
#include "ctl/pool/status.h"
#include "server/admin_token.h"
#include "server/http.h"

namespace pchat::server {
namespace {

namespace fs = std::filesystem;

class SecretFile : public ::testing::Test {
 protected:
  fs::path dir_ = fs::path(::testing::TempDir()) /
                  ("pchat_secret_test." + std::to_string(::getpid()) + "." +
                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
  void SetUp() override { fs::create_directories(dir_); }
  void TearDown() override { fs::remove_all(dir_); }
};

TEST_F(SecretFile, CreatedOnceWithMode0600) {
  const fs::path f = dir_ / "admin-token";
  EXPECT_EQ(read_secret_file(f, false).error().kind, ErrorKind::kNotFound);
  auto first = read_secret_file(f, true);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->size(), 64u);
  struct stat st {};
  ASSERT_EQ(stat(f.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_FALSE(secret_file_too_open(f));
  auto again = read_secret_file(f, true);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *first);  // not replaced
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

TEST_F(SecretFile, FirstLineTrimmedAndEmptyRefused) {
  const fs::path f = dir_ / "t";
  std::ofstream(f) << "  s3cret \nsecond line\n";
  EXPECT_EQ(*read_secret_file(f, false), "s3cret");
  chmod(f.c_str(), 0644);
  EXPECT_TRUE(secret_file_too_open(f));
  std::ofstream(f, std::ios::trunc) << "\n";
  EXPECT_EQ(read_secret_file(f, true).error().kind, ErrorKind::kInvalidInput);
}

TEST_F(SecretFile, PchatctlFindsTheTokenOfADataDirOrATopology) {
  auto none = ctl::admin_token_for(dir_, "");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, "");  // not created by pchatctl
  EXPECT_FALSE(fs::exists(dir_ / "admin-token"));
  std::ofstream(dir_ / "admin-token") << "from-data-dir\n";
  std::ofstream(dir_ / "pool-token") << "from-topology\n";
  EXPECT_EQ(*ctl::admin_token_for(dir_, ""), "from-data-dir");
  EXPECT_EQ(*ctl::admin_token_for(dir_, dir_ / "pool-token"), "from-topology");
}

TEST(BearerMatches, OnlyTheExactToken) {
  EXPECT_TRUE(bearer_matches("Bearer abc123", "abc123"));
  EXPECT_TRUE(bearer_matches("bearer abc123", "abc123"));
  EXPECT_FALSE(bearer_matches("Bearer abc12", "abc123"));
  EXPECT_FALSE(bearer_matches("Bearer abc1234", "abc123"));
  EXPECT_FALSE(bearer_matches("Basic abc123", "abc123"));
  EXPECT_FALSE(bearer_matches("abc123", "abc123"));
  EXPECT_FALSE(bearer_matches("Bearer ", ""));
  EXPECT_FALSE(bearer_matches("", "abc123"));
}

TEST(AdminTokenPath, FlagThenTopologyThenDataDir) {
  ServerConfig c;
  c.data_dir = "/var/lib/pchat";
  EXPECT_EQ(admin_token_path(c, "/etc/pchat/admin-token"), fs::path("/var/lib/pchat/admin-token"));
  c.topology_file = "/etc/pchat/topology.toml";
  EXPECT_EQ(admin_token_path(c, "/etc/pchat/admin-token"), fs::path("/etc/pchat/admin-token"));
  c.admin_token_file = "/run/secrets/pchat";
  EXPECT_EQ(admin_token_path(c, "/etc/pchat/admin-token"), fs::path("/run/secrets/pchat"));
}

}  // namespace
}  // namespace pchat::server
