#include "store/notify_listener.h"

#include <poll.h>
#include <spdlog/spdlog.h>

#include <chrono>

namespace pchat::store {

using namespace std::chrono_literals;

NotifyListener::NotifyListener(std::string conninfo, std::string channel,
                               std::string application_name, Hook hook)
    : conninfo_(std::move(conninfo)),
      channel_(std::move(channel)),
      application_name_(std::move(application_name)),
      hook_(std::move(hook)) {}

NotifyListener::~NotifyListener() {
  stop();
}

void NotifyListener::start() {
  thread_ = std::thread([this] { run(); });
}

void NotifyListener::stop() {
  stopping_.store(true);
  if (thread_.joinable()) thread_.join();
}

void NotifyListener::run() {
  auto backoff = 100ms;
  bool warned = false;
  while (!stopping_.load()) {
    if (!conn_.connected()) {
      connected_.store(false);
      auto c = pg::Connection::connect(conninfo_, application_name_.c_str());
      Status st = c ? ok_status() : Status(c.error());
      if (c) {
        conn_ = std::move(*c);
        if (auto r = conn_.exec("LISTEN " + channel_); !r) st = r.error();
      }
      if (!st) {
        if (!warned) spdlog::error("store: cannot listen on {}: {}", channel_, st.error().message);
        warned = true;
        conn_.reset();
        for (auto waited = 0ms; waited < backoff && !stopping_.load(); waited += 50ms) {
          std::this_thread::sleep_for(50ms);
        }
        backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
        continue;
      }
      if (warned) spdlog::info("store: listening on {} again", channel_);
      warned = false;
      backoff = 100ms;
      connected_.store(true);
      hook_();  // whatever changed while we were away
    }
    pollfd pfd{PQsocket(conn_.raw()), POLLIN, 0};
    int n = poll(&pfd, 1, 100);
    if (n <= 0) continue;  // timeout (check stopping_) or EINTR
    if (PQconsumeInput(conn_.raw()) != 1) {
      spdlog::error("store: lost the connection listening on {}", channel_);
      conn_.reset();
      continue;
    }
    bool notified = false;
    while (PGnotify* note = PQnotifies(conn_.raw())) {
      notified = true;
      PQfreemem(note);
    }
    if (notified) hook_();
  }
  connected_.store(false);
}

}  // namespace pchat::store
