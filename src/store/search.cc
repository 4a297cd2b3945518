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
  // The expression must match the index's: to_tsvector('simple', body).
  const std::string sql = std::string("SELECT ") + kHistoryColumns +
                          " FROM messages"
                          " WHERE to_tsvector('simple', body) @@ plainto_tsquery('simple', $1)"
                          " AND target = ANY($2::text[]) AND command <> 'TAGMSG'"
                          " AND ($3::bigint <= 0 OR id < $3::bigint)"
                          " ORDER BY id DESC LIMIT " +
                          std::to_string(limit);
  auto r = c.exec(sql, {query, pg::make_text_array(keys), std::to_string(before_id)});
  if (!r) return r.error();
  return decode_history(*r);
}

}  // namespace pchat::store
