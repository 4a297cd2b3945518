// Ports chosen lately on this machine by any lab (`pchatctl lab up`) or system test, so
// that two of them never pick the same free port: a port is checked free by binding it,
// but the lab binds it for good only seconds later (stores first, servers last), and
// meanwhile another chooser would find it free too.
//
// The registry is one file, `$TMPDIR/pchat-chosen-ports` (TMPDIR unset: /tmp), of lines
// "PORT UNIX-SECONDS", read and rewritten under flock; entries older than
// kPortRegistryKeep are dropped. The system tests' `free_port` (tests/system/
// pchat_harness.py) keeps the same file the same way. Best effort: when the file cannot
// be opened, nothing is remembered and choosing goes on as before.
//
// Threading: one PortRegistry at a time per process (it holds the file's lock).
#pragma once

#include <chrono>
#include <filesystem>
#include <map>

namespace pchat::ctl {

inline constexpr std::chrono::seconds kPortRegistryKeep{600};

class PortRegistry {
 public:
  // Opens and locks the registry (waits for another chooser's lock).
  PortRegistry();
  // Writes the entries back (recent ones only) and unlocks.
  ~PortRegistry();
  PortRegistry(const PortRegistry&) = delete;
  PortRegistry& operator=(const PortRegistry&) = delete;

  // Whether `port` was chosen within kPortRegistryKeep.
  bool recent(int port) const;
  // Remembers `port` as chosen now.
  void record(int port);

  static std::filesystem::path path();

 private:
  int fd_ = -1;
  std::map<int, long long> chosen_;  // port -> unix seconds
};

}  // namespace pchat::ctl
