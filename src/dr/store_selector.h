// The store selector of a pool server (docs/design.md#invariant-3-fencing-by-epoch): follows
// the pool to
// whichever store carries the highest pool-state epoch, and fences the others.
//
// Every kInterval it probes each mgc store of the topology (primary, mirror, backup,
// backup mirror) on its own connection: in recovery or not, fenced or not (the
// database's default_transaction_read_only), pool_state's epoch and primary_store.
// While no store qualifies (the one in use is gone, a failover is under way) it
// probes every kUnsettledInterval instead, so that a promoted store is used within
// a fifth of a second (a standby cannot LISTEN: its promotion is only seen by a
// probe); every store thread then follows the target at once, and the new store's
// pool-state NOTIFYs (the runbook's FailedOver and active-server writes) reach the
// server's message stream.
// choose_store() (store_choice.h) decides; the selector then
//  - raises the StoreTarget's min_epoch (the writer's in-commit fence check);
//  - repoints the StoreTarget when the chosen store changes (every store thread of
//    the server reconnects there);
//  - fences each writable store with a lower epoch: ALTER DATABASE ... SET
//    default_transaction_read_only = on, and ends pchatd sessions on it, so that no
//    server of the pool, even one that has not noticed the failover, writes there.
//    The epoch is read again on that store, under its pool_state row lock, in the
//    fencing transaction: it is fenced only if it is still lower then.
// It logs every change loudly; status() feeds /healthz and /metrics.
//
// Thread safety: start/stop from one thread; status() from any.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/metrics.h"
#include "core/result.h"
#include "core/worker.h"
#include "dr/store_choice.h"
#include "store/pg.h"
#include "store/target.h"

namespace pchat::dr {

// One probe of a store on an open connection (reset when the store stops answering).
StoreProbe probe_store(pg::Connection& c, const std::string& name);

class StoreSelector {
 public:
  static constexpr std::chrono::milliseconds kInterval{1000};
  static constexpr std::chrono::milliseconds kUnsettledInterval{200};

  struct Candidate {
    std::string name;      // topology role name
    std::string conninfo;  // what the pool's connections use when it is chosen
    // What its probes (and fencing) use: the store's own instance (empty: conninfo).
    std::string probe_conninfo;
  };
  struct Status {
    std::string in_use;  // empty: none
    int64_t epoch = 0;
    std::string why;
    std::vector<StoreProbe> probes;
    std::vector<std::string> fenced_by_us;  // stores this server fenced
  };

  StoreSelector(std::vector<Candidate> candidates, std::shared_ptr<store::StoreTarget> target,
                MetricsRegistry& metrics);
  ~StoreSelector();  // stop()
  StoreSelector(const StoreSelector&) = delete;
  StoreSelector& operator=(const StoreSelector&) = delete;

  // Probes until a store qualifies (or `wait` passes) and points the target at it.
  // For start-up, before start().
  Result<std::string> choose_initial(std::chrono::seconds wait);
  void start();
  void stop();
  Status status() const;

 private:
  void run();
  // One round: probe, choose, apply. Returns the choice.
  StoreChoice round();
  StoreProbe probe(size_t i);
  void fence(size_t i, int64_t pool_epoch);

  const std::vector<Candidate> candidates_;
  const std::shared_ptr<store::StoreTarget> target_;
  std::vector<pg::Connection> conns_;  // selector thread only (or choose_initial)
  std::string current_;
  bool settled_ = false;  // the last round found a store to use (selector thread only)
  Worker worker_;
  mutable std::mutex mu_;
  Status status_;
  Counter& fences_;
  Counter& switches_;
  Gauge& fenced_seen_;
};

}  // namespace pchat::dr
