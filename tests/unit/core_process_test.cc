#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <string>

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

// "socket:[123]" / "pipe:[456]": what /proc/PID/fd/N links to for `fd`.
std::string fd_target(int fd) {
  char buf[256] = {};
  const std::string link = "/proc/self/fd/" + std::to_string(fd);
  ssize_t n = readlink(link.c_str(), buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

TEST(SpawnProcess, ChildGetsOnlyStdinStdoutStderr) {
  // Descriptors without O_CLOEXEC, as Asio's sockets are.
  int sock = socket(AF_INET, SOCK_STREAM, 0);
  int p[2];
  ASSERT_GE(sock, 0);
  ASSERT_EQ(pipe(p), 0);
  const std::string sock_id = fd_target(sock), pipe_id = fd_target(p[0]);
  ASSERT_NE(sock_id, "");
  SpawnOptions o;
  o.argv = {"/bin/sh", "-c", "for f in /proc/$$/fd/*; do echo \"${f##*/} $(readlink $f)\"; done"};
  std::string out;
  auto rc = run_process(o, &out);
  close(sock);
  close(p[0]);
  close(p[1]);
  ASSERT_TRUE(rc.ok()) << rc.error().message;
  ASSERT_EQ(*rc, 0) << out;
  EXPECT_EQ(out.find(sock_id), std::string::npos) << out;
  EXPECT_EQ(out.find(pipe_id), std::string::npos) << out;
  EXPECT_NE(out.find("0 /dev/null"), std::string::npos) << out;
}

TEST(SpawnProcess, IgnoredSignalsAreDefaultInTheChild) {
  auto old = signal(SIGHUP, SIG_IGN);
  SpawnOptions o;
  o.argv = {"/bin/sh", "-c", "grep SigIgn /proc/$$/status"};
  std::string out;
  auto rc = run_process(o, &out);
  signal(SIGHUP, old);
  ASSERT_TRUE(rc.ok());
  // SigIgn is a hex mask; SIGHUP is bit 0.
  auto hex = out.substr(out.find(':') + 1);
  EXPECT_EQ(std::stoull(hex, nullptr, 16) & 1u, 0u) << out;
}

}  // namespace
}  // namespace pchat
