// pchatctl mirror: the synchronous mirror of the primary (Lync's "SQL mirroring, high
// safety"; docs/design.md#glossary).
//   install [--source ROLE] [--role ROLE] [--async]   base backup, standby, sync config
//   monitor [--store ROLE]                            the high-safety watcher; with --store,
//                                                     the mirror agent of automatic failover
//                                                     (mirror_agent.cc)
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
  std::string store;         // monitor: the store this agent sits beside (empty: the pair)
  std::string state_file;    // witness: where its state is kept
  bool auto_enabled = true;  // auto on|off
};

Status mirror_install(const MirrorArgs& args, std::ostream& out);
Status mirror_monitor(const MirrorArgs& args, std::ostream& out);
// The mirror agent beside one store of the pair (automatic failover, dr/arbiter/quorum.h):
// its guard, arbiter and rejoin duties. Who may run it: whoever runs the store's
// PostgreSQL (it stops, rewinds and starts that cluster) and holds the admin token.
Status mirror_agent(const MirrorArgs& args, std::ostream& out);
Status mirror_status(const MirrorArgs& args, std::ostream& out);
Status mirror_failover(const MirrorArgs& args, std::ostream& out);

}  // namespace pchat::ctl
