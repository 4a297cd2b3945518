#include "irc/casemap.h"

#include <gtest/gtest.h>

#include <string>

namespace pchat::irc {
namespace {

TEST(IrcCasemap, FoldMapsOnlyAsciiLetters) {
  EXPECT_EQ(fold("NiCk"), "nick");
  EXPECT_EQ(fold("#Chan-01"), "#chan-01");
  EXPECT_EQ(fold("[]\\~^{}|"), "[]\\~^{}|");                  // ascii mapping: not rfc1459
  EXPECT_EQ(fold("\xC3\x89T\xC3\xA9"), "\xC3\x89t\xC3\xA9");  // ÉTé: non-ASCII kept
  EXPECT_EQ(fold(""), "");
}

TEST(IrcCasemap, EqualFolded) {
  EXPECT_TRUE(equal_folded("Nick", "nICK"));
  EXPECT_TRUE(equal_folded("", ""));
  EXPECT_TRUE(equal_folded("#Room", "#room"));
  EXPECT_FALSE(equal_folded("nick", "nick_"));
  EXPECT_FALSE(equal_folded("[a]", "{a}"));
  EXPECT_FALSE(equal_folded("@", "`"));  // 0x40 vs 0x60: not letters, not folded
  EXPECT_FALSE(equal_folded("\xC3\x89", "\xC3\xA9"));
}

TEST(IrcCasemap, ValidNicks) {
  for (const char* nick : {"a", "Z", "nick", "Nick_42", "[away]", "\\o", "`x", "^^", "{x}", "a|b",
                           "_", "x-y", "a123456789"}) {
    EXPECT_TRUE(is_valid_nick(nick)) << nick;
  }
  EXPECT_TRUE(is_valid_nick(std::string(kNickLen, 'n')));
}

TEST(IrcCasemap, InvalidNicks) {
  for (const char* nick : {"", "1abc", "-abc", "a b", "a,b", "a.b", "a!b", "a@b", "#chan", ":x",
                           "a*", "a?", "\\o/", "\xC3\xA9t\xC3\xA9", "a\x01", "~x"}) {
    EXPECT_FALSE(is_valid_nick(nick)) << nick;
  }
  EXPECT_FALSE(is_valid_nick(std::string(kNickLen + 1, 'n')));
}

TEST(IrcCasemap, ValidChannels) {
  for (const char* name :
       {"#a", "#chan", "#Chan.With-Stuff", "##", "#caf\xC3\xA9", "#a:b", "#\xF0\x9F\x98\x80"}) {
    EXPECT_TRUE(is_valid_channel_name(name)) << name;
  }
  EXPECT_TRUE(is_valid_channel_name("#" + std::string(kChannelLen - 1, 'c')));
}

TEST(IrcCasemap, InvalidChannels) {
  for (const char* name : {"", "#", "chan", "&chan", "+chan", "!chan", "#a b", "#a,b", "#a\x07",
                           "#a\r", "#a\n", "#caf\xE9", "#\xC3"}) {
    EXPECT_FALSE(is_valid_channel_name(name)) << name;
  }
  EXPECT_FALSE(is_valid_channel_name(std::string("#a\0b", 4)));
  EXPECT_FALSE(is_valid_channel_name("#" + std::string(kChannelLen, 'c')));
}

TEST(IrcCasemap, AccountNames) {
  EXPECT_TRUE(is_valid_account_name("alice"));
  EXPECT_TRUE(is_valid_account_name("Bob_Smith-2"));
  EXPECT_TRUE(is_valid_account_name(std::string(kAccountLen, 'a')));
  EXPECT_FALSE(is_valid_account_name(std::string(kAccountLen + 1, 'a')));
  EXPECT_FALSE(is_valid_account_name(""));
  EXPECT_FALSE(is_valid_account_name("9lives"));
  EXPECT_FALSE(is_valid_account_name("a b"));
  EXPECT_FALSE(is_valid_account_name("a@b"));
}

}  // namespace
}  // namespace pchat::irc
