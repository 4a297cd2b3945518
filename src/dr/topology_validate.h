// Cross-field rules of a topology (pass 2 of topology_file.h). Pure.
//
// Errors (the pool cannot run as written):
//   - pool.fqdn missing or not a host name; no datacenter; a datacenter name that is
//     not [A-Za-z0-9_-]{1,32};
//   - a server without name/datacenter/irc_listen/http_listen, a name that is not a
//     host name, a datacenter that is not declared, duplicate names
//     (case-insensitive), the same listen address twice (across all servers, IRC and
//     HTTP; wildcard hosts excepted), more servers than pool.max_servers;
//   - pool.active_servers: a name that is not a server, a name twice, more than
//     pool.max_active_servers, a server outside the primary's datacenter and not
//     low-latency linked to it (runbook step 7);
//   - stores: no primary; a store without datacenter or connection (host or
//     conninfo), or in an undeclared datacenter; mirror not in the primary's
//     datacenter; backup in the primary's datacenter; backup_mirror without backup or
//     not in the backup's datacenter; two chat stores (primary, mirror, backup,
//     backup_mirror) on one PostgreSQL instance; two stores on one database or one
//     data_dir; a backup without log_shipping.backup_share or copy_destination;
//     backup_share equal to copy_destination;
//   - a low-latency link naming an undeclared datacenter.
// Warnings (usable, but doubtful or weaker than intended):
//   - no active server; max_active_servers > max_servers; a wildcard listen host (it
//     cannot be checked for duplicates, nor given to clients in RPL_BOUNCE);
//   - compliance not in the primary's datacenter, compliance_backup not in the
//     backup's, compliance_backup without compliance or backup; a compliance store
//     sharing an instance with a chat store;
//   - backup_share / copy_destination set without a backup store; the backup's
//     datacenter has no server (after failover none could be active); a datacenter
//     with neither server nor store; a link from a datacenter to itself, or twice.
// Fields listed in topology.source.invalid (already reported by the parser) are
// skipped, so one mistake gives one diagnostic.
#pragma once

#include <vector>

#include "dr/diagnostic.h"
#include "dr/topology.h"

namespace pchat::dr {

// Every diagnostic for `topology`, in rule order (callers sort by line). Lines come
// from topology.source (0 when built in code).
std::vector<Diagnostic> validate(const Topology& topology);

}  // namespace pchat::dr
