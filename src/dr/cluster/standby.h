// Building the standbys of a pchat pool on clusters pchat manages (topology stores
// with a data_dir): the mirror (synchronous streaming standby, Lync's "SQL
// mirroring"; Install-CsMirrorDatabase) and the backup store (log-shipping standby
// replaying from the copy destination; `pchatctl logship init-secondary`).
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/result.h"
#include "dr/cluster/pg_cluster.h"
#include "dr/topology.h"

namespace pchat::dr {

// What the clusters' commands call back into: this pchatctl and the topology file.
struct PchatCommands {
  std::filesystem::path pchatctl;
  std::filesystem::path topology_file;
};

using Progress = std::function<void(const std::string&)>;

// The cluster of a store pchat manages; fails when the store has no data_dir.
Result<ClusterPaths> managed_cluster(const Topology& t, StoreRole role);

// Settings that make a chat store archive every WAL segment into the backup share
// through `pchatctl logship archive-wal` (the backup job).
std::vector<std::string> archive_settings(const Topology& t, const PchatCommands& cmds);

// A conninfo to the one instance a store names: its first host and port when its
// conninfo lists several (a primary written with its mirror as failover partner:
// host=P,M port=p,m target_session_attrs=read-write), for `dbname`.
std::string direct_conninfo(const Store& s, const std::string& dbname);

// The port the store's own instance listens on: the first of its conninfo's ports
// when it lists several (a primary with its failover partner), else `port`.
int listen_port(const Store& s);

// A replication conninfo to `role` (host, port, user), with application_name.
std::string replication_conninfo(const Topology& t, StoreRole role, const std::string& app_name);

// The restore job: the backup store's restore_command, reading verified files from
// the copy destination.
std::string restore_from_copy_destination(const Topology& t);

// Base backup of `source` into `mirror` (which must be empty or absent), configured
// as a streaming standby named after its role, started, and, when the source is a
// primary (not in recovery) and `synchronous`, made its synchronous standby
// (synchronous_standby_names, synchronous_commit=on) and waited for until sync.
// Idempotent: a mirror already streaming from `source` is only (re)configured.
// A running or non-empty cluster of `mirror` that is not such a standby is refused
// unless `drop_existing` (then stopped and moved aside to pg.old-<time>, never deleted).
Status install_mirror(const PgTools& tools, const Topology& t, StoreRole source, StoreRole mirror,
                      const PchatCommands& cmds, bool synchronous, const Progress& progress,
                      bool drop_existing = false);

// Configures `mirror`'s cluster (from a base backup or a rewind of `source`) as the
// streaming standby of `source`, named after its role: its own port and socket, the
// backup job's archive_command (used once it is promoted), primary_conninfo,
// recovery_target_timeline latest, an empty postgresql.auto.conf, standby.signal.
// Does not start it.
Status configure_as_standby(const PgTools& tools, const Topology& t, StoreRole source,
                            StoreRole mirror, const PchatCommands& cmds);

// Moves a cluster's PGDATA aside (pg.old-<epoch seconds>, never deleted), stopping it
// first. Nothing to do when it is absent or empty.
Status move_aside(const PgTools& tools, const ClusterPaths& c, const Progress& progress);

// (Re)initializes the backup store from a base backup of the primary: stops it if
// running, moves the old PGDATA aside (pg.old-<time>, never deleted), base backup,
// restore_command reading the copy destination, started. `progress` gets lines.
Status init_backup_standby(const PgTools& tools, const Topology& t, const PchatCommands& cmds,
                           const Progress& progress);

// Creates database `dbname` on the cluster at `conninfo_postgres` if missing.
Status ensure_database_on(const std::string& conninfo_postgres, const std::string& dbname);

}  // namespace pchat::dr
