// The published topology of a pchat pool (docs/design.md#topology-and-pool-state): the model every
// pchatd and pchatctl read from the same TOML file. See README.md beside this file for the file
// format, every key and its default.
//
// These are plain values: a Topology is built by topology_file.h (from a file) or in
// code (the lab), checked by validate() (topology_validate.h), then read-only.
// Nothing here does I/O. Thread-safety: a const Topology may be shared freely.
//
// Names follow docs/design.md#processes: the stores are primary, mirror, backup, backup_mirror,
// compliance, compliance_backup; a pool is identified by its FQDN
// ("service:<fqdn>" as an identity, see identity.h).
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "directory/config.h"
#include "dr/host_port.h"

namespace pchat::dr {

// Store roles, in the file's documentation order. A closed set.
enum class StoreRole {
  kPrimary,           // holds mgc: every server writes here (datacenter of the active servers)
  kMirror,            // synchronous standby of the primary, same datacenter (high safety)
  kBackup,            // log-shipping standby of the primary, in the other datacenter
  kBackupMirror,      // the mirror the backup gets once it is promoted (runbook step 6)
  kCompliance,        // mgccomp beside the primary; never failed over
  kComplianceBackup,  // mgccomp beside the backup, used after failover
};

inline constexpr std::array<StoreRole, 6> kAllStoreRoles = {
    StoreRole::kPrimary,      StoreRole::kMirror,     StoreRole::kBackup,
    StoreRole::kBackupMirror, StoreRole::kCompliance, StoreRole::kComplianceBackup};

// "primary", "mirror", "backup", "backup_mirror", "compliance", "compliance_backup".
const char* to_string(StoreRole role);
// The inverse of to_string(); nullopt for anything else (exact, lower case).
std::optional<StoreRole> parse_store_role(std::string_view name);
// True for the two compliance roles (database mgccomp rather than mgc).
bool is_compliance_role(StoreRole role);

// How the primary behaves when its mirror stops answering (docs/design.md#failure-windows).
enum class MirrorMode {
  kHighSafety,  // wait timeout_s, then continue "exposed" (unsynchronized), loudly
  kStrict,      // block commits until the mirror is back
};
const char* to_string(MirrorMode mode);  // "high-safety", "strict"
std::optional<MirrorMode> parse_mirror_mode(std::string_view name);

struct Datacenter {
  std::string name;  // short, e.g. "A"; [A-Za-z0-9_-]{1,32}, case-sensitive
  std::string description;
};

// A low-latency, high-bandwidth link between two datacenters (runbook step 7: active
// servers may sit in a datacenter linked so to the primary's). Symmetric.
struct LowLatencyLink {
  std::string a;
  std::string b;
};

struct Server {
  std::string name;        // FQDN-ish host name; unique in the pool, case-insensitively
  std::string datacenter;  // a Datacenter::name
  HostPort irc_listen;     // where clients connect (and where RPL_BOUNCE sends them)
  HostPort http_listen;    // admin HTTP API and /metrics
};

// How to reach one PostgreSQL store, and where pchat manages it (lab mode).
// libpq keyword=value quoting, only where needed (empty values, spaces, quotes,
// backslashes): single quotes, with ' and \ backslash-escaped.
std::string quote_conninfo_value(const std::string& v);

struct Store {
  StoreRole role = StoreRole::kPrimary;
  std::string datacenter;
  // As written, when the file gave a libpq `conninfo` (keyword=value or URI); the
  // fields below are then read from it (for display and duplicate checks).
  std::string conninfo;
  std::string host;  // name, address, or a unix-socket directory (starts with '/')
  int port = 5432;
  std::string dbname;  // default "mgc", "mgccomp" for the compliance roles
  std::string user;    // empty: libpq's default
  // libpq TLS settings (https://www.postgresql.org/docs/15/libpq-ssl.html), passed to
  // every connection to this store: pchatd's, pchatctl's, replication
  // (primary_conninfo) and pg_basebackup. sslmode: disable, allow, prefer, require,
  // verify-ca or verify-full (empty: libpq's default, prefer); the files absolute
  // (relative ones are read from the topology file's directory). With `conninfo`
  // they are written there instead.
  std::string sslmode;
  std::filesystem::path sslrootcert;  // CA certificates that sign the store's certificate
  std::filesystem::path sslcert;      // client certificate (PostgreSQL `cert` auth)
  std::filesystem::path sslkey;       // its key (mode 0600)
  // Non-empty when pchat creates and supervises this instance itself (lab mode):
  // the store::Instance directory (DIR/pg, DIR/run). Absolute.
  std::filesystem::path data_dir;

