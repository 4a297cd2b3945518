// Which store a server's connections go to (docs/design.md#invariant-3-fencing-by-epoch).
//
// Every store thread of pchatd (writer, message stream, readers, presence link)
// connects to the target's conninfo. In a pool, the store selector (dr/
// store_selector.h) repoints the target when the pool's highest epoch names another
// store (a failover): set() bumps the generation, each thread notices it at its next
// step, drops its connection and reconnects to the new store.
//
// min_epoch is the highest pool-state epoch this server has seen: the writer checks
// it inside every commit (pchat_fence_check), so a batch never commits on a store
// that carries a lower epoch, even in the moment before the selector moves away.
// The check runs under the pool-wide message lock, which the selector also takes
// while it fences a store read-only: no commit straddles a fence.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

namespace pchat::store {

// The pool-wide message lock (pg_advisory_xact_lock key): every message commit holds
// it from before its INSERT to its commit (store/writer.h), so ids follow commit
// order across the pool; the store selector holds it while fencing a store.
inline constexpr int64_t kMessageLockKey = 7305692317;

class StoreTarget {
 public:
  StoreTarget(std::string conninfo, std::string name)
      : conninfo_(std::move(conninfo)), name_(std::move(name)) {}
  static std::shared_ptr<StoreTarget> fixed(std::string conninfo) {
    return std::make_shared<StoreTarget>(std::move(conninfo), "store");
  }

  std::string conninfo() const {
    std::lock_guard lk(mu_);
    return conninfo_;
  }
  // The store's role name in the topology ("primary", "backup", ...).
  std::string name() const {
    std::lock_guard lk(mu_);
    return name_;
  }
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  // Repoints every connection (no-op when unchanged).
  void set(std::string conninfo, std::string name) {
    {
      std::lock_guard lk(mu_);
      if (conninfo == conninfo_ && name == name_) return;
      conninfo_ = std::move(conninfo);
      name_ = std::move(name);
    }
    generation_.fetch_add(1, std::memory_order_acq_rel);
  }

  int64_t min_epoch() const { return min_epoch_.load(std::memory_order_acquire); }
  void raise_min_epoch(int64_t epoch) {
    int64_t cur = min_epoch_.load();
    while (epoch > cur && !min_epoch_.compare_exchange_weak(cur, epoch)) {
    }
  }

 private:
  mutable std::mutex mu_;
  std::string conninfo_;
  std::string name_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int64_t> min_epoch_{0};
};

}  // namespace pchat::store
