#include "ctl/lab_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>

#include "core/process.h"

extern char** environ;

namespace pchat::ctl {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

Result<pid_t> spawn_detached(const std::vector<std::string>& argv, const fs::path& log,
                             std::optional<uid_t> uid, std::optional<gid_t> gid) {
  if (argv.empty()) return make_error(ErrorKind::kInvalidInput, "empty argv");
  std::error_code ec;
  fs::create_directories(log.parent_path(), ec);
  int logfd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (logfd < 0) return make_error(ErrorKind::kInternal, "cannot open " + log.string());
  if (uid && fchown(logfd, *uid, gid.value_or(0)) != 0) {
    close(logfd);
    return make_error(ErrorKind::kInternal, "cannot chown " + log.string());
  }
  std::vector<std::string> args = argv;
  std::vector<char*> cargv;
  for (auto& a : args) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    close(logfd);
    return make_error(ErrorKind::kInternal, std::string("fork: ") + strerror(e));
  }
  if (pid == 0) {
    setsid();
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    int in = open("/dev/null", O_RDONLY);
    if (in >= 0) dup2(in, 0);
    dup2(logfd, 1);
    dup2(logfd, 2);
    if (gid && (setgroups(0, nullptr) != 0 || setgid(*gid) != 0)) _exit(126);
    if (uid && setuid(*uid) != 0) _exit(126);
    if (chdir("/") != 0) _exit(126);
    execve(cargv[0], cargv.data(), environ);
    _exit(127);
  }
  close(logfd);
  return pid;
}

bool pid_runs(pid_t pid, const std::string& needle) {
  if (pid <= 0 || !process_alive(pid)) return false;
  std::string stat = read_proc_file(pid, "stat");
  auto paren = stat.rfind(')');
  if (paren == std::string::npos || stat.size() < paren + 3 || stat[paren + 2] == 'Z') return false;
  std::string cmdline = read_proc_file(pid, "cmdline");
  return cmdline.find(needle) != std::string::npos;
}

void reap_if_child(pid_t pid) {
  int status = 0;
  if (pid > 0) waitpid(pid, &status, WNOHANG);
}

bool stop_pid(pid_t pid, const std::string& needle, int sig, int timeout_ms) {
  if (!pid_runs(pid, needle)) return false;
  kill(pid, sig);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    reap_if_child(pid);
    if (!pid_runs(pid, needle)) return false;
    std::this_thread::sleep_for(20ms);
  }
  kill(pid, SIGKILL);
  for (int i = 0; i < 500 && pid_runs(pid, needle); ++i) {
    reap_if_child(pid);
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

bool port_listening(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

Result<std::vector<int>> free_ports(int count) {
  std::vector<int> fds;
  std::vector<int> ports;
  for (int i = 0; i < count; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = 0;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      if (fd >= 0) close(fd);
      for (int f : fds) close(f);
      return make_error(ErrorKind::kUnavailable, "cannot find a free port on 127.0.0.1");
    }
    fds.push_back(fd);
    ports.push_back(ntohs(a.sin_port));
  }
  for (int f : fds) close(f);
  return ports;
}

fs::path self_exe() {
  std::error_code ec;
  return fs::read_symlink("/proc/self/exe", ec);
}

}  // namespace pchat::ctl
