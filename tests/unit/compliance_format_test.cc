// Compliance building blocks: XML-safe text, the three time forms, file names and
// event type names. See src/compliance/README.md.
#include <gtest/gtest.h>

#include "compliance/event.h"
#include "compliance/file_naming.h"
#include "compliance/time_format.h"
#include "compliance/xml_text.h"

namespace pchat::compliance {
namespace {

const std::string kFffd(kReplacementChar);

TEST(ComplianceXmlText, KeepsValidTextIncludingEmojiAndWhitespace) {
  const std::string text =
      "a <b> & \"c\" 'd'\t\n\r é 中文 😀 \xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x92\xBB";
  EXPECT_EQ(xml_safe_text(text), text);
  EXPECT_TRUE(is_xml_safe_text(text));
  EXPECT_EQ(xml_safe_text(""), "");
}

TEST(ComplianceXmlText, ReplacesForbiddenCodePointsOnePerCodePoint) {
  EXPECT_EQ(xml_safe_text(std::string("a\0b", 3)), "a" + kFffd + "b");
  EXPECT_EQ(xml_safe_text("\x01\x07\x1b[0m\x1f"), kFffd + kFffd + kFffd + "[0m" + kFffd);
  EXPECT_EQ(xml_safe_text("x\xEF\xBF\xBEy\xEF\xBF\xBF"), "x" + kFffd + "y" + kFffd);  // U+FFFE/F
  EXPECT_FALSE(is_xml_safe_text("\x01"));
  // U+0080..U+009F (C1) and U+FFFD itself are allowed by XML 1.0.
  EXPECT_EQ(xml_safe_text("\xC2\x85\xEF\xBF\xBD"), "\xC2\x85\xEF\xBF\xBD");
}

TEST(ComplianceXmlText, ReplacesIllFormedUtf8PerByte) {
  EXPECT_EQ(xml_safe_text("a\xFF"), "a" + kFffd);
  EXPECT_EQ(xml_safe_text("\xC0\xAF"), kFffd + kFffd);                          // overlong '/'
  EXPECT_EQ(xml_safe_text("\xED\xA0\x80"), kFffd + kFffd + kFffd);              // surrogate U+D800
  EXPECT_EQ(xml_safe_text("\xF4\x90\x80\x80"), kFffd + kFffd + kFffd + kFffd);  // > U+10FFFF
  EXPECT_EQ(xml_safe_text("ok\xF0\x9F\x98"), "ok" + kFffd + kFffd + kFffd);     // truncated
  EXPECT_FALSE(is_xml_safe_text("\x80"));
}

TEST(ComplianceTimeFormat, MatchesLyncsThreeForms) {
  // Lync's sample: since1970 1212610540953, string 2008-06-04T20:15:40.9535482Z,
  // long 633482073409535482. pchat keeps microseconds: the 7th digit is 0.
  UtcForms f = utc_forms(1212610540953548);
  EXPECT_EQ(f.since1970, "1212610540953");
  EXPECT_EQ(f.string, "2008-06-04T20:15:40.9535480Z");
  EXPECT_EQ(f.ticks, "633482073409535480");
  EXPECT_EQ(compact_utc(1212610540953548), "20080604T201540Z");
}

TEST(ComplianceTimeFormat, Extremes) {
  UtcForms epoch = utc_forms(0);
  EXPECT_EQ(epoch.since1970, "0");
  EXPECT_EQ(epoch.string, "1970-01-01T00:00:00.0000000Z");
  EXPECT_EQ(epoch.ticks, "621355968000000000");
  UtcForms last = utc_forms(kMaxTimestampUs);
  EXPECT_EQ(last.string, "9999-12-31T23:59:59.9999990Z");
  EXPECT_EQ(last.ticks, "3155378975999999990");  // .NET DateTime.MaxValue.Ticks - 9
  EXPECT_EQ(utc_forms(951782400000000).string, "2000-02-29T00:00:00.0000000Z");  // leap day
}

TEST(ComplianceFileNaming, RunAndRoomNamesAreStableAndSafe) {
  RunInfo run{1700000000000000, 1700000900123456, 42, 1234};
  EXPECT_EQ(run_file_name(run, "xml"),
            "pchat-compliance-20231114T222820Z-0000000000000000042-0000000000000001234.xml");
  // FNV-1a 64 reference values.
  EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  std::string legal = room_file_name(run, "#legal", "ma-chan://pool.example/legal", "xml");
  EXPECT_EQ(legal.rfind("pchat-compliance-20231114T222820Z-0000000000000000042-"
                        "0000000000000001234-legal-",
                        0),
            0u);
  EXPECT_EQ(legal.size(), run_file_name(run, "xml").size() + 1 + 5 + 1 + 16);
  // A drain's run: the same END and ids from another store get other names.
  RunInfo drained = run;
  drained.origin = "from-A";
  EXPECT_EQ(run_file_name(drained, "xml"),
            "pchat-compliance-20231114T222820Z-0000000000000000042-0000000000000001234-from-A.xml");
  EXPECT_NE(room_file_name(drained, "#legal", "ma-chan://pool.example/legal", "xml"), legal);
  drained.origin = "from-../x y";
  EXPECT_EQ(run_file_name(drained, "xml").find('/'), std::string::npos);
  // Same slug, different uri: different names.
  EXPECT_NE(room_file_name(run, "#a/b", "ma-chan://p/1", "xml"),
            room_file_name(run, "#a.b", "ma-chan://p/2", "xml"));
  EXPECT_EQ(room_slug("#a/../b c"), "abc");
  EXPECT_EQ(room_slug("#日本"), "room");
  EXPECT_EQ(room_slug(std::string(100, 'x')), std::string(32, 'x'));
}

TEST(ComplianceEventType, NamesRoundTrip) {
  for (int t = ComplianceEvent::kJoin; t <= ComplianceEvent::kFileDownload; ++t) {
    auto type = static_cast<ComplianceEvent::Type>(t);
    auto parsed = parse_event_type(to_string(type));
    ASSERT_TRUE(parsed.has_value()) << to_string(type);
    EXPECT_EQ(*parsed, type);
  }
  EXPECT_STREQ(to_string(ComplianceEvent::kFileUpload), "FILEUPLOAD");
  EXPECT_FALSE(parse_event_type("join").has_value());
  EXPECT_FALSE(parse_event_type("").has_value());
}

}  // namespace
}  // namespace pchat::compliance
