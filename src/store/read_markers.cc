#include "store/read_markers.h"

#include "irc/casemap.h"
#include "store/transaction.h"

namespace pchat::store {

namespace {

constexpr const char* kTsOut = "(extract(epoch FROM ts) * 1000000)::bigint";
constexpr const char* kTsIn = "timestamptz 'epoch' + $3::bigint * interval '1 microsecond'";

// The row's marker, FOR UPDATE inside a transaction when `lock`.
Result<std::optional<int64_t>> select_marker(pg::Connection& c, const std::string& account_key,
                                             const std::string& target, bool lock) {
  auto r = c.exec(std::string("SELECT ") + kTsOut +
                      " FROM read_markers WHERE account = $1 AND target = $2" +
                      (lock ? " FOR UPDATE" : ""),
                  {account_key, target});
  if (!r) return r.error();
  if (r->rows() == 0) return std::optional<int64_t>{};
  return std::optional<int64_t>{r->i64(0, 0)};
}

// Inserts the first marker of `target`, within the account's limit. Nullopt when a
// concurrent transaction inserted it first.
Result<std::optional<int64_t>> insert_marker(pg::Connection& c, const std::string& account_key,
                                             const std::string& target, int64_t ts_us) {
  auto n = c.exec("SELECT count(*) FROM read_markers WHERE account = $1", {account_key});
  if (!n) return n.error();
  if (n->i64(0, 0) >= kMaxReadMarkersPerAccount) {
    return make_error(ErrorKind::kDenied, "too many read markers (at most " +
                                              std::to_string(kMaxReadMarkersPerAccount) + ")");
  }
  auto r = c.exec(std::string("INSERT INTO read_markers (account, target, ts) VALUES ($1, $2, ") +
                      kTsIn + ") ON CONFLICT (account, target) DO NOTHING RETURNING " + kTsOut,
                  {account_key, target, std::to_string(ts_us)});
  if (!r) return r.error();
  if (r->rows() == 0) return std::optional<int64_t>{};
  return std::optional<int64_t>{r->i64(0, 0)};
}

}  // namespace

Result<std::optional<int64_t>> read_marker(pg::Connection& c, const std::string& account,
                                           const std::string& target) {
  return select_marker(c, irc::fold(account), target, false);
}

Result<MarkerWrite> write_read_marker(pg::Connection& c, const std::string& account,
                                      const std::string& target, int64_t ts_us, int64_t min_epoch,
                                      const std::string& notify_payload) {
  const std::string key = irc::fold(account);
  Transaction tx(c);
  if (auto st = tx.begin(); !st) return st.error();
  if (auto f = c.exec("SELECT pchat_fence_check($1::bigint)", {std::to_string(min_epoch)}); !f) {
    return f.error();
  }
  MarkerWrite out;
  auto stored = select_marker(c, key, target, true);
  if (!stored) return stored.error();
  if (!*stored) {
    auto inserted = insert_marker(c, key, target, ts_us);
    if (!inserted) return inserted.error();
    if (*inserted) {
      out = {**inserted, true};
    } else {  // inserted meanwhile: lock it and compare as below
      stored = select_marker(c, key, target, true);
      if (!stored) return stored.error();
      if (!*stored) return make_error(ErrorKind::kConflict, "the read marker changed meanwhile");
    }
  }
  if (!out.moved && *stored) {
    out.ts_us = **stored;
    if (**stored < ts_us) {
      auto u = c.exec(std::string("UPDATE read_markers SET ts = ") + kTsIn +
                          " WHERE account = $1 AND target = $2 RETURNING " + kTsOut,
                      {key, target, std::to_string(ts_us)});
      if (!u) return u.error();
      out = {u->i64(0, 0), true};
    }
  }
  if (out.moved) {
    auto n = c.exec("SELECT pg_notify($1, $2)", {kReadMarkerChannel, notify_payload});
    if (!n) return n.error();
  }
  if (auto st = tx.commit(); !st) return st.error();
  return out;
}

}  // namespace pchat::store
