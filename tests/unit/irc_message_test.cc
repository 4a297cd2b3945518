#include "irc/message.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "irc/utf8.h"

namespace pchat::irc {
namespace {

using Params = std::vector<std::string>;
using Tags = std::vector<Tag>;

Message parse_ok(std::string_view line, TagLimit limit = TagLimit::kClient) {
  ParsedLine p = parse_line(line, limit);
  EXPECT_TRUE(p.ok()) << "line: " << line << " error: " << (p.ok() ? "" : to_string(p.error()));
  if (!p.ok()) return {};
  return std::move(p).value();
}

LineError parse_err(std::string_view line, TagLimit limit = TagLimit::kClient) {
  ParsedLine p = parse_line(line, limit);
  EXPECT_FALSE(p.ok()) << "line: " << line;
  return p.ok() ? LineError::kEmpty : p.error();
}

// --- Splitting: vectors from the ircdocs parser tests (msg-split.yaml) ----------------------

struct SplitCase {
  const char* line;
  Tags tags;
  const char* source;
  const char* command;
  Params params;
};

class IrcParseSplit : public ::testing::TestWithParam<SplitCase> {};

TEST_P(IrcParseSplit, Parses) {
  const SplitCase& c = GetParam();
  const Message m = parse_ok(c.line, TagLimit::kServer);
  EXPECT_EQ(m.tags, c.tags) << c.line;
  EXPECT_EQ(m.source, c.source) << c.line;
  EXPECT_EQ(m.command, c.command) << c.line;
  EXPECT_EQ(m.params, c.params) << c.line;
}

INSTANTIATE_TEST_SUITE_P(
    Ircdocs, IrcParseSplit,
    ::testing::Values(
        // simple
        SplitCase{"foo bar baz asdf", {}, "", "FOO", {"bar", "baz", "asdf"}},
        // with source
        SplitCase{":coolguy foo bar baz asdf", {}, "coolguy", "FOO", {"bar", "baz", "asdf"}},
        // with trailing param
        SplitCase{"foo bar baz :asdf quux", {}, "", "FOO", {"bar", "baz", "asdf quux"}},
        SplitCase{"foo bar baz :", {}, "", "FOO", {"bar", "baz", ""}},
        SplitCase{"foo bar baz ::asdf", {}, "", "FOO", {"bar", "baz", ":asdf"}},
        // with source and trailing param
        SplitCase{
            ":coolguy foo bar baz :asdf quux", {}, "coolguy", "FOO", {"bar", "baz", "asdf quux"}},
        SplitCase{":coolguy foo bar baz :  asdf quux ",
                  {},
                  "coolguy",
                  "FOO",
                  {"bar", "baz", "  asdf quux "}},
        SplitCase{":coolguy PRIVMSG bar :lol :) ", {}, "coolguy", "PRIVMSG", {"bar", "lol :) "}},
        SplitCase{":coolguy foo bar baz :", {}, "coolguy", "FOO", {"bar", "baz", ""}},
        SplitCase{":coolguy foo bar baz :  ", {}, "coolguy", "FOO", {"bar", "baz", "  "}},
        // with tags
        SplitCase{"@a=b;c=32;k;rt=ql7 foo",
                  {{"a", "b"}, {"c", "32"}, {"k", ""}, {"rt", "ql7"}},
                  "",
                  "FOO",
                  {}},
        // with escaped tags
        SplitCase{"@a=b\\\\and\\nk;c=72\\s45;d=gh\\:764 foo",
                  {{"a", "b\\and\nk"}, {"c", "72 45"}, {"d", "gh;764"}},
                  "",
                  "FOO",
                  {}},
        // with tags and source
        SplitCase{
            "@c;h=;a=b :quux ab cd", {{"c", ""}, {"h", ""}, {"a", "b"}}, "quux", "AB", {"cd"}},
        // different forms of last param
        SplitCase{":src JOIN #chan", {}, "src", "JOIN", {"#chan"}},
        SplitCase{":src JOIN :#chan", {}, "src", "JOIN", {"#chan"}},
        // with and without last param
        SplitCase{":src AWAY", {}, "src", "AWAY", {}},
        SplitCase{":src AWAY ", {}, "src", "AWAY", {}},
        // tab is not considered whitespace
        SplitCase{":cool\tguy foo bar baz", {}, "cool\tguy", "FOO", {"bar", "baz"}},
        // weird control codes in the source
        SplitCase{":coolguy!ag@net\x03"
                  "5w\x03ork.admin PRIVMSG foo :bar baz",
                  {},
                  "coolguy!ag@net\x03"
                  "5w\x03ork.admin",
                  "PRIVMSG",
                  {"foo", "bar baz"}},
        SplitCase{":coolguy!~ag@n\x02"
                  "et\x03"
                  "05w\x0fork.admin PRIVMSG foo :bar baz",
                  {},
                  "coolguy!~ag@n\x02"
                  "et\x03"
                  "05w\x0fork.admin",
                  "PRIVMSG",
                  {"foo", "bar baz"}},
        SplitCase{
            "@tag1=value1;tag2;vendor1/tag3=value2;vendor2/tag4= :irc.example.com COMMAND "
            "param1 param2 :param3 param3",
            {{"tag1", "value1"}, {"tag2", ""}, {"vendor1/tag3", "value2"}, {"vendor2/tag4", ""}},
            "irc.example.com",
            "COMMAND",
            {"param1", "param2", "param3 param3"}},
        SplitCase{":irc.example.com COMMAND param1 param2 :param3 param3",
                  {},
                  "irc.example.com",
                  "COMMAND",
                  {"param1", "param2", "param3 param3"}},
        SplitCase{
            "@tag1=value1;tag2;vendor1/tag3=value2;vendor2/tag4 COMMAND param1 param2 "
            ":param3 param3",
            {{"tag1", "value1"}, {"tag2", ""}, {"vendor1/tag3", "value2"}, {"vendor2/tag4", ""}},
            "",
            "COMMAND",
            {"param1", "param2", "param3 param3"}},
        SplitCase{"COMMAND", {}, "", "COMMAND", {}},
        // escaping: every escape at once
        SplitCase{"@foo=\\\\\\\\\\:\\\\s\\s\\r\\n COMMAND",
                  {{"foo", "\\\\;\\s \r\n"}},
                  "",
                  "COMMAND",
                  {}},
        // broken messages from unreal / mozilla
        SplitCase{":gravel.mozilla.org 432  #momo :Erroneous Nickname: Illegal characters",
                  {},
                  "gravel.mozilla.org",
                  "432",
                  {"#momo", "Erroneous Nickname: Illegal characters"}},
        SplitCase{":gravel.mozilla.org MODE #tckk +n ",
                  {},
                  "gravel.mozilla.org",
                  "MODE",
                  {"#tckk", "+n"}},
        SplitCase{":services.esper.net MODE #foo-bar +o foobar  ",
                  {},
                  "services.esper.net",
                  "MODE",
                  {"#foo-bar", "+o", "foobar"}},
        // tag values: a slash then n is not an escape of a newline
        SplitCase{"@tag1=value\\\\ntest COMMAND", {{"tag1", "value\\ntest"}}, "", "COMMAND", {}},
        // unknown escape drops the backslash
        SplitCase{"@tag1=value\\1 COMMAND", {{"tag1", "value1"}}, "", "COMMAND", {}},
        // trailing lone backslash is dropped
        SplitCase{"@tag1=value1\\ COMMAND", {{"tag1", "value1"}}, "", "COMMAND", {}},
        // duplicate tags: last wins
        SplitCase{"@tag1=1;tag2=3;tag3=4;tag1=5 COMMAND",
                  {{"tag1", "5"}, {"tag2", "3"}, {"tag3", "4"}},
                  "",
                  "COMMAND",
                  {}},
        SplitCase{"@tag1=1;tag2=3;tag3=4;tag1=5;vendor/tag2=8 COMMAND",
                  {{"tag1", "5"}, {"tag2", "3"}, {"tag3", "4"}, {"vendor/tag2", "8"}},
                  "",
                  "COMMAND",
                  {}},
        // mode changes
        SplitCase{":SomeOp MODE #channel :+i", {}, "SomeOp", "MODE", {"#channel", "+i"}},
        SplitCase{":SomeOp MODE #channel +oo SomeUser :AnotherUser",
                  {},
                  "SomeOp",
                  "MODE",
                  {"#channel", "+oo", "SomeUser", "AnotherUser"}}));

// --- Examples from the IRCv3 message-tags specification --------------------------------------

TEST(IrcParse, MessageTagsSpecExamples) {
  Message m = parse_ok("@aaa=bbb;ccc;example.com/ddd=eee :nick!ident@host.com PRIVMSG me :Hello");
  EXPECT_EQ(m.tags, (Tags{{"aaa", "bbb"}, {"ccc", ""}, {"example.com/ddd", "eee"}}));
  EXPECT_EQ(m.source, "nick!ident@host.com");
  EXPECT_EQ(m.command, "PRIVMSG");
  EXPECT_EQ(m.params, (Params{"me", "Hello"}));

  m = parse_ok(
      "@+icon=https://example.com/favicon.png :url_bot!bot@example.com PRIVMSG #channel "
      ":Example.com: A News Story");
  ASSERT_NE(m.tag("+icon"), nullptr);
  EXPECT_EQ(*m.tag("+icon"), "https://example.com/favicon.png");
  EXPECT_EQ(m.params, (Params{"#channel", "Example.com: A News Story"}));

  m = parse_ok("@+example=raw+:=,escaped\\:\\s\\\\ :irc.example.com NOTICE #channel :Message");
  ASSERT_NE(m.tag("+example"), nullptr);
  EXPECT_EQ(*m.tag("+example"), "raw+:=,escaped; \\");
  EXPECT_EQ(m.tag("example"), nullptr);

  m = parse_ok("@+draft/reply=abc123 TAGMSG #channel");
  EXPECT_EQ(m.tags, (Tags{{"+draft/reply", "abc123"}}));
  EXPECT_EQ(m.command, "TAGMSG");
}

TEST(IrcParse, TagLookup) {
  const Message m = parse_ok("@time=2024-01-01T00:00:00.000Z;msgid=x PRIVMSG #a :hi");
  ASSERT_NE(m.tag("time"), nullptr);
  EXPECT_EQ(*m.tag("time"), "2024-01-01T00:00:00.000Z");
  EXPECT_EQ(*m.tag("msgid"), "x");
  EXPECT_EQ(m.tag("TIME"), nullptr);  // keys are case-sensitive
  EXPECT_EQ(m.tag("account"), nullptr);
}

TEST(IrcParse, TagValueMayContainEqualsSign) {
  const Message m = parse_ok("@a=b=c;d==e COMMAND");
  EXPECT_EQ(m.tags, (Tags{{"a", "b=c"}, {"d", "=e"}}));
}

TEST(IrcParse, EmptyTagItemsAreSkipped) {
  EXPECT_EQ(parse_ok("@a=1;;b=2; CMD").tags, (Tags{{"a", "1"}, {"b", "2"}}));
}

TEST(IrcParse, ManyDuplicateTagsLastWins) {
  // More tags than the linear de-duplication handles, with duplicates past the switch.
  std::string line = "@";
  for (int i = 0; i < 40; ++i) line += "k" + std::to_string(i) + "=" + std::to_string(i) + ";";
  line += "k3=three;k39=last;k0 CMD";
  const Message m = parse_ok(line);
  ASSERT_EQ(m.tags.size(), 40u);
  EXPECT_EQ(m.tags[3], (Tag{"k3", "three"}));
  EXPECT_EQ(m.tags[39], (Tag{"k39", "last"}));
  EXPECT_EQ(m.tags[0], (Tag{"k0", ""}));
  EXPECT_EQ(m.tags[1], (Tag{"k1", "1"}));
}

// --- Commands, sources, parameters ---------------------------------------------------------

TEST(IrcParse, CommandIsUpperCased) {
  EXPECT_EQ(parse_ok("privmsg #a :hi").command, "PRIVMSG");
  EXPECT_EQ(parse_ok("PrivMsg #a :hi").command, "PRIVMSG");
  EXPECT_EQ(parse_ok("cap ls 302").command, "CAP");
}

TEST(IrcParse, NumericCommand) {
  const Message m = parse_ok(":irc.example.com 001 alice :Welcome to the network, alice");
  EXPECT_EQ(m.command, "001");
  EXPECT_EQ(m.params, (Params{"alice", "Welcome to the network, alice"}));
}

TEST(IrcParse, SourceForms) {
  EXPECT_EQ(parse_ok(":irc.example.com PING x").source, "irc.example.com");
  EXPECT_EQ(parse_ok(":nick PRIVMSG a b").source, "nick");
  EXPECT_EQ(parse_ok(":nick!user@host PRIVMSG a b").source, "nick!user@host");
  EXPECT_EQ(parse_ok(":nick@host PRIVMSG a b").source, "nick@host");
  EXPECT_EQ(parse_ok("@t=1 :nick!u@h PRIVMSG a b").source, "nick!u@h");
  EXPECT_EQ(parse_ok("PRIVMSG a b").source, "");
}

TEST(IrcParse, SpacesAreCollapsedAndIgnoredAtEdges) {
  const Message m = parse_ok("   PRIVMSG    #a    b   ");
  EXPECT_EQ(m.command, "PRIVMSG");
  EXPECT_EQ(m.params, (Params{"#a", "b"}));
  EXPECT_EQ(parse_ok("@a=1    :src    CMD   x").params, (Params{"x"}));
}

TEST(IrcParse, FifteenParams) {
  // 15 params: the 15th is the rest of the line, spaces included.
  Message m = parse_ok("CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15");
  EXPECT_EQ(m.params.size(), 15u);
  EXPECT_EQ(m.params.back(), "15");
  m = parse_ok("CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17");
  ASSERT_EQ(m.params.size(), kMaxParams);
  EXPECT_EQ(m.params[13], "14");
  EXPECT_EQ(m.params[14], "15 16 17");
  m = parse_ok("CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 :15 16");
  ASSERT_EQ(m.params.size(), kMaxParams);
  EXPECT_EQ(m.params[14], "15 16");
  m = parse_ok("CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 ::15");
  EXPECT_EQ(m.params[14], ":15");
  m = parse_ok("CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14   ");
  EXPECT_EQ(m.params.size(), 14u);
}

TEST(IrcParse, TrailingMayContainUtf8AndColons) {
  const Message m = parse_ok("PRIVMSG #a :caf\xC3\xA9 :) \xF0\x9F\x98\x80");
  EXPECT_EQ(m.params.back(), "caf\xC3\xA9 :) \xF0\x9F\x98\x80");
}

// --- Errors ----------------------------------------------------------------------------------

TEST(IrcParse, EmptyLines) {
  EXPECT_EQ(parse_err(""), LineError::kEmpty);
  EXPECT_EQ(parse_err(" "), LineError::kEmpty);
  EXPECT_EQ(parse_err("    \t  "), LineError::kEmpty);
}

TEST(IrcParse, NoCommand) {
  EXPECT_EQ(parse_err(":source"), LineError::kNoCommand);
  EXPECT_EQ(parse_err(":source   "), LineError::kNoCommand);
  EXPECT_EQ(parse_err("@a=b"), LineError::kNoCommand);
  EXPECT_EQ(parse_err("@a=b   "), LineError::kNoCommand);
  EXPECT_EQ(parse_err("@a=b :source"), LineError::kNoCommand);
  EXPECT_EQ(parse_err("@a=b :source "), LineError::kNoCommand);
  EXPECT_EQ(parse_err("  @a=b CMD"), LineError::kNoCommand);  // tags only at the start
  EXPECT_EQ(parse_err(":src :CMD"), LineError::kNoCommand);
  EXPECT_EQ(parse_err(":src  @CMD"), LineError::kNoCommand);
}

TEST(IrcParse, MalformedTags) {
  EXPECT_EQ(parse_err("@ CMD"), LineError::kMalformedTags);
  EXPECT_EQ(parse_err("@=value CMD"), LineError::kMalformedTags);
  EXPECT_EQ(parse_err("@+ CMD"), LineError::kMalformedTags);
  EXPECT_EQ(parse_err("@+=x CMD"), LineError::kMalformedTags);
  EXPECT_EQ(parse_err("@vendor/ CMD"), LineError::kMalformedTags);
  EXPECT_EQ(parse_err("@a_b=1 CMD"), LineError::kMalformedTags);
  EXPECT_EQ(parse_err("@a:b=1 CMD"), LineError::kMalformedTags);
  EXPECT_EQ(parse_err("@caf\xC3\xA9=1 CMD"), LineError::kMalformedTags);
  EXPECT_EQ(parse_err("@a++b=1 CMD"), LineError::kMalformedTags);
}

TEST(IrcParse, NulByte) {
  using namespace std::string_literals;
  EXPECT_EQ(parse_err("PRIVMSG #a :hi\0there"s), LineError::kNulByte);
  EXPECT_EQ(parse_err("@a=\0 PRIVMSG #a :hi"s), LineError::kNulByte);
  EXPECT_EQ(parse_err("\0"s), LineError::kNulByte);
  EXPECT_EQ(parse_err(":s\0 CMD"s), LineError::kNulByte);
}

TEST(IrcParse, CrOrLfInsideTheLine) {
  EXPECT_EQ(parse_err("PRIVMSG #a :hi\rQUIT"), LineError::kCrOrLf);
  EXPECT_EQ(parse_err("PRIVMSG #a :hi\nQUIT"), LineError::kCrOrLf);
}

TEST(IrcParse, InvalidUtf8) {
  EXPECT_EQ(parse_err("PRIVMSG #a :caf\xE9"), LineError::kInvalidUtf8);
  EXPECT_EQ(parse_err("PRIVMSG #caf\xE9 :hi"), LineError::kInvalidUtf8);
  EXPECT_EQ(parse_err("@a=\xC0\x80 PRIVMSG #a :hi"), LineError::kInvalidUtf8);
  EXPECT_EQ(parse_err("@a=\\\xE9 PRIVMSG #a :hi"), LineError::kInvalidUtf8);
  EXPECT_EQ(parse_err("PRIVMSG #a :\xED\xA0\x80"), LineError::kInvalidUtf8);  // surrogate
  EXPECT_EQ(parse_err(":n\xFF PRIVMSG #a :hi"), LineError::kInvalidUtf8);
}

TEST(IrcParse, BodyLimitIs510Bytes) {
  const std::string head = "PRIVMSG #a :";
  const std::string at_limit = head + std::string(kMaxBodyBytes - head.size(), 'x');
  ASSERT_EQ(at_limit.size(), 510u);
  EXPECT_TRUE(parse_line(at_limit).ok());
  EXPECT_EQ(parse_err(at_limit + "x"), LineError::kInputTooLong);
  // The body limit does not count the tag section or the spaces after it.
  EXPECT_TRUE(parse_line("@a=b   " + at_limit).ok());
  EXPECT_EQ(parse_err("@a=b " + at_limit + "x"), LineError::kInputTooLong);
  // Too long wins over other errors: the transport answers 417 first.
  EXPECT_EQ(parse_err(std::string(600, '\xFF')), LineError::kInputTooLong);
}

// Builds "@k=vvv...v " whose tag section ('@' and the space included) is `section` bytes.
std::string tag_section(std::size_t section) {
  return "@k=" + std::string(section - 4, 'v') + " ";
}

TEST(IrcParse, ServerTagSectionLimitIs8191Bytes) {
  ASSERT_EQ(tag_section(kMaxTagBytes).size(), 8191u);
  const Message m = parse_ok(tag_section(kMaxTagBytes) + "CMD", TagLimit::kServer);
  ASSERT_NE(m.tag("k"), nullptr);
  EXPECT_EQ(m.tag("k")->size(), kMaxTagBytes - 4);
  EXPECT_EQ(parse_err(tag_section(kMaxTagBytes + 1) + "CMD", TagLimit::kServer),
            LineError::kInputTooLong);
  // Without a command after it, the length is still checked first.
  EXPECT_EQ(parse_err(tag_section(kMaxTagBytes + 1), TagLimit::kServer), LineError::kInputTooLong);
}

TEST(IrcParse, InternalLinesHaveNoLengthLimit) {
  // The pool's presence events carry a client's whole fields (a 390-byte realname
  // beside a 64-byte host and a long server name can pass 512 bytes).
  const std::string line = "USER srv 1 nick user host * :" + std::string(2000, 'r');
  EXPECT_EQ(parse_err(line, TagLimit::kServer), LineError::kInputTooLong);
  const Message m = parse_ok(line, TagLimit::kInternal);
  EXPECT_EQ(m.params.back().size(), 2000u);
  EXPECT_TRUE(parse_line(tag_section(kMaxTagBytes + 10) + line, TagLimit::kInternal).ok());
  // Only the length: the other checks hold.
  EXPECT_EQ(parse_err(std::string("USER \xff"), TagLimit::kInternal), LineError::kInvalidUtf8);
}

TEST(IrcParse, ClientTagDataLimitIs4094Bytes) {
  // tag data = section minus '@' and space.
  EXPECT_TRUE(parse_line(tag_section(kMaxClientTagBytes + 2) + "TAGMSG #a").ok());
  EXPECT_EQ(parse_err(tag_section(kMaxClientTagBytes + 3) + "TAGMSG #a"), LineError::kInputTooLong);
  EXPECT_TRUE(
      parse_line(tag_section(kMaxClientTagBytes + 3) + "TAGMSG #a", TagLimit::kServer).ok());
}

TEST(IrcParse, LongestLegalLineFitsTheWireLimit) {
  const std::string body = "PRIVMSG #a :" + std::string(kMaxBodyBytes - 12, 'x');
  const std::string line = tag_section(kMaxTagBytes) + body;
  EXPECT_TRUE(parse_line(line, TagLimit::kServer).ok());
  EXPECT_EQ(line.size() + 2, kMaxWireLineBytes);
}

TEST(IrcParse, ErrorsConvertToResult) {
  Result<Message> bad = parse_line("@ CMD").to_result();
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(bad.error().message, "malformed message tags");
  Result<Message> good = parse_line("PING x").to_result();
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good->command, "PING");
}

TEST(IrcParse, EveryErrorHasADescription) {
  for (LineError e :
       {LineError::kEmpty, LineError::kInputTooLong, LineError::kInvalidUtf8, LineError::kNulByte,
        LineError::kCrOrLf, LineError::kNoCommand, LineError::kMalformedTags}) {
    EXPECT_STRNE(to_string(e), "unknown line error");
  }
}

// --- Serialization: ircdocs msg-join vectors and more -----------------------------------------

TEST(IrcSerialize, Simple) {
  EXPECT_EQ(serialize({{}, "", "FOO", {"bar", "baz", "asdf"}}), "FOO bar baz asdf\r\n");
  EXPECT_EQ(serialize({{}, "coolguy", "FOO", {"bar", "baz", "asdf"}}),
            ":coolguy FOO bar baz asdf\r\n");
  EXPECT_EQ(serialize({{}, "", "COMMAND", {}}), "COMMAND\r\n");
}

TEST(IrcSerialize, TrailingOnlyWhenNeeded) {
  EXPECT_EQ(serialize({{}, "", "FOO", {"bar", "baz", "asdf quux"}}), "FOO bar baz :asdf quux\r\n");
  EXPECT_EQ(serialize({{}, "", "FOO", {"bar", "baz", ""}}), "FOO bar baz :\r\n");
  EXPECT_EQ(serialize({{}, "", "FOO", {"bar", "baz", ":asdf"}}), "FOO bar baz ::asdf\r\n");
  EXPECT_EQ(serialize({{}, "coolguy", "FOO", {"bar", "baz", "  asdf quux "}}),
            ":coolguy FOO bar baz :  asdf quux \r\n");
  EXPECT_EQ(serialize({{}, "", "JOIN", {"#chan"}}), "JOIN #chan\r\n");
}

TEST(IrcSerialize, ForceTrailing) {
  EXPECT_EQ(serialize({{}, "n!u@h", "PRIVMSG", {"#a", "hi"}}, {.force_trailing = true}),
            ":n!u@h PRIVMSG #a :hi\r\n");
  EXPECT_EQ(serialize({{}, "", "PING", {}}, {.force_trailing = true}), "PING\r\n");
}

TEST(IrcSerialize, Tags) {
  EXPECT_EQ(serialize({{{"a", "b"}, {"c", "32"}, {"k", ""}, {"rt", "ql7"}}, "", "FOO", {}}),
            "@a=b;c=32;k;rt=ql7 FOO\r\n");
  EXPECT_EQ(serialize({{{"a", "b\\and\nk"}, {"c", "72 45"}, {"d", "gh;764"}}, "", "FOO", {}}),
            "@a=b\\\\and\\nk;c=72\\s45;d=gh\\:764 FOO\r\n");
  EXPECT_EQ(serialize({{{"time", "2024-01-01T00:00:00.000Z"}}, "n!u@h", "PRIVMSG", {"#a", "hi"}}),
            "@time=2024-01-01T00:00:00.000Z :n!u@h PRIVMSG #a hi\r\n");
}

TEST(IrcSerialize, NeverEmitsMoreThanOneLine) {
  using namespace std::string_literals;
  const std::string out =
      serialize({{{"a", "x\r\ny\0z"s}}, "n\r", "PRIV\nMSG", {"#a\r", "hi\r\nQUIT :bye"}});
  EXPECT_EQ(out, "@a=x\\r\\nyz :n  PRIV MSG * :hi  QUIT :bye\r\n");
  EXPECT_EQ(out.find('\0'), std::string::npos);
  EXPECT_EQ(out.find('\n'), out.size() - 1);
  EXPECT_EQ(out.find('\r'), out.size() - 2);
  // The last param gets ':' if a replaced byte became a space.
  EXPECT_EQ(serialize({{}, "", "X", {"a\nb"}}), "X :a b\r\n");
}

TEST(IrcSerialize, AMiddleParamThatCannotBeOneIsAStar) {
  // A client's input echoed in a middle parameter (NICK ::x, NICK :a b) must not
  // shift the receiver's parameters.
  EXPECT_EQ(serialize({{}, "srv", "432", {"me", ":x", "Erroneous nickname"}}),
            ":srv 432 me * :Erroneous nickname\r\n");
  EXPECT_EQ(serialize({{}, "srv", "432", {"me", "a b", "Erroneous nickname"}}),
            ":srv 432 me * :Erroneous nickname\r\n");
  EXPECT_EQ(serialize({{}, "srv", "366", {"me", "", "End of /NAMES list."}}),
            ":srv 366 me * :End of /NAMES list.\r\n");
  EXPECT_EQ(serialize({{}, "", "X", {"a", ""}}), "X a :\r\n");  // the last one may be empty
}

TEST(IrcSerialize, LongLinesAreCutInTheirLastParameter) {
  std::string utf8;
  for (int i = 0; i < 300; ++i) utf8 += "\xc3\xa9";  // é, 600 bytes
  const Message m{{{"time", std::string(100, 't')}}, "n!u@h", "PRIVMSG", {"#chan", utf8}};
  const std::string out = serialize(m);
  const std::string body = out.substr(out.find(' ') + 1);  // after the tag section
  EXPECT_LE(body.size(), kMaxLineBytes);
  EXPECT_GE(body.size(), kMaxLineBytes - 2);  // cut to fit, not shorter than a character
  EXPECT_TRUE(is_valid_utf8(body));
  EXPECT_EQ(body.rfind(":n!u@h PRIVMSG #chan \xc3\xa9", 0), 0u);
  // The pool's internal lines are not cut.
  EXPECT_EQ(serialize(m, {.fit_line = false}).size(), 107u + 21u + 600u + 2u);
}

TEST(IrcSerialize, AppendLineAppends) {
  std::string out = "prefix:";
  append_line(out, {{}, "", "PING", {"x"}});
  append_line(out, {{}, "", "PONG", {"x"}});
  EXPECT_EQ(out, "prefix:PING x\r\nPONG x\r\n");
}

TEST(IrcEscape, EscapesEverySpecialByte) {
  using namespace std::string_literals;
  std::string out;
  append_escaped_tag_value(out, "a;b c\\d\re\nf\0g"s);
  EXPECT_EQ(out, "a\\:b\\sc\\\\d\\re\\nfg");
  out.clear();
  append_escaped_tag_value(out, "plain");
  EXPECT_EQ(out, "plain");
  out.clear();
  append_escaped_tag_value(out, "");
  EXPECT_EQ(out, "");
}

TEST(IrcEscape, UnescapeRules) {
  auto unescape = [](std::string_view raw) {
    std::string out;
    append_unescaped_tag_value(out, raw);
    return out;
  };
  EXPECT_EQ(unescape("a\\:b\\sc\\\\d\\re\\nf"), "a;b c\\d\re\nf");
  EXPECT_EQ(unescape("\\"), "");
  EXPECT_EQ(unescape("abc\\"), "abc");
  EXPECT_EQ(unescape("\\b"), "b");
  EXPECT_EQ(unescape("\\\\\\"), "\\");
  EXPECT_EQ(unescape("\\\xC3\xA9"), "\xC3\xA9");
}

TEST(IrcEscape, RoundTripsAllBytes) {
  std::string value;
  for (int c = 1; c < 128; ++c) value.push_back(static_cast<char>(c));
  value += "\xC3\xA9\\;\\s";
  std::string escaped;
  append_escaped_tag_value(escaped, value);
  EXPECT_EQ(escaped.find_first_of(std::string_view("; \r\n\0", 5)), std::string::npos);
  std::string back;
  append_unescaped_tag_value(back, escaped);
  EXPECT_EQ(back, value);
}

// --- Round trips -------------------------------------------------------------------------------

TEST(IrcRoundTrip, CanonicalLinesSurviveParseAndSerialize) {
  for (const char* line : {
           "FOO bar baz asdf",
           ":coolguy FOO bar baz :asdf quux",
           ":coolguy FOO bar baz :",
           "FOO bar baz ::asdf",
           "@a=b;c=32;k;rt=ql7 FOO",
           "@a=b\\\\and\\nk;c=72\\s45;d=gh\\:764 FOO",
           "@c;h;a=b :quux AB cd",
           "@aaa=bbb;ccc;example.com/ddd=eee :nick!ident@host.com PRIVMSG me Hello",
           "@+example=raw+:=,escaped\\:\\s\\\\ :irc.example.com NOTICE #channel Message",
           ":irc.example.com 001 alice :Welcome to the network, alice",
           "CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 :15 16",
           "PRIVMSG #caf\xC3\xA9 :\xF0\x9F\x98\x80 ok",
       }) {
    const Message m = parse_ok(line);
    EXPECT_EQ(serialize(m), std::string(line) + "\r\n");
  }
}

TEST(IrcRoundTrip, MessagesSurviveSerializeAndParse) {
  const std::vector<Message> messages = {
      {{}, "", "PING", {}},
      {{}, "", "PING", {"token"}},
      {{{"time", "2024-01-01T00:00:00.000Z"}, {"msgid", "abc"}},
       "alice!a@host",
       "PRIVMSG",
       {"#room", "hello there"}},
      {{{"+draft/react", "\xF0\x9F\x91\x8D"}, {"x", "a;b c\\d\r\n"}}, "s", "TAGMSG", {"#room"}},
      {{}, "srv", "353", {"alice", "=", "#room", "@alice +bob carol"}},
      {{}, "", "PRIVMSG", {"#a", ""}},
      {{}, "", "PRIVMSG", {"#a", ":)"}},
      {{}, "", "PRIVMSG", {"#a", "  spaced  "}},
      {{},
       "",
       "CMD",
       {"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14",
        "15 with spaces"}},
  };
  for (const Message& m : messages) {
    for (bool force : {false, true}) {
      const std::string line = serialize(m, {.force_trailing = force});
      ASSERT_GE(line.size(), 2u);
      ASSERT_EQ(line.substr(line.size() - 2), "\r\n");
      const Message back = parse_ok(std::string_view(line).substr(0, line.size() - 2));
      EXPECT_EQ(back, m) << line;
    }
  }
}

TEST(IrcRoundTrip, TruncatedTextStillParses) {
  // A server that truncates text with truncate_utf8 to fit 510 bytes emits a parseable line.
  std::string text;
  while (text.size() < 600) text += "\xE2\x82\xAC";  // € (3 bytes)
  const std::string head = ":alice!a@h PRIVMSG #room :";
  const Message m{{},
                  "alice!a@h",
                  "PRIVMSG",
                  {"#room", std::string(truncate_utf8(text, kMaxBodyBytes - head.size()))}};
  const std::string line = serialize(m);
  EXPECT_LE(line.size(), kMaxLineBytes);
  EXPECT_TRUE(parse_line(std::string_view(line).substr(0, line.size() - 2)).ok());
}

}  // namespace
}  // namespace pchat::irc

