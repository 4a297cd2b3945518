#include "dr/cluster/standby.h"

#include <libpq-fe.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>
#include <utility>

#include "store/migrations.h"
#include "store/pg.h"

namespace pchat::dr {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// Shell single-quoting for archive_command / restore_command arguments.
std::string sh_quote(const std::string& v) {
  std::string out = "'";
  for (char ch : v) {
    if (ch == '\'') {
      out += "'\\''";
    } else {
      out += ch;
    }
  }
  return out + "'";
}

Status write_standby_signal(const PgTools& tools, const ClusterPaths& c) {
  fs::path sig = c.pgdata() / "standby.signal";
  std::ofstream(sig).close();
  return tools.give_to_postgres(sig);
}

std::string store_conninfo(const Store& s, const std::string& dbname) {
  return direct_conninfo(s, dbname);
}

}  // namespace

// The first host and port a store's conninfo names (or its host/port fields).
static std::pair<std::string, std::string> first_host_port(const Store& s) {
  std::string host = s.host;
  std::string port = std::to_string(s.port);
  if (!s.conninfo.empty()) {
    char* err = nullptr;
    PQconninfoOption* opts = PQconninfoParse(s.conninfo.c_str(), &err);
    if (err != nullptr) PQfreemem(err);
    for (PQconninfoOption* o = opts; o != nullptr && o->keyword != nullptr; ++o) {
      if (o->val == nullptr) continue;
      std::string v = o->val;
      if (std::string_view(o->keyword) == "host") host = v.substr(0, v.find(','));
      if (std::string_view(o->keyword) == "port") port = v.substr(0, v.find(','));
    }
    if (opts != nullptr) PQconninfoFree(opts);
  }
  return {host, port};
}

int listen_port(const Store& s) {
  const std::string port = first_host_port(s).second;
  return port.empty() ? s.port : std::atoi(port.c_str());
}

// The libpq TLS options of a store (its sslmode and files), " key=value" each.
static std::string tls_options(const Store& s) {
  std::string out;
  if (!s.sslmode.empty()) out += " sslmode=" + quote_conninfo_value(s.sslmode);
  for (const auto& [key, file] :
       {std::pair{"sslrootcert", &s.sslrootcert}, std::pair{"sslcert", &s.sslcert},
        std::pair{"sslkey", &s.sslkey}}) {
    if (!file->empty()) out += std::string(" ") + key + "=" + quote_conninfo_value(file->string());
  }
  return out;
}

std::string direct_conninfo(const Store& s, const std::string& dbname) {
  auto [host, port] = first_host_port(s);
  std::string ci = "host='" + host + "' port=" + port + " dbname=" + dbname;
  if (!s.user.empty()) ci += " user=" + s.user;
  // TLS as every other connection to the store (a conninfo's ssl options are read
  // into the fields by load_topology).
  return ci + tls_options(s) + " connect_timeout=5";
}

Result<ClusterPaths> managed_cluster(const Topology& t, StoreRole role) {
  const Store* s = t.store(role);
  if (s == nullptr) {
    return make_error(ErrorKind::kNotFound,
                      std::string("the topology has no [stores.") + to_string(role) + "]");
  }
  if (s->data_dir.empty()) {
    return make_error(
        ErrorKind::kInvalidInput,
        std::string("[stores.") + to_string(role) +
            "] has no data_dir: pchat does not manage that cluster on this machine "
            "(run the command on the store's host, with a topology giving its data_dir)");
  }
  return ClusterPaths{s->data_dir};
}

std::vector<std::string> archive_settings(const Topology& t, const PchatCommands& cmds) {
  std::string cmd = "exec " + sh_quote(cmds.pchatctl.string()) + " --topology " +
                    sh_quote(cmds.topology_file.string()) + " logship archive-wal %p %f";
  return {"archive_mode = on", "archive_command = " + quote_conf(cmd),
          "archive_timeout = " + std::to_string(t.log_shipping.archive_timeout_s)};
}

