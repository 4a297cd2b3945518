// Who holds a PostgreSQL data directory's lock file (PGDATA/postmaster.pid), and
// waiting, for a bounded time, for an old server to go before starting a new one.
// Shared by pchatd's private instance (store/instance.h), pchatctl's store access
// (ctl/target/standalone.h) and the lab's clusters (dr/cluster/pg_cluster.h).
//
// PostgreSQL refuses to start ("lock file "postmaster.pid" already exists") while
// the PID in that file exists and may be signalled by the server's OS user: a
// running or stopped (SIGSTOP) postmaster, a killed one not yet reaped by its parent
// (a zombie: it happens when the parent is a container's first process that does not
// reap orphans), or an unrelated process that got the PID after the file was left.
// It also refuses while processes of the old server still hold its shared memory
// (children of a killed postmaster that have not exited yet).
//
// Everything here reads /proc; nothing signals a process except the reaping of a
// zombie child of the calling process.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/result.h"

namespace pchat::store {

struct LockHolder {
  enum class Kind {
    kNone,     // no lock file, no PID in it, or no process with that PID
    kRunning,  // a live postgres
    kStopped,  // a postgres stopped by a signal (SIGSTOP; /proc state T)
    kZombie,   // a process that has exited and is not yet reaped by its parent
    kOther,    // a live process that is not postgres (the PID was reused)
  };
  Kind kind = Kind::kNone;
  pid_t pid = 0;
  pid_t parent = 0;     // its parent (from /proc/PID/stat), 0 when unknown
  uid_t uid = 0;        // its owner
  std::string command;  // /proc/PID/comm, e.g. "postgres", "sleep"
};

// Reads `pgdata`/postmaster.pid and looks at the process it names. Never fails:
// anything unreadable is kNone.
LockHolder inspect_lock_file(const std::filesystem::path& pgdata);

// The PID of a live (running or stopped) postgres named by `pgdata`/postmaster.pid,
// or 0.
pid_t live_postmaster(const std::filesystem::path& pgdata);

// Live postgres processes (not zombies) working in `pgdata` (a postmaster and every
// child chdir there), other than this process; in PID order.
std::vector<pid_t> postgres_processes_in(const std::filesystem::path& pgdata);

// True when `holder` makes a postgres started by this process as OS user
// `server_uid` refuse to start: a postgres (running, stopped), or a zombie or other
// process owned by `server_uid` that is neither this process nor its parent
// (PostgreSQL ignores its own parent's and grandparent's PIDs).
bool blocks_start(const LockHolder& holder, uid_t server_uid);

// One sentence for an operator: what holds `pgdata`'s lock file and what to do.
std::string explain_lock_holder(const LockHolder& holder, const std::filesystem::path& pgdata);

// Waits up to `bound` until nothing stops a new server in `pgdata` from starting:
// no blocking lock holder (blocks_start) and no old postgres process in it. A zombie
// holder whose parent is this process is reaped at once. `log` is called once with
// what is waited for (not at all when nothing is). A blocking holder that is not a
// postgres fails at once (it is not going anywhere).
// Returns ok, or kUnavailable with explain_lock_holder's sentence (or the PIDs of
// the old processes) when the bound passed.
// Blocking (polls every 50 ms); any thread.
Status wait_for_old_server(const std::filesystem::path& pgdata, std::chrono::milliseconds bound,
                           uid_t server_uid, const std::function<void(const std::string&)>& log);

}  // namespace pchat::store
