// The atomic file writer: creation, idempotent re-run, refusal to overwrite other
// content, recovery from a leftover temporary file, name checks; and the
// adapter + writer re-run after a "crash". See src/compliance/README.md.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "compliance/adapter.h"
#include "compliance/atomic_file.h"

namespace pchat::compliance {
namespace {

namespace fs = std::filesystem;

class ComplianceAtomicFile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "pchat-compliance-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string read(const std::string& name) {
    std::ifstream in(fs::path(dir_) / name, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::vector<std::string> listing() {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    return names;
  }

  std::string dir_;
};

TEST_F(ComplianceAtomicFile, WritesNewFileAndLeavesNoTemporary) {
  std::string bytes("<x>\0binary\xFF</x>", 15);
  auto r = write_file_atomically(dir_, "a.xml", bytes);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, WriteOutcome::kWritten);
  EXPECT_EQ(read("a.xml"), bytes);
  EXPECT_EQ(listing(), std::vector<std::string>{"a.xml"});
  struct stat st;
  ASSERT_EQ(::stat((dir_ + "/a.xml").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0007, 0u);  // not world-readable
}

TEST_F(ComplianceAtomicFile, SameBytesAgainIsAlreadyPresent) {
  ASSERT_TRUE(write_file_atomically(dir_, "a.xml", "same").ok());
  auto again = write_file_atomically(dir_, "a.xml", "same");
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(*again, WriteOutcome::kAlreadyPresent);
  EXPECT_EQ(read("a.xml"), "same");
  EXPECT_EQ(listing(), std::vector<std::string>{"a.xml"});
}

TEST_F(ComplianceAtomicFile, RefusesToOverwriteDifferentContent) {
  ASSERT_TRUE(write_file_atomically(dir_, "a.xml", "original").ok());
  for (std::string other : {"changed!", "origina", "original+", ""}) {
    auto r = write_file_atomically(dir_, "a.xml", other);
    ASSERT_FALSE(r.ok()) << other;
    EXPECT_EQ(r.error().kind, ErrorKind::kConflict);
    EXPECT_NE(r.error().message.find(dir_ + "/a.xml"), std::string::npos) << r.error().message;
  }
  EXPECT_EQ(read("a.xml"), "original");
  EXPECT_EQ(listing(), std::vector<std::string>{"a.xml"});
}

TEST_F(ComplianceAtomicFile, EmptyContentIsAFile) {
  ASSERT_TRUE(write_file_atomically(dir_, "empty", "").ok());
  EXPECT_EQ(*write_file_atomically(dir_, "empty", ""), WriteOutcome::kAlreadyPresent);
  EXPECT_FALSE(write_file_atomically(dir_, "empty", "x").ok());
}

TEST_F(ComplianceAtomicFile, LargeFileComparedInFull) {
  std::string big(300 * 1024, 'a');
  ASSERT_TRUE(write_file_atomically(dir_, "big", big).ok());
  EXPECT_EQ(*write_file_atomically(dir_, "big", big), WriteOutcome::kAlreadyPresent);
  std::string almost = big;
  almost[250 * 1024] = 'b';  // same size, differs past the first read chunk
  auto r = write_file_atomically(dir_, "big", almost);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kConflict);
}

TEST_F(ComplianceAtomicFile, LeftoverTemporaryFromACrashIsReplaced) {
  EXPECT_EQ(temporary_name("a.xml"), ".a.xml.tmp");
  {
    std::ofstream half(fs::path(dir_) / ".a.xml.tmp");
    half << "half-written garbage that is longer than the real content";
  }
  auto r = write_file_atomically(dir_, "a.xml", "real");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, WriteOutcome::kWritten);
  EXPECT_EQ(read("a.xml"), "real");
  EXPECT_EQ(listing(), std::vector<std::string>{"a.xml"});
}

TEST_F(ComplianceAtomicFile, RejectsBadNamesAndMissingDirectory) {
  for (std::string bad : {std::string(""), std::string("../x"), std::string("a/b"),
                          std::string(".hidden"), std::string("a\0b", 3)}) {
    auto r = write_file_atomically(dir_, bad, "x");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().kind, ErrorKind::kInvalidInput);
  }
  auto r = write_file_atomically(dir_ + "/missing", "a.xml", "x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kNotFound);
  EXPECT_NE(r.error().message.find("missing"), std::string::npos);
  EXPECT_TRUE(listing().empty());
}

TEST_F(ComplianceAtomicFile, AdapterRunRepeatedAfterCrashWritesNothingTwice) {
  std::vector<ComplianceEvent> batch;
  for (int i = 1; i <= 20; ++i) {
    ComplianceEvent e;
    e.id = i;
    e.type = ComplianceEvent::kChat;
    e.ts_us = 1700000000000000 + i;
    e.room = "#r" + std::to_string(i % 3);
    e.room_uri = "ma-chan://p/r" + std::to_string(i % 3);
    e.user = "u";
    e.user_uri = "irc:u";
    e.content = "m" + std::to_string(i);
    batch.push_back(e);
  }
  RunInfo run{1700000000000000, 1700000060000000, 1, 20};
  auto adapter = std::move(make_adapter("XmlAdapter")).value();
  ASSERT_TRUE(adapter->configure(AdapterConfig{dir_, true, false, false}).ok());
  auto files = adapter->translate(batch, run);
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files->size(), 3u);
  // "Crash" after the first file: only it is written.
  ASSERT_EQ(*write_file_atomically(dir_, (*files)[0].name, (*files)[0].bytes),
            WriteOutcome::kWritten);
  // Re-run with the recorded RunInfo and the same (unpurged) events.
  auto again = adapter->translate(batch, run);
  ASSERT_TRUE(again.ok());
  std::vector<WriteOutcome> outcomes;
  for (const OutputFile& f : *again) {
    auto r = write_file_atomically(dir_, f.name, f.bytes);
    ASSERT_TRUE(r.ok()) << r.error().message;
    outcomes.push_back(*r);
  }
  EXPECT_EQ(outcomes, (std::vector<WriteOutcome>{WriteOutcome::kAlreadyPresent,
                                                 WriteOutcome::kWritten, WriteOutcome::kWritten}));
  EXPECT_EQ(listing().size(), 3u);
}

}  // namespace
}  // namespace pchat::compliance