namespace pchat::irc {
namespace {

// Random lines over an alphabet of the bytes that matter to the grammar: parsing never crashes,
// and whatever parses survives serialize + parse unchanged.
TEST(IrcRoundTrip, RandomLinesAreStable) {
  const std::vector<std::string> alphabet = {" ", " ",   ":",   "@", ";",  "=",        "\\", "a",
                                             "B", "1",   "+",   "/", "\t", "\xC3\xA9", "s",  "\xFF",
                                             "-", "\\s", "\\:", "#", "!",  "."};
  std::uint32_t state = 12345;
  auto next = [&state] {
    state = state * 1664525u + 1013904223u;
    return state >> 8;
  };
  int parsed = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string line;
    const std::size_t len = next() % 40;
    for (std::size_t j = 0; j < len; ++j) line += alphabet[next() % alphabet.size()];
    ParsedLine p = parse_line(line);
    if (!p.ok()) continue;
    ++parsed;
    const std::string out = serialize(p.value());
    ParsedLine again = parse_line(std::string_view(out).substr(0, out.size() - 2));
    ASSERT_TRUE(again.ok()) << "line: [" << line << "] out: [" << out << "]";
    EXPECT_EQ(again.value(), p.value()) << "line: [" << line << "] out: [" << out << "]";
  }
  EXPECT_GT(parsed, 1000);
}

}  // namespace
}  // namespace pchat::irc
