#include "store/history.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/time.h"

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
                    " FROM messages WHERE target = $1 AND ($2::bigint < 0 OR id <= $2::bigint)"
                    " ORDER BY id DESC LIMIT $3";
  auto r = c.exec(sql, {target, std::to_string(max_id), std::to_string(limit)});
  if (!r) return r.error();
  auto rows = decode_history(*r);
  std::reverse(rows.begin(), rows.end());
  return rows;
}

namespace {

// A timestamptz parameter: "$n::timestamptz", with the value passed as text in
// ISO 8601 (exact to the microsecond). A plain constant, unlike an expression such
// as 'epoch' + $n * interval (only stable), lets the planner estimate the range and
// use the (target, ts) index when it is narrow.
std::string ts_param(int n) {
  return "$" + std::to_string(n) + "::timestamptz";
}

}  // namespace

Result<std::vector<HistoryRow>> window_rows(pg::Connection& c, const std::string& target,
                                            const HistoryWindow& w, bool newest_first, int limit) {
  // Only the bounds present appear in the SQL, so each query is a plain range on
  // the (target, id) index (or (target, ts), as the planner sees fit).
  pg::Params params{target};
  std::string sql = std::string("SELECT ") + kHistoryColumns +
                    " FROM messages WHERE target = $1 AND command IN ('PRIVMSG', 'NOTICE')";
  auto bound = [&](const char* op, int64_t v, bool is_ts) {
    params.push_back(is_ts ? time::iso8601_us(v) : std::to_string(v));
    const int n = static_cast<int>(params.size());
    sql += op;
    sql += is_ts ? ts_param(n) : "$" + std::to_string(n) + "::bigint";
  };
  if (w.min_id) bound(" AND id >= ", *w.min_id, false);
  if (w.max_id) bound(" AND id <= ", *w.max_id, false);
  if (w.from_us) bound(" AND ts >= ", *w.from_us, true);
  if (w.until_us) bound(" AND ts < ", *w.until_us, true);
  params.push_back(std::to_string(limit));
  sql += newest_first ? " ORDER BY id DESC" : " ORDER BY id ASC";
  sql += " LIMIT $" + std::to_string(params.size()) + "::int";
  auto r = c.exec(sql, params);
  if (!r) return r.error();
  auto rows = decode_history(*r);
  if (newest_first) std::reverse(rows.begin(), rows.end());
  return rows;
}

Result<std::optional<MessagePos>> find_message(pg::Connection& c, const std::string& target,
                                               const std::string& msgid) {
  auto r = c.exec(
      "SELECT id, (extract(epoch from ts) * 1000000)::bigint FROM messages"
      " WHERE msgid = $1 AND target = $2",
      {msgid, target});
  if (!r) return r.error();
  if (r->rows() == 0) return std::optional<MessagePos>{};
  return std::optional<MessagePos>{MessagePos{r->i64(0, 0), r->i64(0, 1)}};
}

Result<std::vector<ConversationActivity>> conversation_activity(
    pg::Connection& c, const std::vector<std::string>& channel_keys, const std::string& identity,
    int64_t from_us, int64_t until_us, bool newest_first, int limit) {
  // Channels: one backward index probe each on (target, ts). DMs: the rows of the
  // identity's conversations in the range, found through the partial expression
  // indexes on either participant (the second arm skips conversations with
  // oneself, already found by the first).
  std::vector<std::optional<std::string>> keys(channel_keys.begin(), channel_keys.end());
  const std::string from = ts_param(3), until = ts_param(4);
  std::string sql =
      "SELECT target, (extract(epoch from latest) * 1000000)::bigint AS latest_us FROM ("
      " SELECT k, l.latest FROM unnest($1::text[]) AS k CROSS JOIN LATERAL"
      " (SELECT max(ts) AS latest FROM messages m WHERE m.target = k AND m.ts >= " +
      from + " AND m.ts < " + until +
      ") AS l"
      " UNION ALL"
      " SELECT target, max(ts) FROM messages WHERE target LIKE 'dm:%'"
      " AND split_part(target, ':', 2) = $2 AND ts >= " +
      from + " AND ts < " + until +
      " GROUP BY target"
      " UNION ALL"
      " SELECT target, max(ts) FROM messages WHERE target LIKE 'dm:%'"
      " AND split_part(target, ':', 3) = $2 AND split_part(target, ':', 2) <> $2"
      " AND ts >= " +
      from + " AND ts < " + until +
      " GROUP BY target"
      ") AS a (target, latest) WHERE latest IS NOT NULL ORDER BY latest " +
      (newest_first ? "DESC" : "ASC") + ", target LIMIT $5::int";
  auto r = c.exec(sql, {pg::make_text_array(keys), identity, time::iso8601_us(from_us),
                        time::iso8601_us(until_us), std::to_string(limit)});
  if (!r) return r.error();
  std::vector<ConversationActivity> out;
  out.reserve(static_cast<size_t>(r->rows()));
  for (int i = 0; i < r->rows(); ++i) out.push_back({r->str(i, 0), r->i64(i, 1)});
  if (newest_first) std::reverse(out.begin(), out.end());
  return out;
}

std::optional<std::string> dm_peer(std::string_view key, std::string_view self) {
  // Identities are nicks or account names, which never contain ':'.
  if (key.substr(0, 3) != "dm:") return std::nullopt;
  key.remove_prefix(3);
  auto colon = key.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view a = key.substr(0, colon), b = key.substr(colon + 1);
  if (a.empty() || b.empty() || b.find(':') != std::string_view::npos) return std::nullopt;
  if (a == self) return std::string(b);
  if (b == self) return std::string(a);
  return std::nullopt;
}

}  // namespace pchat::store
