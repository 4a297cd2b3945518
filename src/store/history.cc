#include "store/history.h"

#include <algorithm>

namespace pchat::store {

const char* const kHistoryColumns =
    "id, msgid, target, sender, account, command, tags, body, "
    "(extract(epoch from ts) * 1000000)::bigint";

std::string dm_key(std::string_view a, std::string_view b) {
  if (b < a) std::swap(a, b);
  std::string out = "dm:";
  out.append(a);
  out.push_back(':');
  out.append(b);
  return out;
}

std::vector<HistoryRow> decode_history(const pg::ResultSet& rs) {
  std::vector<HistoryRow> out;
  out.reserve(static_cast<size_t>(rs.rows()));
  for (int i = 0; i < rs.rows(); ++i) {
    HistoryRow r;
    r.id = rs.i64(i, 0);
    r.msgid = rs.str(i, 1);
    r.target = rs.str(i, 2);
    r.sender = rs.str(i, 3);
    r.account = rs.opt_str(i, 4);
    r.command = rs.str(i, 5);
    r.tags = rs.str(i, 6);
    r.body = rs.str(i, 7);
    r.ts_us = rs.i64(i, 8);
    out.push_back(std::move(r));
  }
  return out;
}

Result<std::vector<HistoryRow>> latest_rows(pg::Connection& c, const std::string& target,
                                            int64_t max_id, int limit) {
  std::string sql = std::string("SELECT ") + kHistoryColumns +
                    " FROM messages WHERE target = $1 AND ($2::bigint <= 0 OR id <= $2::bigint)"
                    " ORDER BY id DESC LIMIT $3";
  auto r = c.exec(sql, {target, std::to_string(max_id), std::to_string(limit)});
  if (!r) return r.error();
  auto rows = decode_history(*r);
  std::reverse(rows.begin(), rows.end());
  return rows;
}

}  // namespace pchat::store
