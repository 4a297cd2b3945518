#include "ctl/lab/process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "core/process.h"
#include "ctl/lab/port_registry.h"

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
  const int fd_limit = child_fd_limit();
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
    child_keep_std_fds_only(fd_limit);
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

namespace {

// Inodes of the TCP sockets listening on `port`, from a /proc/net/tcp-style table.
void listening_inodes(const char* table, int port, std::vector<std::string>& out) {
  std::ifstream in(table);
  std::string line;
  std::getline(in, line);  // the header
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
    if (!(f >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
          timeout >> inode)) {
      continue;
    }
    auto colon = local.rfind(':');
    if (state != "0A" || colon == std::string::npos) continue;  // 0A: LISTEN
    int p = -1;
    const char* hex = local.data() + colon + 1;
    auto [end, err] = std::from_chars(hex, local.data() + local.size(), p, 16);
    if (err == std::errc() && end == local.data() + local.size() && p == port) {
      out.push_back(inode);
    }
  }
}

}  // namespace

std::vector<pid_t> listening_pids(int port) {
  std::vector<std::string> inodes;
  listening_inodes("/proc/net/tcp", port, inodes);
  listening_inodes("/proc/net/tcp6", port, inodes);
  std::vector<pid_t> pids;
  if (inodes.empty()) return pids;
  // Processes come and go while we read: every step takes an error_code (the
  // iterators' operator++ would throw), and a process that went is skipped.
  namespace fs = std::filesystem;
  std::error_code ec;
  for (fs::directory_iterator proc("/proc", ec), end; !ec && proc != end; proc.increment(ec)) {
    const std::string name = proc->path().filename().string();
    if (name.empty() ||
        !std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      continue;
    }
    std::error_code fd_ec;
    for (fs::directory_iterator fd(proc->path() / "fd", fd_ec); !fd_ec && fd != end;
         fd.increment(fd_ec)) {
      std::error_code link_ec;
      const std::string target = fs::read_symlink(fd->path(), link_ec).string();
      if (link_ec || !target.starts_with("socket:[") || !target.ends_with("]")) continue;
      const std::string inode = target.substr(8, target.size() - 9);
      if (std::find(inodes.begin(), inodes.end(), inode) != inodes.end()) {
        pids.push_back(static_cast<pid_t>(std::atol(name.c_str())));
        break;
      }
    }
  }
  return pids;
}

namespace {

// The first port of the kernel's ephemeral range (source ports of outgoing
// connections).
int ephemeral_low() {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  int lo = 32768;
  if (!(in >> lo)) return 32768;
  return lo;
}

// Binds a listening-style socket to 127.0.0.1:port (0: any); returns the fd or -1.
int bind_loopback(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

Result<std::vector<int>> free_ports(int count) {
  // The lab binds its ports seconds after choosing them (stores first, servers last).
  // A port from the ephemeral range could meanwhile become the source port of any
  // outgoing connection on this machine ("Address already in use" at start-up), so
  // ports are chosen below that range, at random, each checked by binding it.
  // Other choosers on this machine (labs, system tests) skip the ports chosen here, and
  // these skip theirs (port_registry.h).
  PortRegistry registry;
  std::vector<int> fds;
  std::vector<int> ports;
  const int lo = 10000, hi = ephemeral_low() - 1;
  std::mt19937 rng(std::random_device{}());
  for (int attempt = 0; static_cast<int>(ports.size()) < count && attempt < 20 * count + 200;
       ++attempt) {
    int port = 0;
    if (hi - lo > 1000) {
      port = std::uniform_int_distribution<int>(lo, hi)(rng);
      if (std::find(ports.begin(), ports.end(), port) != ports.end()) continue;
      if (registry.recent(port)) continue;
    }
    int fd = bind_loopback(port);
    if (fd < 0) continue;
    sockaddr_in a{};
    socklen_t len = sizeof a;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      close(fd);
      continue;
    }
    fds.push_back(fd);
    ports.push_back(ntohs(a.sin_port));
  }
  for (int f : fds) close(f);
  for (int p : ports) registry.record(p);
  if (static_cast<int>(ports.size()) < count) {
    return make_error(ErrorKind::kUnavailable, "cannot find a free port on 127.0.0.1");
  }
  return ports;
}

fs::path self_exe() {
  std::error_code ec;
  return fs::read_symlink("/proc/self/exe", ec);
}

}  // namespace pchat::ctl
