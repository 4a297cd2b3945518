#include "server/service_notify.h"

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include <cstdlib>
#include <cstring>

namespace pchat::server {

ServiceNotify::ServiceNotify() {
  if (const char* s = std::getenv("NOTIFY_SOCKET")) socket_ = s;
  uint64_t usec = 0;
  if (sd_watchdog_enabled(/*unset_environment=*/0, &usec) > 0 && usec > 0) {
    watchdog_ = std::chrono::microseconds(usec / 2);
  }
}

void ServiceNotify::send(const std::string& state) {
  if (!enabled()) return;
  int r = sd_notify(/*unset_environment=*/0, state.c_str());
  if (r < 0) spdlog::warn("cannot notify the service manager ({}): {}", socket_, strerror(-r));
}

void ServiceNotify::ready(boost::asio::io_context& io, const std::string& status) {
  send("READY=1\nSTATUS=" + status);
  if (enabled() && watchdog_) {
    timer_.emplace(io);
    schedule_watchdog();
  }
}

void ServiceNotify::stopping(const std::string& status) {
  if (timer_) timer_->cancel();
  timer_.reset();
  send("STOPPING=1\nSTATUS=" + status);
}

void ServiceNotify::schedule_watchdog() {
  // The ping runs on the event loop: a loop that stops turning stops the pings, and
  // systemd restarts the server after WatchdogSec.
  timer_->expires_after(*watchdog_);
  timer_->async_wait([this](boost::system::error_code ec) {
    if (ec || !timer_) return;
    send("WATCHDOG=1");
    schedule_watchdog();
  });
}

}  // namespace pchat::server
