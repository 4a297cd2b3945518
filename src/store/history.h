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

// The DM conversation key of two identities (casefolded account names, or nicks
// for guests): "dm:<lower>:<higher>" in byte order, so both sides get one key.
std::string dm_key(std::string_view a, std::string_view b);

// The newest `limit` rows of `target` with id <= max_id (max_id <= 0: no bound),
// returned oldest first.
Result<std::vector<HistoryRow>> latest_rows(pg::Connection& c, const std::string& target,
                                            int64_t max_id, int limit);

// Shared SELECT list and row decoding for history queries.
extern const char* const kHistoryColumns;
std::vector<HistoryRow> decode_history(const pg::ResultSet& rs);

}  // namespace pchat::store
