// Detached processes for the lab and its jobs: started in their own session so they
// outlive the command, ended by PID only (checked against /proc first).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace pchat::ctl {

// fork, setsid, stdout+stderr appended to `log`, exec argv[0] with our environment.
// uid/gid: switch user first (requires root). Returns the PID.
Result<pid_t> spawn_detached(const std::vector<std::string>& argv, const std::filesystem::path& log,
                             std::optional<uid_t> uid = std::nullopt,
                             std::optional<gid_t> gid = std::nullopt);

// True when `pid` is alive (not a zombie) and its command line contains `needle`
// (so a recycled PID is never taken for ours).
bool pid_runs(pid_t pid, const std::string& needle);

// Sends `sig`, waits up to timeout_ms for the process to go, then SIGKILL and wait.
// Returns true if it had to SIGKILL. No-op when !pid_runs(pid, needle).
bool stop_pid(pid_t pid, const std::string& needle, int sig, int timeout_ms);

// Reaps `pid` if it is our exited child (no-op otherwise).
void reap_if_child(pid_t pid);

// True when something listens on 127.0.0.1:port (a TCP connect succeeds).
bool port_listening(int port);

// The processes with a TCP socket listening on `port` (any address; from
// /proc/net/tcp and tcp6 and each process's open files: only those we may read).
std::vector<pid_t> listening_pids(int port);

// `count` distinct free TCP ports on 127.0.0.1 (held open while choosing), none chosen
// lately by another lab or system test on this machine (port_registry.h).
Result<std::vector<int>> free_ports(int count);

// This executable's directory (/proc/self/exe).
std::filesystem::path self_exe();

}  // namespace pchat::ctl
