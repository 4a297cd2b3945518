// Telling systemd how pchatd is doing (Type=notify units, sd_notify(3) from Debian's
// libsystemd): READY=1 once the store and every listener are up, STOPPING=1 when a
// drain starts (SIGTERM/SIGINT), WATCHDOG=1 every half WatchdogSec while the event
// loop runs. Without NOTIFY_SOCKET (not started by systemd) every call does nothing.
//
// Who may use it: only the service manager reads the socket named by NOTIFY_SOCKET;
// pchatd only writes to it. Children (the private PostgreSQL) never see NOTIFY_SOCKET:
// core/process.h starts them with a minimal environment.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace pchat::server {

class ServiceNotify {
 public:
  // Reads NOTIFY_SOCKET and WATCHDOG_USEC/WATCHDOG_PID (sd_watchdog_enabled).
  ServiceNotify();

  // "READY=1" with a STATUS line. REQUIRES: the store is migrated and every listener
  // accepts. Starts the watchdog timer on `io` when the unit sets WatchdogSec.
  void ready(boost::asio::io_context& io, const std::string& status);
  // "STOPPING=1" with a STATUS line; stops the watchdog pings.
  void stopping(const std::string& status);

  bool enabled() const { return !socket_.empty(); }
  // The interval of WATCHDOG=1 messages (half of WatchdogSec), if the watchdog is on.
  std::optional<std::chrono::microseconds> watchdog_interval() const { return watchdog_; }

 private:
  void send(const std::string& state);
  void schedule_watchdog();

  std::string socket_;  // NOTIFY_SOCKET; empty: not under a service manager
  std::optional<std::chrono::microseconds> watchdog_;
  std::optional<boost::asio::steady_timer> timer_;
};

}  // namespace pchat::server
