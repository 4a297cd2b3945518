// server/tag_variants.h: which tags each recipient of a chat line gets.
#include "server/tag_variants.h"

#include <gtest/gtest.h>

namespace pchat::server {
namespace {

irc::Message chat_line() {
  return irc::Message{{{"msgid", "m1"},
                       {"time", "2026-12-07T10:00:00.000Z"},
                       {"account", "alice"},
                       {"+draft/reply", "m0"}},
                      "alice!a@host",
                      "PRIVMSG",
                      {"#room", "hello there"}};
}

TEST(TagVariants, VariantFollowsTheCapabilities) {
  EXPECT_EQ(tag_variant(false, false, false), 0);
  EXPECT_EQ(tag_variant(false, true, false), kVarTime);
  EXPECT_EQ(tag_variant(false, false, true), kVarAccount);
  EXPECT_EQ(tag_variant(false, true, true), kVarTime | kVarAccount);
  // message-tags takes every tag, whatever else is enabled.
  EXPECT_EQ(tag_variant(true, false, false), kVarTags);
  EXPECT_EQ(tag_variant(true, true, true), kVarTags);
}

TEST(TagVariants, EachVariantKeepsOnlyItsTags) {
  const irc::Message m = chat_line();
  VariantLines lines(m);
  EXPECT_EQ(lines.line(0), ":alice!a@host PRIVMSG #room :hello there\r\n");
  EXPECT_EQ(lines.line(kVarTime),
            "@time=2026-12-07T10:00:00.000Z :alice!a@host PRIVMSG #room :hello there\r\n");
  EXPECT_EQ(lines.line(kVarAccount), "@account=alice :alice!a@host PRIVMSG #room :hello there\r\n");
  EXPECT_EQ(lines.line(kVarTime | kVarAccount),
            "@time=2026-12-07T10:00:00.000Z;account=alice :alice!a@host PRIVMSG #room :hello "
            "there\r\n");
  EXPECT_EQ(lines.line(kVarTags),
            "@msgid=m1;time=2026-12-07T10:00:00.000Z;account=alice;+draft/reply=m0 "
            ":alice!a@host PRIVMSG #room :hello there\r\n");
  // Built once: the same string each time.
  EXPECT_EQ(&lines.line(kVarTime), &lines.line(kVarTime));
}

TEST(TagVariants, AClientTagNeverReachesAClientWithoutMessageTags) {
  const irc::Message m = chat_line();
  for (int v = 0; v < kTagVariants; ++v) {
    if (v & kVarTags) continue;
    for (const auto& t : for_variant(m, v).tags) {
      EXPECT_TRUE(t.key == "time" || t.key == "account") << v << " kept " << t.key;
    }
  }
  EXPECT_EQ(for_variant(m, kVarTags), m);
}

TEST(TagVariants, StoredTagsAreEscapedAndJoined) {
  EXPECT_EQ(stored_tags({}), "");
  EXPECT_EQ(stored_tags({{"+draft/react", "👍"}, {"+typing", ""}}), "+draft/react=👍;+typing");
  EXPECT_EQ(stored_tags({{"+x", "a b;c\\d"}}), "+x=a\\sb\\:c\\\\d");
}

}  // namespace
}  // namespace pchat::server
