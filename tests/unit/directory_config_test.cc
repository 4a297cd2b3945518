// The [directory] section (directory/config.h), RFC 4515 escaping by libldap
// (directory/ldap_client.h), the snapshot-to-store view (directory/view.h), and the
// section in a topology (dr/topology_file.h).
#include <gtest/gtest.h>

#include "directory/config.h"
#include "directory/ldap_client.h"
#include "directory/view.h"
#include "dr/topology_file.h"
#include "server/config.h"

#include <unistd.h>

#include <fstream>

namespace pchat::directory {
namespace {

Result<Config> parse(std::string_view text) {
  return parse_config(toml::parse(text), "/etc/pchat", "pchatd.toml: directory");
}

constexpr std::string_view kGood = R"toml(
urls = ["ldaps://dc1.example.com", "ldap://dc2.example.com:389"]
ca_file = "ca.pem"
bind_dn = "CN=pchat,OU=Services,DC=example,DC=com"
bind_password_file = "/run/secrets/pchat-bind"
user_base = "OU=People,DC=example,DC=com"
user_filter = "(&(objectClass=user)(!(userAccountControl:1.2.840.113556.1.4.803:=2)))"
name_attribute = "sAMAccountName"
group_base = "OU=Groups,DC=example,DC=com"
group_filter = "(objectClass=group)"
precedence = "directory-first"
refresh_seconds = 60
)toml";

TEST(DirectoryConfig, ReadsEveryKeyAndResolvesRelativePaths) {
  auto c = parse(kGood);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->urls.size(), 2u);
  EXPECT_EQ(c->ca_file, "/etc/pchat/ca.pem");
  EXPECT_EQ(c->bind_password_file, "/run/secrets/pchat-bind");
  EXPECT_EQ(c->name_attribute, "sAMAccountName");
  EXPECT_EQ(c->member_attribute, "member");  // default
  EXPECT_EQ(c->precedence, Precedence::kDirectoryFirst);
  EXPECT_EQ(c->refresh_seconds, 60);
  EXPECT_EQ(c->timeout_seconds, 5);
  EXPECT_EQ(describe(*c).find("pchat-bind"), std::string::npos);  // never the secret's place
}

TEST(DirectoryConfig, RefusesWhatCannotWork) {
  const std::pair<const char*, const char*> cases[] = {
      {R"(user_base = "dc=x")", "urls"},
      {"urls = [\"http://x\"]\nuser_base = \"dc=x\"", "urls"},
      {"urls = [\"ldap://x\"]", "user_base"},
      {"urls = [\"ldap://x\"]\nuser_base = \"dc=x\"\nuser_filter = \"uid=*\"", "user_filter"},
      {"urls = [\"ldap://x\"]\nuser_base = \"dc=x\"\nbind_dn = \"cn=a\"", "bind_password_file"},
      {"urls = [\"ldap://x\"]\nuser_base = \"dc=x\"\nprecedence = \"local\"", "precedence"},
      {"urls = [\"ldap://x\"]\nuser_base = \"dc=x\"\nrefresh_seconds = 1", "refresh_seconds"},
      {"urls = [\"ldap://x\"]\nuser_base = \"dc=x\"\nbind_pasword_file = \"f\"", "unknown key"},
  };
  for (const auto& [text, what] : cases) {
    auto c = parse(text);
    ASSERT_FALSE(c) << text;
    EXPECT_NE(c.error().message.find(what), std::string::npos) << c.error().message;
    EXPECT_EQ(c.error().message.rfind("pchatd.toml: directory.", 0), 0u) << c.error().message;
  }
}

TEST(DirectoryFilter, EscapesPerRfc4515) {
  EXPECT_EQ(escape_filter_value("alice"), "alice");
  EXPECT_EQ(escape_filter_value("*)(uid=*"), "\\2A\\29\\28uid=\\2A");
  EXPECT_EQ(escape_filter_value("a\\b"), "a\\5Cb");
  EXPECT_EQ(escape_filter_value(std::string_view("a\0b", 3)), "a\\00b");
}

