// pchatctl logship: the log-shipping jobs and their monitor (docs/design.md#processes).
//   archive-wal %p %f   the backup job: PostgreSQL's archive_command on chat stores
//   copy-job            the copy job: supervised loop in datacenter B (the lab starts it)
//   copy                one copy round now (runbook step 2)
//   status [--json]     the log-shipping monitor
//   init-secondary      (re)build the backup store from a base backup of the primary
#pragma once

#include <filesystem>
#include <ostream>
#include <string>

#include "core/result.h"

namespace pchat::ctl {

struct LogshipArgs {
  std::string topology_file;
  std::string wal_path;  // archive-wal: %p
  std::string wal_name;  // archive-wal: %f
  bool json = false;
  bool once = false;  // copy-job: one round and exit
  bool dry_run = false;
};

Status logship_archive_wal(const LogshipArgs& args, std::ostream& out);
Status logship_copy_job(const LogshipArgs& args, std::ostream& out);
Status logship_copy(const LogshipArgs& args, std::ostream& out);
Status logship_status(const LogshipArgs& args, std::ostream& out);
Status logship_init_secondary(const LogshipArgs& args, std::ostream& out);

}  // namespace pchat::ctl
