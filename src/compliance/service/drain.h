// Draining a datacenter's compliance store after a failover (`pchatctl
// compliance drain --from A`): events that reached A's mgccomp but were not
// written out before the pool moved to the other datacenter are written to the
// (current) output directory, once A is reachable again.
//
// Which events: every event of A for which the store now in use cannot also hold a
// copy. An event A moved may reach the other store as well when A's delete from the
// outbox had not been shipped before the failover; such copies have outbox ids at or
// above `cut(source) = min(other.sources.first_moved, lowest id in mgc's outbox)`
// (outbox ids are committed and deleted in id order), so A's events at or above the
// cut are dropped from A (the other store delivers them) and the rest are written,
// A's open run first, with process_events() under A's own service lock.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "compliance/service/cycle.h"

namespace pchat::compliance {

struct DrainPlan {
  int64_t events = 0;     // in A's mgccomp
  int64_t to_write = 0;   // below the cut: written by the drain
  int64_t delivered = 0;  // at or above the cut: the store in use has (or will have) them
  int64_t open_runs = 0;
  std::string first_time;  // of the events to write (UTC ISO), empty when none
  std::string last_time;
};

// What a drain of `from` would do. `in_use` is the compliance store the service uses
// now, `mgc` the chat store.
Result<DrainPlan> plan_drain(pg::Connection& mgc, pg::Connection& from, pg::Connection& in_use);

// Runs the drain (REQUIRES: the service lock on `from` is held by the caller, see
// kServiceLockKey). Returns the plan it carried out and the files it wrote.
Result<DrainPlan> drain(pg::Connection& mgc, pg::Connection& from, pg::Connection& in_use,
                        const CycleContext& ctx, CycleReport& report);

}  // namespace pchat::compliance
