// Where pchatctl's store commands (pool state, rooms) work: with a topology file, the
// store the topology names `primary`, over libpq (its schema migrated when older than
// pchatctl); otherwise the --data-dir store (ctl/store_access.h: a running pchatd's,
// or a temporary instance).
#pragma once

#include <memory>
#include <optional>

#include "core/result.h"
#include "ctl/pool_commands.h"
#include "ctl/store_access.h"
#include "dr/topology.h"
#include "store/pg.h"

namespace pchat::ctl {

// The open store, and the topology when there is one.
struct PoolTarget {
  std::unique_ptr<StoreAccess> standalone;  // --data-dir
  pg::Connection pool_conn;                 // --topology: the primary store
  std::optional<dr::Topology> topology;

  pg::Connection& mgc() { return standalone ? standalone->mgc() : pool_conn; }
};

// Errors: the topology's, the store's (kUnavailable "cannot reach the primary store:
// ..."), migrate()'s.
Result<std::unique_ptr<PoolTarget>> open_target(const PoolCommandContext& ctx);

}  // namespace pchat::ctl
