// The failover runbook's steps on the backup store (steps 1-4 of Lync's runbook;
// docs/design.md#failover-step-by-step).
// Each step is idempotent (a step already done says so and succeeds), takes
// --dry-run (says what it would do, changes nothing), and refuses with the reason
// when its precondition fails, unless forced:
//   1 remove_secondary  stop the copy job (a marker in the copy destination it obeys)
//                       and the restore job (the standby's restore_command cleared);
//                       the standby keeps running, in recovery
//   2 copy_remaining    copy every file of the backup share not yet in the copy
//                       destination, verified (the copy job's round, until none is left)
//   3 apply_copied      check the chain in the copy destination (gap, bad file: refused
//                       and named), let the standby restore it, wait until replay
//                       reaches its end
//   4 end_sessions      list (and end) the sessions connected to mgc on a store
//     bring_online      promote the backup store (pg_promote): refused while log
//                       shipping is configured or copied files are not applied
// The pool-state, mirror and active-server steps (5-7) are the cmdlets' (src/ctl).
#pragma once

#include <chrono>
#include <optional>
#include <ostream>
#include <string>

#include "core/result.h"
#include "dr/store_choice.h"
#include "dr/topology.h"

namespace pchat::dr::runbook {

struct StepOptions {
  bool dry_run = false;
  bool force = false;
};

// How the backup store stands.
struct BackupState {
  bool in_recovery = true;
  std::string restore_command;     // as the running server has it
  std::string replay_lsn;          // pg_last_wal_replay_lsn(), empty when unknown
  std::string last_replayed_xact;  // pg_last_xact_replay_timestamp(), UTC ISO 8601, or empty
  uint32_t timeline = 1;
};

// kUnavailable "the backup store is unreachable: ..." when it cannot be reached.
Result<BackupState> read_backup_state(const Topology& t);

// Step 1 done: the marker is in the copy destination.
bool secondary_removed(const Topology& t);

Status remove_secondary(const Topology& t, const StepOptions& opts, std::ostream& out);

struct CopyOutcome {
  size_t copied = 0;
  size_t pending = 0;  // after the step (0 on success)
};
Result<CopyOutcome> copy_remaining(const Topology& t, const StepOptions& opts, std::ostream& out);

struct ApplyOutcome {
  size_t applied = 0;              // files restored by this step
  std::string last_file;           // the chain's last file ("" when the folder is empty)
  std::string replay_lsn;          // where replay stands afterwards
  std::string last_replayed_xact;  // commit time of the last replayed transaction
};
Result<ApplyOutcome> apply_copied(const Topology& t, const StepOptions& opts, std::ostream& out);

// Copied files the backup store has not replayed yet (0 when it is not in recovery);
// an error when the chain in the copy destination has problems.
Result<size_t> files_to_apply(const Topology& t);

// Step 4a on the store `role` of the topology: prints the sessions on database mgc
// (other than this command's), ends them when `end` (and not dry run). Returns how
// many there were.
Result<int> end_sessions(const Topology& t, StoreRole role, bool end, const StepOptions& opts,
                         std::ostream& out);

// Step 4b: `restore database mgc with recovery` on the backup store.
Status bring_online(const Topology& t, const StepOptions& opts, std::ostream& out);

// True when `p`, a probe of the mgc store `role`, shows a chat store of datacenter A
// (primary or mirror, outside the backup store's datacenter) reachable, writable and
// not fenced: a failover now would split the pool.
bool writable_in_datacenter_a(const Topology& t, StoreRole role, const StoreProbe& p);

// The first of datacenter A's chat stores, probed now, that writable_in_datacenter_a
// accepts.
std::optional<std::string> writable_outside_backup_dc(const Topology& t);

// One probe of the mgc store `role` on its own instance (not its failover partner):
// reachable, writable, fenced, epoch (dr/store_choice.h). Unreachable when the
// topology has no such store.
StoreProbe probe_role(const Topology& t, StoreRole role);

// The backup store's direct conninfo for `dbname`.
std::string backup_conninfo(const Topology& t, const std::string& dbname = "mgc");

}  // namespace pchat::dr::runbook
