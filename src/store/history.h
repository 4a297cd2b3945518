// Reading stored messages back: the rows behind CHATHISTORY and JOIN replays.
//
// Messages of one conversation (`target`: a casefolded channel name, or a DM key,
// see dm_key) are ordered by `id`, the store-assigned sequence. All queries use
// the (target, id) or (target, ts) index and page by id, never by timestamp alone.
// Blocking: call from a ReaderPool job.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "store/pg.h"

namespace pchat::store {

struct HistoryRow {
  int64_t id = 0;
  std::string msgid;
  std::string target;  // conversation key
  std::string sender;  // nick!user@host
  std::optional<std::string> account;
  std::string command;
  std::string tags;  // client-only tags, wire form
  std::string body;
  int64_t ts_us = 0;
};

// The DM conversation key of two identities (casefolded account names, or "~nick"
// for guests: see Server::dm_identity): "dm:<lower>:<higher>" in byte order, so both sides get one
// key.
std::string dm_key(std::string_view a, std::string_view b);

// The newest `limit` rows of `target` with id <= max_id (max_id < 0: no bound),
// returned oldest first.
Result<std::vector<HistoryRow>> latest_rows(pg::Connection& c, const std::string& target,
                                            int64_t max_id, int limit);

// A window of one conversation, each bound optional (all empty: everything).
// Bounds on id are the conversation order; bounds on ts come from timestamp
// references (results are still ordered by id).
struct HistoryWindow {
  std::optional<int64_t> min_id;    // id >= min_id
  std::optional<int64_t> max_id;    // id <= max_id
  std::optional<int64_t> from_us;   // ts >= from_us (unix microseconds)
  std::optional<int64_t> until_us;  // ts <  until_us
};

// PRIVMSG and NOTICE rows of `target` in `w`: the `limit` oldest (or, with
// newest_first, the `limit` newest), returned oldest first (ascending id). TAGMSG
// rows are not returned (they are event-playback material in CHATHISTORY).
Result<std::vector<HistoryRow>> window_rows(pg::Connection& c, const std::string& target,
                                            const HistoryWindow& w, bool newest_first, int limit);

// Where a message is: its id and time.
struct MessagePos {
  int64_t id = 0;
  int64_t ts_us = 0;
};

// The message `msgid` of conversation `target`; nullopt when there is none (also
// when the msgid exists in another conversation).
Result<std::optional<MessagePos>> find_message(pg::Connection& c, const std::string& target,
                                               const std::string& msgid);

// One conversation with activity in a time range, and its latest message time there.
struct ConversationActivity {
  std::string target;  // conversation key: folded channel name or DM key
  int64_t latest_us = 0;
};

// Conversations with messages whose ts is in [from_us, until_us): the channels in
// `channel_keys` (folded names) and, unless `identity` is empty, every DM
// conversation `identity` takes part in. Ordered by latest_us (ascending; with
// newest_first, descending, so that the limit keeps the newest), at most `limit`.
// Uses messages_target_ts for channels and the messages_dm_* indexes (migration 2)
// for DMs.
Result<std::vector<ConversationActivity>> conversation_activity(
    pg::Connection& c, const std::vector<std::string>& channel_keys, const std::string& identity,
    int64_t from_us, int64_t until_us, bool newest_first, int limit);

// The other participant of DM key `key` ("dm:<a>:<b>") as seen by `self`; nullopt if
// `key` is not a DM key or `self` is not one of its two participants. For a
// conversation with oneself, that is `self`.
std::optional<std::string> dm_peer(std::string_view key, std::string_view self);

// Shared SELECT list and row decoding for history queries.
extern const char* const kHistoryColumns;
std::vector<HistoryRow> decode_history(const pg::ResultSet& rs);

}  // namespace pchat::store
