#include "store/postmaster.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/process.h"

namespace pchat::store {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

struct ProcStat {
  bool ok = false;
  char state = '?';
  pid_t parent = 0;
  std::string command;
};

// /proc/PID/stat: "PID (COMM) STATE PPID ..." (COMM may hold spaces and parentheses).
ProcStat proc_stat(pid_t pid) {
  ProcStat s;
  const std::string text = read_proc_file(pid, "stat");
  auto open = text.find('(');
  auto close = text.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close < open) return s;
  s.command = text.substr(open + 1, close - open - 1);
  std::istringstream rest(text.substr(close + 1));
  rest >> s.state >> s.parent;
  s.ok = !rest.fail();
  return s;
}

bool is_postgres(pid_t pid, const ProcStat& st) {
  if (st.command == "postgres") return true;
  return read_proc_file(pid, "cmdline").find("postgres") != std::string::npos;
}

std::string pid_list(const std::vector<pid_t>& pids) {
  std::string out;
  for (pid_t p : pids) out += (out.empty() ? "" : ", ") + std::to_string(p);
  return out;
}

}  // namespace

LockHolder inspect_lock_file(const fs::path& pgdata) {
  LockHolder h;
  std::ifstream in(pgdata / "postmaster.pid");
  pid_t pid = 0;
  if (!(in >> pid) || pid <= 0 || !process_alive(pid)) return h;
  ProcStat st = proc_stat(pid);
  struct stat info {};
  if (!st.ok || ::stat(("/proc/" + std::to_string(pid)).c_str(), &info) != 0) return h;
  h.pid = pid;
  h.parent = st.parent;
  h.uid = info.st_uid;
  h.command = st.command;
  if (st.state == 'Z' || st.state == 'X') {
    h.kind = LockHolder::Kind::kZombie;
  } else if (!is_postgres(pid, st)) {
    h.kind = LockHolder::Kind::kOther;
  } else {
    h.kind = st.state == 'T' || st.state == 't' ? LockHolder::Kind::kStopped
                                                : LockHolder::Kind::kRunning;
  }
  return h;
}

pid_t live_postmaster(const fs::path& pgdata) {
  LockHolder h = inspect_lock_file(pgdata);
  return h.kind == LockHolder::Kind::kRunning || h.kind == LockHolder::Kind::kStopped ? h.pid : 0;
}

std::vector<pid_t> postgres_processes_in(const fs::path& pgdata) {
  std::vector<pid_t> out;
  std::error_code ec;
  const fs::path want = fs::weakly_canonical(pgdata, ec);
  if (ec) return out;
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    const std::string name = e.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = std::atoi(name.c_str());
    if (pid == getpid()) continue;
    std::error_code link_ec;
    if (fs::read_symlink(e.path() / "cwd", link_ec) != want || link_ec) continue;
    ProcStat st = proc_stat(pid);
    if (st.ok && st.state != 'Z' && st.state != 'X' && is_postgres(pid, st)) out.push_back(pid);
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool blocks_start(const LockHolder& h, uid_t server_uid) {
  switch (h.kind) {
    case LockHolder::Kind::kNone:
      return false;
    case LockHolder::Kind::kRunning:
    case LockHolder::Kind::kStopped:
      return true;
    case LockHolder::Kind::kZombie:
    case LockHolder::Kind::kOther:
      return h.uid == server_uid && h.pid != getpid() && h.pid != getppid();
  }
  return false;
}

std::string explain_lock_holder(const LockHolder& h, const fs::path& pgdata) {
  const std::string file = (pgdata / "postmaster.pid").string();
  const std::string pid = std::to_string(h.pid);
  const std::string head = "PostgreSQL's lock file " + file + " names pid " + pid + ", ";
  switch (h.kind) {
    case LockHolder::Kind::kNone:
      return "nothing holds PostgreSQL's lock file " + file;
    case LockHolder::Kind::kRunning:
      return head + "a PostgreSQL server that did not shut down: end it (kill -KILL " + pid +
             "), then start again";
    case LockHolder::Kind::kStopped:
      return head + "a PostgreSQL server stopped by a signal (SIGSTOP): resume it (kill -CONT " +
             pid + "; it then shuts down) or end it (kill -KILL " + pid + "), then start again";
    case LockHolder::Kind::kZombie:
      return head + "a PostgreSQL server that has exited but was not reaped by its parent (pid " +
             std::to_string(h.parent) + ", " + proc_stat(h.parent).command +
             "); PostgreSQL will not start while it exists. Its parent must reap it (a "
             "container's first process must reap orphans: run pchatd under an init such as "
             "`docker run --init`), or end the parent; then start again";
    case LockHolder::Kind::kOther:
      return head + "now an unrelated process (" + h.command +
             ") of the same OS user: the file is left from a server that no longer runs. If no "
             "PostgreSQL server uses " +
             pgdata.string() + ", remove " + file + " and start again";
  }
  return head;
}

Status wait_for_old_server(const fs::path& pgdata, std::chrono::milliseconds bound,
                           uid_t server_uid, const std::function<void(const std::string&)>& log) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(bound).count();
  bool logged = false;
  for (;;) {
    LockHolder h = inspect_lock_file(pgdata);
    if (h.kind == LockHolder::Kind::kZombie && h.parent == getpid()) {
      int status = 0;
      if (waitpid(h.pid, &status, WNOHANG) == h.pid) continue;  // reaped our own child
    }
    const bool blocked = blocks_start(h, server_uid);
    std::vector<pid_t> old = blocked ? std::vector<pid_t>{} : postgres_processes_in(pgdata);
    if (!blocked && old.empty()) return ok_status();
    if (blocked && h.kind == LockHolder::Kind::kOther) {
      return make_error(ErrorKind::kUnavailable, explain_lock_holder(h, pgdata));
    }
    if (!logged) {
      logged = true;
      if (blocked) {
        log("waiting up to " + std::to_string(seconds) + " s for the PostgreSQL server (pid " +
            std::to_string(h.pid) + ") named by " + (pgdata / "postmaster.pid").string() +
            " to go" +
            (h.kind == LockHolder::Kind::kZombie
                 ? " (it has exited; its parent, pid " + std::to_string(h.parent) +
                       ", has not reaped it yet)"
             : h.kind == LockHolder::Kind::kStopped ? " (it is stopped by a signal)"
                                                    : ""));
      } else {
        log("waiting up to " + std::to_string(seconds) + " s for old PostgreSQL processes in " +
            pgdata.string() + " (pids " + pid_list(old) + ") to exit");
      }
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      if (blocked) return make_error(ErrorKind::kUnavailable, explain_lock_holder(h, pgdata));
      return make_error(ErrorKind::kUnavailable,
                        "old PostgreSQL processes in " + pgdata.string() + " (pids " +
                            pid_list(old) +
                            ") are still running and hold its shared memory: end them (kill "
                            "-KILL), then start again");
    }
    std::this_thread::sleep_for(50ms);
  }
}

}  // namespace pchat::store
