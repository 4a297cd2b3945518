// The capability table (server/caps.h): one description per capability, and what
// the server builds from it (tag filter, ISUPPORT, commands).
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "server/caps.h"
#include "server/config.h"
#include "server/server.h"

namespace pchat::server {
namespace {

TEST(Caps, NamesAreSortedAndBitsUnique) {
  uint32_t seen = 0;
  std::string previous;
  for (const auto& c : all_caps()) {
    EXPECT_LT(previous, std::string(c.name)) << "CAP LS order";
    EXPECT_EQ(seen & c.bit, 0u) << c.name << " reuses a bit";
    seen |= c.bit;
    previous = c.name;
    EXPECT_EQ(cap_by_name(c.name), c.bit);
  }
  EXPECT_FALSE(cap_by_name("no-such-cap").has_value());
}

TEST(Caps, TagsFollowTheirCapability) {
  // Own capability or message-tags.
  EXPECT_TRUE(tag_allowed("time", kCapServerTime));
  EXPECT_TRUE(tag_allowed("time", kCapMessageTags));
  EXPECT_FALSE(tag_allowed("time", kCapAccountTag));
  EXPECT_TRUE(tag_allowed("account", kCapAccountTag));
  EXPECT_FALSE(tag_allowed("account", 0));
  // label and batch need their own capability; message-tags is not enough.
  EXPECT_FALSE(tag_allowed("label", kCapMessageTags));
  EXPECT_TRUE(tag_allowed("label", kCapLabeledResponse));
  EXPECT_FALSE(tag_allowed("batch", kCapMessageTags));
  EXPECT_TRUE(tag_allowed("batch", kCapBatch));
  // Tags no capability names (msgid, client tags) need message-tags.
  EXPECT_TRUE(tag_allowed("msgid", kCapMessageTags));
  EXPECT_FALSE(tag_allowed("msgid", kCapServerTime | kCapBatch));
  EXPECT_TRUE(tag_allowed("+draft/react", kCapMessageTags));
}

TEST(Caps, IsupportAndValuesComeFromTheTable) {
  ServerConfig config;
  auto tokens = caps_isupport(config);
  std::set<std::string> set(tokens.begin(), tokens.end());
  EXPECT_TRUE(set.count("CHATHISTORY=100"));
  EXPECT_TRUE(set.count("MSGREFTYPES=msgid,timestamp"));
  for (const auto& c : all_caps()) {
    if (c.bit == kCapSasl) {
      ASSERT_NE(c.value, nullptr);
      EXPECT_EQ(c.value(config), "PLAIN,SCRAM-SHA-256");
    }
  }
}

TEST(Caps, CommandsOfCapabilitiesAreRegistered) {
  CommandTable t;
  register_cap_commands(t);
  EXPECT_TRUE(t.count("CHATHISTORY"));
  EXPECT_TRUE(t.count("AUTHENTICATE"));
  EXPECT_TRUE(t.count("SETNAME"));
  EXPECT_FALSE(t.count("PRIVMSG")) << "a family's command, not a capability's";
}

}  // namespace
}  // namespace pchat::server
