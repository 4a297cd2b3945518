// Child processes: spawn (optionally as another OS user), run to completion with
// captured output, and signal by PID. Never by name.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace pchat {

struct SpawnOptions {
  std::vector<std::string> argv;  // argv[0] is an absolute path
  std::optional<uid_t> uid;       // switch to this user (requires root)
  std::optional<gid_t> gid;
  int stdout_fd = -1;                  // -1: /dev/null
  int stderr_fd = -1;                  // -1: same as stdout
  int parent_death_signal = 0;         // 0: none; else delivered when we die
  std::string cwd;                     // "" keeps ours
  std::vector<std::string> extra_env;  // "NAME=value" added to a minimal env
};

// fork+exec. Returns the child's pid; the child reports exec failure as exit 127.
// The child gets only stdin (/dev/null), stdout and stderr: every other descriptor
// (listening and client sockets, store connections, files) is closed before exec,
// and the signals pchatd ignores (SIGPIPE, SIGHUP) are back to their default.
Result<pid_t> spawn_process(const SpawnOptions& options);

// For code that forks on its own: call child_fd_limit() before fork, and
// child_keep_std_fds_only(limit) in the child after its dup2()s, before exec.
// The latter closes every descriptor from 3 up (close_range, or one by one below
// `limit` where the kernel has no close_range) and restores SIGPIPE and SIGHUP to
// SIG_DFL. Async-signal-safe.
int child_fd_limit();
void child_keep_std_fds_only(int limit) noexcept;

// Runs to completion, capturing stdout+stderr (output truncated at 64 KiB).
// Returns the exit code (128+signal when killed) and sets *output.
Result<int> run_process(SpawnOptions options, std::string* output);

// Blocking wait; returns exit code or 128+signal.
int wait_process(pid_t pid);

bool process_alive(pid_t pid);

// The bytes of /proc/<pid>/<entry> ("stat", "cmdline"); empty when the process is gone
// (it may end while being read: read() then fails with ESRCH, which iostreams turn
// into an exception).
std::string read_proc_file(pid_t pid, const char* entry);

// Looks up an OS user; fails with kNotFound.
struct OsUser {
  uid_t uid;
  gid_t gid;
};
Result<OsUser> lookup_user(const std::string& name);

// "user@host" of this process (effective user; "localhost" when the host name is
// unknown): who a journal or a pool-state change says did it.
std::string user_at_host();

}  // namespace pchat