std::string restore_from_copy_destination(const Topology& t) {
  const std::string dest = t.log_shipping.copy_destination.string();
  return "test -f " + sh_quote(dest) + "/%f && cp " + sh_quote(dest) + "/%f %p";
}

std::string replication_conninfo(const Topology& t, StoreRole role, const std::string& app_name) {
  const Store* s = t.store(role);
  if (!s->conninfo.empty()) {
    // Keep every option written (several hosts, target_session_attrs), but the database.
    std::string out;
    char* err = nullptr;
    PQconninfoOption* opts = PQconninfoParse(s->conninfo.c_str(), &err);
    if (err != nullptr) PQfreemem(err);
    for (PQconninfoOption* o = opts; o != nullptr && o->keyword != nullptr; ++o) {
      if (o->val == nullptr || std::string_view(o->keyword) == "dbname" ||
          std::string_view(o->keyword) == "application_name") {
        continue;
      }
      std::string v = "'";
      for (char ch : std::string(o->val)) {
        if (ch == '\'' || ch == '\\') v += '\\';
        v += ch;
      }
      out += std::string(o->keyword) + "=" + v + "' ";
    }
    if (opts != nullptr) PQconninfoFree(opts);
    return out + "application_name=" + app_name;
  }
  std::string ci = "host=" + s->host + " port=" + std::to_string(s->port);
  if (!s->user.empty()) ci += " user=" + s->user;
  // TLS to the source, as every other connection to it (topology sslmode etc.).
  return ci + tls_options(*s) + " application_name=" + app_name;
}

Status ensure_database_on(const std::string& conninfo_postgres, const std::string& dbname) {
  auto conn = pg::Connection::connect(conninfo_postgres);
  if (!conn) return conn.error();
  return store::ensure_database(*conn, dbname);
}

// Moves a cluster's PGDATA aside (pg.old-<epoch seconds>), stopping it first.
Status move_aside(const PgTools& tools, const ClusterPaths& c, const Progress& progress) {
  if (postmaster_pid(c)) {
    if (progress) progress("stopping " + c.pgdata().string());
    if (auto st = stop_cluster(tools, c); !st) return st;
  }
  std::error_code ec;
  if (!fs::exists(c.pgdata()) || fs::is_empty(c.pgdata(), ec)) return ok_status();
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
  fs::path aside = c.dir / ("pg.old-" + std::to_string(secs));
  for (int n = 2; fs::exists(aside, ec); ++n) {  // two in the same second
    aside = c.dir / ("pg.old-" + std::to_string(secs) + "-" + std::to_string(n));
  }
  if (progress) progress("moving the old cluster aside to " + aside.string());
  fs::rename(c.pgdata(), aside, ec);
  if (ec)
    return make_error(ErrorKind::kInternal,
                      "cannot move " + c.pgdata().string() + ": " + ec.message());
  return ok_status();
}

Status configure_as_standby(const PgTools& tools, const Topology& t, StoreRole source,
                            StoreRole mirror, const PchatCommands& cmds) {
  auto dst = managed_cluster(t, mirror);
  if (!dst) return dst.error();
  const std::string app = to_string(mirror);
  std::vector<std::string> settings =
      base_settings(*dst, listen_port(*t.store(mirror)), t.log_shipping.wal_segsize_mb);
  for (auto& s : archive_settings(t, cmds)) settings.push_back(s);
  settings.push_back("primary_conninfo = " + quote_conf(replication_conninfo(t, source, app)));
  settings.push_back("recovery_target_timeline = 'latest'");
  // A promotion waits for the startup process's retry sleep (5 s by default) to end.
  settings.push_back("wal_retrieve_retry_interval = '200ms'");
  settings.push_back("synchronous_standby_names = ''");
  if (auto st = append_settings(*dst, std::string("pchat: ") + app + " of " + to_string(source),
                                settings);
      !st) {
    return st;
  }
  // The source's ALTER SYSTEM settings (synchronous_standby_names) came with the copy.
  std::ofstream(dst->pgdata() / "postgresql.auto.conf", std::ios::trunc).close();
  if (auto st = tools.give_to_postgres(dst->pgdata() / "postgresql.auto.conf"); !st) return st;
  return write_standby_signal(tools, *dst);
}

