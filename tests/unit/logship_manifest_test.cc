#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include <fmt/format.h>

#include "dr/logship/manifest.h"
#include "dr/logship/sha256.h"
#include "logship_test_util.h"

namespace pchat::logship {
namespace {

using test_util::read_file;
using test_util::TempDir;

ManifestRecord record(const std::string& name, const std::string& bytes) {
  return ManifestRecord{name, bytes.size(), sha256_hex(bytes),
                        parse_utc("2024-05-01T12:00:00.123Z").value()};
}

void append_raw(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::app);
  out << bytes;
}

TEST(LogshipSha256, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(LogshipManifest, LineRoundTrip) {
  auto r = record("000000010000000000000003", "segment bytes");
  std::string line = format_manifest_line(r);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_NE(line.find("\"stored_at\":\"2024-05-01T12:00:00.123Z\""), std::string::npos) << line;
  auto back = parse_manifest_line(line);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, r);
  EXPECT_FALSE(parse_manifest_line("{\"name\":\"x\"}").ok());
  EXPECT_FALSE(parse_manifest_line("{\"name\":\"x\",\"size\":1,\"sha256\":\"ab\","
                                   "\"stored_at\":\"2024-05-01T12:00:00.123Z\"}")
                   .ok());
  EXPECT_FALSE(parse_manifest_line("not json").ok());
  EXPECT_FALSE(parse_utc("2024-05-01 12:00:00").ok());
}

TEST(LogshipManifest, MissingFileIsEmpty) {
  TempDir dir;
  auto m = read_manifest(dir / "pchat-manifest.jsonl");
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->records.empty());
  EXPECT_TRUE(m->warnings.empty());
}

TEST(LogshipManifest, AppendsAndReadsBackInOrder) {
  TempDir dir;
  auto file = dir / "pchat-manifest.jsonl";
  std::vector<ManifestRecord> written;
  for (int i = 1; i <= 3; ++i) {
    written.push_back(record(fmt::format("00000001000000000000000{}", i), std::string(i, 'x')));
    ASSERT_TRUE(append_manifest(file, written.back()).ok());
  }
  auto m = read_manifest(file);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->records, written);
  EXPECT_TRUE(m->warnings.empty());
  auto found = find_record(m->records, "000000010000000000000002");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->size, 2u);
  EXPECT_FALSE(find_record(m->records, "000000010000000000000009").has_value());
}

TEST(LogshipManifest, TornLastLineIsIgnoredThenCutBeforeTheNextAppend) {
  TempDir dir;
  auto file = dir / "pchat-manifest.jsonl";
  auto a = record("000000010000000000000001", "a");
  auto b = record("000000010000000000000002", "b");
  ASSERT_TRUE(append_manifest(file, a).ok());
  ASSERT_TRUE(append_manifest(file, b).ok());
  // A crash in the middle of the third append: half a line, no newline.
  std::string third = format_manifest_line(record("000000010000000000000003", "c"));
  append_raw(file, third.substr(0, third.size() / 2));

  auto m = read_manifest(file);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->records, (std::vector<ManifestRecord>{a, b}));
  ASSERT_EQ(m->warnings.size(), 1u);
  EXPECT_NE(m->warnings[0].find("torn last line"), std::string::npos) << m->warnings[0];
  EXPECT_NE(m->warnings[0].find(":3:"), std::string::npos) << m->warnings[0];

  // The next append does not glue onto the fragment.
  auto d = record("000000010000000000000004", "d");
  ASSERT_TRUE(append_manifest(file, d).ok());
  m = read_manifest(file);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->records, (std::vector<ManifestRecord>{a, b, d}));
  EXPECT_TRUE(m->warnings.empty());
  std::string text = read_file(file);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 3);
  EXPECT_EQ(text.back(), '\n');
}

TEST(LogshipManifest, TornOnlyLineLeavesAnEmptyManifest) {
  TempDir dir;
  auto file = dir / "pchat-manifest.jsonl";
  append_raw(file, "{\"name\":\"0000");
  auto m = read_manifest(file);
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->records.empty());
  EXPECT_EQ(m->warnings.size(), 1u);
  auto a = record("000000010000000000000001", "a");
  ASSERT_TRUE(append_manifest(file, a).ok());
  EXPECT_EQ(read_file(file), format_manifest_line(a) + "\n");
}

TEST(LogshipManifest, UnreadableMiddleLineIsSkippedWithAWarningOthersKept) {
  TempDir dir;
  auto file = dir / "pchat-manifest.jsonl";
  auto a = record("000000010000000000000001", "a");
  auto b = record("000000010000000000000002", "b");
  ASSERT_TRUE(append_manifest(file, a).ok());
  append_raw(file, "hand-edited garbage\n");
  ASSERT_TRUE(append_manifest(file, b).ok());
  auto m = read_manifest(file);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->records, (std::vector<ManifestRecord>{a, b}));
  ASSERT_EQ(m->warnings.size(), 1u);
  EXPECT_NE(m->warnings[0].find(":2:"), std::string::npos) << m->warnings[0];
}

}  // namespace
}  // namespace pchat::logship
