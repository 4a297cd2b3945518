#include "store/search.h"

#include <algorithm>
#include <cctype>

namespace pchat::store {

Result<std::vector<HistoryRow>> search_messages(pg::Connection& c,
                                                const std::vector<std::string>& targets,
                                                const std::string& query, int64_t before_id,
                                                int limit) {
  if (targets.empty()) return std::vector<HistoryRow>{};
  const bool has_word = std::any_of(query.begin(), query.end(), [](char ch) {
    return static_cast<unsigned char>(ch) >= 0x80 || std::isalnum(static_cast<unsigned char>(ch));
  });
  if (!has_word) return make_error(ErrorKind::kInvalidInput, "the search has no word to look for");
  limit = std::clamp(limit, 1, kMaxSearchResults);
  std::vector<std::optional<std::string>> keys(targets.begin(), targets.end());
  // The planner has no statistics for the indexed expression (GIN stores its keys,
  // not the tsvector), so it guesses and often walks the whole table by id. Decide
  // here instead: a query matching few messages reads them through the GIN index and
  // sorts them; a frequent one walks the newest messages, where matches are dense.
  // The expression must match the index's: to_tsvector('simple', body).
  const std::string match = "to_tsvector('simple', body) @@ plainto_tsquery('simple', $1)";
  auto probe = c.exec("SELECT count(*) FROM (SELECT 1 FROM messages WHERE " + match + " LIMIT " +
                          std::to_string(kSelectiveMatches + 1) + ") AS m",
                      {query});
  if (!probe) return probe.error();
  const bool selective = probe->i64(0, 0) <= kSelectiveMatches;
  const std::string filter =
      " AND target = ANY($2::text[]) AND command <> 'TAGMSG'"
      " AND ($3::bigint <= 0 OR id < $3::bigint) ORDER BY id DESC LIMIT " +
      std::to_string(limit);
  const std::string sql =
      selective
          ? std::string("WITH hits AS MATERIALIZED (SELECT ") + kHistoryColumns +
                " FROM messages WHERE " + match + ") SELECT * FROM hits WHERE true" + filter
          : std::string("SELECT ") + kHistoryColumns + " FROM messages WHERE " + match + filter;
  auto r = c.exec(sql, {query, pg::make_text_array(keys), std::to_string(before_id)});
  if (!r) return r.error();
  return decode_history(*r);
}

}  // namespace pchat::store
