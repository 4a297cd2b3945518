#include "ctl/target/standalone.h"

#include <fcntl.h>
#include <libpq-fe.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <thread>

#include "core/process.h"
#include "store/migrations.h"
#include "store/postmaster.h"

namespace pchat::ctl {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr const char* kDatabase = "mgc";
// How long to wait for a postmaster that is up but not answering (step 4). A guess:
// start-up and fast shutdown of a small cluster take seconds; long crash recovery
// may exceed it, and then the user simply retries.
constexpr auto kBusyWait = 30s;

bool answers(const fs::path& dir) {
  return PQping(store::standalone_conninfo(dir, "postgres").c_str()) == PQPING_OK;
}

// The pid of a live postgres named by DIR/pg/postmaster.pid, or 0.
pid_t live_postmaster(const fs::path& dir) {
  return store::live_postmaster(dir / "pg");
}

// Step 2: may we start a store in `dir`?
Status check_data_dir(const fs::path& dir, bool create_if_missing) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    if (ec)
      return make_error(ErrorKind::kUnavailable,
                        "cannot access " + dir.string() + ": " + ec.message());
    if (!create_if_missing) {
      return make_error(ErrorKind::kNotFound, "no pchat data directory at " + dir.string());
    }
    fs::create_directories(dir, ec);
    if (ec) {
      return make_error(ErrorKind::kInvalidInput,
                        "cannot create data directory " + dir.string() + ": " + ec.message());
    }
    return ok_status();
  }
  if (!fs::is_directory(dir, ec)) {
    return make_error(ErrorKind::kInvalidInput, dir.string() + " is not a directory");
  }
  const fs::path version = dir / "pg" / "PG_VERSION";
  bool has_cluster = fs::exists(version, ec);
  if (ec) {
    return make_error(ErrorKind::kUnavailable,
                      "cannot access " + version.string() + ": " + ec.message());
  }
  if (!has_cluster && !create_if_missing) {
    return make_error(ErrorKind::kNotFound, "no pchat data directory at " + dir.string() +
                                                " (it has no PostgreSQL cluster in pg/)");
  }
  return ok_status();
}

// Step 3: an exclusive flock on DIR/ctl.lock; returns the fd.
Result<int> lock_data_dir(const fs::path& dir) {
  const fs::path path = dir / "ctl.lock";
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return make_error(ErrorKind::kUnavailable,
                      "cannot open " + path.string() + ": " + std::strerror(errno));
  }
  if (flock(fd, LOCK_EX | LOCK_NB) == 0) return fd;
  std::cerr << "pchatctl: waiting for another pchatctl using " << dir.string() << "\n";
  while (flock(fd, LOCK_EX) != 0) {
    if (errno != EINTR) {
      int e = errno;
      close(fd);
      return make_error(ErrorKind::kUnavailable,
                        "cannot lock " + path.string() + ": " + std::strerror(e));
    }
  }
  return fd;
}

// Step 4: true when the store answers now; false when nothing runs there any more.
Result<bool> wait_for_busy_postmaster(const fs::path& dir) {
  pid_t pid = live_postmaster(dir);
  if (pid == 0) return false;
  std::cerr << "pchatctl: waiting for the PostgreSQL server (pid " << pid << ") in " << dir.string()
            << " to accept connections\n";
  auto deadline = std::chrono::steady_clock::now() + kBusyWait;
  while (std::chrono::steady_clock::now() < deadline) {
    if (answers(dir)) return true;
    if (live_postmaster(dir) == 0) return false;
    std::this_thread::sleep_for(200ms);
  }
  return make_error(ErrorKind::kUnavailable,
                    "a PostgreSQL server (pid " + std::to_string(pid) + ") runs in " +
                        (dir / "pg").string() +
                        " but does not accept connections (a pchatd starting or stopping?); "
                        "try again later");
}

Result<pg::Connection> connect(const fs::path& dir, const std::string& dbname) {
  auto conn = pg::Connection::connect(store::standalone_conninfo(dir, dbname), "pchatctl");
  if (!conn) {
    return make_error(ErrorKind::kUnavailable,
                      "cannot reach the store at " + dir.string() + ": " + conn.error().message);
  }
  return conn;
}

// Step 6.
Result<pg::Connection> connect_mgc(const fs::path& dir) {
  auto admin = connect(dir, "postgres");
  if (!admin) return admin.error();
  auto db = store::ensure_database(*admin, kDatabase);
  if (!db) return db.error();
  admin->reset();
  auto conn = connect(dir, kDatabase);
  if (!conn) return conn.error();
  auto m = store::migrate(*conn);
  if (!m) return m.error();
  return std::move(conn).value();
}

}  // namespace

StoreAccess::~StoreAccess() {
  mgc_.reset();
  if (instance_) instance_->stop();
  if (lock_fd_ >= 0) close(lock_fd_);  // releases the flock
}

Result<std::unique_ptr<StoreAccess>> open_store(const StoreAccessOptions& options) {
  std::error_code ec;
  const fs::path dir = fs::absolute(options.data_dir, ec).lexically_normal();
  if (ec) return make_error(ErrorKind::kInvalidInput, "bad data directory: " + ec.message());
  std::unique_ptr<StoreAccess> access(new StoreAccess());

  bool running = answers(dir);  // step 1
  if (!running) {
    auto usable = check_data_dir(dir, options.create_if_missing);  // step 2
    if (!usable) return usable.error();
    auto fd = lock_data_dir(dir);  // step 3
    if (!fd) return fd.error();
    access->lock_fd_ = *fd;
    running = answers(dir);
    if (!running) {
      auto busy = wait_for_busy_postmaster(dir);  // step 4
      if (!busy) return busy.error();
      running = *busy;
    }
  }
  if (running) {
    spdlog::debug("ctl: using the store already running in {}", dir.string());
    if (access->lock_fd_ >= 0) {  // the lock only guards temporary instances
      close(access->lock_fd_);
      access->lock_fd_ = -1;
    }
  } else {
    access->initialized_now_ = !fs::exists(dir / "pg" / "PG_VERSION", ec);
    spdlog::debug("ctl: starting a temporary store in {}", dir.string());
    access->instance_ = std::make_unique<store::Instance>(store::InstanceOptions{.data_dir = dir});
    auto st = access->instance_->start();  // step 5
    if (!st) return st.error();
  }
  auto conn = connect_mgc(dir);  // step 6
  if (!conn) return conn.error();
  access->mgc_ = std::move(conn).value();
  return access;
}

std::string operator_identity() {
  return "pchatctl " + user_at_host();
}

}  // namespace pchat::ctl
