#include "store/migrations.h"

#include <spdlog/spdlog.h>

#include <set>

#include "store/files.h"

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

// The pool's dynamic state (docs/design.md#topology-and-pool-state, store/pool_state.h): one row,
// created here. Every change NOTIFYs pchat_pool_state with the new epoch, in the changing
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

// Rooms as Lync Server 2013 Persistent Chat defines them (store/rooms.h, src/chat): categories,
// add-ins, rooms, room roles and the pool-wide room configuration. Names are unique
// case-insensitively through `name_key` (irc::fold, computed by the caller). Principal
// lists hold chat::to_string(Principal) texts. Every change NOTIFYs pchat_rooms (payload:
// the table) once per statement, in the changing transaction, so every server of the
// pool reloads the room catalog within a second. The "default" category
// (docs/design.md#plain-irc-keeps-working) lets everyone in and makes everyone a creator.
constexpr const char* kV4 = R"sql(
CREATE TABLE categories (
  id               bigserial PRIMARY KEY,
  name             text NOT NULL,
  name_key         text NOT NULL UNIQUE,
  description      text NOT NULL DEFAULT '',
  allowed_members  text[] NOT NULL DEFAULT '{}',
  denied_members   text[] NOT NULL DEFAULT '{}',
  creators         text[] NOT NULL DEFAULT '{}',
  file_upload      boolean NOT NULL DEFAULT false,
  invitations      boolean NOT NULL DEFAULT false,
  updated_at       timestamptz NOT NULL DEFAULT now()
);
INSERT INTO categories (name, name_key, description, allowed_members, creators, file_upload,
                        invitations)
  VALUES ('default', 'default', 'Ad-hoc rooms created by JOIN', '{*}', '{*}', true, true);

CREATE TABLE addins (
  id        bigserial PRIMARY KEY,
  name      text NOT NULL,
  name_key  text NOT NULL UNIQUE,
  url       text NOT NULL
);

CREATE TABLE rooms (
  id           bigserial PRIMARY KEY,
  name         text NOT NULL,                 -- the IRC channel name, '#' included
  name_key     text NOT NULL UNIQUE,          -- irc::fold(name): the messages' target
  category_id  bigint NOT NULL REFERENCES categories (id),
  description  text NOT NULL DEFAULT '',
  privacy      text NOT NULL DEFAULT 'Closed' CHECK (privacy IN ('Open', 'Closed', 'Secret')),
  type         text NOT NULL DEFAULT 'Normal' CHECK (type IN ('Normal', 'Auditorium')),
  disabled     boolean NOT NULL DEFAULT false,
  invitations  text NOT NULL DEFAULT 'Inherit' CHECK (invitations IN ('False', 'Inherit')),
  addin_id     bigint REFERENCES addins (id),
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rooms_category ON rooms (category_id);
CREATE INDEX rooms_addin ON rooms (addin_id);

CREATE TABLE room_roles (
  room_id    bigint NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
  role       text NOT NULL CHECK (role IN ('member', 'manager', 'presenter')),
  principal  text NOT NULL,
  PRIMARY KEY (room_id, role, principal)
);

CREATE TABLE room_config (
  id                        int PRIMARY KEY CHECK (id = 1),
  default_chat_history      int NOT NULL DEFAULT 30 CHECK (default_chat_history BETWEEN 1 AND 500),
  participant_update_limit  int NOT NULL DEFAULT 75
                            CHECK (participant_update_limit BETWEEN 1 AND 100000),
  max_file_size_kb          bigint NOT NULL DEFAULT 20000
                            CHECK (max_file_size_kb BETWEEN 1 AND 1048576),
  updated_at                timestamptz NOT NULL DEFAULT now()
);
INSERT INTO room_config (id) VALUES (1);

-- Full-text search (store/search.h): 'simple' (no stemming, any language), a small
-- pending list so that inserts never flush a large one on the commit path.
CREATE INDEX messages_search ON messages USING gin (to_tsvector('simple', body))
  WITH (fastupdate = on, gin_pending_list_limit = 256);

CREATE FUNCTION rooms_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('pchat_rooms', TG_TABLE_NAME);
  RETURN NULL;
END $$;
CREATE TRIGGER categories_notify AFTER INSERT OR UPDATE OR DELETE ON categories
  FOR EACH STATEMENT EXECUTE FUNCTION rooms_notify();
CREATE TRIGGER addins_notify AFTER INSERT OR UPDATE OR DELETE ON addins
  FOR EACH STATEMENT EXECUTE FUNCTION rooms_notify();
CREATE TRIGGER rooms_notify AFTER INSERT OR UPDATE OR DELETE ON rooms
  FOR EACH STATEMENT EXECUTE FUNCTION rooms_notify();
CREATE TRIGGER room_roles_notify AFTER INSERT OR UPDATE OR DELETE ON room_roles
  FOR EACH STATEMENT EXECUTE FUNCTION rooms_notify();
CREATE TRIGGER room_config_notify AFTER INSERT OR UPDATE OR DELETE ON room_config
  FOR EACH STATEMENT EXECUTE FUNCTION rooms_notify();
)sql";

