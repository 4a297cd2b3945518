#include "server/config.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>

#include <unistd.h>

namespace pchat::server {
namespace {

TEST(ParseEndpoint, HostAndPort) {
  auto ep = parse_endpoint("127.0.0.1:6667", "--irc-listen");
  EXPECT_EQ(ep.host, "127.0.0.1");
  EXPECT_EQ(ep.port, 6667);
  auto v6 = parse_endpoint("[::1]:0", "x");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, 0);
}

TEST(ParseEndpoint, RejectsWithTheFieldName) {
  for (const char* bad : {"localhost", ":80", "host:", "host:65536", "host:12x"}) {
    try {
      parse_endpoint(bad, "--http-listen");
      FAIL() << bad;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("--http-listen"), std::string::npos) << e.what();
    }
  }
}

class ConfigFile : public ::testing::Test {
 protected:
  // One file per test process: ctest runs the tests of this fixture in parallel.
  std::string path_ = ::testing::TempDir() + "/pchat_config_test." + std::to_string(::getpid()) +
                      "." + ::testing::UnitTest::GetInstance()->current_test_info()->name() +
                      ".toml";
  void write(const std::string& text) { std::ofstream(path_) << text; }
  void TearDown() override { std::remove(path_.c_str()); }
};

TEST_F(ConfigFile, AppliesKnownKeys) {
  write("allow_guests = true\nirc_listen = \"0.0.0.0:7000\"\ndefault_chat_history = 50\n");
  ServerConfig c;
  load_config_file(path_, c);
  EXPECT_TRUE(c.allow_guests);
  EXPECT_EQ(c.irc_listen.port, 7000);
  EXPECT_EQ(c.default_chat_history, 50);
}

TEST_F(ConfigFile, UnknownKeyNamesLineAndKey) {
  write("allow_guests = true\n\nallow_gusts = true\n");
  ServerConfig c;
  try {
    load_config_file(path_, c);
    FAIL();
  } catch (const std::runtime_error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find(":3: allow_gusts"), std::string::npos) << msg;
    EXPECT_NE(msg.find("unknown key"), std::string::npos) << msg;
  }
}

TEST_F(ConfigFile, WrongTypeAndRangeAreRefused) {
  write("allow_guests = \"yes\"\n");
  ServerConfig c;
  EXPECT_THROW(load_config_file(path_, c), std::runtime_error);
  write("default_chat_history = 501\n");
  EXPECT_THROW(load_config_file(path_, c), std::runtime_error);
  write("default_chat_history = [\n");  // syntax error
  EXPECT_THROW(load_config_file(path_, c), std::runtime_error);
}

}  // namespace
}  // namespace pchat::server
