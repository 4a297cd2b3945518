// The compliance service (docs/design.md#compliance): one active per pool.
//
// Every pchatd with compliance enabled runs one. Each tries, every election poll,
// to take a SESSION advisory lock on mgc (key kServiceLockKey) over its own
// connection; the one that holds it is the pool's compliance service. If its
// process dies (SIGKILL included), PostgreSQL ends the session and frees the lock,
// and another server takes it at its next poll. The holder also takes the same
// kind of lock on mgccomp before touching it, so a holder that lost its mgc
// session (and so its election) while still in the middle of a run never works on
// mgccomp at the same time as its successor.
//
// Which mgc: mgc_target when set (the server's StoreTarget: it follows the store the
// pool uses, e.g. the backup store after a failover; a change drops the lock and the
// connections, and the election runs again there), else mgc_conninfo.
// Which mgccomp: the compliance store of the datacenter whose store is primary
// (pool_state.primary_store 'backup' -> comp_backup_conninfo), re-checked before
// every cycle; a change closes the old connection (and its lock) first.
//
// The holder runs a cycle (cycle.h) at once and then every RunInterval (the
// configuration's, or the test-only override), and records the outcome in mgc's
// compliance_status (last run, last file, last error). Errors (mgccomp down, output
// directory unwritable) are logged, recorded, and retried at the next interval:
// events wait in the outbox or in mgccomp, nothing is lost.
//
// A configuration change applies at once: the holder LISTENs on its mgc session to
// pchat_compliance_config (NOTIFYed by a trigger in the changing transaction, store
// migration 13), re-reads the configuration when woken, and schedules the next run
// at the last run's start + the new RunInterval (at once when that time has passed).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "compliance/service/cycle.h"
#include "core/metrics.h"
#include "core/worker.h"
#include "store/target.h"

namespace pchat::compliance {

inline constexpr int64_t kServiceLockKey = 7305692318;  // "pchat-compliance"

struct ServiceOptions {
  std::string mgc_conninfo;
  std::shared_ptr<store::StoreTarget> mgc_target;  // when set, used instead of mgc_conninfo
  std::string comp_conninfo;
  // The datacenter B compliance store ([stores.compliance_backup]); used instead of
  // comp_conninfo while mgc's pool_state names the backup store primary (after a
  // datacenter failover). Empty: none declared, comp_conninfo is always used.
  std::string comp_backup_conninfo;
  CycleContext cycle;
  // How often a server that does not hold the lock tries to take it.
  std::chrono::milliseconds election_poll{2000};
  // Test-only: overrides RunInterval (which has a 1 minute minimum) when > 0.
  std::chrono::milliseconds run_interval_override{0};
};

class Service {
 public:
  Service(ServiceOptions options, MetricsRegistry& metrics);
  ~Service();  // stop()
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  void start();
  void stop();  // idempotent; an in-progress cycle finishes its current step first

  bool active() const { return active_.load(); }

 private:
  void run();
  // Runs one cycle and records its outcome (metrics, log, mgc's compliance_status).
  void run_one_cycle();
  // The interval to the next run: the override, else the configuration's (read now).
  std::chrono::milliseconds current_interval();
  // Waits until `deadline` or a pchat_compliance_config notification on mgc_ (true),
  // or stop() or the loss of mgc_ (false; mgc_ lost: release() done).
  // REQUIRES: active_ (mgc_ LISTENs).
  bool wait_for_change(std::chrono::steady_clock::time_point deadline);
  bool take_locks();
  void release();

  const ServiceOptions options_;
  pg::Connection mgc_;
  uint64_t mgc_generation_ = 0;  // of options_.mgc_target when mgc_ connected
  pg::Connection comp_;
  bool comp_locked_ = false;
  std::string comp_in_use_;  // the conninfo comp_ is connected to
  bool schema_ready_ = false;
  std::atomic<bool> active_{false};

  Worker worker_;

  Gauge& active_gauge_;
  Counter& cycles_;
  Counter& errors_;
  Counter& moved_;
  Counter& written_;
};

}  // namespace pchat::compliance
