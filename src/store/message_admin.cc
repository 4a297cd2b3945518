#include "store/message_admin.h"

#include <sstream>

#include "irc/casemap.h"

namespace pchat::store {

namespace {

// The room's key (its messages' target). kNotFound when there is no such room.
Result<std::string> room_key(pg::Connection& conn, const std::string& room) {
  auto r = conn.exec("SELECT name_key FROM rooms WHERE name_key = $1", {irc::fold(room)});
  if (!r) return r.error();
  if (r->rows() == 0) return make_error(ErrorKind::kNotFound, "no room '" + room + "'");
  return r->str(0, 0);
}

std::vector<std::optional<std::string>> words_of(const std::string& filter, MatchClause m) {
  std::vector<std::optional<std::string>> out;
  if (m == MatchClause::kExact) {
    out.emplace_back(filter);
    return out;
  }
  std::istringstream in(filter);
  for (std::string w; in >> w;) out.emplace_back(w);
  return out;
}

}  // namespace

Result<int64_t> clear_room_messages(pg::Connection& conn, const std::string& room,
                                    int64_t end_unix_s) {
  auto key = room_key(conn, room);
  if (!key) return key.error();
  auto r = conn.exec("DELETE FROM messages WHERE target = $1 AND ts < to_timestamp($2)",
                     {*key, std::to_string(end_unix_s)});
  if (!r) return r.error();
  return r->affected();
}

Result<int64_t> remove_messages(pg::Connection& conn, const MessageSelection& sel,
                                const std::optional<std::string>& replacement) {
  auto key = room_key(conn, sel.room);
  if (!key) return key.error();
  const auto words = words_of(sel.filter, sel.match);
  const std::string body = sel.case_sensitive ? "body" : "lower(body)";
  const std::string word = sel.case_sensitive ? "w" : "lower(w)";
  std::string text_cond = "cardinality($5::text[]) = 0";
  if (!words.empty()) {
    text_cond = sel.match == MatchClause::kOr
                    ? "EXISTS (SELECT 1 FROM unnest($5::text[]) w WHERE strpos(" + body + ", " +
                          word + ") > 0)"
                    : "NOT EXISTS (SELECT 1 FROM unnest($5::text[]) w WHERE strpos(" + body + ", " +
                          word + ") = 0)";
  }
  const std::string where =
      " WHERE target = $1 AND command <> 'TAGMSG'"
      " AND ($2::text IS NULL OR lower(account) = $2)"
      " AND ($3::float8 IS NULL OR ts >= to_timestamp($3::float8))"
      " AND ($4::float8 IS NULL OR ts < to_timestamp($4::float8)) AND " +
      text_cond;
  auto opt_num = [](const std::optional<int64_t>& v) -> std::optional<std::string> {
    if (!v) return std::nullopt;
    return std::to_string(*v);
  };
  pg::Params p = {*key,
                  sel.account ? std::optional<std::string>(irc::fold(*sel.account)) : std::nullopt,
                  opt_num(sel.start_unix_s), opt_num(sel.end_unix_s), pg::make_text_array(words)};
  Result<pg::ResultSet> r = make_error(ErrorKind::kInternal, "unreachable");
  if (replacement) {
    p.push_back(*replacement);
    r = conn.exec("UPDATE messages SET body = $6" + where, p);
  } else {
    r = conn.exec("DELETE FROM messages" + where, p);
  }
  if (!r) return r.error();
  return r->affected();
}

}  // namespace pchat::store
