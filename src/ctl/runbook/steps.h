// pchatctl's failover runbook (docs/design.md#failover-step-by-step, docs/runbook.md): one
// command per step of Lync's runbook on the backup store, and the whole runbook as one
// resumable command.
//   logship remove-secondary   step 1 (= exec sp_delete_log_shipping_secondary_database mgc)
//   logship copy               step 2
//   logship apply              step 3
//   sessions --store ROLE      step 4a (= exec sp_who2; --end = kill <spid>)
//   recover                    step 4b (= restore database mgc with recovery)
//   (steps 5-7 are the cmdlets Set-CsPersistentChatState, Install-CsMirrorDatabase,
//    Set-CsPersistentChatActiveServer)
//   failover                   steps 1-7 with a preflight, a journal and a report
//   failback                   the reverse, once datacenter A is back (runbook/failback.cc)
#pragma once

#include <ostream>
#include <string>

#include "core/result.h"

namespace pchat::ctl {

struct RunbookArgs {
  std::string topology_file;
  std::string store = "backup";  // sessions: the store role
  bool end = false;              // sessions: end them
  bool dry_run = false;
  bool force = false;
};

Status runbook_remove_secondary(const RunbookArgs& args, std::ostream& out);
Status runbook_apply(const RunbookArgs& args, std::ostream& out);
Status runbook_sessions(const RunbookArgs& args, std::ostream& out);
Status runbook_recover(const RunbookArgs& args, std::ostream& out);
Status runbook_failover(const RunbookArgs& args, std::ostream& out);
Status runbook_failback(const RunbookArgs& args, std::ostream& out);

}  // namespace pchat::ctl
