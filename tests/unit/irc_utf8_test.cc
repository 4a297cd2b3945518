#include "irc/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace pchat::irc {
namespace {

TEST(IrcUtf8, AcceptsAsciiAndEmpty) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("hello, world"));
  EXPECT_TRUE(is_valid_utf8(std::string(1000, 'x')));
  EXPECT_TRUE(is_valid_utf8(std::string("a\0b", 3)));  // NUL is valid UTF-8
}

TEST(IrcUtf8, AcceptsMultiByte) {
  EXPECT_TRUE(is_valid_utf8("caf\xC3\xA9"));                   // é (2 bytes)
  EXPECT_TRUE(is_valid_utf8("\xE2\x82\xAC"));                  // € (3 bytes)
  EXPECT_TRUE(is_valid_utf8("\xE4\xB8\xAD\xE6\x96\x87"));      // 中文
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x98\x80"));              // 😀 (4 bytes)
  EXPECT_TRUE(is_valid_utf8("\xC2\x80"));                      // U+0080, smallest 2-byte
  EXPECT_TRUE(is_valid_utf8("\xDF\xBF"));                      // U+07FF
  EXPECT_TRUE(is_valid_utf8("\xE0\xA0\x80"));                  // U+0800, smallest 3-byte
  EXPECT_TRUE(is_valid_utf8("\xED\x9F\xBF"));                  // U+D7FF, below surrogates
  EXPECT_TRUE(is_valid_utf8("\xEE\x80\x80"));                  // U+E000, above surrogates
  EXPECT_TRUE(is_valid_utf8("\xEF\xBF\xBF"));                  // U+FFFF
  EXPECT_TRUE(is_valid_utf8("\xF0\x90\x80\x80"));              // U+10000, smallest 4-byte
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));              // U+10FFFF, largest
  EXPECT_TRUE(is_valid_utf8("abcdefgh\xC3\xA9ijklmnopqrst"));  // past the 8-byte fast path
}

TEST(IrcUtf8, RejectsOverlongs) {
  EXPECT_FALSE(is_valid_utf8("\xC0\x80"));          // overlong NUL
  EXPECT_FALSE(is_valid_utf8("\xC1\xBF"));          // overlong 2-byte
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));      // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xE0\x9F\xBF"));      // overlong U+07FF
  EXPECT_FALSE(is_valid_utf8("\xF0\x80\x80\xAF"));  // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xF0\x8F\xBF\xBF"));  // overlong U+FFFF
}

TEST(IrcUtf8, RejectsSurrogatesAndBeyondMax) {
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // U+D800
  EXPECT_FALSE(is_valid_utf8("\xED\xBF\xBF"));      // U+DFFF
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // U+110000
  EXPECT_FALSE(is_valid_utf8("\xF5\x80\x80\x80"));
  EXPECT_FALSE(is_valid_utf8("\xFE"));
  EXPECT_FALSE(is_valid_utf8("\xFF"));
}

TEST(IrcUtf8, RejectsTruncatedAndStray) {
  EXPECT_FALSE(is_valid_utf8("\x80"));  // stray continuation
  EXPECT_FALSE(is_valid_utf8("abc\xBF"));
  EXPECT_FALSE(is_valid_utf8("\xC3"));          // truncated 2-byte
  EXPECT_FALSE(is_valid_utf8("\xE2\x82"));      // truncated 3-byte
  EXPECT_FALSE(is_valid_utf8("\xF0\x9F\x98"));  // truncated 4-byte
  EXPECT_FALSE(is_valid_utf8("\xC3(x"));        // bad continuation
  EXPECT_FALSE(is_valid_utf8("\xE2\x28\xA1"));
  EXPECT_FALSE(is_valid_utf8("\xF0\x9F\x28\x80"));
  EXPECT_FALSE(is_valid_utf8("caf\xE9"));  // Latin-1 é
  EXPECT_FALSE(is_valid_utf8("abcdefghijklmno\xE9"));
}

