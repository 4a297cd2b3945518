// The pool's dynamic state (docs/design.md#topology-and-pool-state): the single row of `pool_state`
// in `mgc`, replicated with the data. `epoch` grows by one whenever the pool state or the primary
// store changes (a failover, a failback); servers write only to the store that carries the highest
// epoch they have seen (docs/design.md#invariant-3-fencing-by-epoch).
//
// Every committed change NOTIFYs channel `pchat_pool_state` (payload: the epoch after
// the change) in its transaction, from a trigger (migration 3), so servers LISTENing
// on `mgc` react within a second. A change that changes nothing is not written (no
// NOTIFY, epoch and updated_at kept): every setter is idempotent.
//
// All functions block on the store; the writers run in one transaction holding the
// row lock (SELECT ... FOR UPDATE), so concurrent writers serialize. Not for the event
// loop.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "store/active_servers.h"
#include "store/pg.h"

namespace pchat::store {

// Lync's pool states (Set-CsPersistentChatState -PoolState).
enum class PoolStatus { kNormal, kFailedOver };

const char* to_string(PoolStatus status);  // "Normal", "FailedOver"
// "Normal" / "FailedOver", ASCII case ignored; nullopt for anything else.
std::optional<PoolStatus> parse_pool_status(std::string_view text);

struct PoolState {
  std::int64_t epoch = 1;
  PoolStatus state = PoolStatus::kNormal;
  std::vector<std::string> active_servers;  // in order, each once
  std::string primary_store = "primary";    // topology role name of the primary store
  std::optional<std::string> pool_fqdn;     // nullopt until a command names the pool
  std::string updated_at;                   // UTC ISO 8601 (ms); set by the migration
  std::string updated_by;                   // who made the last change; empty at first

  // Equality of the fields a command changes (not updated_at/updated_by).
  bool same_content(const PoolState& other) const;
};

// The row before and after a change (equal content when nothing changed).
struct PoolStateUpdate {
  PoolState before;
  PoolState after;
  bool dry_run = false;  // nothing was written

  bool changed() const { return !before.same_content(after); }
};

// Called under the row lock with the current row and the one about to be written;
// an error refuses the change (nothing is written) and is returned as is.
using PoolStateCheck = std::function<Status(const PoolState& before, const PoolState& after)>;

struct PoolStateWrite {
  std::string by;                        // recorded in updated_by
  std::optional<std::string> pool_fqdn;  // recorded when given
  bool dry_run = false;                  // compute and check, then roll back
  PoolStateCheck check;                  // optional
};

// The row. kInternal when the table has no row (it is created with one).
Result<PoolState> read_pool_state(pg::Connection& conn);

// Pure: `current` with the pool state and primary store set, and the epoch + 1 when
// either differs. `pool_fqdn` replaces the recorded one when given.
PoolState plan_pool_state(const PoolState& current, PoolStatus state,
                          const std::string& primary_store,
                          const std::optional<std::string>& pool_fqdn);

// Sets the pool state and primary store (plan_pool_state()). Idempotent.
Result<PoolStateUpdate> set_pool_state(pg::Connection& conn, PoolStatus state,
                                       const std::string& primary_store,
                                       const PoolStateWrite& write);

// Applies `edit` to the active servers (apply_active_servers_edit(); the epoch does
// not change). Names are not checked here: the caller's `check` does that.
Result<PoolStateUpdate> update_active_servers(pg::Connection& conn, const ActiveServersEdit& edit,
                                              const PoolStateWrite& write);

}  // namespace pchat::store