// Pool-wide presence (store/presence.h): live servers, their registered clients and
// channel memberships. UNLOGGED: presence is not history, so it costs no WAL, is not
// shipped to the backup store, and a store crash empties it (every server then
// announces itself again).
constexpr const char* kV6 = R"sql(
CREATE UNLOGGED TABLE pool_servers (
  name           text PRIMARY KEY,
  backend_pid    int NOT NULL,
  backend_start  timestamptz NOT NULL,
  seen_at        timestamptz NOT NULL DEFAULT now()
);
CREATE UNLOGGED TABLE pool_users (
  server    text NOT NULL REFERENCES pool_servers (name) ON DELETE CASCADE,
  sid       bigint NOT NULL,
  nick_key  text NOT NULL UNIQUE,
  nick      text NOT NULL,
  username  text NOT NULL,
  host      text NOT NULL,
  account   text,
  realname  text NOT NULL DEFAULT '',
  away      text,
  PRIMARY KEY (server, sid)
);
CREATE UNLOGGED TABLE pool_members (
  server       text NOT NULL,
  sid          bigint NOT NULL,
  channel_key  text NOT NULL,
  channel      text NOT NULL,
  modes        text NOT NULL DEFAULT '',
  PRIMARY KEY (server, sid, channel_key),
  FOREIGN KEY (server, sid) REFERENCES pool_users (server, sid) ON DELETE CASCADE
);

