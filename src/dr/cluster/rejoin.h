// An old primary brought back as the mirror of the store that replaced it (automatic
// mirror failover, docs/lab.md): rewound with PostgreSQL's pg_rewind, or rebuilt from a
// base backup when rewind is impossible, configured as the new primary's streaming
// standby and started. The new primary's mirror agent then makes it synchronous.
#pragma once

#include "core/result.h"
#include "dr/cluster/standby.h"
#include "dr/topology.h"

namespace pchat::dr {

// How the old primary came back.
enum class RejoinHow { kRewound, kRebuilt };

// REQUIRES: `old_primary` is a store pchat manages (data_dir) and `new_primary` is
// writable. Stops `old_primary` (fast) when it runs, rewinds it from `new_primary`
// (pg_rewind runs crash recovery first when it was killed; the clusters have
// wal_log_hints on), falling back to moving it aside (pg.old-<time>, never deleted)
// and a base backup; then configure_as_standby() and start; a rewound standby that does
// not stream from `new_primary` within 15 s is rebuilt the same way. What the old primary
// committed after the two timelines parted (never acknowledged: it was waiting for
// its synchronous mirror) is rewound away.
Result<RejoinHow> rejoin_as_mirror(const PgTools& tools, const Topology& t, StoreRole old_primary,
                                   StoreRole new_primary, const PchatCommands& cmds,
                                   const Progress& progress);

}  // namespace pchat::dr
