// Password checks for SASL PLAIN (and the file host's HTTP Basic), kept apart from
// everything else a server does:
//   - they run on a pool of threads of their own (sign_in_threads, each with its own
//     store connection) with a short queue, so a flood of sign-ins cannot delay
//     CHATHISTORY, JOIN replays or searches on the reader pool; a sign-in that finds
//     the queue full is refused at once ("server busy");
//   - failed checks feed a SignInThrottle (sign_in_throttle.h): past the free
//     allowance, a name or an address must wait before its next password is checked,
//     and an attempt that comes too early is refused without a check;
//   - each outcome is counted on /metrics.
//
// Threading: everything but the pool's jobs runs on the server's event loop.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/metrics.h"
#include "directory/ldap_client.h"
#include "server/sign_in_throttle.h"
#include "store/reader.h"

namespace pchat::server {

class SignIn {
 public:
  // The password-check pool's queue: a sign-in beyond it is refused as busy.
  static constexpr size_t kMaxQueued = 64;

  SignIn(MetricsRegistry& metrics, SignInThrottle::Limits limits);

  // REQUIRES: before the listeners open. Null: checks go to `fallback` (tests, tools).
  void set_pool(store::ReaderPool* pool) { pool_ = pool; }
  store::ReaderPool* pool(store::ReaderPool* fallback) const {
    return pool_ != nullptr ? pool_ : fallback;
  }

  // ---- directory sign-in (directory/sign_in.h) ----
  // REQUIRES: before the listeners open. Null (the default): local accounts only.
  void set_directory(const directory::Client* dir) { directory_ = dir; }
  // The password check itself, on a sign-in pool thread: local accounts and the
  // directory in the configured order. The display name, or kDenied, or kUnavailable
  // (directory::kDirectoryUnavailable: say so to the client; else the store's error).
  Result<std::string> check(pg::Connection& conn, const std::string& name,
                            const std::string& password) const;

  // Whole seconds that an attempt for `name` (as the client typed it) from `address`
  // must still wait before its password may be checked; 0: check it now. A non-zero
  // answer is counted as a throttled sign-in.
  int64_t seconds_to_wait(const std::string& name, const std::string& address);
  // A checked password was right: the name's failures are forgotten; counted.
  void succeeded(const std::string& name);
  // A checked password was wrong (or the name unknown): a failure for the throttle;
  // counted.
  void failed(const std::string& name, const std::string& address);
  // The check could not be queued (the pool's queue is full); counted.
  void count_busy() { busy_.inc(); }

 private:
  store::ReaderPool* pool_ = nullptr;
  const directory::Client* directory_ = nullptr;
  SignInThrottle throttle_;
  Counter& ok_;
  Counter& failed_;
  Counter& throttled_;
  Counter& busy_;
};

}  // namespace pchat::server