-- The fence (docs/design.md#invariant-3-fencing-by-epoch): every message commit calls
-- this with the highest epoch its server has seen; a store that carries a lower one
-- refuses the write as read-only (25006), so nothing commits on a store the pool has
-- moved away from.
CREATE FUNCTION pchat_fence_check(min_epoch bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  current bigint;
BEGIN
  SELECT epoch INTO current FROM pool_state WHERE id = 1;
  IF current < min_epoch THEN
    RAISE EXCEPTION 'this store is fenced: its pool-state epoch % is lower than %',
      current, min_epoch USING ERRCODE = '25006';
  END IF;
END $$;
)sql";

// Compliance (docs/design.md#compliance, src/compliance/README.md). The outbox takes the
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

// Groups (store/groups.h, src/chat/groups.h): pchat's own directory, resolving the
// group principals (group:NAME, OU=...) of categories' and rooms' lists. A group's
// name is kept as given, unique through `name_key` (chat::group_key, computed by the
// caller); `members` holds chat::to_string(Principal) texts: accounts and other
// groups. Every change NOTIFYs pchat_rooms like the rooms tables (migration 4), so
// every server reloads its catalog, and the group memberships with it, within a second.
constexpr const char* kV7 = R"sql(
CREATE TABLE groups (
  id           bigserial PRIMARY KEY,
  name         text NOT NULL,
  name_key     text NOT NULL UNIQUE,
  description  text NOT NULL DEFAULT '',
  members      text[] NOT NULL DEFAULT '{}',
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER groups_notify AFTER INSERT OR UPDATE OR DELETE ON groups
  FOR EACH STATEMENT EXECUTE FUNCTION rooms_notify();
)sql";

// v9: search finds words in CJK text written without spaces (store/search.h). In
// the index, each character of a CJK, kana or Hangul run becomes the bigram it
// starts (its last character stands alone): "会議資料" -> 会議 議資 資料 料. A query
// word's run is the phrase of its bigrams (one character: any token it starts), so
// a run is found anywhere inside a longer one, in order. Text without such
// characters pays one regex test (migration 10: not even that for ASCII); CJK text
// ~15 us. The words are stored (messages.search_words) and indexed (migration 11:
// the index over the expression, no column).
constexpr const char* kV9 = R"sql(
CREATE FUNCTION pchat_cjk_bigrams(t text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  cs text[] := string_to_array(t, NULL);
  n int := cardinality(cs);
  out text := '';
  cp int;
  cur boolean;
  nxt boolean;
BEGIN
  IF n = 0 THEN RETURN t; END IF;
  cp := ascii(cs[1]);
  nxt := cp BETWEEN 11904 AND 40959 OR cp BETWEEN 44032 AND 55215
      OR cp BETWEEN 63744 AND 64255 OR cp BETWEEN 65382 AND 65439;
  FOR i IN 1..n LOOP
    cur := nxt;
    IF i < n THEN
      cp := ascii(cs[i + 1]);
      nxt := cp BETWEEN 11904 AND 40959 OR cp BETWEEN 44032 AND 55215
          OR cp BETWEEN 63744 AND 64255 OR cp BETWEEN 65382 AND 65439;
    ELSE
      nxt := false;
    END IF;
    IF NOT cur THEN
      out := out || cs[i];
    ELSIF nxt THEN
      out := out || ' ' || cs[i] || cs[i + 1] || ' ';
    ELSE
      out := out || ' ' || cs[i] || ' ';
    END IF;
  END LOOP;
  RETURN out;
END
$$;

-- The indexed text (migration 10 makes it inlinable).
CREATE FUNCTION pchat_search_text(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN t ~ '[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f]'
    THEN pchat_cjk_bigrams(t) ELSE t END
$$;

-- Every word of `q` (split at blanks) must appear (AND); within a word, its parts
-- follow each other (a phrase: "e-mail", "10時"). NULL when `q` has no word.
CREATE FUNCTION pchat_search_query(q text) RETURNS tsquery
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  w text;
  seg text[];
  parts text[];
  words text[] := '{}';
  p text;
BEGIN
  FOREACH w IN ARRAY regexp_split_to_array(q, '\s+') LOOP
    parts := '{}';
    FOR seg IN SELECT regexp_matches(w,
        '([\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f]+)|'
        '([^\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f]+)', 'g') LOOP
      IF seg[1] IS NOT NULL THEN
        IF length(seg[1]) = 1 THEN
          parts := parts || (quote_literal(seg[1]) || ':*');
        ELSE
          parts := parts || (SELECT string_agg(quote_literal(substr(seg[1], i, 2)), ' <-> '
                                               ORDER BY i)
                             FROM generate_series(1, length(seg[1]) - 1) AS i);
        END IF;
      ELSIF seg[2] ~ '[[:alnum:]]|[^\x01-\x7f]' THEN
        p := phraseto_tsquery('simple', seg[2])::text;
        IF p <> '' THEN parts := parts || p; END IF;
      END IF;
    END LOOP;
    IF cardinality(parts) > 0 THEN
      words := words || ('(' || array_to_string(parts, ' <-> ') || ')');
    END IF;
  END LOOP;
  IF cardinality(words) = 0 THEN RETURN NULL; END IF;
  RETURN array_to_string(words, ' & ')::tsquery;
END
$$;

-- Stored, so that walking messages and rechecking phrases reads the words instead
-- of computing them again for every row looked at (migration 11 went back to an
-- index over the expression: the commit path pays for the column).
DROP INDEX messages_search;
ALTER TABLE messages ADD COLUMN search_words tsvector
  GENERATED ALWAYS AS (to_tsvector('simple', pchat_search_text(body))) STORED;
CREATE INDEX messages_search ON messages USING gin (search_words)
  WITH (fastupdate = on, gin_pending_list_limit = 256);
)sql";

// The words' text as migration 9 wrote it, made cheaper: declared STRICT with a CASE
// body, PostgreSQL never inlined it (a CASE is not strict), so every INSERT paid a
// SQL-function call (~0.6 µs); not STRICT it is inlined into the generated column
// (NULL still gives NULL). And text without a multibyte character (octet_length =
// length) cannot hold CJK: it skips the regular expression. The same result for
// every input, so the stored words and the index stay valid.
constexpr const char* kV10 = R"sql(
CREATE OR REPLACE FUNCTION pchat_search_text(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN octet_length(t) = length(t) THEN t
    WHEN t ~ '[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f]' THEN pchat_cjk_bigrams(t)
    ELSE t END
$$;
)sql";

// The search index over the words themselves instead of a stored column: the column
// made every message's INSERT compute and store its words in the row and form the
// row twice (about a fifth of the writer's CPU per message: 17.1-18.3 -> 14.3-14.6
// us, 37-40,000 -> 44-45,000 committed messages/s in the commit-bound benchmark).
// Searches compute the words of the newest messages they walk (store/search.cc).
// DROP COLUMN does not rewrite the table (the old words' bytes stay until rows are
// rewritten, e.g. VACUUM FULL); the index is built again, about 15 s per 2.5M
// messages here, while writers wait (the table is locked): plan it as maintenance,
// every server of the pool upgraded together (an older one cannot SEARCH after it).
constexpr const char* kV11 = R"sql(
DROP INDEX messages_search;
ALTER TABLE messages DROP COLUMN search_words;
CREATE INDEX messages_search ON messages
  USING gin (to_tsvector('simple', pchat_search_text(body)))
  WITH (fastupdate = on, gin_pending_list_limit = 256);
)sql";

// The fence check also refuses on a store fenced read-only. A server fences a store
// with ALTER DATABASE ... SET default_transaction_read_only = on, which holds for
// sessions opened afterwards only; a session opened before (a writer on that store)
// could commit until the fencer ended it. The fencer holds the pool-wide message lock
// while it fences (dr/store_selector.cc), and the writer checks after taking that
// lock, so once the fence is committed no message batch (nor compliance event)
// commits there, whichever session tries. The setting is read from the catalog: a session's own
// default_transaction_read_only is the one it started with.
constexpr const char* kV12 = R"sql(
CREATE OR REPLACE FUNCTION pchat_fence_check(min_epoch bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  current bigint;
BEGIN
  SELECT epoch INTO current FROM pool_state WHERE id = 1;
  IF current < min_epoch THEN
    RAISE EXCEPTION 'this store is fenced: its pool-state epoch % is lower than %',
      current, min_epoch USING ERRCODE = '25006';
  END IF;
  IF EXISTS (SELECT 1 FROM pg_db_role_setting
             WHERE setrole = 0
               AND setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
               AND 'default_transaction_read_only=on' = ANY (setconfig)) THEN
    RAISE EXCEPTION 'this store is fenced: database % is read-only for new sessions',
      current_database() USING ERRCODE = '25006';
  END IF;
END $$;
)sql";

// v13: a change of the compliance configuration (pchatctl, or SQL on the table)
// NOTIFYs pchat_compliance_config in the changing transaction, so the pool's
// compliance service applies it at once (compliance/service/service.h), not at the
// end of the RunInterval it was waiting out.
constexpr const char* kV13 = R"sql(
CREATE FUNCTION compliance_config_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('pchat_compliance_config', '');
  RETURN NULL;
END $$;
CREATE TRIGGER compliance_config_notify AFTER INSERT OR UPDATE OR DELETE ON compliance_config
  FOR EACH STATEMENT EXECUTE FUNCTION compliance_config_notify();
)sql";

