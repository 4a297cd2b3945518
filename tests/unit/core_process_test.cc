#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include "core/process.h"

namespace pchat {
namespace {

TEST(ReadProcFile, ReadsALiveProcess) {
  std::string stat = read_proc_file(getpid(), "stat");
  ASSERT_FALSE(stat.empty());
  EXPECT_EQ(stat.rfind(std::to_string(getpid()) + " (", 0), 0u) << stat;
  EXPECT_NE(read_proc_file(getpid(), "cmdline").find("pchat_unit_tests"), std::string::npos);
}

TEST(ReadProcFile, EmptyForAProcessThatIsGone) {
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) _exit(0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_EQ(read_proc_file(child, "stat"), "");
  EXPECT_EQ(read_proc_file(child, "no-such-entry"), "");
}

}  // namespace
}  // namespace pchat
