#include "store/postmaster.h"

#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

namespace pchat::store {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class PostmasterLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("pchat-postmaster-test-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (child_ > 0) {
      kill(child_, SIGKILL);
      waitpid(child_, nullptr, 0);
    }
    fs::remove_all(dir_);
  }
  void write_lock(pid_t pid) {
    std::ofstream(dir_ / "postmaster.pid") << pid << "\n" << dir_.string() << "\n";
  }
  // A child that sleeps (not postgres), or exits at once (`exit_now`).
  pid_t fork_child(bool exit_now) {
    child_ = fork();
    if (child_ == 0) {
      if (!exit_now) pause();
      _exit(0);
    }
    return child_;
  }
  void wait_state(pid_t pid, char state) {
    for (int i = 0; i < 200; ++i) {
      std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
      std::string text((std::istreambuf_iterator<char>(in)), {});
      auto close = text.rfind(')');
      if (close != std::string::npos && close + 2 < text.size() && text[close + 2] == state) {
        return;
      }
      std::this_thread::sleep_for(10ms);
    }
    FAIL() << "pid " << pid << " never reached state " << state;
  }
  fs::path dir_;
  pid_t child_ = 0;
};

TEST_F(PostmasterLockTest, NoFileOrAGonePidHoldsNothing) {
  EXPECT_EQ(inspect_lock_file(dir_).kind, LockHolder::Kind::kNone);
  pid_t gone = fork_child(true);
  waitpid(gone, nullptr, 0);
  child_ = 0;
  write_lock(gone);
  EXPECT_EQ(inspect_lock_file(dir_).kind, LockHolder::Kind::kNone);
  EXPECT_TRUE(wait_for_old_server(dir_, 1s, geteuid(), [](const std::string&) {}));
}

TEST_F(PostmasterLockTest, AnUnrelatedProcessFailsAtOnceNamingIt) {
  pid_t pid = fork_child(false);
  write_lock(pid);
  LockHolder h = inspect_lock_file(dir_);
  EXPECT_EQ(h.kind, LockHolder::Kind::kOther);
  EXPECT_EQ(h.parent, getpid());
  EXPECT_TRUE(blocks_start(h, geteuid()));
  EXPECT_FALSE(blocks_start(h, geteuid() + 1)) << "PostgreSQL cannot signal it: not in its way";
  EXPECT_EQ(live_postmaster(dir_), 0);
  auto t0 = std::chrono::steady_clock::now();
  auto st = wait_for_old_server(dir_, 10s, geteuid(), [](const std::string&) {});
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("names pid " + std::to_string(pid) + ", now an unrelated"),
            std::string::npos)
      << st.error().message;
  EXPECT_NE(st.error().message.find("remove " + (dir_ / "postmaster.pid").string()),
            std::string::npos);
}

TEST_F(PostmasterLockTest, AZombieChildOfOursIsReaped) {
  pid_t pid = fork_child(true);
  wait_state(pid, 'Z');
  write_lock(pid);
  LockHolder h = inspect_lock_file(dir_);
  EXPECT_EQ(h.kind, LockHolder::Kind::kZombie);
  EXPECT_EQ(h.parent, getpid());
  EXPECT_TRUE(blocks_start(h, geteuid()));
  EXPECT_NE(explain_lock_holder(h, dir_).find("not reaped by its parent (pid " +
                                              std::to_string(getpid())),
            std::string::npos);
  std::string logged;
  EXPECT_TRUE(
      wait_for_old_server(dir_, 5s, geteuid(), [&](const std::string& what) { logged = what; }));
  EXPECT_EQ(logged, "") << "reaped at once, nothing to wait for";
  EXPECT_EQ(inspect_lock_file(dir_).kind, LockHolder::Kind::kNone);
  EXPECT_EQ(waitpid(pid, nullptr, WNOHANG), -1) << "already reaped";
  child_ = 0;
}

TEST_F(PostmasterLockTest, AStoppedPostgresIsWaitedForUpToTheBoundThenNamed) {
  child_ = fork();
  if (child_ == 0) {
    prctl(PR_SET_NAME, "postgres");
    pause();
    _exit(0);
  }
  write_lock(child_);
  for (int i = 0; i < 200 && inspect_lock_file(dir_).kind != LockHolder::Kind::kRunning; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(inspect_lock_file(dir_).kind, LockHolder::Kind::kRunning);
  EXPECT_EQ(live_postmaster(dir_), child_);
  kill(child_, SIGSTOP);
  wait_state(child_, 'T');
  EXPECT_EQ(inspect_lock_file(dir_).kind, LockHolder::Kind::kStopped);
  EXPECT_EQ(live_postmaster(dir_), child_);
  std::string logged;
  auto t0 = std::chrono::steady_clock::now();
  auto st =
      wait_for_old_server(dir_, 700ms, geteuid(), [&](const std::string& what) { logged = what; });
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(took, 700ms);
  EXPECT_LT(took, 3s);
  ASSERT_FALSE(st);
  EXPECT_NE(logged.find("(it is stopped by a signal)"), std::string::npos) << logged;
  EXPECT_NE(st.error().message.find("kill -CONT " + std::to_string(child_)), std::string::npos)
      << st.error().message;
}

}  // namespace
}  // namespace pchat::store
