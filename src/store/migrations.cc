#include "store/migrations.h"

#include <spdlog/spdlog.h>

namespace pchat::store {

namespace {

// Ordering: messages are ordered and paged by `id`, a store-assigned sequence
// (never by timestamp: equal timestamps at a page edge would skip messages).
// `target` is the conversation key: a casefolded channel name ("#room"), or for
// direct messages "dm:<a>:<b>" with the two casefolded participant identities in
// byte order (see store/history.h).
constexpr const char* kV1 = R"sql(
CREATE TABLE accounts (
  name           text PRIMARY KEY,          -- casefolded
  display_name   text NOT NULL,
  password_hash  text NOT NULL,             -- argon2id, libsodium's encoded form
  created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE messages (
  id         bigserial PRIMARY KEY,
  msgid      text NOT NULL UNIQUE,
  target     text NOT NULL,
  sender     text NOT NULL,                 -- nick!user@host at send time
  account    text,                          -- sender's account, NULL for guests
  command    text NOT NULL,                 -- PRIVMSG, NOTICE or TAGMSG
  tags       text NOT NULL DEFAULT '',      -- client-only tags, IRCv3 wire form
  body       text NOT NULL DEFAULT '',
  ts         timestamptz NOT NULL
);
CREATE INDEX messages_target_id ON messages (target, id);
CREATE INDEX messages_target_ts ON messages (target, ts);
)sql";

// CHATHISTORY TARGETS lists the DM conversations of one identity: find them by
// either participant of the DM key "dm:<a>:<b>" (identities never contain ':'),
// with ts second so a time range is part of the index condition. Partial: channel
// rows are not indexed twice more.
constexpr const char* kV2 = R"sql(
CREATE INDEX messages_dm_first ON messages (split_part(target, ':', 2), ts)
  WHERE target LIKE 'dm:%';
CREATE INDEX messages_dm_second ON messages (split_part(target, ':', 3), ts)
  WHERE target LIKE 'dm:%';
)sql";

// The pool's dynamic state (DESIGN §4, store/pool_state.h): one row, created here.
// Every change NOTIFYs pchat_pool_state with the new epoch, in the changing
// transaction (delivered at commit), so servers react at once; the epoch never goes
// down and the row is never deleted.
constexpr const char* kV3 = R"sql(
CREATE TABLE pool_state (
  id              int PRIMARY KEY CHECK (id = 1),
  epoch           bigint NOT NULL DEFAULT 1 CHECK (epoch >= 1),
  pool_state      text NOT NULL DEFAULT 'Normal' CHECK (pool_state IN ('Normal', 'FailedOver')),
  active_servers  text[] NOT NULL DEFAULT '{}',
  primary_store   text NOT NULL DEFAULT 'primary',
  pool_fqdn       text,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  updated_by      text
);
INSERT INTO pool_state (id) VALUES (1);

CREATE FUNCTION pool_state_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'the pool_state row cannot be deleted';
  END IF;
  IF NEW.epoch < OLD.epoch THEN
    RAISE EXCEPTION 'pool_state epoch cannot go down (% -> %)', OLD.epoch, NEW.epoch;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER pool_state_guard BEFORE UPDATE OR DELETE ON pool_state
  FOR EACH ROW EXECUTE FUNCTION pool_state_guard();

CREATE FUNCTION pool_state_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('pchat_pool_state', NEW.epoch::text);
  RETURN NULL;
END $$;
CREATE TRIGGER pool_state_notify AFTER INSERT OR UPDATE ON pool_state
  FOR EACH ROW EXECUTE FUNCTION pool_state_notify();
)sql";

// Compliance (DESIGN §6, issue 7; src/compliance/README.md). The outbox takes the
// events the writer records in the same transaction as the chat write (ids in
// commit order: the writer holds the pool-wide message lock); the compliance
// service moves them to mgccomp and deletes them here. The configuration and the
// service's last-run status live in mgc so they travel with a failover.
constexpr const char* kV5 = R"sql(
CREATE TABLE compliance_outbox (
  id          bigserial PRIMARY KEY,
  event_type  text NOT NULL CHECK (event_type IN
                ('JOIN', 'PART', 'CHAT', 'BACKCHAT', 'FILEUPLOAD', 'FILEDOWNLOAD')),
  ts          timestamptz NOT NULL,
  room        text NOT NULL,                 -- casefolded room name (conversation key)
  room_name   text NOT NULL,                 -- display name at the time
  account     text,                          -- NULL for guests
  nick        text NOT NULL,
  content     text NOT NULL DEFAULT '',
  msgid       text NOT NULL DEFAULT ''
);

