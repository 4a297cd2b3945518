// PostgreSQL clusters that pchat lays out and runs itself (the lab, mirror install,
// init-secondary): initdb, configuration, pg_ctl start/stop, base backups, and the
// postmaster's PID. Every tool runs as the `postgres` OS user when we are root
// (initdb and postgres refuse root), with its output captured for error messages.
//
// Unlike store::Instance (a child supervised by pchatd), a cluster started here is
// detached (pg_ctl: its own session): it outlives the command that started it, and is
// stopped with pg_ctl or by PID.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/process.h"
#include "core/result.h"

namespace pchat::dr {

class PgTools {
 public:
  // Finds the binaries (store::find_pg_bindir) and, as root, the postgres OS user.
  static Result<PgTools> find();

  const std::filesystem::path& bindir() const { return bindir_; }
  bool as_root() const { return uid_.has_value(); }
  // The postgres OS user's ids when we are root (nullopt otherwise).
  std::optional<uid_t> uid() const { return uid_; }
  std::optional<gid_t> gid() const { return gid_; }

  // Runs bindir/TOOL ARGS... (as postgres when root) to completion; output (stdout and
  // stderr) in *output. Returns the exit code.
  Result<int> run(const std::string& tool, const std::vector<std::string>& args,
                  std::string* output) const;
  // Same, but fails with the tool's output when it exits non-zero.
  Status run_ok(const std::string& tool, const std::vector<std::string>& args) const;
  // As run(), calling on_line for each line of output as it comes (progress).
  Result<int> run_streaming(const std::string& tool, const std::vector<std::string>& args,
                            const std::function<void(const std::string&)>& on_line) const;

  // Makes `path` (a directory or file) owned by the postgres user (no-op unless root).
  Status give_to_postgres(const std::filesystem::path& path) const;
  // Creates `dir` (and parents, mode 0755) and gives it to postgres with `mode`.
  Status make_owned_dir(const std::filesystem::path& dir, mode_t mode) const;

 private:
  SpawnOptions spawn_options(const std::string& tool, const std::vector<std::string>& args) const;

  std::filesystem::path bindir_;
  std::optional<uid_t> uid_;
  std::optional<gid_t> gid_;
};

// One cluster's files: DIR/pg (PGDATA), DIR/run (socket), DIR/postgres.log, the
// store::Instance layout, so a lab store is also a `data_dir` store of the topology.
struct ClusterPaths {
  std::filesystem::path dir;
  std::filesystem::path pgdata() const { return dir / "pg"; }
  std::filesystem::path rundir() const { return dir / "run"; }
  std::filesystem::path logfile() const { return dir / "postgres.log"; }
};

// A postgresql.conf string literal: 'v' with quotes doubled.
std::string quote_conf(const std::string& v);

// libpq conninfo for `dbname` on the cluster (unix socket, port), as superuser pchat.
std::string cluster_conninfo(const ClusterPaths& c, int port, const std::string& dbname);

// initdb (trust auth, superuser "pchat", UTF8, C locale) unless PG_VERSION exists.
Status init_cluster(const PgTools& tools, const ClusterPaths& c, int wal_segsize_mb);

// Makes the socket/log files of a cluster whose PGDATA came from a base backup.
Status prepare_cluster_dirs(const PgTools& tools, const ClusterPaths& c);

// Appends "name = value" lines to PGDATA/postgresql.conf under a comment (later lines
// win, so a base backup's copied settings are overridden).
Status append_settings(const ClusterPaths& c, const std::string& comment,
                       const std::vector<std::string>& settings);

// The settings every pchat-run cluster gets: listen on 127.0.0.1:port and the socket,
// PostgreSQL's default memory, replication-ready. `wal_segsize_mb` is the cluster's (initdb
// --wal-segsize): PostgreSQL wants min_wal_size and max_wal_size of two segments or more.
std::vector<std::string> base_settings(const ClusterPaths& c, int port, int wal_segsize_mb);

// The settings that turn TLS on (ssl = on with these files; absolute paths the postgres
// user can read, the key mode 0600 owned by it). A base backup or pg_rewind copies them
// with postgresql.conf, so a standby built from such a cluster has TLS on too.
std::vector<std::string> tls_settings(const std::filesystem::path& cert,
                                      const std::filesystem::path& key,
                                      const std::filesystem::path& ca);

// Replaces PGDATA/pg_hba.conf with TLS-only access: the unix socket as initdb's (the
// local operator: trust), TCP from 127.0.0.1 only encrypted and only for `user` with a
// client certificate the CA (ssl_ca_file) signed whose CN is `user` (hostssl ... cert;
// databases and replication); every unencrypted TCP connection rejected (hostnossl
// ... reject). Copied with the data directory by base backups and pg_rewind, as
// postgresql.conf.
Status write_tls_only_hba(const PgTools& tools, const ClusterPaths& c, const std::string& user);

// pg_ctl start -w (detached). Succeeds at once if the postmaster already answers.
Status start_cluster(const PgTools& tools, const ClusterPaths& c, int timeout_s = 120);
// pg_ctl stop -m fast -w; succeeds when not running.
Status stop_cluster(const PgTools& tools, const ClusterPaths& c, int timeout_s = 60);

// The live postmaster's PID from PGDATA/postmaster.pid, checked against /proc.
std::optional<pid_t> postmaster_pid(const ClusterPaths& c);
// PIDs whose parent is `pid` (a postmaster's backends and auxiliary processes).
std::vector<pid_t> child_pids(pid_t pid);
// SIGKILL the postmaster and every process under it (children, what they run: a
// disaster); waits until all are gone.
// Returns the PIDs killed.
std::vector<pid_t> kill_cluster(const ClusterPaths& c);

// pg_basebackup from `source_conninfo` (replication connection) into c.pgdata(),
// which must be absent or empty; fast checkpoint, WAL streamed. on_progress gets
// pg_basebackup's progress lines.
Status base_backup(const PgTools& tools, const std::string& source_conninfo, const ClusterPaths& c,
                   const std::function<void(const std::string&)>& on_progress = {});

// Waits until `conninfo` answers PQping OK.
Status wait_ready(const std::string& conninfo, int timeout_s);

}  // namespace pchat::dr
