// pchatctl lab: the whole two-datacenter topology on one machine (docs/lab.md).
#pragma once

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "core/result.h"

namespace pchat::ctl {

struct LabArgs {
  std::filesystem::path dir;
  int servers_per_dc = 2;
  bool allow_guests = false;
  int users = 0;                         // accounts user1..userN (lab/users.h); 0: none
  std::vector<std::string> server_args;  // appended to every pchatd's arguments
  int compliance_run_interval_ms = 0;    // test only: pchatd --compliance-run-interval-ms
  std::string mirror_mode = "high-safety";
  int mirror_timeout_s = 5;
  int wal_segsize_mb = 1;            // [log_shipping] wal_segsize_mb (initdb --wal-segsize)
  std::string auto_failover = "on";  // the witness starts with automatic failover on/off
  int auto_failover_after_s = 1;     // [mirroring] auto_failover_after_s
  bool tls = false;                  // lab up --tls: a test CA, every store link and IRC over TLS
  bool json = false;
  std::string dc;  // kill-dc / start-dc: "A", "B" or "W" (the witness)
};

Status lab_up(const LabArgs& args, std::ostream& out);
Status lab_status(const LabArgs& args, std::ostream& out);
Status lab_down(const LabArgs& args, std::ostream& out);
Status lab_kill_dc(const LabArgs& args, std::ostream& out);
Status lab_start_dc(const LabArgs& args, std::ostream& out);

}  // namespace pchat::ctl
