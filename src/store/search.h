// Full-text search over stored messages (issue 3, item 4).
//
// Index: GIN over to_tsvector('simple', body) (migration 4). The `simple`
// configuration lowercases and splits on non-word characters without stemming or
// stop words, so every language's words are found as written (CJK text without
// spaces is one token per run: search for the whole run). The index keeps
// fastupdate on with a small pending list (gin_pending_list_limit 256 kB), so an
// INSERT never pays for a large flush on the commit path (DESIGN section 9).
//
// Results are newest first and paged by id: pass the smallest id of a page as
// `before_id` to get the next one (no timestamp paging). The caller decides which
// conversations the user may read and passes exactly those; nothing else is ever
// returned. Blocking: call from a ReaderPool job.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/history.h"
#include "store/pg.h"

namespace pchat::store {

inline constexpr int kMaxSearchResults = 100;
// Queries matching at most this many stored messages are answered from the GIN index
// alone; more frequent ones by walking messages newest first (see search.cc).
inline constexpr int kSelectiveMatches = 5000;

// PRIVMSG/NOTICE rows of `targets` (conversation keys) whose body contains every
// word of `query` (plainto_tsquery('simple', query)), with id < before_id when
// before_id > 0; at most `limit` (1..kMaxSearchResults), newest first.
// kInvalidInput for a query with no word, or no target.
Result<std::vector<HistoryRow>> search_messages(pg::Connection& c,
                                                const std::vector<std::string>& targets,
                                                const std::string& query, int64_t before_id,
                                                int limit);

}  // namespace pchat::store
