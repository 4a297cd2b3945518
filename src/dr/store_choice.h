// Which store a pool server uses, and which it must fence
// (docs/design.md#invariant-3-fencing-by-epoch).
// Pure: the store selector (store_selector.h) probes the topology's mgc stores and
// asks here.
//
// The rule:
//  - The pool's epoch is the highest pool-state epoch any reachable store carries
//    (standbys included: they replicate the primary's), or the highest this server
//    has seen before, whichever is higher.
//  - A server uses a writable, unfenced store carrying that epoch. Several qualify
//    (a promotion whose epoch is not written yet): keep the current one; else the one
//    the pool state names as primary_store; else the first in topology order.
//  - Every other writable store with pool state and a lower epoch is fenced: it must
//    never take a write again (the old primary coming back after a failover). The
//    selector re-reads the epoch on the store itself before it fences
//    (store_selector.h), since probes of several stores are not one snapshot.
//  - A store without pool state (new, or its first server is still creating the
//    schema) holds nothing of the pool's: it is never fenced, and it is used (then
//    migrated, which creates pool state at epoch 1) only when every store answered
//    and none has pool state, i.e. the pool is being created. A store that does not
//    answer may be the pool's at a higher epoch, so then no store is used.
//  - No store qualifies (the new primary is not promoted or not reachable yet): use
//    none. Writes fail (never acknowledged) until one does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pchat::dr {

struct StoreProbe {
  std::string name;  // topology role name: "primary", "mirror", "backup", "backup_mirror"
  bool reachable = false;
  bool writable = false;      // not in recovery
  bool fenced = false;        // default_transaction_read_only set on its mgc
  bool has_state = false;     // pool_state read (false: a store not migrated yet)
  int64_t epoch = 0;          // pool_state.epoch (0 when unknown)
  std::string primary_store;  // pool_state.primary_store
};

struct StoreChoice {
  std::optional<std::string> use;  // nullopt: none qualifies
  int64_t epoch = 0;               // the pool's epoch as far as can be seen
  std::vector<std::string> fence;  // writable stores with a lower epoch, not yet fenced
  std::string why;                 // one line for logs and status
};

StoreChoice choose_store(const std::vector<StoreProbe>& probes, const std::string& current,
                         int64_t seen_epoch);

}  // namespace pchat::dr