static Status build_standby(const PgTools& tools, const Topology& t, StoreRole source,
                            StoreRole mirror, const PchatCommands& cmds, const ClusterPaths& dst,
                            const Progress& progress) {
  const std::string app = to_string(mirror);
  if (progress)
    progress("base backup of " + std::string(to_string(source)) + " into " + dst.pgdata().string());
  if (auto st = base_backup(tools, replication_conninfo(t, source, "pg_basebackup"), dst, progress);
      !st) {
    return st;
  }
  if (auto st = configure_as_standby(tools, t, source, mirror, cmds); !st) return st;
  if (progress) progress("starting the " + app + " store");
  return start_cluster(tools, dst);
}

Status install_mirror(const PgTools& tools, const Topology& t, StoreRole source, StoreRole mirror,
                      const PchatCommands& cmds, bool synchronous, const Progress& progress,
                      bool drop_existing) {
  auto src = managed_cluster(t, source);
  if (!src) return src.error();
  auto dst = managed_cluster(t, mirror);
  if (!dst) return dst.error();
  const std::string app = to_string(mirror);
  bool streaming_already = false;
  if (postmaster_pid(*dst)) {
    // A running standby may be between two connections (its source was just promoted:
    // a new timeline): it is given a few seconds to stream before it counts as not
    // streaming, and is rebuilt (drop_existing) or refused. Only state 'streaming'
    // counts: a standby whose history forked off the source's (an old mirror of a
    // primary rebuilt since) connects every retry interval and is refused each time,
    // so it shows up in pg_stat_replication for a moment but never streams.
    auto sc = pg::Connection::connect(store_conninfo(*t.store(source), "postgres"));
    for (auto until = std::chrono::steady_clock::now() + 10s; sc;) {
      auto r = sc->exec(
          "SELECT 1 FROM pg_stat_replication WHERE application_name = $1 AND state = "
          "'streaming'",
          {app});
      streaming_already = r && r->rows() > 0;
      if (streaming_already || !r || std::chrono::steady_clock::now() >= until) break;
      std::this_thread::sleep_for(200ms);
    }
    if (streaming_already) {
      if (progress)
        progress("the " + app + " already streams from " + to_string(source) +
                 ": configuring only");
    } else if (!drop_existing) {
      return make_error(ErrorKind::kConflict,
                        "the " + app + " store is running (" + dst->pgdata().string() +
                            ") and is not a standby of " + to_string(source) +
                            ": stop it, or drop it (-DropExistingDatabasesOnMirror, "
                            "--drop-existing: moved aside, never deleted)");
    }
  }
  std::error_code ec;
  if (!streaming_already && fs::exists(dst->pgdata()) && !fs::is_empty(dst->pgdata(), ec)) {
    if (!drop_existing) {
      return make_error(ErrorKind::kConflict,
                        dst->pgdata().string() +
                            " holds a cluster: drop it (-DropExistingDatabasesOnMirror, "
                            "--drop-existing: moved aside, never deleted)");
    }
    if (auto st = move_aside(tools, *dst, progress); !st) return st;
  }
  if (!streaming_already) {
    if (auto st = build_standby(tools, t, source, mirror, cmds, *dst, progress); !st) return st;
  }
  if (!synchronous) return ok_status();

  auto conn = pg::Connection::connect(store_conninfo(*t.store(source), "postgres"));
  if (!conn) return conn.error();
  auto rec = conn->exec("SELECT pg_is_in_recovery()");
  if (!rec) return rec.error();
  if (rec->str(0, 0) == "t") {
    if (progress)
      progress(std::string(to_string(source)) +
               " is a standby: synchronous mode applies once it is promoted");
    return ok_status();
  }
  for (const char* sql : {"ALTER SYSTEM SET synchronous_commit = 'on'"}) {
    if (auto r = conn->exec(sql); !r) return r.error();
  }
  const std::string wanted = "FIRST 1 (" + app + ")";
  auto make_synchronous = [&]() -> Status {
    if (auto r = conn->exec("ALTER SYSTEM SET synchronous_standby_names = " +
                            conn->quote_literal(wanted));
        !r) {
      return r.error();
    }
    if (auto r = conn->exec("SELECT pg_reload_conf()"); !r) return r.error();
    return ok_status();
  };
  if (auto st = make_synchronous(); !st) return st;
  if (progress) progress("waiting for the " + app + " to be synchronous");
  auto deadline = std::chrono::steady_clock::now() + 120s;
  auto next_check = std::chrono::steady_clock::now() + 1s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = conn->exec(
        "SELECT sync_state FROM pg_stat_replication WHERE application_name = $1 AND state = "
        "'streaming'",
        {app});
    if (r && r->rows() > 0 && r->str(0, 0) == "sync") {
      if (progress) progress("the " + app + " is synchronous");
      return ok_status();
    }
    // A mirror agent that saw the mirror gone while it was rebuilt may have set the
    // primary exposed (synchronous_standby_names ''): the rebuilt mirror is here now,
    // so its setting is put back (the agent agrees once the mirror streams).
    if (std::chrono::steady_clock::now() >= next_check) {
      next_check = std::chrono::steady_clock::now() + 1s;
      auto ssn = conn->exec("SELECT current_setting('synchronous_standby_names')");
      if (ssn && ssn->rows() > 0 && ssn->str(0, 0) != wanted) {
        if (progress) progress("synchronous_standby_names was '" + ssn->str(0, 0) + "': set again");
        if (auto st = make_synchronous(); !st) return st;
      }
    }
    std::this_thread::sleep_for(50ms);
  }
  return make_error(ErrorKind::kUnavailable,
                    "the " + app + " did not become synchronous within 120 s");
}

