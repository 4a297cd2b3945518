// docs/configuration.md against the parsers' own key tables, and --check-config's
// report (every problem, each with its line; unknown keys with a suggestion).
#include "dr/topology_file.h"
#include "server/config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <unistd.h>

namespace pchat::server {
namespace {

std::string read_reference_doc() {
  std::ifstream in(std::string(PCHAT_SOURCE_DIR) + "/docs/configuration.md");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The text between "<!-- NAME keys: begin -->\n" and "<!-- NAME keys: end -->".
std::string between_markers(const std::string& doc, const std::string& name) {
  const std::string begin = "<!-- " + name + " keys: begin -->\n";
  auto b = doc.find(begin);
  auto e = doc.find("<!-- " + name + " keys: end -->");
  if (b == std::string::npos || e == std::string::npos || e < b) return "";
  return doc.substr(b + begin.size(), e - b - begin.size());
}

TEST(ConfigReference, PchatdTomlTableIsTheParsersTable) {
  std::string doc = between_markers(read_reference_doc(), "pchatd.toml");
  ASSERT_FALSE(doc.empty()) << "docs/configuration.md: no pchatd.toml key markers";
  EXPECT_EQ(doc, config_reference_markdown())
      << "docs/configuration.md differs from the keys pchatd parses: paste the output of "
         "`pchatd --config-reference` between its pchatd.toml markers";
}

TEST(ConfigReference, EveryKeyHasATypeADefaultAndAMeaning) {
  std::set<std::string> names;
  for (const auto& k : config_key_reference()) {
    EXPECT_TRUE(names.insert(k.name).second) << "twice: " << k.name;
    EXPECT_FALSE(k.type.empty()) << k.name;
    EXPECT_FALSE(k.default_value.empty()) << k.name;
    EXPECT_FALSE(k.meaning.empty()) << k.name;
  }
  EXPECT_TRUE(names.count("max_channels_per_client") && names.count("reader_threads") &&
              names.count("network_name") && names.count("motd"));
}

// The heading docs/configuration.md gives a topology table ("servers[]" -> "[[servers]]").
std::string heading_of(const std::string& table) {
  if (table.empty()) return "### Top level";
  if (table.ends_with("[]")) return "### `[[" + table.substr(0, table.size() - 2) + "]]`";
  if (table == "stores.ROLE") return "#### Store keys";
  return "### `[" + table + "]`";
}

// The keys of the first Markdown table after `heading` (up to the next heading).
std::set<std::string> keys_under(const std::string& doc, const std::string& heading) {
  std::set<std::string> keys;
  auto at = doc.find("\n" + heading + "\n");
  if (at == std::string::npos) return keys;
  std::istringstream in(doc.substr(at + heading.size() + 2));
  static const std::regex row(R"(^\| `([a-z_]+)` \|.*)");
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("#")) break;
    std::smatch m;
    if (std::regex_match(line, m, row)) keys.insert(m[1]);
  }
  return keys;
}

TEST(ConfigReference, TopologyTablesListExactlyTheParsersKeys) {
  std::string doc = between_markers(read_reference_doc(), "topology");
  ASSERT_FALSE(doc.empty()) << "docs/configuration.md: no topology key markers";
  doc = "\n" + doc;
  for (const auto& t : dr::topology_key_reference()) {
    std::set<std::string> parsed(t.keys.begin(), t.keys.end());
    EXPECT_EQ(keys_under(doc, heading_of(t.table)), parsed)
        << "docs/configuration.md, section '" << heading_of(t.table)
        << "': its key table must list exactly the keys topology_file.cc accepts";
  }
}

class CheckConfig : public ::testing::Test {
 protected:
  std::string path_ = ::testing::TempDir() + "/pchat_check_config." + std::to_string(::getpid()) +
                      "." + ::testing::UnitTest::GetInstance()->current_test_info()->name() +
                      ".toml";
  void write(const std::string& text) { std::ofstream(path_) << text; }
  void TearDown() override { std::remove(path_.c_str()); }
};

TEST_F(CheckConfig, ReportsEveryProblemWithItsLine) {
  write(
      "motd = \"hi\"\nmtod = \"typo\"\nflood_burst = \"lots\"\n\nping_interval = 1\n"
      "new_room_privacy = \"Public\"\nirc_listen = \"::1:6667\"\nreader_threads = 4\n");
  ServerConfig c;
  auto problems = check_config_file(path_, c);
  ASSERT_EQ(problems.size(), 5u);
  EXPECT_EQ(problems[0], path_ + ":2: mtod: unknown key (did you mean 'motd'?)");
  EXPECT_EQ(problems[1], path_ + ":3: flood_burst: wrong type: expected an integer, got a string");
  EXPECT_EQ(problems[2],
            path_ + ":5: ping_interval: 1 is out of range: must be between 5 and 3600");
  EXPECT_EQ(problems[3],
            path_ + ":6: new_room_privacy: 'Public' is not one of Open, Closed, Secret");
  EXPECT_NE(problems[4].find(path_ + ":7: irc_listen: "), std::string::npos) << problems[4];
  // The good keys still apply.
  EXPECT_EQ(c.motd, "hi");
  EXPECT_EQ(c.reader_threads, 4);
}

TEST_F(CheckConfig, UnknownKeyFarFromAnyGetsNoSuggestion) {
  write("zzzzzzzzzz = 1\n");
  ServerConfig c;
  auto problems = check_config_file(path_, c);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], path_ + ":1: zzzzzzzzzz: unknown key");
}

TEST_F(CheckConfig, SyntaxErrorComesAlone) {
  write("motd = \"a\"\nmtod = 1\nflood_burst = [\n");
  ServerConfig c;
  auto problems = check_config_file(path_, c);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_TRUE(problems[0].starts_with(path_ + ":")) << problems[0];
}

TEST_F(CheckConfig, LoadThrowsAllProblemsOneALine) {
  write("mtod = 1\nallow_guests = 1\n");
  ServerConfig c;
  try {
    load_config_file(path_, c);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()),
              path_ + ":1: mtod: unknown key (did you mean 'motd'?)\n" + path_ +
                  ":2: allow_guests: wrong type: expected a boolean, got an integer");
  }
}

TEST_F(CheckConfig, GivenChatHistoryIsRecorded) {
  write("default_chat_history = 40\n");
  ServerConfig c;
  EXPECT_TRUE(check_config_file(path_, c).empty());
  EXPECT_EQ(c.default_chat_history, 40);
  EXPECT_TRUE(c.default_chat_history_given);
}

}  // namespace
}  // namespace pchat::server
