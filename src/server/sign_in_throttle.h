// Failed sign-ins, counted per account name and per client address, with a wait that
// grows with each failure past a free allowance: a password guesser gets a few tries,
// then one every 1, 2, 4, ... seconds (up to max_delay), per account and per address.
//
// The key is the name as the client typed it (casefolded by the caller), whether or
// not such an account exists, so a refusal for too many failures says nothing about
// which names exist. Failures are forgotten `forget_after` after the last one; a
// successful sign-in forgets its account's failures (not its address's).
//
// Memory: at most `max_entries` keys; past that, the ones whose last failure is
// oldest are dropped first (an attacker spraying names only ages out older entries).
//
// Pure logic, no I/O, not thread-safe: the server uses it on its event loop.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <unordered_map>

namespace pchat::server {

class SignInThrottle {
 public:
  using Clock = std::chrono::steady_clock;

  struct Limits {
    // Failures before the first wait; 0 turns that half of the throttle off.
    int free_failures_per_account = 5;
    int free_failures_per_address = 20;  // an address may be many people behind a NAT
    Clock::duration first_delay = std::chrono::seconds(1);
    Clock::duration max_delay = std::chrono::minutes(5);
    Clock::duration forget_after = std::chrono::minutes(15);
    size_t max_entries = 100000;
  };

  SignInThrottle() : SignInThrottle(Limits{}) {}
  explicit SignInThrottle(Limits limits) : limits_(limits) {}

  // How long an attempt for `account` from `address` must still wait before its
  // password may be checked: zero when it may be checked now. `account` is the
  // casefolded name; `address` the client's numeric address.
  Clock::duration wait(const std::string& account, const std::string& address,
                       Clock::time_point now) const;
  // Records a failed check (wrong password or unknown name).
  void failed(const std::string& account, const std::string& address, Clock::time_point now);
  // Records a successful check: the account's failures are forgotten.
  void succeeded(const std::string& account);

  size_t entries() const { return entries_.size(); }

 private:
  struct Entry {
    int failures = 0;
    Clock::time_point last_failure;
    Clock::time_point blocked_until;
  };
  Clock::duration wait_for(const std::string& key, Clock::time_point now) const;
  void record(const std::string& key, int free_failures, Clock::time_point now);
  // Drops forgotten entries, then the oldest, until below max_entries.
  void prune(Clock::time_point now);

  const Limits limits_;
  std::unordered_map<std::string, Entry> entries_;  // "a:" + account or "i:" + address
};

}  // namespace pchat::server
