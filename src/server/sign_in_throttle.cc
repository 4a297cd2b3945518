#include "server/sign_in_throttle.h"

#include <algorithm>
#include <vector>

namespace pchat::server {

namespace {

std::string account_key(const std::string& account) {
  return "a:" + account;
}
std::string address_key(const std::string& address) {
  return "i:" + address;
}

}  // namespace

SignInThrottle::Clock::duration SignInThrottle::wait_for(const std::string& key,
                                                         Clock::time_point now) const {
  auto it = entries_.find(key);
  if (it == entries_.end() || now - it->second.last_failure >= limits_.forget_after) {
    return Clock::duration::zero();
  }
  return std::max(Clock::duration::zero(), it->second.blocked_until - now);
}

SignInThrottle::Clock::duration SignInThrottle::wait(const std::string& account,
                                                     const std::string& address,
                                                     Clock::time_point now) const {
  return std::max(wait_for(account_key(account), now), wait_for(address_key(address), now));
}

void SignInThrottle::record(const std::string& key, int free_failures, Clock::time_point now) {
  Entry& e = entries_[key];
  if (e.failures > 0 && now - e.last_failure >= limits_.forget_after) e = Entry{};
  ++e.failures;
  e.last_failure = now;
  const int over = e.failures - free_failures;
  if (over <= 0) return;
  // first_delay * 2^(over-1), without overflow: stop doubling at max_delay.
  Clock::duration delay = limits_.first_delay;
  for (int i = 1; i < over && delay < limits_.max_delay; ++i) delay *= 2;
  e.blocked_until = now + std::min(delay, limits_.max_delay);
}

void SignInThrottle::failed(const std::string& account, const std::string& address,
                            Clock::time_point now) {
  if (limits_.free_failures_per_account > 0) {
    record(account_key(account), limits_.free_failures_per_account, now);
  }
  if (limits_.free_failures_per_address > 0) {
    record(address_key(address), limits_.free_failures_per_address, now);
  }
  if (entries_.size() > limits_.max_entries) prune(now);
}

void SignInThrottle::succeeded(const std::string& account) {
  entries_.erase(account_key(account));
}

void SignInThrottle::prune(Clock::time_point now) {
  std::erase_if(entries_, [&](const auto& kv) {
    return now - kv.second.last_failure >= limits_.forget_after;
  });
  if (entries_.size() <= limits_.max_entries) return;
  // Keep the newest three quarters of max_entries, so pruning runs rarely.
  std::vector<Clock::time_point> times;
  times.reserve(entries_.size());
  for (const auto& kv : entries_) times.push_back(kv.second.last_failure);
  const size_t keep = limits_.max_entries - limits_.max_entries / 4;
  auto cut = times.begin() + static_cast<std::ptrdiff_t>(times.size() - keep);
  std::nth_element(times.begin(), cut, times.end());
  const Clock::time_point oldest_kept = *cut;
  std::erase_if(entries_, [&](const auto& kv) { return kv.second.last_failure < oldest_kept; });
}

}  // namespace pchat::server