CREATE TABLE compliance_config (
  id                             int PRIMARY KEY CHECK (id = 1),
  adapter_type                   text NOT NULL DEFAULT 'XmlAdapter',
  adapter_name                   text NOT NULL DEFAULT 'XmlAdapter',
  adapter_output_directory       text NOT NULL DEFAULT '',
  one_chat_room_per_output_file  boolean NOT NULL DEFAULT false,
  add_user_details               boolean NOT NULL DEFAULT false,
  add_chat_room_details          boolean NOT NULL DEFAULT false,
  run_interval_s                 int NOT NULL DEFAULT 900 CHECK (run_interval_s >= 60),
  updated_at                     timestamptz NOT NULL DEFAULT now(),
  updated_by                     text NOT NULL DEFAULT ''
);
INSERT INTO compliance_config (id) VALUES (1);

CREATE TABLE compliance_status (
  id              int PRIMARY KEY CHECK (id = 1),
  source_id       text NOT NULL DEFAULT gen_random_uuid()::text,  -- this mgc, in mgccomp
  holder          text NOT NULL DEFAULT '',
  last_run_at     timestamptz,
  last_run_events bigint NOT NULL DEFAULT 0,
  last_file       text NOT NULL DEFAULT '',
  last_error      text NOT NULL DEFAULT '',
  last_error_at   timestamptz,
  updated_at      timestamptz NOT NULL DEFAULT now()
);
INSERT INTO compliance_status (id) VALUES (1);
)sql";

}  // namespace

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> all = {
      {1, "accounts and messages", kV1},
      {2, "indexes for DM conversations by participant", kV2},
      {3, "pool state", kV3},
      {5, "compliance outbox, configuration and status", kV5},
  };
  return all;
}

int latest_schema_version() {
  return migrations().back().version;
}

Status ensure_database(pg::Connection& admin, const std::string& dbname) {
  auto r = admin.exec("SELECT 1 FROM pg_database WHERE datname = $1", {dbname});
  if (!r) return r.error();
  if (r->rows() > 0) return ok_status();
  auto c = admin.exec("CREATE DATABASE " + admin.quote_ident(dbname));
  if (!c && c.error().kind != ErrorKind::kConflict) return c.error();  // raced with a peer
  spdlog::info("store: created database {}", dbname);
  return ok_status();
}

Result<int> schema_version(pg::Connection& conn) {
  auto r = conn.exec(
      "SELECT CASE WHEN to_regclass('schema_migrations') IS NULL THEN 0 "
      "ELSE (SELECT coalesce(max(version), 0) FROM schema_migrations) END");
  if (!r) return r.error();
  return static_cast<int>(r->i64(0, 0));
}

Status migrate(pg::Connection& conn) {
  // Arbitrary constant key: "pchat-migrations".
  auto lock = conn.exec("SELECT pg_advisory_lock(7305692316)");
  if (!lock) return lock.error();
  struct Unlock {
    pg::Connection& c;
    ~Unlock() { (void)c.exec("SELECT pg_advisory_unlock(7305692316)"); }
  } unlock{conn};

  auto base = conn.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version int PRIMARY KEY, name text NOT NULL,"
      " applied_at timestamptz NOT NULL DEFAULT now())");
  if (!base) return base.error();
  auto current = schema_version(conn);
  if (!current) return current.error();
  if (*current > latest_schema_version()) {
    return make_error(ErrorKind::kConflict,
                      "the store's schema is version " + std::to_string(*current) +
                          ", newer than this binary's " + std::to_string(latest_schema_version()) +
                          ": upgrade pchat before using this store");
  }
  for (const auto& m : migrations()) {
    if (m.version <= *current) continue;
    spdlog::info("store: applying migration {} ({})", m.version, m.name);
    std::string sql = std::string("BEGIN;\n") + m.sql +
                      "\nINSERT INTO schema_migrations (version, name) VALUES (" +
                      std::to_string(m.version) + ", " + conn.quote_literal(m.name) + ");\nCOMMIT;";
    auto r = conn.exec(sql);
    if (!r) {
      (void)conn.exec("ROLLBACK");
      return make_error(r.error().kind, "migration " + std::to_string(m.version) + " (" + m.name +
                                            ") failed: " + r.error().message);
    }
  }
  return ok_status();
}

}  // namespace pchat::store