// SCRAM-SHA-256 verifiers (auth/scram.h), PostgreSQL's text form; NULL until the
// account's password is set or used with PLAIN by a server of this version.
constexpr const char* kV14 = R"sql(
ALTER TABLE accounts ADD COLUMN scram_sha256 text;
)sql";

// Client certificates (store/account_certs.h): SHA-256 fingerprints, canonical form,
// with which an account signs in by SASL EXTERNAL. One account per fingerprint.
constexpr const char* kV15 = R"sql(
CREATE TABLE account_certificates (
  fingerprint text PRIMARY KEY CHECK (fingerprint ~ '^[0-9a-f]{64}$'),
  account     text NOT NULL REFERENCES accounts (name) ON DELETE CASCADE,
  added_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX account_certificates_account ON account_certificates (account);
)sql";

// v16: directory sign-in (src/directory, store/directory.h). Accounts made at a
// first sign-in through the directory have no password in pchat (source
// 'directory', the user's DN); a refresh that no longer finds one sets disabled_at.
// Groups taken from the directory (source 'directory') are replaced at each refresh;
// directory_sync is the pool's one record of refreshes: asked for, started (by which
// server), finished, and what came of it.
constexpr const char* kV16 = R"sql(
ALTER TABLE accounts ALTER COLUMN password_hash DROP NOT NULL;
ALTER TABLE accounts ADD COLUMN source text NOT NULL DEFAULT 'local'
  CHECK (source IN ('local', 'directory'));