TEST(IrcUtf8, TruncateKeepsShortStrings) {
  EXPECT_EQ(truncate_utf8("", 0), "");
  EXPECT_EQ(truncate_utf8("abc", 3), "abc");
  EXPECT_EQ(truncate_utf8("abc", 10), "abc");
  EXPECT_EQ(truncate_utf8("abc", 2), "ab");
  EXPECT_EQ(truncate_utf8("abc", 0), "");
}

TEST(IrcUtf8, TruncateNeverCutsACodePoint) {
  const std::string s =
      "a\xC3\xA9"
      "b\xE2\x82\xAC"
      "c\xF0\x9F\x98\x80";  // a é b € c 😀
  ASSERT_EQ(s.size(), 12u);
  EXPECT_EQ(truncate_utf8(s, 1), "a");
  EXPECT_EQ(truncate_utf8(s, 2), "a");
  EXPECT_EQ(truncate_utf8(s, 3), "a\xC3\xA9");
  EXPECT_EQ(truncate_utf8(s, 4),
            "a\xC3\xA9"
            "b");
  EXPECT_EQ(truncate_utf8(s, 5),
            "a\xC3\xA9"
            "b");
  EXPECT_EQ(truncate_utf8(s, 6),
            "a\xC3\xA9"
            "b");
  EXPECT_EQ(truncate_utf8(s, 7),
            "a\xC3\xA9"
            "b\xE2\x82\xAC");
  EXPECT_EQ(truncate_utf8(s, 8),
            "a\xC3\xA9"
            "b\xE2\x82\xAC"
            "c");
  EXPECT_EQ(truncate_utf8(s, 9),
            "a\xC3\xA9"
            "b\xE2\x82\xAC"
            "c");
  EXPECT_EQ(truncate_utf8(s, 11),
            "a\xC3\xA9"
            "b\xE2\x82\xAC"
            "c");
  EXPECT_EQ(truncate_utf8(s, 12), s);
  for (std::size_t n = 0; n <= s.size(); ++n) {
    EXPECT_TRUE(is_valid_utf8(truncate_utf8(s, n))) << n;
    EXPECT_LE(truncate_utf8(s, n).size(), n);
  }
  EXPECT_EQ(truncate_utf8("\xF0\x9F\x98\x80", 3), "");
}

TEST(IrcUtf8, TruncateOnInvalidInputStaysWithinLimit) {
  const std::string s = "a\x80\x80\x80\x80\x80";
  EXPECT_EQ(truncate_utf8(s, 5), s.substr(0, 5));
  EXPECT_EQ(truncate_utf8("\x80\x80", 1), "");
}

TEST(IrcUtf8, ReplacesInvalidBytesWithReplacementCharacter) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(replace_invalid_utf8(""), "");
  EXPECT_EQ(replace_invalid_utf8("caf\xC3\xA9"), "caf\xC3\xA9");  // valid: unchanged
  EXPECT_EQ(replace_invalid_utf8("caf\xE9"), "caf" + fffd);       // latin-1 é
  EXPECT_EQ(replace_invalid_utf8("\xE2\x82"), fffd);              // truncated: one subpart
  EXPECT_EQ(replace_invalid_utf8("\xE2\x82x"), fffd + "x");
  EXPECT_EQ(replace_invalid_utf8("\xC0\xAF"), fffd + fffd);             // overlong: two
  EXPECT_EQ(replace_invalid_utf8("\xED\xA0\x80"), fffd + fffd + fffd);  // surrogate
  EXPECT_EQ(replace_invalid_utf8("a\xFF\xF0\x9F\x98\x80"), "a" + fffd + "\xF0\x9F\x98\x80");
  EXPECT_TRUE(is_valid_utf8(replace_invalid_utf8("\x80\x81\xF4\x90\x80\x80 ok")));
}

}  // namespace
}  // namespace pchat::irc
