// The lab's layout (pchatctl lab, docs/lab.md): which stores, servers and jobs one
// machine runs to rehearse the two-datacenter topology, on which loopback ports, and
// the topology file that describes them. Pure apart from reading/writing DIR/lab.json.
//
// DIR/
//   topology.toml          the published topology (every process reads it)
//   lab.json               this layout, and the PIDs of the processes lab started
//   stores/ROLE/           one PostgreSQL cluster per store role (pg/, run/, postgres.log)
//   share/                 the backup share (WAL archived by the primary)
//   copy-destination/      the backup store's copy destination folder
//   servers/NAME.log       each pchatd's log; jobs/NAME.log each job's log
//   tls/                   lab up --tls: the lab's CA and server certificate (lab/tls.h)
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "dr/topology.h"

namespace pchat::ctl {

struct LabStore {
  dr::StoreRole role;
  std::string dc;
  int port = 0;
};

struct LabServer {
  std::string name;
  std::string dc;
  int irc_port = 0;
  int http_port = 0;
  int irc_tls_port = 0;  // lab up --tls: IRC over TLS (irc_tls_listen); 0 without
  pid_t pid = 0;         // 0: not started by lab (or not yet)
};

// A long-running pchatctl job the lab supervises (copy job in B, the mirror agents in
// A, the witness in W).
struct LabJob {
  std::string name;  // "copy-job", "mirror-monitor", "mirror-monitor-mirror", "witness"
  std::string dc;
  std::vector<std::string> args;  // pchatctl arguments after --topology FILE
  bool as_postgres = false;       // runs as the postgres OS user (writes its folders)
  pid_t pid = 0;
};

struct LabLayout {
  std::filesystem::path dir;  // absolute
  int servers_per_dc = 2;
  bool allow_guests = false;
  std::vector<std::string> server_args;     // more pchatd arguments (lab up --server-arg)
  int compliance_run_interval_ms = 0;       // test only (pchatd --compliance-run-interval-ms)
  std::string mirror_mode = "high-safety";  // [mirroring] mode
  int mirror_timeout_s = 5;                 // [mirroring] timeout_s
  int wal_segsize_mb = 1;                   // [log_shipping] wal_segsize_mb
  int witness_port = 0;                     // [mirroring] witness (datacenter W)
  bool auto_failover = true;                // the witness starts with it on or off
  int auto_failover_after_s = 1;            // [mirroring] auto_failover_after_s
  std::string pool_fqdn = "lab.pchat.test";
  // lab up --tls: every store link over TLS (stores: ssl on, hostssl only; topology:
  // host 127.0.0.1, sslmode verify-full against tls/ca.pem) and IRC over TLS too.
  bool tls = false;
  std::vector<LabStore> stores;
  std::vector<LabServer> servers;
  std::vector<LabJob> jobs;

  std::filesystem::path topology_file() const { return dir / "topology.toml"; }
  std::filesystem::path state_file() const { return dir / "lab.json"; }
  std::filesystem::path store_dir(dr::StoreRole role) const;
  std::filesystem::path share() const { return dir / "share"; }
  std::filesystem::path copy_destination() const { return dir / "copy-destination"; }
  std::filesystem::path tls_dir() const { return dir / "tls"; }
  std::filesystem::path server_log(const LabServer& s) const;
  std::filesystem::path job_log(const LabJob& j) const;
  const LabStore* store(dr::StoreRole role) const;
};

// The datacenter a store role lives in: A for primary, mirror, compliance; B otherwise.
const char* lab_datacenter(dr::StoreRole role);

// A layout on `dir` with `ports` (6 stores, 2 per server, the witness, then with
// `tls` one IRC-over-TLS port per server; in order).
// REQUIRES: ports.size() >= lab_ports_needed(servers_per_dc, tls).
LabLayout make_lab_layout(const std::filesystem::path& dir, int servers_per_dc,
                          const std::vector<int>& ports, bool tls = false);

// The number of ports make_lab_layout needs.
int lab_ports_needed(int servers_per_dc, bool tls = false);

// The topology file's text for a layout (relative paths: the directory can move).
std::string lab_topology_text(const LabLayout& layout);

Status save_lab_layout(const LabLayout& layout);  // DIR/lab.json, atomically
Result<LabLayout> load_lab_layout(const std::filesystem::path& dir);

}  // namespace pchat::ctl
