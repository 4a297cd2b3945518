// Store access for pchatctl commands: "connect to DIR's mgc, starting a temporary
// PostgreSQL instance if nobody runs one".
//
// open_store() in steps (DIR made absolute first):
//   1. Ping DIR's standalone socket (store::standalone_conninfo(DIR, "postgres")). If a
//      server answers (a running pchatd, or anything else running DIR/pg), use it.
//   2. Otherwise DIR must hold a cluster (DIR/pg/PG_VERSION), unless the caller allows
//      creation (`user add`): then a missing DIR is created and initdb'ed in step 5.
//   3. Take DIR/ctl.lock (flock; waits for another pchatctl on the same DIR), then ping
//      again: a server that came up meanwhile is used as in step 1.
//   4. If DIR/pg/postmaster.pid names a live postgres that does not answer yet (a
//      pchatd starting, recovering or stopping, or an orphan shutting down after its
//      pchatd died), wait up to kBusyWait for it to answer or go away; never shut it
//      down. Still there and silent: fail with kUnavailable.
//   5. Start a store::Instance (initdb on first use) for the lifetime of the returned
//      StoreAccess; it stops (fast shutdown) when the StoreAccess is destroyed, or by
//      PR_SET_PDEATHSIG if pchatctl dies first.
//   6. ensure_database("mgc") through the postgres database, connect to mgc, migrate()
//      (idempotent, serialized by an advisory lock).
//
// Known window: a pchatd started while a temporary instance runs finds a live
// postmaster in DIR/pg and shuts it down fast (store::Instance's leftover rule); the
// pchatctl command then fails with kUnavailable and changes nothing half-way (each
// account command is one statement).
#pragma once

#include <filesystem>
#include <memory>

#include "core/result.h"
#include "store/instance.h"
#include "store/pg.h"

namespace pchat::ctl {

struct StoreAccessOptions {
  std::filesystem::path data_dir;  // DIR
  bool create_if_missing = false;  // initialize a new DIR (only `user add`)
};

// An open connection to DIR's `mgc`, and the temporary instance behind it if we
// started one. Not thread-safe (one libpq connection).
class StoreAccess {
 public:
  ~StoreAccess();  // closes the connection, then stops the temporary instance, if any
  StoreAccess(const StoreAccess&) = delete;
  StoreAccess& operator=(const StoreAccess&) = delete;

  pg::Connection& mgc() { return mgc_; }
  // True when this command started DIR's PostgreSQL itself (nobody was running it).
  bool temporary_instance() const { return instance_ != nullptr; }
  // True when step 5 ran initdb (DIR had no cluster before this command).
  bool initialized_now() const { return initialized_now_; }

 private:
  friend Result<std::unique_ptr<StoreAccess>> open_store(const StoreAccessOptions& options);

  // Who changes the store, for `updated_by` columns: "pchatctl USER@HOST".
  std::string operator_identity();
  StoreAccess() = default;

  std::unique_ptr<store::Instance> instance_;  // null when someone else runs the store
  int lock_fd_ = -1;                           // DIR/ctl.lock, held while instance_ runs
  bool initialized_now_ = false;
  pg::Connection mgc_;
};

// Errors: kNotFound "no pchat data directory at DIR" (or DIR without a cluster) when
// creation is not allowed; kUnavailable when the store cannot be reached or started;
// others from initdb, postgres or migrate() (e.g. kConflict for a schema newer than
// this binary).
Result<std::unique_ptr<StoreAccess>> open_store(const StoreAccessOptions& options);

// Who changes the store, for `updated_by` columns: "pchatctl USER@HOST".
std::string operator_identity();

}  // namespace pchat::ctl
