// WHOWAS: who used a nick before (RFC 2812 section 3.6.3). A bounded history of the
// identities users of the pool left behind, newest last, recorded when a user quits or
// changes nick, on this server or on another (pool presence); so it covers the whole
// pool since this server started, and a restart forgets it.
//
// Pure logic, no I/O, not thread-safe: the server uses it on its event loop.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace pchat::server {

struct WhowasEntry {
  std::string nick;  // as the user had it
  std::string user;
  std::string host;
  std::string realname;
  std::string server;   // the pool server the user was on
  std::string account;  // empty: a guest
  std::chrono::system_clock::time_point left;
};

class WhowasHistory {
 public:
  // At most `capacity` entries; the oldest go first.
  explicit WhowasHistory(size_t capacity = 2000) : capacity_(capacity) {}

  void record(WhowasEntry entry);

  // Entries whose nick matches `nick` (casefolded; '*' and '?' are wildcards), newest
  // first, at most `count` of them (count <= 0: all).
  std::vector<const WhowasEntry*> find(std::string_view nick, int count) const;

  size_t size() const { return entries_.size(); }

 private:
  const size_t capacity_;
  std::deque<WhowasEntry> entries_;  // oldest first
};

}  // namespace pchat::server
