// The compliance configuration's pure parts: RunInterval parsing and formatting
// (a .NET TimeSpan as Lync writes it, or a number with a unit), validation
// (adapter, absolute directory, the 1 minute minimum) and partial edits.
#include <gtest/gtest.h>

#include "compliance/service/config.h"

namespace pchat::compliance {
namespace {

TEST(ComplianceConfig, ParsesTimeSpans) {
  EXPECT_EQ(parse_run_interval("00:15:00").value(), 900);
  EXPECT_EQ(parse_run_interval("00:01:00").value(), 60);
  EXPECT_EQ(parse_run_interval("01:00:30").value(), 3630);
  EXPECT_EQ(parse_run_interval("1.02:00:00").value(), 86400 + 7200);
  EXPECT_EQ(parse_run_interval("90s").value(), 90);
  EXPECT_EQ(parse_run_interval("15m").value(), 900);
  EXPECT_EQ(parse_run_interval("2h").value(), 7200);
}

TEST(ComplianceConfig, RefusesWhatIsNotATimeSpan) {
  for (const char* bad : {"", "15", "00:15", "00:60:00", "24:00:00", "aa:bb:cc", "-1m", "1d",
                          "00:15:00:00", "m", "99999999999s"}) {
    auto r = parse_run_interval(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().kind, ErrorKind::kInvalidInput) << bad;
    EXPECT_NE(r.error().message.find("RunInterval"), std::string::npos) << bad;
  }
}

TEST(ComplianceConfig, FormatsLikeLync) {
  EXPECT_EQ(format_run_interval(900), "00:15:00");
  EXPECT_EQ(format_run_interval(61), "00:01:01");
  EXPECT_EQ(format_run_interval(86400 + 3661), "1.01:01:01");
  for (int s : {60, 900, 3599, 86399, 90061}) {
    EXPECT_EQ(parse_run_interval(format_run_interval(s)).value(), s);
  }
}

TEST(ComplianceConfig, DefaultsAreLyncs) {
  ComplianceConfig c;
  EXPECT_EQ(c.adapter_type, "XmlAdapter");
  EXPECT_EQ(c.run_interval_s, 15 * 60);
  EXPECT_FALSE(c.one_chat_room_per_output_file);
  EXPECT_TRUE(validate(c).ok());
}

TEST(ComplianceConfig, ValidationNamesTheField) {
  ComplianceConfig c;
  c.run_interval_s = 59;
  auto st = validate(c);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("RunInterval: 00:00:59 is under the minimum of 00:01:00"),
            std::string::npos)
      << st.error().message;
  c = {};
  c.adapter_type = "CsvAdapter";
  st = validate(c);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(
      st.error().message.find("AdapterType: unknown adapter 'CsvAdapter' (known: XmlAdapter)"),
      std::string::npos);
  c = {};
  c.output_directory = "relative/dir";
  st = validate(c);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("AdapterOutputDirectory"), std::string::npos);
  c.output_directory = "/var/lib/pchat/compliance";
  EXPECT_TRUE(validate(c).ok());
}

TEST(ComplianceConfig, EditSetsOnlyWhatIsGiven) {
  ComplianceConfig c;
  c.output_directory = "/a";
  ComplianceConfigEdit e;
  EXPECT_TRUE(e.empty());
  e.add_user_details = true;
  e.run_interval_s = 120;
  EXPECT_FALSE(e.empty());
  apply(e, c);
  EXPECT_TRUE(c.add_user_details);
  EXPECT_FALSE(c.add_chat_room_details);
  EXPECT_EQ(c.run_interval_s, 120);
  EXPECT_EQ(c.output_directory, "/a");
  EXPECT_EQ(c.adapter_config().output_directory, "/a");
  EXPECT_TRUE(c.adapter_config().add_user_details);
}

}  // namespace
}  // namespace pchat::compliance
