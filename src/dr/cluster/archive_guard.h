// Closing the WAL segment a crash left open, so that log shipping ships it.
//
// PostgreSQL's archive_timeout switches to a new WAL segment only for WAL written since
// the last switch *or the last start*: after a crash, the tail written before it (the
// last acknowledged commits among it) stays in the current segment, out of the backup
// share, until the next write. An idle pool after a restart would keep it there for good,
// and `logship status` would rightly report the backup lag growing. (A clean shutdown
// switches by itself when archiving is on.)
//
// ArchiveGuard closes that segment once per start of a writable store: the first time it
// sees a store answer as writable with archiving on and a postmaster start time it has
// not handled, it calls pg_switch_wal() (a no-op when nothing was written since the last
// switch). The mirror agents run it each round on their store; a topology without a
// mirror has no agent and relies on the next write.
//
// Threading: one thread at a time (each agent owns its guard).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "core/result.h"
#include "store/pg.h"

namespace pchat::dr {

class ArchiveGuard {
 public:
  // Runs one statement on the store; the agents pass their own connection (with its
  // deadline).
  using Query = std::function<Result<pg::ResultSet>(const std::string& sql)>;

  // One round on the store named `store` (any stable name: its role). Returns a line to
  // log when it closed a segment; nullopt when there was nothing to do, or on an error
  // (retried next round: the start is marked handled only once the switch succeeded).
  std::optional<std::string> round(const std::string& store, const Query& query);

  // The pure part: whether a store seen in this state needs the switch now.
  // `in_recovery` and `archive_mode` as PostgreSQL reports them ("t"/"f"; "on", "always",
  // "off"); `start` is pg_postmaster_start_time() as text.
  bool needs_switch(const std::string& store, const std::string& in_recovery,
                    const std::string& archive_mode, const std::string& start) const;
  // Records that `store`'s start `start` is handled.
  void handled(const std::string& store, const std::string& start) { handled_[store] = start; }

 private:
  std::map<std::string, std::string> handled_;  // store -> start time handled
};

}  // namespace pchat::dr
