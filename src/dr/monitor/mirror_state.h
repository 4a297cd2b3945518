// The mirroring state of the primary/mirror pair, read live from PostgreSQL
// (pg_is_in_recovery, synchronous_standby_names, pg_stat_replication): used by
// `mirror status`, the mirror monitor and `mirror failover`.
#pragma once

#include <nlohmann/json.hpp>

#include "dr/topology.h"

namespace pchat::dr {

// {"mode", "timeout_s", "state", "alert", "message", "writable" (role), "standby": {"role",
//  "connected", "state", "sync_state", "flush_lsn", "replay_lsn", "bytes_behind"},
//  "synchronous_standby_names", "current_lsn", "replaced" (role; only while both stores
//  are writable: the one at the lower epoch, left out)}. The writable store at the highest
//  epoch (pool_state) is the one described. States: synchronized, catching-up, lost
// (high safety, commits wait until the timeout), exposed, blocked (strict), down (no
// writable store answers), none (no mirror in the topology).
nlohmann::json probe_mirror(const Topology& t);

}  // namespace pchat::dr
