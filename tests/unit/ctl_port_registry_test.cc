// PortRegistry: ports chosen by one chooser are seen by the next, old ones forgotten.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "ctl/lab/port_registry.h"

namespace pchat::ctl {
namespace {

class PortRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/pchat-port-registry-XXXXXX";
    dir_ = mkdtemp(tmpl);
    const char* old = std::getenv("TMPDIR");
    if (old != nullptr) old_tmpdir_ = old;
    setenv("TMPDIR", dir_.c_str(), 1);
  }
  void TearDown() override {
    if (old_tmpdir_.empty()) {
      unsetenv("TMPDIR");
    } else {
      setenv("TMPDIR", old_tmpdir_.c_str(), 1);
    }
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
  std::string old_tmpdir_;
};

TEST_F(PortRegistryTest, ANextChooserSkipsWhatWasChosen) {
  {
    PortRegistry r;
    EXPECT_FALSE(r.recent(20001));
    r.record(20001);
  }
  PortRegistry next;
  EXPECT_EQ(PortRegistry::path(), dir_ / "pchat-chosen-ports");
  EXPECT_TRUE(next.recent(20001));
  EXPECT_FALSE(next.recent(20002));
}

TEST_F(PortRegistryTest, OldEntriesAreForgottenAndGarbageIgnored) {
  const long long now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  {
    std::ofstream out(dir_ / "pchat-chosen-ports");
    out << "20003 " << now - kPortRegistryKeep.count() - 5 << "\n20004 " << now << "\n";
  }
  {
    PortRegistry r;
    EXPECT_FALSE(r.recent(20003));
    EXPECT_TRUE(r.recent(20004));
  }
  {
    std::ofstream out(dir_ / "pchat-chosen-ports", std::ios::app);
    out << "not a line\n";
  }
  PortRegistry again;
  EXPECT_TRUE(again.recent(20004));
}

}  // namespace
}  // namespace pchat::ctl