ALTER TABLE accounts ADD COLUMN directory_dn text;
ALTER TABLE accounts ADD COLUMN disabled_at timestamptz;
ALTER TABLE groups ADD COLUMN source text NOT NULL DEFAULT 'local'
  CHECK (source IN ('local', 'directory'));
CREATE TABLE directory_sync (
  id            int PRIMARY KEY CHECK (id = 1),
  requested_at  timestamptz,
  started_at    timestamptz,
  started_by    text NOT NULL DEFAULT '',
  finished_at   timestamptz,
  ok            boolean,
  message       text NOT NULL DEFAULT '',
  url           text NOT NULL DEFAULT '',
  users         int NOT NULL DEFAULT 0,
  groups        int NOT NULL DEFAULT 0,
  disabled      int NOT NULL DEFAULT 0
);
INSERT INTO directory_sync (id) VALUES (1);
)sql";

// v17: IRCv3 draft/read-marker (store/read_markers.h): where each account last read
// each conversation. `target` is the casefolded channel name or nick the client
// names its buffer by; the marker only moves forward (the store's code compares).
constexpr const char* kV17 = R"sql(
CREATE TABLE read_markers (
  account  text NOT NULL REFERENCES accounts (name) ON DELETE CASCADE,
  target   text NOT NULL CHECK (length(target) BETWEEN 1 AND 200),
  ts       timestamptz NOT NULL,
  PRIMARY KEY (account, target)
);
)sql";

}  // namespace

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> all = {
      {1, "accounts and messages", kV1},
      {2, "indexes for DM conversations by participant", kV2},
      {3, "pool state", kV3},
      {4, "rooms, categories, add-ins, room configuration, message search", kV4},
      {5, "compliance outbox, configuration and status", kV5},
      {6, "pool-wide presence and the epoch fence", kV6},
      {7, "groups: the directory of group principals", kV7},
      {8, "files shared in rooms", kFilesMigrationSql},  // store/files.cc
      {9, "search inside CJK text", kV9},
      {10, "search words of ASCII text without a regular expression", kV10},
      {11, "search index over the words, not a stored column", kV11},
      {12, "the fence check refuses on a store fenced read-only", kV12},
      {13, "a compliance configuration change notifies the service", kV13},
      {14, "SCRAM-SHA-256 verifiers of accounts", kV14},
      {15, "client certificates of accounts (SASL EXTERNAL)", kV15},
      {16, "directory accounts, directory groups and their refreshes", kV16},
      {17, "read markers of accounts (draft/read-marker)", kV17},
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
  // Every migration not recorded yet, even one below the newest applied: migration
  // numbers are reserved per feature, so a store may have 6 before 4.
  auto applied = conn.exec("SELECT version FROM schema_migrations");
  if (!applied) return applied.error();
  std::set<int64_t> done;
  for (int i = 0; i < applied->rows(); ++i) done.insert(applied->i64(i, 0));
  for (const auto& m : migrations()) {
    if (done.count(m.version) > 0) continue;
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