TEST(DirectoryView, NestedGroupsMemberUidAndWhatIsLeftOut) {
  Snapshot s;
  s.users = {{"uid=dana,ou=people,dc=x", "dana"},
             {"uid=fred,ou=people,dc=x", "Fred"},
             {"uid=bad,ou=people,dc=x", "9bad"}};  // not an account name
  s.groups = {
      {"cn=legal,ou=groups,dc=x",
       {"UID=Dana, OU=People, DC=x", "cn=paralegals,ou=groups,dc=x", "uid=gone,ou=people,dc=x",
        "cn=legal,ou=groups,dc=x"}},
      {"cn=paralegals,ou=groups,dc=x", {"uid=fred,ou=people,dc=x"}},
      {"cn=posix,ou=groups,dc=x", {"fred", "nobody"}},
  };
  const auto v = to_view(s);
  EXPECT_EQ(v.users, (std::vector<std::string>{"dana", "Fred"}));
  ASSERT_EQ(v.groups.size(), 3u);
  EXPECT_EQ(v.groups[0].members.size(), 2u);  // dana, paralegals; not the unknown, not itself
  EXPECT_EQ(chat::to_string(v.groups[0].members[0]), "dana");
  EXPECT_EQ(chat::to_string(v.groups[0].members[1]), "cn=paralegals,ou=groups,dc=x");
  EXPECT_EQ(chat::to_string(v.groups[2].members.at(0)), "fred");
  EXPECT_EQ(v.groups[2].members.size(), 1u);
  const chat::Directory dir(v.groups);
  EXPECT_TRUE(dir.is_member("fred", "CN=Legal,OU=Groups,DC=x"));  // nested
  EXPECT_FALSE(dir.is_member("bad", "cn=legal,ou=groups,dc=x"));
}

TEST(DirectoryTopology, TheSectionIsReadAndItsErrorsReported) {
  const std::string base = R"(
[pool]
fqdn = "pool.example.com"
[datacenters.A]
[[servers]]
name = "s1"
datacenter = "A"
irc_listen = "127.0.0.1:6667"
http_listen = "127.0.0.1:8080"
[stores.primary]
datacenter = "A"
host = "/tmp"
)";
  auto ok =
      dr::parse_topology(base + "[directory]\nurls = [\"ldaps://dc\"]\nuser_base = \"dc=x\"\n",
                         "t.toml", "/etc/pchat");
  ASSERT_TRUE(ok.topology && ok.topology->directory);
  EXPECT_EQ(ok.topology->directory->urls.front(), "ldaps://dc");
  auto bad = dr::parse_topology(base + "[directory]\nurls = [\"ldaps://dc\"]\n", "t.toml", "/x");
  ASSERT_FALSE(bad.diagnostics.empty());
  EXPECT_NE(bad.diagnostics.front().message.find("user_base"), std::string::npos);
}

TEST(DirectoryServerConfig, TheSectionOfPchatdToml) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("pchat-dircfg-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto file = dir / "pchatd.toml";
  std::ofstream(file) << "[directory]\nurls = [\"ldap://dc\"]\nuser_base = \"dc=x\"\n"
                         "bind_dn = \"cn=s\"\nbind_password_file = \"pw\"\n";
  server::ServerConfig c;
  server::load_config_file(file, c);
  ASSERT_TRUE(c.directory);
  EXPECT_EQ(c.directory->bind_password_file, dir / "pw");  // beside the file
  std::ofstream(file) << "directory = \"ldap://dc\"\n";
  EXPECT_THROW(server::load_config_file(file, c), std::runtime_error);
  std::ofstream(file) << "[directory]\nurls = [\"ldap://dc\"]\n";
  try {
    server::load_config_file(file, c);
    ADD_FAILURE() << "no user_base accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("directory.user_base"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace pchat::directory
