#include "core/process.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace pchat {

namespace {

std::vector<char*> to_cstrs(std::vector<std::string>& v) {
  std::vector<char*> out;
  out.reserve(v.size() + 1);
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

int child_fd_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return 65536;
  return static_cast<int>(std::min<rlim_t>(rl.rlim_cur, 1 << 20));
}

void child_keep_std_fds_only(int limit) noexcept {
  if (close_range(3, ~0U, 0) != 0) {
    for (int fd = 3; fd < limit; ++fd) close(fd);
  }
  signal(SIGPIPE, SIG_DFL);
  signal(SIGHUP, SIG_DFL);
}

Result<pid_t> spawn_process(const SpawnOptions& o) {
  if (o.argv.empty()) return make_error(ErrorKind::kInvalidInput, "empty argv");
  // Everything the child needs is prepared before fork: after it, only
  // async-signal-safe calls.
  std::vector<std::string> argv = o.argv;
  std::vector<std::string> env = {"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8",
                                  "LC_ALL=C.UTF-8"};
  for (const auto& e : o.extra_env) env.push_back(e);
  auto cargv = to_cstrs(argv);
  auto cenv = to_cstrs(env);
  int devnull = -1;
  if (o.stdout_fd < 0 || o.stderr_fd < 0) devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  const int out_fd = o.stdout_fd >= 0 ? o.stdout_fd : devnull;
  const int err_fd = o.stderr_fd >= 0 ? o.stderr_fd : out_fd;
  const char* cwd = o.cwd.empty() ? nullptr : o.cwd.c_str();
  const int fd_limit = child_fd_limit();

  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    if (devnull >= 0) close(devnull);
    return make_error(ErrorKind::kInternal, std::string("fork: ") + strerror(e));
  }
  if (pid == 0) {
    // Child.
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, nullptr);
    int in = open("/dev/null", O_RDONLY);
    if (in >= 0) dup2(in, 0);
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    child_keep_std_fds_only(fd_limit);
    if (o.gid) {
      if (setgroups(0, nullptr) != 0 || setgid(*o.gid) != 0) _exit(126);
    }
    if (o.uid && setuid(*o.uid) != 0) _exit(126);
    // Set after the credential change: changing credentials clears it.
    if (o.parent_death_signal != 0) prctl(PR_SET_PDEATHSIG, o.parent_death_signal);
    if (cwd != nullptr && chdir(cwd) != 0) _exit(126);
    execve(cargv[0], cargv.data(), cenv.data());
    _exit(127);
  }
  if (devnull >= 0) close(devnull);
  return pid;
}

int wait_process(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

Result<int> run_process(SpawnOptions options, std::string* output) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return make_error(ErrorKind::kInternal, std::string("pipe: ") + strerror(errno));
  }
  options.stdout_fd = fds[1];
  options.stderr_fd = fds[1];
  auto pid = spawn_process(options);
  close(fds[1]);
  if (!pid) {
    close(fds[0]);
    return pid.error();
  }
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (out.size() < 65536) out.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  int code = wait_process(*pid);
  if (output != nullptr) *output = std::move(out);
  return code;
}

bool process_alive(pid_t pid) {
  return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

Result<OsUser> lookup_user(const std::string& name) {
  struct passwd pw;
  struct passwd* res = nullptr;
  char buf[4096];
  if (getpwnam_r(name.c_str(), &pw, buf, sizeof buf, &res) != 0 || res == nullptr) {
    return make_error(ErrorKind::kNotFound, "no OS user '" + name + "'");
  }
  return OsUser{pw.pw_uid, pw.pw_gid};
}

std::string read_proc_file(pid_t pid, const char* entry) {
  const std::string path = "/proc/" + std::to_string(pid) + "/" + entry;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // end, or the process ended meanwhile
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

std::string user_at_host() {
  std::string user = "uid" + std::to_string(geteuid());
  if (const passwd* pw = getpwuid(geteuid())) user = pw->pw_name;
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return user + "@" + (host[0] ? host : "localhost");
}

}  // namespace pchat