  // The libpq connection string: `conninfo` verbatim when given, else built from
  // host/port/dbname/user (empty ones left out), values quoted where libpq needs it.
  std::string libpq_conninfo() const;
  // The same, on this store's own instance only: the first of several hosts (and
  // ports), without target_session_attrs, every other option kept. What probes of
  // this store use: a multi-host conninfo naming a failover partner could otherwise
  // land on the partner and never look at this instance.
  std::string instance_conninfo() const;
  // True when both name the same PostgreSQL instance (host and port).
  bool same_instance(const Store& other) const;
};

struct LogShipping {
  std::filesystem::path backup_share;      // where the backup job stores WAL files
  std::filesystem::path copy_destination;  // the backup store's copy destination folder
  int archive_timeout_s = 60;              // force a WAL segment switch after this many seconds
  int copy_interval_ms = 1000;             // copy job: period between scans of the share
  int restore_poll_ms = 1000;              // restore job: period between looks at the folder
  int retention_s = 72 * 3600;             // files older than this, once applied, are removed
  // Monitor alert thresholds (guesses: Lync's defaults are far larger,
  // its backups ran every 15 minutes). An alert fires when the newest file backed up
  // / copied / restored is older than this.
  int backup_alert_s = 300;
  int copy_alert_s = 300;
  int restore_alert_s = 600;
  // The clusters' WAL segment size (initdb --wal-segsize), needed to map WAL file names
  // to positions when the primary cannot be asked. 1-1024, a power of two.
  int wal_segsize_mb = 16;
};

// What initdb --wal-segsize takes: a power of two from 1 to 1024 (MB).
constexpr bool valid_wal_segsize_mb(int mb) {
  return mb >= 1 && mb <= 1024 && (mb & (mb - 1)) == 0;
}

struct Mirroring {
  MirrorMode mode = MirrorMode::kHighSafety;
  int timeout_s = 10;  // high safety: seconds without the mirror before running exposed
  // Automatic failover (docs/lab.md): the witness's HTTP address (`pchatctl mirror
  // witness`) and its datacenter (a third failure domain); no witness: no automatic
  // failover. The mirror is promoted once the primary has been unreachable from the
  // mirror's side and from the witness for auto_failover_after_s.
  std::optional<HostPort> witness;
  std::string witness_datacenter;
  int auto_failover_after_s = 10;
};

inline constexpr int kDefaultMaxServers = 8;
inline constexpr int kDefaultMaxActiveServers = 4;

// Where each field was written, for diagnostics. Keys are field paths as in
// Diagnostic::field ("servers[1].irc_listen"); tables map to their header line.
struct SourceMap {
  std::string file;                  // as given to the loader; empty when built in code
  std::map<std::string, int> lines;  // field path -> 1-based line
  std::set<std::string> invalid;     // fields already reported by the parser

  // Line of `field`, else of its nearest enclosing table/element; 0 if none.
  int line_of(std::string_view field) const;
};

struct Topology {
  std::string pool_fqdn;  // e.g. "atl-cs-001.litwareinc.com"
  int max_servers = kDefaultMaxServers;
  int max_active_servers = kDefaultMaxActiveServers;
  std::vector<std::string> active_servers;  // initial active list (server names)
  // The admin API's bearer token (server/http.h), shared by the pool's servers and
  // read by pchatctl --topology: [pool] admin_token_file, default "admin-token"
  // beside the topology file; empty for a topology built in code.
  std::filesystem::path admin_token_file;
  std::vector<Datacenter> datacenters;  // sorted by name
  std::vector<LowLatencyLink> low_latency_links;
  std::vector<Server> servers;  // file order
  std::vector<Store> stores;    // at most one per role, in StoreRole order
  LogShipping log_shipping;
  Mirroring mirroring;
  // [directory]: sign-in and groups from the organisation's LDAP directory, for
  // every server of the pool (directory/config.h); none when absent.
  std::optional<directory::Config> directory;
  SourceMap source;

  // The server called `name` (case-insensitive, trailing dot ignored), or nullptr.
  const Server* find_server(std::string_view name) const;
  const Datacenter* find_datacenter(std::string_view name) const;
  // The store with `role`, or nullptr when the file has none.
  const Store* store(StoreRole role) const;
  // Datacenter of a server / a store; nullopt when it does not exist.
  std::optional<std::string> datacenter_of_server(std::string_view name) const;
  std::optional<std::string> datacenter_of(StoreRole role) const;
  // The servers of the datacenter of store `role`, in file order, at most
  // max_active_servers: the active list after a failover (or failback) to that store.
  std::vector<std::string> active_candidates(StoreRole role) const;
  // True when a == b, or a link between them is declared (in either direction).
  bool is_low_latency(std::string_view a, std::string_view b) const;
  // Servers of datacenter `dc`, file order.
  std::vector<const Server*> servers_in(std::string_view dc) const;
  // True when `name` is in active_servers (same comparison as find_server).
  bool is_active(std::string_view name) const;
};

}  // namespace pchat::dr