Status init_backup_standby(const PgTools& tools, const Topology& t, const PchatCommands& cmds,
                           const Progress& progress) {
  auto dst = managed_cluster(t, StoreRole::kBackup);
  if (!dst) return dst.error();
  if (t.log_shipping.copy_destination.empty()) {
    return make_error(ErrorKind::kInvalidInput,
                      "the topology has no log_shipping.copy_destination");
  }
  if (auto st = move_aside(tools, *dst, progress); !st) return st;
  if (progress) progress("base backup of primary into " + dst->pgdata().string());
  if (auto st = base_backup(tools, replication_conninfo(t, StoreRole::kPrimary, "pg_basebackup"),
                            *dst, progress);
      !st) {
    return st;
  }
  const std::string restore = restore_from_copy_destination(t);
  std::vector<std::string> settings =
      base_settings(*dst, listen_port(*t.store(StoreRole::kBackup)), t.log_shipping.wal_segsize_mb);
  for (auto& s : archive_settings(t, cmds)) settings.push_back(s);
  settings.push_back("restore_command = " + quote_conf(restore));
  settings.push_back("recovery_target_timeline = 'latest'");
  settings.push_back("wal_retrieve_retry_interval = '" +
                     std::to_string(t.log_shipping.restore_poll_ms) + "ms'");
  settings.push_back("primary_conninfo = ''");
  settings.push_back("synchronous_standby_names = ''");
  if (auto st = append_settings(
          *dst, "pchat: backup store, restore job reading the copy destination", settings);
      !st) {
    return st;
  }
  // The primary's auto.conf (synchronous_standby_names) came with the base backup.
  std::ofstream(dst->pgdata() / "postgresql.auto.conf", std::ios::trunc).close();
  if (auto st = write_standby_signal(tools, *dst); !st) return st;
  if (progress) progress("starting the backup store (restore job)");
  return start_cluster(tools, *dst);
}

}  // namespace pchat::dr
