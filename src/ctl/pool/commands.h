// `pchatctl pool ...` and Lync's pool cmdlets: the pool state (Normal |
// FailedOver, epoch, primary store) and the active-server list, read and written in
// `mgc`'s pool_state row (store/pool_state.h).
//
// Where: with a topology file (PoolCommandContext::topology_file), the store that the
// topology names `primary`, over libpq; otherwise the standalone data directory's
// store (ctl/target/standalone.h). With a topology, identities must name its pool
// (dr::check_pool_identity), active servers must be its servers, at most
// max_active_servers, and in the primary store's datacenter or one low-latency linked
// to it (runbook step 7; `force` overrides that last rule only). Standalone, any
// identity is accepted and recorded as the pool's FQDN.
//
// Every command is idempotent (a change that changes nothing writes nothing) and
// checks under the row lock; `dry_run` reports what would change and writes nothing.
// A refused command changes nothing. Failures come back as values for main() to print
// as "pchatctl: error: ...".
#pragma once

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace pchat::ctl {

struct PoolCommandContext {
  std::filesystem::path data_dir;       // --data-dir DIR (standalone)
  std::filesystem::path topology_file;  // --topology FILE; when set, the pool's store
  std::ostream* out = nullptr;          // results (stdout)
  std::ostream* err = nullptr;          // notes and warnings (stderr)
  // --topology: work on this store (a role name) instead of the one the pool uses;
  // the failover's step 5 records the new epoch on the backup store it just promoted.
  std::string store_role;
};

struct PoolShowArgs {
  std::string identity;  // optional: "service:<fqdn>"
  bool json = false;
};

struct PoolSetStateArgs {
  std::string identity;  // optional for the native command
  std::string state;     // "Normal" or "FailedOver" (ASCII case ignored)
  bool force = false;    // record a primary store the topology does not declare
  bool dry_run = false;
  bool json = false;
};

struct PoolActiveServersArgs {
  std::string identity;
  std::vector<std::string> add;
  std::vector<std::string> remove;
  std::optional<std::vector<std::string>> set;  // replace the whole list
  bool clear = false;
  bool swap = false;   // active servers trade places with the other datacenter's
  bool force = false;  // allow servers outside the primary store's datacenter
  bool dry_run = false;
  bool json = false;
};

// `pool state [--json]` / Get-CsPersistentChatState: the pool's FQDN, state,
// epoch, primary store, active servers, last change.
Status pool_state_show(const PoolCommandContext& ctx, const PoolShowArgs& args);

// `pool set-state Normal|FailedOver` / Set-CsPersistentChatState: FailedOver makes the
// topology's `backup` store the primary store, Normal the `primary` one; the epoch
// grows by one when the state or primary store changes. With a topology, a role it
// does not declare is refused unless `force`.
Status pool_set_state(const PoolCommandContext& ctx, const PoolSetStateArgs& args);

// `pool active-servers [edits]` / Get-/Set-CsPersistentChatActiveServer: with no
// edit, prints the list (with a topology: every server, its datacenter, active or
// not); otherwise applies it (store/active_servers.h order) and prints the result.
Status pool_active_servers(const PoolCommandContext& ctx, const PoolActiveServersArgs& args);

}  // namespace pchat::ctl
