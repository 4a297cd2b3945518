// `pchatctl compliance ...` and Lync's compliance cmdlets
// (Get-/Set-CsPersistentChatComplianceConfiguration): the compliance configuration
// in mgc (compliance/service/config.h), and the state of the pipeline
// (outbox in mgc -> mgccomp -> output files). docs/compliance.md.
//
// Where: with a topology, the primary store's mgc and the topology's compliance
// store; otherwise the data directory's store (mgc and mgccomp in its instance).
#pragma once

#include "compliance/service/config.h"
#include "core/result.h"
#include "ctl/pool/commands.h"

namespace pchat::ctl {

// Get-CsPersistentChatComplianceConfiguration / `compliance config`.
Status compliance_config_show(const PoolCommandContext& ctx, bool json);

struct ComplianceSetArgs {
  compliance::ComplianceConfigEdit edit;
  bool dry_run = false;
  bool json = false;
};
// Set-CsPersistentChatComplianceConfiguration / `compliance set`: validates the
// result (unknown adapter, relative directory, RunInterval under 1 minute refused,
// nothing written); a change that changes nothing writes nothing.
Status compliance_config_set(const PoolCommandContext& ctx, const ComplianceSetArgs& args);

// `compliance status`: events waiting in the outbox and in mgccomp, the service's
// holder, last run, last file, last error. mgccomp unreachable is reported, not fatal.
Status compliance_status(const PoolCommandContext& ctx, bool json);

struct ComplianceDrainArgs {
  std::string from;  // a datacenter name of the topology
  bool dry_run = false;
  bool json = false;
};
// `compliance drain --from A` (pool only, after a failover): writes out the events
// left in datacenter A's compliance store (compliance/service/drain.h), under that
// store's service lock. Refuses when A's store is the one in use, unreachable, or
// locked. Idempotent: a second drain finds nothing.
Status compliance_drain(const PoolCommandContext& ctx, const ComplianceDrainArgs& args);

}  // namespace pchat::ctl
