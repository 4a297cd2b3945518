// `pchatctl sql [--store ROLE] [STATEMENTS]`: Lync's query window (runbook
// steps 1, 4a, 4b), on PostgreSQL underneath (docs/design.md#glossary):
//
//   exec sp_who2 ['active' | <spid>]   sessions of the store (pg_stat_activity), in
//                                      sp_who2's columns; SPID is the backend pid
//   kill <spid>                        pg_terminate_backend(spid); refuses the
//                                      command's own session and unknown SPIDs
//   restore database mgc with recovery brings the store online: if it is a standby
//                                      (in recovery), promote it (pg_promote, waiting);
//                                      if it is online already, says so (idempotent).
//                                      On the backup store: runbook step 4b with its
//                                      preconditions (dr/runbook/steps.h bring_online)
//   exec sp_delete_log_shipping_secondary_database mgc
//                                      on the backup store: runbook step 1 (stop the copy
//                                      job and the restore job, keep the standby);
//                                      elsewhere there is nothing to remove
//   use master | use mgc               accepted, no effect
//
// The statements come from the argument, or from stdin (one batch, `GO` lines
// allowed); every statement is parsed before any runs, so a typo runs nothing.
// Where: --store ROLE of the topology (default primary) with --topology; the data
// directory's store otherwise.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <string>

#include "core/result.h"

namespace pchat::ctl {

struct SqlArgs {
  std::filesystem::path data_dir;
  std::filesystem::path topology_file;
  std::string store_role = "primary";
  std::string text;    // the statements; empty: read stdin
  bool force = false;  // runbook statements: go on although the precondition fails
};

Status run_sql(const SqlArgs& args, std::istream& in, std::ostream& out);

}  // namespace pchat::ctl
