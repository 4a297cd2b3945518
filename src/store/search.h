// Full-text search over stored messages.
//
// Index: GIN over to_tsvector('simple', pchat_search_text(body)) (migration 11;
// migration 9 had stored the words in a column, which cost every INSERT more than
// the searches it saved).
// The `simple` configuration lowercases and splits on non-word characters without
// stemming or stop words, so every language's words are found as written. CJK,
// kana and Hangul runs (written without spaces) are indexed as overlapping bigrams
// and a query word's run is the phrase of its bigrams (pchat_search_query), so
// "会議" is found inside "明日の会議資料は" and "議会" is not; a one-character query
// matches every occurrence of that character. Every query word must appear (AND), in
// any order; the parts of one word follow each other ("e-mail", "10時").
// The index keeps fastupdate on with a small pending list (gin_pending_list_limit
// 256 kB), so an INSERT never pays for a large flush on the commit path
// (docs/design.md#messages-in-the-store).
//
// Results are newest first and paged by id: pass a page's `next` as `before_id` to
// get the next one (no timestamp paging). A page reads at most kSearchWalkOn older
// messages after the first walk, so its cost is bounded: when that walk ends before
// the page is full, the page comes back short with a `next` to go on from. The
// caller decides which conversations the user may read and passes exactly those;
// nothing else is ever returned. Blocking: call from a ReaderPool job.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/history.h"
#include "store/pg.h"

namespace pchat::store {

inline constexpr int kMaxSearchResults = 100;
// Searches first walk this many of the conversations' newest messages (computing
// their words), where a frequent query finds its page (see search.cc).
inline constexpr int kSearchWalk = 1000;
// Beyond the walk, queries matching at most this many stored messages are read from
// the GIN index and sorted; more frequent ones by walking on,
inline constexpr int kSelectiveMatches = 5000;
// over at most this many messages per page (~2.5 µs each: about 0.15 s).
inline constexpr int kSearchWalkOn = 60000;

struct SearchPage {
  std::vector<HistoryRow> rows;  // newest first
  // Where the next page starts (its before_id); 0 when nothing older is left.
  // Also set on a short page whose walk stopped at kSearchWalkOn.
  int64_t next = 0;
};

// PRIVMSG/NOTICE rows of `targets` (conversation keys) whose body contains every
// word of `query` (pchat_search_query(query), see above), with id < before_id when
// before_id > 0; at most `limit` (1..kMaxSearchResults), newest first.
// kInvalidInput for a query with no word, or no target.
Result<SearchPage> search_messages(pg::Connection& c, const std::vector<std::string>& targets,
                                   const std::string& query, int64_t before_id, int limit);

}  // namespace pchat::store
