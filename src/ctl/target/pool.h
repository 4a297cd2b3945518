// Where pchatctl's store commands (pool state, rooms) work: with a topology file, the
// store the pool's servers use (the writable, unfenced mgc store with the highest
// pool-state epoch: dr/store_choice.h), over libpq (its schema migrated when older than
// pchatctl); otherwise the --data-dir store (ctl/target/standalone.h: a running pchatd's,
// or a temporary instance).
#pragma once

#include <memory>
#include <optional>

#include "core/result.h"
#include "ctl/pool/commands.h"
#include "ctl/target/standalone.h"
#include "dr/topology.h"
#include "store/pg.h"

namespace pchat::ctl {

// The open store, and the topology when there is one.
struct PoolTarget {
  std::unique_ptr<StoreAccess> standalone;  // --data-dir
  pg::Connection pool_conn;                 // --topology: the primary store
  std::optional<dr::Topology> topology;
  std::string store_name;  // --topology: the role of the store in use ("primary", "backup", ...)

  pg::Connection& mgc() { return standalone ? standalone->mgc() : pool_conn; }
};

// The mgc store the pool's servers use (writable, unfenced, highest pool-state epoch:
// dr/store_choice.h), so that commands follow a failover. kUnavailable when none
// qualifies, with each store's state.
struct StoreInUse {
  pg::Connection conn;
  std::string name;  // its role
};
Result<StoreInUse> connect_store_in_use(const dr::Topology& topology);

// Errors: the topology's, kUnavailable "no writable chat store carries the pool's
// epoch" (with each store's state), migrate()'s.
Result<std::unique_ptr<PoolTarget>> open_target(const PoolCommandContext& ctx);

}  // namespace pchat::ctl
