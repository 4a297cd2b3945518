// Administrators' edits of a room's stored history (Clear-CsPersistentChatRoom,
// Remove-CsPersistentChatMessage): delete, or replace the text of, the messages that
// match. One statement each, so a command either changed every match or nothing.
// Removed messages are gone from CHATHISTORY, replays and search at once (they read
// the table); replaced ones show the new text with their msgid and time kept, so
// every reference to them stays valid.
//
// Blocking: not for the event loop.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/pg.h"

namespace pchat::store {

inline constexpr const char* kDefaultReplacement =
    "This message was replaced by the Persistent Chat administrator.";

// Removes the room's messages older than `end_unix_s`. kNotFound "no room '#x'".
// Returns how many were removed.
Result<int64_t> clear_room_messages(pg::Connection& conn, const std::string& room,
                                    int64_t end_unix_s);

enum class MatchClause { kAll, kOr, kExact };

struct MessageSelection {
  std::string room;                       // the room's name
  std::optional<std::string> account;     // only this sender's (casefolded account)
  std::optional<int64_t> start_unix_s;    // ts >= start
  std::optional<int64_t> end_unix_s;      // ts <  end
  std::string filter;                     // empty: every message
  MatchClause match = MatchClause::kAll;  // All: every word; Or: any word; Exact: the text
  bool case_sensitive = false;
};

// Deletes the selected messages (replacement nullopt) or replaces their text.
// kNotFound for an unknown room. Returns how many messages changed.
Result<int64_t> remove_messages(pg::Connection& conn, const MessageSelection& sel,
                                const std::optional<std::string>& replacement);

}  // namespace pchat::store
