// pchatctl mirror: the synchronous mirror of the primary (Lync's "SQL mirroring, high
// safety"; docs/design.md#glossary).
//   install [--source ROLE] [--role ROLE] [--async]   base backup, standby, sync config
//   monitor                                           the high-safety watcher (a job in
//                                                     the primary's datacenter)
//   status [--json]                                   synchronized / lost / exposed / blocked
//   failover [--force] [--dry-run]                    the mirror becomes the primary
#pragma once

#include <ostream>
#include <string>

#include "core/result.h"

namespace pchat::ctl {

struct MirrorArgs {
  std::string topology_file;
  std::string source;  // empty: the writable one of primary, mirror, backup
  std::string role;    // empty: its partner (primary <-> mirror, backup -> backup_mirror)
  bool drop_existing = false;
  bool async = false;
  bool json = false;
  bool force = false;
  bool dry_run = false;
};

Status mirror_install(const MirrorArgs& args, std::ostream& out);
Status mirror_monitor(const MirrorArgs& args, std::ostream& out);
Status mirror_status(const MirrorArgs& args, std::ostream& out);
Status mirror_failover(const MirrorArgs& args, std::ostream& out);

}  // namespace pchat::ctl
