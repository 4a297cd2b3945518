#include "server/config.h"
#include "server/listen_address.h"

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

TEST(ParseEndpoint, NamesWildcardAndBrackets) {
  auto name = parse_endpoint("localhost:6697", "--irc-listen");
  EXPECT_EQ(name.host, "localhost");
  EXPECT_EQ(name.port, 6697);
  auto any = parse_endpoint("*:6667", "--irc-listen");
  EXPECT_EQ(any.host, "*");
  auto v6any = parse_endpoint("[::]:6667", "--irc-listen");
  EXPECT_EQ(v6any.host, "::");
  EXPECT_EQ(v6any.to_string(), "[::]:6667");
  EXPECT_EQ(name.to_string(), "localhost:6697");
}

TEST(ParseEndpoint, RejectsWithTheFieldName) {
  for (const char* bad : {"localhost", ":80", "host:", "host:65536", "host:12x", "::1:6667",
                          "[::1:6667", "[127.0.0.1]:1", "bad_host!:80", "-a.b:1"}) {
    try {
      parse_endpoint(bad, "--http-listen");
      FAIL() << bad;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("--http-listen"), std::string::npos) << e.what();
    }
  }
}

TEST(ParseEndpoint, UnbracketedIpv6GetsAHint) {
  try {
    parse_endpoint("::1:6697", "--irc-listen");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("[::1]:6667"), std::string::npos) << e.what();
  }
}

TEST(ResolveListen, LiteralsBindThemselvesOnly) {
  auto v4 = resolve_listen({"127.0.0.1", 7000});
  ASSERT_TRUE(v4.ok()) << v4.error().message;
  ASSERT_EQ(v4->addresses.size(), 1u);
  EXPECT_EQ(format_address(v4->addresses[0]), "127.0.0.1:7000");
  EXPECT_FALSE(v4->skippable);
  auto v6 = resolve_listen({"::1", 7000});
  ASSERT_TRUE(v6.ok()) << v6.error().message;
  ASSERT_EQ(v6->addresses.size(), 1u);
  EXPECT_EQ(format_address(v6->addresses[0]), "[::1]:7000");
}

TEST(ResolveListen, WildcardIsBothFamilies) {
  auto any = resolve_listen({"*", 6667});
  ASSERT_TRUE(any.ok());
  EXPECT_EQ(format_addresses(any->addresses), "[::]:6667, 0.0.0.0:6667");
  EXPECT_TRUE(any->skippable);
}

TEST(ResolveListen, NameGivesEachAddressOnce) {
  // localhost is 127.0.0.1 in every /etc/hosts (and ::1 too in most).
  auto local = resolve_listen({"localhost", 6667});
  ASSERT_TRUE(local.ok()) << local.error().message;
  EXPECT_TRUE(local->skippable);
  const std::string all = format_addresses(local->addresses);
  EXPECT_NE(all.find("127.0.0.1:6667"), std::string::npos) << all;
  for (size_t i = 0; i < local->addresses.size(); ++i) {
    for (size_t j = 0; j < i; ++j) EXPECT_NE(local->addresses[i], local->addresses[j]) << all;
  }
}

TEST(ResolveListen, UnknownNameIsNamed) {
  auto r = resolve_listen({"no-such-host.invalid", 6667});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("no-such-host.invalid"), std::string::npos) << r.error().message;
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
  EXPECT_EQ(c.irc_listen->port, 7000);
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

TEST_F(ConfigFile, OperatorBlocks) {
  write(
      "[[operator]]\nname = \"admin\"\npassword_hash = \"$argon2id$v=19$x\"\n"
      "[[operator]]\nname = \"tied\"\npassword_hash = \"$argon2id$v=19$y\"\naccount = \"alice\"\n"
      "[[operator]]\nname = \"ops\"\ngroup = \"cn=ops,dc=example\"\n");
  ServerConfig c;
  load_config_file(path_, c);
  ASSERT_EQ(c.operators.size(), 3u);
  EXPECT_EQ(c.operators[0].name, "admin");
  EXPECT_EQ(c.operators[1].account, "alice");
  EXPECT_EQ(c.operators[2].group, "cn=ops,dc=example");
  EXPECT_TRUE(c.operators[2].password_hash.empty());
  // A password in clear, a missing name, an unknown key, a block that grants nobody
  // (no password, account or group): refused, with the line.
  for (const char* bad :
       {"[[operator]]\nname = \"a\"\npassword_hash = \"secret\"\n", "[[operator]]\nname = \"a\"\n",
        "[[operator]]\nname = \"a\"\ngroup = \"g\"\npassword_hash = \"clear\"\n",
        "[[operator]]\npassword_hash = \"$argon2id$v=19$x\"\n",
        "[[operator]]\nname = \"a\"\npassword_hash = \"$argon2id$x\"\nhost = "
        "\"*\"\n",
        "operator = \"admin\"\n"}) {
    write(bad);
    ServerConfig d;
    try {
      load_config_file(path_, d);
      ADD_FAILURE() << bad;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(path_ + ":"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace pchat::server

namespace pchat::server {
namespace {

TEST_F(ConfigFile, TlsKeysAndPlaintextOff) {
  write(
      "irc_listen = \"off\"\nirc_tls_listen = \"[::1]:6697\"\ntls_cert_file = \"/c.pem\"\n"
      "tls_key_file = \"/k.pem\"\nsts_duration = 60\nhttp_tls = true\n");
  ServerConfig c;
  load_config_file(path_, c);
  EXPECT_FALSE(c.irc_listen);
  ASSERT_TRUE(c.irc_tls_listen);
  EXPECT_EQ(c.irc_tls_listen->to_string(), "[::1]:6697");
  EXPECT_EQ(c.tls_cert_file, "/c.pem");
  EXPECT_EQ(c.sts_duration, 60);
  EXPECT_TRUE(c.http_tls);
  EXPECT_NO_THROW(check_tls(c));
}

TEST(CheckTls, RefusesWhatDoesNotGoTogether) {
  ServerConfig c;
  c.irc_tls_listen = Endpoint{"127.0.0.1", 6697};
  EXPECT_THROW(check_tls(c), std::invalid_argument);  // no certificate
  c.tls_cert_file = "/c.pem";
  c.tls_key_file = "/k.pem";
  EXPECT_NO_THROW(check_tls(c));
  c.files_tls = true;
  EXPECT_THROW(check_tls(c), std::invalid_argument);  // no files_listen
  c.files_tls = false;
  c.irc_listen.reset();
  EXPECT_NO_THROW(check_tls(c));
  c.irc_tls_listen.reset();
  EXPECT_THROW(check_tls(c), std::invalid_argument);  // no IRC listener at all
}

}  // namespace
}  // namespace pchat::server
