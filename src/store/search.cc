#include "store/search.h"

#include <algorithm>
#include <cctype>

#include "store/transaction.h"

namespace pchat::store {

Result<SearchPage> search_messages(pg::Connection& c, const std::vector<std::string>& targets,
                                   const std::string& query, int64_t before_id, int limit) {
  if (targets.empty()) return SearchPage{};
  const bool has_word = std::any_of(query.begin(), query.end(), [](char ch) {
    return static_cast<unsigned char>(ch) >= 0x80 || std::isalnum(static_cast<unsigned char>(ch));
  });
  if (!has_word) return make_error(ErrorKind::kInvalidInput, "the search has no word to look for");
  limit = std::clamp(limit, 1, kMaxSearchResults);
  std::vector<std::optional<std::string>> keys(targets.begin(), targets.end());
  const std::string keys_param = pg::make_text_array(keys);
  const std::string before = std::to_string(before_id);
  // Its statements see one snapshot: where a walk stopped is where the next page
  // starts, even while messages are removed (rolled back at the end: it only reads).
  Transaction tx(c);
  if (auto st = tx.begin("ISOLATION LEVEL REPEATABLE READ, READ ONLY"); !st) return st.error();
  // The planner cannot estimate how many messages a tsquery matches, and its guesses
  // go both ways (a frequent CJK phrase read 30,000 matches to sort them; a rare word
  // walked the whole table). Decide here instead, in two steps:
  // 1. Walk the newest kSearchWalk messages of the conversations (their words
  //    computed here). A frequent query fills its page here.
  // 2. Otherwise read the older matches: through the GIN index when they are few,
  //    by walking on when they are many (over kSearchWalkOn messages at most: a
  //    word frequent elsewhere can be rare in these conversations).
  // pchat_search_query is IMMUTABLE: folded into a constant when planned.
  // The conversations and the cursor, as parameters $k and $k+1.
  auto scope_at = [](int k) {
    const std::string keys = "$" + std::to_string(k), cursor = "$" + std::to_string(k + 1);
    return " target = ANY(" + keys + "::text[]) AND command <> 'TAGMSG' AND (" + cursor +
           "::bigint <= 0 OR id < " + cursor + "::bigint)";
  };
  const std::string scope = scope_at(2);
  // The indexed expression (migration 11), so the GIN index serves it.
  const std::string words = "to_tsvector('simple', pchat_search_text(body))";
  const std::string match = words + " @@ pchat_search_query($1)";
  // One row per match in the window, newest first (or one row with a NULL id when
  // none), each with the window's size and its oldest id.
  auto walk =
      c.exec("WITH recent AS MATERIALIZED (SELECT id, " + words + " AS words FROM messages WHERE" +
                 scope + " ORDER BY id DESC LIMIT " + std::to_string(kSearchWalk) +
                 ") SELECT w.n, w.low, m.id FROM (SELECT count(*) AS n, min(id) AS low"
                 " FROM recent) AS w LEFT JOIN LATERAL (SELECT id FROM recent WHERE words @@"
                 " pchat_search_query($1) ORDER BY id DESC LIMIT " +
                 std::to_string(limit) + ") AS m ON true ORDER BY m.id DESC",
             {query, keys_param, before});
  if (!walk) return walk.error();
  std::vector<std::optional<std::string>> ids;
  for (int i = 0; i < walk->rows(); ++i) {
    if (!walk->is_null(i, 2)) ids.push_back(walk->str(i, 2));
  }
  const bool window_full = walk->i64(0, 0) == kSearchWalk;
  SearchPage page;
  if (static_cast<int>(ids.size()) < limit && window_full) {
    // Count the matches through the index (capped): few are read from the index and
    // sorted; many (old ones: the newest messages had few) by walking on, older
    // than the window, kSearchWalkOn messages at most.
    auto probe = c.exec("SELECT count(*) FROM (SELECT 1 FROM messages WHERE " + match + " LIMIT " +
                            std::to_string(kSelectiveMatches + 1) + ") AS m",
                        {query});
    if (!probe) return probe.error();
    const bool selective = probe->i64(0, 0) <= kSelectiveMatches;
    const std::string older_than = " AND id < $4::bigint ORDER BY id DESC LIMIT ";
    const std::string wanted = std::to_string(limit - static_cast<int>(ids.size()));
    // Walking on: the next messages, newest first, read only as far as the page needs
    // (a LIMIT keeps the match out of the subquery, so off the GIN index).
    const std::string sql =
        selective ? "WITH hits AS MATERIALIZED (SELECT id, target, command FROM messages WHERE " +
                        match + ") SELECT id FROM hits WHERE" + scope + older_than + wanted
                  : "SELECT id FROM (SELECT id, body FROM messages WHERE" + scope + older_than +
                        std::to_string(kSearchWalkOn) + ") AS w WHERE " + match +
                        " ORDER BY id DESC LIMIT " + wanted;
    auto older = c.exec(sql, {query, keys_param, before, walk->str(0, 1)});
    if (!older) return older.error();
    for (int i = 0; i < older->rows(); ++i) ids.push_back(older->str(i, 0));
    if (!selective && static_cast<int>(ids.size()) < limit) {
      // A short page: did the walk stop at its bound with older messages left? Then
      // the next page starts below the last message walked (the first row here; a
      // second one is an older message left).
      auto bound = c.exec("SELECT id FROM messages WHERE" + scope_at(1) +
                              " AND id < $3::bigint ORDER BY id DESC OFFSET " +
                              std::to_string(kSearchWalkOn - 1) + " LIMIT 2",
                          {keys_param, before, walk->str(0, 1)});
      if (!bound) return bound.error();
      if (bound->rows() == 2) page.next = bound->i64(0, 0);
    }
  }
  if (ids.empty()) return page;
  auto r = c.exec(std::string("SELECT ") + kHistoryColumns +
                      " FROM messages WHERE id = ANY($1::bigint[]) ORDER BY id DESC",
                  {pg::make_text_array(ids)});
  if (!r) return r.error();
  page.rows = decode_history(*r);
  if (static_cast<int>(page.rows.size()) == limit) page.next = page.rows.back().id;
  return page;
}

}  // namespace pchat::store
