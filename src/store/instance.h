// A private PostgreSQL instance that pchat creates and supervises (standalone mode).
//
// Layout under the data directory DIR:
//   DIR/pg/            the PostgreSQL cluster (initdb on first start)
//   DIR/run/           its unix socket directory (listen_addresses = '': no TCP)
//   DIR/postgres.log   the server's log
//
// Lifecycle:
//   1. start(): initdb if DIR/pg has no PG_VERSION; if a postmaster from an earlier
//      run is still alive (our process was killed -9), ask it to shut down fast and
//      wait (up to 60 s, then SIGQUIT); then wait up to kLeftoverWait for whatever
//      still holds DIR/pg (a killed postmaster not yet reaped, its exiting children,
//      a stopped postmaster: store/postmaster.h), logging what it waits for, and
//      fail with a sentence naming the PID and what to do if it is still there;
//      then spawn `postgres -D DIR/pg` as our child and wait until it accepts
//      connections (crash recovery after a kill -9 happens here, by PostgreSQL).
//   2. A supervisor thread waits on the child; if it dies unexpectedly it is
//      restarted with backoff (0.5 s doubling to 5 s). Clients of the store see
//      kUnavailable meanwhile and reconnect by themselves.
//   3. stop(): fast shutdown (SIGINT: active transactions abort, committed data is
//      on disk), wait for exit.
//   If our process dies without stop(), the child gets SIGINT from the kernel
//   (PR_SET_PDEATHSIG) and shuts down fast on its own.
//
// When running as root, initdb and postgres run as the `postgres` OS user (they
// refuse root); DIR/pg and DIR/run are then owned by that user, and DIR and its
// parents must be traversable by it.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/result.h"

namespace pchat::store {

// How long start() waits for an earlier run's server to go from DIR/pg.
inline constexpr std::chrono::seconds kLeftoverWait{15};

struct InstanceOptions {
  std::filesystem::path data_dir;     // DIR
  std::string superuser = "pchat";    // the cluster's bootstrap role
  int wal_segsize_mb = 16;            // initdb --wal-segsize (first start only)
  std::vector<std::string> settings;  // extra "name=value" server settings
};

// libpq connection string for database `dbname` on the standalone instance of data
// directory `data_dir` (its unix socket in data_dir/run), whoever runs it: Instance
// uses it, and so do clients (pchatctl) that find an instance already running.
// REQUIRES: data_dir is absolute (a relative host would be taken for a host name).
std::string standalone_conninfo(const std::filesystem::path& data_dir, const std::string& dbname,
                                const std::string& superuser = "pchat");

// Where PostgreSQL's server binaries are: $PCHAT_PG_BINDIR, else `pg_config --bindir`,
// else /usr/lib/postgresql/15/bin. Fails if initdb is not found there.
Result<std::filesystem::path> find_pg_bindir();

class Instance {
 public:
  explicit Instance(InstanceOptions options);
  ~Instance();  // stops the instance if running
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  // Blocking. Initializes if needed and starts supervising. Fails with a message that
  // includes initdb/postgres output when they fail. REQUIRES: not started.
  Status start();

  // Blocking; idempotent.
  void stop();

  // libpq connection string for database `dbname` on this instance.
  std::string conninfo(const std::string& dbname) const;

  // True while the postmaster child is up (it may still be in recovery).
  bool running() const { return child_.load() > 0; }
  const std::filesystem::path& data_dir() const { return opts_.data_dir; }

 private:
  Status ensure_initialized();
  Status spawn_and_wait_ready();
  void supervise();
  // Step 1's wait for an earlier run's server; the error says what holds DIR/pg.
  Status clear_leftover_server();

  const InstanceOptions opts_;
  std::filesystem::path bindir_;
  std::filesystem::path pgdata_, rundir_, logfile_;
  bool as_root_ = false;
  uid_t pg_uid_ = 0;
  gid_t pg_gid_ = 0;

  std::atomic<pid_t> child_{0};
  std::atomic<bool> stopping_{false};
  std::thread supervisor_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool started_ = false;
  Status start_status_ = ok_status();  // protected by mu_: the first start's outcome
  bool start_done_ = false;            // protected by mu_
};

}  // namespace pchat::store
