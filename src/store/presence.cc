#include "store/presence.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <map>

namespace pchat::store {

using namespace std::chrono_literals;

namespace {

constexpr const char* kNotifySql = "SELECT pg_notify('pchat_presence', $1)";

constexpr const char* kClaimSql =
    "WITH ins AS (INSERT INTO pool_users"
    " (server, sid, nick_key, nick, username, host, account, realname, away)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING RETURNING 1)"
    " SELECT pg_notify('pchat_presence', $10) FROM ins";

constexpr const char* kRenameSql =
    "WITH up AS (UPDATE pool_users SET nick_key = $3, nick = $4"
    " WHERE server = $1 AND sid = $2 RETURNING 1)"
    " SELECT pg_notify('pchat_presence', $5) FROM up";

constexpr const char* kSweepSql =
    "WITH gone AS (DELETE FROM pool_servers s WHERE s.name <> $1"
    " AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a"
    "   WHERE a.pid = s.backend_pid AND a.backend_start = s.backend_start)"
    " AND (s.backend_start >= pg_postmaster_start_time()"
    "   OR pg_postmaster_start_time() < now() - make_interval(secs => $2))"
    " RETURNING s.name)"
    " SELECT name, pg_notify('pchat_presence', 'GONE ' || name) FROM gone";

std::string id_text(uint64_t sid) {
  return std::to_string(sid);
}

}  // namespace

Result<std::vector<PresenceUser>> read_presence(pg::Connection& conn, const std::string& self) {
  auto r = conn.exec(
      "SELECT u.server, u.sid, u.nick_key, u.nick, u.username, u.host, u.account, u.realname,"
      " coalesce(u.away, ''), m.channel_key, m.channel, m.modes"
      " FROM pool_users u LEFT JOIN pool_members m ON m.server = u.server AND m.sid = u.sid"
      " WHERE u.server <> $1 ORDER BY u.server, u.sid, m.channel_key",
      {self});
  if (!r) return r.error();
  std::vector<PresenceUser> out;
  for (int i = 0; i < r->rows(); ++i) {
    const uint64_t sid = static_cast<uint64_t>(r->i64(i, 1));
    if (out.empty() || out.back().server != r->get(i, 0) || out.back().sid != sid) {
      PresenceUser u;
      u.server = r->str(i, 0);
      u.sid = sid;
      u.nick_key = r->str(i, 2);
      u.nick = r->str(i, 3);
      u.username = r->str(i, 4);
      u.host = r->str(i, 5);
      u.account = r->opt_str(i, 6);
      u.realname = r->str(i, 7);
      u.away = r->str(i, 8);
      out.push_back(std::move(u));
    }
    if (!r->is_null(i, 9)) {
      out.back().channels.push_back({r->str(i, 9), r->str(i, 10), r->str(i, 11)});
    }
  }
  return out;
}

PresenceLink::PresenceLink(std::shared_ptr<StoreTarget> target, std::string self,
                           SnapshotRequest snapshot_request, LostNicks lost_nicks,
                           MetricsRegistry& metrics)
    : target_(std::move(target)),
      self_(std::move(self)),
      snapshot_request_(std::move(snapshot_request)),
      lost_nicks_(std::move(lost_nicks)),
      changes_(
          metrics.counter("pchat_presence_changes_total",
                          "Presence changes (nick, join, part, quit...) written to the store")),
      swept_(metrics.counter("pchat_presence_servers_swept_total",
                             "Dead pool servers whose users this server removed")) {}

PresenceLink::~PresenceLink() {
  stop();
}

void PresenceLink::start() {
  thread_ = std::thread([this] { run(); });
}

void PresenceLink::stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PresenceLink::enqueue(Op op) {
  {
    std::lock_guard lk(mu_);
    if (!stopping_) {
      queue_.push_back(std::move(op));
      op.done = nullptr;
    }
  }
  if (op.done) op.done(ClaimResult::kUnavailable);  // stopping
  cv_.notify_one();
}

void PresenceLink::hello(std::vector<PresenceUser> local) {
  Op op;
  op.kind = Op::Kind::kHello;
  op.users = std::move(local);
  enqueue(std::move(op));
}

void PresenceLink::claim(const PresenceUser& user, std::string event, Done done) {
  Op op;
  op.kind = Op::Kind::kClaim;
  op.user = user;
  op.event = std::move(event);
  op.done = std::move(done);
  enqueue(std::move(op));
}

void PresenceLink::rename(uint64_t sid, std::string nick_key, std::string nick, std::string event,
                          Done done) {
  Op op;
  op.kind = Op::Kind::kRename;
  op.statement = {kRenameSql, {self_, id_text(sid), std::move(nick_key), std::move(nick)}};
  op.event = std::move(event);
  op.done = std::move(done);
  enqueue(std::move(op));
}

void PresenceLink::quit(uint64_t sid, std::string event) {
  Op op;
  op.statement = {"DELETE FROM pool_users WHERE server = $1 AND sid = $2", {self_, id_text(sid)}};
  op.event = std::move(event);
  enqueue(std::move(op));
}

void PresenceLink::join(uint64_t sid, const std::string& channel_key, const std::string& channel,
                        const std::string& modes, std::string event) {
  Op op;
  op.statement = {
      "INSERT INTO pool_members (server, sid, channel_key, channel, modes)"
      " VALUES ($1, $2, $3, $4, $5)"
      " ON CONFLICT (server, sid, channel_key) DO UPDATE SET modes = EXCLUDED.modes",
      {self_, id_text(sid), channel_key, channel, modes}};
  op.event = std::move(event);
  enqueue(std::move(op));
}

void PresenceLink::part(uint64_t sid, const std::string& channel_key, std::string event) {
  Op op;
  op.statement = {"DELETE FROM pool_members WHERE server = $1 AND sid = $2 AND channel_key = $3",
                  {self_, id_text(sid), channel_key}};
  op.event = std::move(event);
  enqueue(std::move(op));
}

void PresenceLink::set_modes(uint64_t sid, const std::string& channel_key, const std::string& modes,
                             std::string event) {
  Op op;
  op.statement = {
      "UPDATE pool_members SET modes = $4 WHERE server = $1 AND sid = $2 AND channel_key = $3",
      {self_, id_text(sid), channel_key, modes}};
  op.event = std::move(event);
  enqueue(std::move(op));
}

void PresenceLink::update(uint64_t sid, Field field, std::optional<std::string> value,
                          std::string event) {
  const char* column = field == Field::kAway      ? "away"
                       : field == Field::kAccount ? "account"
                                                  : "realname";
  Op op;
  op.statement = {
      std::string("UPDATE pool_users SET ") + column + " = $3 WHERE server = $1 AND sid = $2",
      {self_, id_text(sid), std::move(value)}};
  op.event = std::move(event);
  enqueue(std::move(op));
}

void PresenceLink::notify(std::string event) {
  Op op;
  op.event = std::move(event);
  enqueue(std::move(op));
}

// ---------------------------------------------------------------------------
// The link's thread

void PresenceLink::connect() {
  auto now = std::chrono::steady_clock::now();
  if (target_->generation() != generation_) {  // moved: try the new store now
    next_connect_ = now;
    backoff_ = 100ms;
  }
  if (now < next_connect_) return;
  generation_ = target_->generation();
  auto c = pg::Connection::connect(target_->conninfo(), "pchatd-presence");
  if (!c) {
    if (!warned_) spdlog::error("presence: cannot reach the store: {}", c.error().message);
    warned_ = true;
    next_connect_ = now + backoff_;
    backoff_ = std::min(backoff_ * 2, std::chrono::milliseconds(2000));
    return;
  }
  conn_ = std::move(*c);
  backoff_ = 100ms;
  if (warned_) spdlog::info("presence: connected to the store again");
  warned_ = false;
  need_hello();
}

void PresenceLink::lost(const std::string& why) {
  spdlog::error("presence: lost the store: {}", why);
  conn_.reset();
  announced_ = false;
  ready_.store(false);
}

void PresenceLink::need_hello() {
  announced_ = false;
  ready_.store(false);
  snapshot_requested_ = std::chrono::steady_clock::now();
  if (snapshot_request_) snapshot_request_();
}

void PresenceLink::notify_statements(const std::vector<std::string>& events,
                                     std::vector<pg::Connection::Statement>& out) const {
  std::string payload;
  for (const auto& e : events) {
    if (e.empty()) continue;
    if (!payload.empty() && payload.size() + 1 + e.size() > kMaxPayload) {
      out.push_back({kNotifySql, {payload}});
      payload.clear();
    }
    if (!payload.empty()) payload.push_back('\n');
    payload += e;
  }
  if (!payload.empty()) out.push_back({kNotifySql, {payload}});
}

void PresenceLink::run_hello(const Op& op) {
  std::string sids = "{", keys = "{", nicks = "{", users = "{", hosts = "{", accounts = "{",
              realnames = "{", aways = "{";
  std::string m_sids = "{", m_keys = "{", m_names = "{", m_modes = "{";
  for (const auto& u : op.users) {
    pg::append_array_element(sids, id_text(u.sid));
    pg::append_array_element(keys, u.nick_key);
    pg::append_array_element(nicks, u.nick);
    pg::append_array_element(users, u.username);
    pg::append_array_element(hosts, u.host);
    pg::append_array_element(accounts, u.account);
    pg::append_array_element(realnames, u.realname);
    pg::append_array_element(aways,
                             u.away.empty() ? std::nullopt : std::optional<std::string>(u.away));
    for (const auto& m : u.channels) {
      pg::append_array_element(m_sids, id_text(u.sid));
      pg::append_array_element(m_keys, m.key);
      pg::append_array_element(m_names, m.channel);
      pg::append_array_element(m_modes, m.modes);
    }
  }
  for (auto* s : {&sids, &keys, &nicks, &users, &hosts, &accounts, &realnames, &aways, &m_sids,
                  &m_keys, &m_names, &m_modes}) {
    s->push_back('}');
  }
  auto r = conn_.exec_pipeline({
      {"DELETE FROM pool_servers WHERE name = $1", {self_}},
      {"INSERT INTO pool_servers (name, backend_pid, backend_start, seen_at)"
       " SELECT $1, pid, backend_start, now() FROM pg_stat_activity WHERE pid = pg_backend_pid()",
       {self_}},
      {"WITH u AS (SELECT * FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[],"
       "   $6::text[], $7::text[], $8::text[], $9::text[])"
       "   AS t(sid, nick_key, nick, username, host, account, realname, away)),"
       " ins AS (INSERT INTO pool_users"
       "   (server, sid, nick_key, nick, username, host, account, realname, away)"
       "   SELECT $1, u.* FROM u ON CONFLICT DO NOTHING RETURNING sid)"
       " SELECT sid FROM u WHERE sid NOT IN (SELECT sid FROM ins)",
       {self_, sids, keys, nicks, users, hosts, accounts, realnames, aways}},
      {"INSERT INTO pool_members (server, sid, channel_key, channel, modes)"
       " SELECT $1, m.* FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[])"
       "   AS m(sid, channel_key, channel, modes)"
       " WHERE EXISTS (SELECT 1 FROM pool_users p WHERE p.server = $1 AND p.sid = m.sid)"
       " ON CONFLICT DO NOTHING",
       {self_, m_sids, m_keys, m_names, m_modes}},
      {"SELECT pg_notify('pchat_presence', 'HELLO ' || $1)", {self_}},
  });
  if (!r) {
    lost("cannot announce this server: " + r.error().message);
    return;
  }
  std::vector<uint64_t> lost_sids;
  const pg::ResultSet& lostrs = (*r)[2];
  for (int i = 0; i < lostrs.rows(); ++i)
    lost_sids.push_back(static_cast<uint64_t>(lostrs.i64(i, 0)));
  announced_ = true;
  ready_.store(true);
  spdlog::info(
      "presence: announced {} users to the pool{}", op.users.size(),
      lost_sids.empty() ? "" : fmt::format(" ({} nicks were taken meanwhile)", lost_sids.size()));
  if (!lost_sids.empty() && lost_nicks_) lost_nicks_(std::move(lost_sids));
}

ClaimResult PresenceLink::run_claim(const Op& op) {
  const PresenceUser& u = op.user;
  auto r = conn_.exec(
      kClaimSql,
      {self_, id_text(u.sid), u.nick_key, u.nick, u.username, u.host, u.account, u.realname,
       u.away.empty() ? std::nullopt : std::optional<std::string>(u.away), op.event});
  if (!r) {
    if (r.error().kind == ErrorKind::kConflict) return ClaimResult::kTaken;
    if (!conn_.connected() || r.error().kind == ErrorKind::kUnavailable) {
      lost(r.error().message);
    } else {
      spdlog::warn("presence: claim failed: {}", r.error().message);
      need_hello();  // e.g. this server's row was swept: announce again
    }
    return ClaimResult::kUnavailable;
  }
  changes_.inc();
  return r->rows() == 1 ? ClaimResult::kClaimed : ClaimResult::kTaken;
}

ClaimResult PresenceLink::run_rename(const Op& op) {
  pg::Connection::Statement st = op.statement;
  st.params.push_back(op.event);
  auto r = conn_.exec(st.sql, st.params);
  if (!r) {
    if (r.error().kind == ErrorKind::kConflict) return ClaimResult::kTaken;
    if (!conn_.connected() || r.error().kind == ErrorKind::kUnavailable) {
      lost(r.error().message);
    } else {
      spdlog::warn("presence: nick change failed: {}", r.error().message);
    }
    return ClaimResult::kUnavailable;
  }
  if (r->rows() != 1) {
    need_hello();  // our row is gone: announce again (the snapshot has the new nick)
    return ClaimResult::kUnavailable;
  }
  changes_.inc();
  return ClaimResult::kClaimed;
}

void PresenceLink::flush_changes(std::vector<Op>& changes) {
  if (changes.empty()) return;
  std::vector<pg::Connection::Statement> statements;
  std::vector<std::string> events;
  for (auto& op : changes) {
    if (!op.statement.sql.empty()) statements.push_back(std::move(op.statement));
    events.push_back(std::move(op.event));
  }
  notify_statements(events, statements);
  const size_t n = changes.size();
  changes.clear();
  if (statements.empty()) return;
  auto r = conn_.exec_pipeline(statements);
  if (!r) {
    if (!conn_.connected() || r.error().kind == ErrorKind::kUnavailable) {
      lost(r.error().message);
    } else {
      spdlog::warn("presence: changes refused ({}); announcing this server again",
                   r.error().message);
      need_hello();
    }
    return;
  }
  changes_.inc(n);
}

void PresenceLink::heartbeat() {
  auto now = std::chrono::steady_clock::now();
  if (now < next_heartbeat_) return;
  next_heartbeat_ = now + kHeartbeat;
  // A read: an idle pool commits nothing, so it writes no WAL (log shipping stays idle).
  auto beat = conn_.exec("SELECT 1 FROM pool_servers WHERE name = $1", {self_});
  if (!beat) {
    lost(beat.error().message);
    return;
  }
  if (beat->rows() == 0) {
    spdlog::warn("presence: this server's entry was removed from the pool; announcing again");
    need_hello();
    return;
  }
  auto swept = conn_.exec(kSweepSql, {self_, std::to_string(kStoreRestartGrace.count())});
  if (!swept) {
    lost(swept.error().message);
    return;
  }
  for (int i = 0; i < swept->rows(); ++i) {
    spdlog::warn("presence: server {} left the pool (its store session ended); its users are gone",
                 swept->str(i, 0));
    swept_.inc();
  }
}

void PresenceLink::answer(Op& op, std::vector<Op>& changes) {
  if (op.kind == Op::Kind::kChange) {
    changes.push_back(std::move(op));
    return;
  }
  flush_changes(changes);
  ClaimResult res = ClaimResult::kUnavailable;
  if (conn_.connected() && announced_) {
    res = op.kind == Op::Kind::kClaim ? run_claim(op) : run_rename(op);
  }
  op.done(res);
}

void PresenceLink::run() {
  std::vector<Op> changes;
  for (;;) {
    std::deque<Op> batch;
    {
      std::unique_lock lk(mu_);
      cv_.wait_for(lk, 200ms, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) break;
      batch.swap(queue_);
    }
    if (conn_.connected() && generation_ != target_->generation()) {
      lost("the pool moved to store " + target_->name());
    }
    if (!conn_.connected()) {
      connect();
    } else if (!announced_ && std::chrono::steady_clock::now() - snapshot_requested_ > 3s) {
      need_hello();  // the owner was not listening yet: ask again
    }
    const auto now = std::chrono::steady_clock::now();
    for (auto& op : batch) {
      if (op.kind == Op::Kind::kHello) {
        flush_changes(changes);
        if (conn_.connected()) run_hello(op);
        continue;
      }
      if (!conn_.connected() || !announced_) {
        // Changes: the next hello() carries them. Claims wait for it, a little.
        if (op.done) deferred_.emplace_back(std::move(op), now + kClaimWait);
        continue;
      }
      answer(op, changes);
    }
    if (conn_.connected() && announced_) {
      while (!deferred_.empty()) {
        Op op = std::move(deferred_.front().first);
        deferred_.pop_front();
        answer(op, changes);
      }
    }
    while (!deferred_.empty() && deferred_.front().second <= now) {
      deferred_.front().first.done(ClaimResult::kUnavailable);
      deferred_.pop_front();
    }
    if (conn_.connected() && announced_) flush_changes(changes);
    changes.clear();
    if (conn_.connected() && announced_) heartbeat();
  }
  // Leaving: remove this server's users at once rather than waiting for a sweep.
  std::deque<Op> rest;
  {
    std::lock_guard lk(mu_);
    rest.swap(queue_);
  }
  for (auto& op : rest) {
    if (op.done) op.done(ClaimResult::kUnavailable);
  }
  for (auto& [op, deadline] : deferred_) op.done(ClaimResult::kUnavailable);
  deferred_.clear();
  if (conn_.connected()) {
    (void)conn_.exec_pipeline({{"DELETE FROM pool_servers WHERE name = $1", {self_}},
                               {"SELECT pg_notify('pchat_presence', 'GONE ' || $1)", {self_}}});
  }
  ready_.store(false);
}

}  // namespace pchat::store
