// A channel's mask lists: bans (+b), ban exceptions (+e) and invite exceptions (+I).
//
// A mask is nick!user@host with * and ? wildcards, or an account extban
// "account:NAME" (also "a:NAME"; ISUPPORT EXTBAN=,a ACCOUNTEXTBAN=account,a) that
// matches a client signed in as that account (NAME may have wildcards too).
// Matching is case-insensitive (the server's casemapping). A mask as typed is
// completed first: "nick" -> "nick!*@*", "nick!user" -> "nick!user@*",
// "user@host" -> "*!user@host".
//
// Lists live with their channel on the event loop (not shared across the servers of
// a pool, like the channel's other modes). Pure logic: no I/O, not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pchat::server {

// Most entries each list holds (ISUPPORT MAXLIST=beI:kMaxListEntries).
inline constexpr size_t kMaxListEntries = 100;

// Who is matched against a mask.
struct MaskSubject {
  std::string nick, user, host;
  std::string account;  // empty: not signed in
};

// The mask `typed` completed as above; nullopt when it cannot be a mask (empty,
// a space or a comma in it, an "account:" with no name).
std::optional<std::string> normalize_mask(std::string_view typed);
// Whether `mask` (normalized) matches `who`.
bool mask_matches(const std::string& mask, const MaskSubject& who);

class MaskList {
 public:
  struct Entry {
    std::string mask;    // normalized
    std::string set_by;  // nick!user@host of who added it
    int64_t set_at = 0;  // Unix seconds
  };
  enum class Added { kAdded, kAlreadyThere, kFull };

  Added add(const std::string& mask, std::string set_by, int64_t set_at);
  // True when `mask` was there (compared case-insensitively).
  bool remove(const std::string& mask);
  bool matches(const MaskSubject& who) const;
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  std::vector<Entry> entries_;
};

}  // namespace pchat::server
