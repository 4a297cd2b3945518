// Follows one NOTIFY channel of `mgc` on a connection of its own and calls a hook
// on every notification and after every (re)connect (anything may have changed while
// it was away). Used for `pchat_rooms` (store/rooms.h): every server of a pool
// reloads its room catalog within a second of a committed change.
//
// Notifications that arrive together are coalesced into one call. The hook runs on
// the listener's thread: it should only post work elsewhere.
//
// Thread safety: start/stop from one thread.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "store/pg.h"

namespace pchat::store {

class NotifyListener {
 public:
  using Hook = std::function<void()>;

  // `channel` must be a plain identifier (it is not quoted).
  NotifyListener(std::string conninfo, std::string channel, std::string application_name,
                 Hook hook);
  ~NotifyListener();  // stop()
  NotifyListener(const NotifyListener&) = delete;
  NotifyListener& operator=(const NotifyListener&) = delete;

  void start();
  void stop();  // idempotent
  bool connected() const { return connected_.load(std::memory_order_relaxed); }

 private:
  void run();

  const std::string conninfo_;
  const std::string channel_;
  const std::string application_name_;
  const Hook hook_;
  pg::Connection conn_;  // listener thread only
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> connected_{false};
};

}  // namespace pchat::store
