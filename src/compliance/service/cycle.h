// One compliance cycle (docs/design.md#compliance): move the outbox to mgccomp, then run
// the adapter on what mgccomp holds, write the files, purge. Called by the service
// (service.h) while it holds the compliance locks; callable directly in tests.
//
// Moving (mgc.compliance_outbox -> mgccomp.events), exactly once:
//   1. read the outbox (oldest first, up to kMoveBatch rows);
//   2. in ONE mgccomp transaction: insert the rows whose outbox id is above the
//      source's high-water mark (mgccomp.sources.moved_upto), keyed UNIQUE by
//      (source, outbox id), and raise the mark;
//   3. delete those outbox rows in mgc.
//   A crash between 2 and 3 leaves rows in both; the next move finds them at or
//   under the mark and only deletes them, even if a run has purged them from
//   mgccomp meanwhile. The mark is sound because outbox ids are committed in id
//   order (the writer inserts under the pool-wide message lock). `source` is mgc's
//   compliance_status.source_id (a UUID made by migration 5, carried by a failover).
//
// A run (mgccomp.runs; src/compliance/README.md "Crash safety"):
//   1. an open run (completed_at NULL) is finished first, with its recorded RunInfo
//      and configuration; otherwise a new run is recorded: the lowest kRunBatch
//      event ids, end_us = now;
//   2. translate with the adapter, 3. write each file with write_file_atomically;
//   4. ONE transaction deletes the run's events and closes the run.
//   Event ids come from mgccomp (bigserial) and only the lock holder inserts, so no
//   event appears later inside a recorded range.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "compliance/service/config.h"
#include "core/result.h"
#include "store/pg.h"

namespace pchat::compliance {

inline constexpr int kMoveBatch = 10000;
inline constexpr int kRunBatch = 50000;

// Creates mgccomp's tables if missing (idempotent; serialized by an advisory lock).
Status ensure_comp_schema(pg::Connection& comp);

struct CycleContext {
  std::string domain;                    // for URIs: the pool FQDN (standalone: server name)
  std::string server;                    // who runs it (recorded in runs)
  std::string default_output_directory;  // used when the configuration has none
  // Marks the runs this context creates and their files (RunInfo::origin): a drain's.
  std::string origin;
  // Test only (crash tests): sleep this long after a run's files are written, before
  // its purge commits, so a test can SIGKILL the holder exactly there.
  int test_pause_before_purge_ms = 0;
};

struct CycleReport {
  int64_t moved = 0;    // outbox rows moved to mgccomp
  int64_t written = 0;  // events written out (and purged)
  int runs = 0;
  std::vector<std::string> files;  // names written or found present, in order
};

// Moves the whole outbox (in kMoveBatch steps).
Result<int64_t> move_outbox(pg::Connection& mgc, pg::Connection& comp, const std::string& domain);

// Processes every event in mgccomp (in kRunBatch runs). `config` is used for new
// runs; an open run uses the configuration it recorded.
Status process_events(pg::Connection& comp, const ComplianceConfig& config, const CycleContext& ctx,
                      CycleReport& report);

// move_outbox + process_events, then the status row in mgc (last run or error).
Result<CycleReport> run_cycle(pg::Connection& mgc, pg::Connection& comp, const CycleContext& ctx);

// Best effort: records `error` in mgc's compliance_status.
void record_error(pg::Connection& mgc, const std::string& error);

}  // namespace pchat::compliance
