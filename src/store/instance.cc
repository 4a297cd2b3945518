#include "store/instance.h"

#include <fcntl.h>
#include <libpq-fe.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "core/process.h"
#include "core/text.h"
#include "store/postmaster.h"

namespace pchat::store {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr auto kReadyTimeout = 120s;  // crash recovery of a busy cluster can take a while
// How long a leftover postmaster asked to shut down fast may take (its shutdown
// checkpoint), before SIGQUIT.
constexpr auto kLeftoverShutdownWait = 60s;

std::string tail_of_file(const fs::path& p, size_t max_bytes) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return "";
  in.seekg(0, std::ios::end);
  auto size = static_cast<size_t>(in.tellg());
  size_t start = size > max_bytes ? size - max_bytes : 0;
  in.seekg(static_cast<std::streamoff>(start));
  std::string out(size - start, '\0');
  in.read(out.data(), static_cast<std::streamsize>(out.size()));
  return out;
}

}  // namespace

Result<fs::path> find_pg_bindir() {
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("PCHAT_PG_BINDIR"); env && *env) candidates.emplace_back(env);
  // Through spawn_process, like every child: only stdin, stdout and stderr.
  std::string out;
  SpawnOptions sh;
  sh.argv = {"/bin/sh", "-c", "pg_config --bindir 2>/dev/null"};
  if (auto rc = run_process(sh, &out); rc && *rc == 0) {
    out = text::trim_line_end(out);
    if (!out.empty()) candidates.emplace_back(out);
  }
  candidates.emplace_back("/usr/lib/postgresql/15/bin");
  for (const auto& c : candidates) {
    if (access((c / "initdb").c_str(), X_OK) == 0 && access((c / "postgres").c_str(), X_OK) == 0) {
      return c;
    }
  }
  return make_error(ErrorKind::kNotFound,
                    "PostgreSQL server binaries (initdb, postgres) not found: install "
                    "postgresql-15 or set PCHAT_PG_BINDIR");
}

Instance::Instance(InstanceOptions options) : opts_(std::move(options)) {
  pgdata_ = opts_.data_dir / "pg";
  rundir_ = opts_.data_dir / "run";
  logfile_ = opts_.data_dir / "postgres.log";
}

Instance::~Instance() {
  stop();
}

std::string standalone_conninfo(const fs::path& data_dir, const std::string& dbname,
                                const std::string& superuser) {
  return "host=" + (data_dir / "run").string() + " dbname=" + dbname + " user=" + superuser +
         " connect_timeout=5 application_name=pchat";
}

std::string Instance::conninfo(const std::string& dbname) const {
  return standalone_conninfo(opts_.data_dir, dbname, opts_.superuser);
}

Status Instance::ensure_initialized() {
  std::error_code ec;
  fs::create_directories(opts_.data_dir, ec);
  if (ec) {
    return make_error(ErrorKind::kInvalidInput, "cannot create data directory " +
                                                    opts_.data_dir.string() + ": " + ec.message());
  }
  for (const auto& d : {pgdata_, rundir_}) {
    fs::create_directories(d, ec);
    if (ec) return make_error(ErrorKind::kInvalidInput, "cannot create " + d.string());
    chmod(d.c_str(), 0700);
    if (as_root_ && chown(d.c_str(), pg_uid_, pg_gid_) != 0) {
      return make_error(ErrorKind::kInternal, "cannot chown " + d.string() + " to postgres");
    }
  }
  if (as_root_) {
    // The log file is opened by us (root) and handed to postgres as its stderr.
    chmod(opts_.data_dir.c_str(), 0755);
  }
  if (fs::exists(pgdata_ / "PG_VERSION")) return ok_status();

  spdlog::info("store: initializing a new PostgreSQL cluster in {}", pgdata_.string());
  SpawnOptions so;
  so.argv = {(bindir_ / "initdb").string(),
             "-D",
             pgdata_.string(),
             "-U",
             opts_.superuser,
             "--auth=trust",
             "--encoding=UTF8",
             "--locale=C",
             "--wal-segsize=" + std::to_string(opts_.wal_segsize_mb),
             "--no-instructions"};
  if (as_root_) {
    so.uid = pg_uid_;
    so.gid = pg_gid_;
  }
  so.cwd = pgdata_.string();
  std::string out;
  auto code = run_process(so, &out);
  if (!code) return code.error();
  if (*code != 0) {
    std::string hint;
    if (as_root_) {
      hint = " (as root, initdb runs as the postgres OS user: " + opts_.data_dir.string() +
             " and every parent directory must be traversable by it)";
    }
    // A half-made cluster would block the next attempt; nothing in it is data yet.
    fs::remove_all(pgdata_ / "global", ec);
    return make_error(ErrorKind::kInternal, "initdb failed with code " + std::to_string(*code) +
                                                hint + ": " + text::trim_line_end(out));
  }
  std::ofstream conf(pgdata_ / "postgresql.conf", std::ios::app);
  conf << "\n# pchat standalone settings\n"
       << "listen_addresses = ''\n"
       << "unix_socket_directories = '" << rundir_.string() << "'\n"
       << "unix_socket_permissions = 0700\n"
       << "max_connections = 100\n"
       << "shared_buffers = 128MB\n"
       << "synchronous_commit = on\n"
       << "fsync = on\n"
       << "wal_level = replica\n"
       << "max_wal_size = 1GB\n"
       << "log_min_messages = warning\n"
       << "log_line_prefix = '%m [%p] '\n";
  for (const auto& s : opts_.settings) conf << s << "\n";
  if (!conf) return make_error(ErrorKind::kInternal, "cannot write postgresql.conf");
  return ok_status();
}

Status Instance::clear_leftover_server() {
  const uid_t server_uid = as_root_ ? pg_uid_ : geteuid();
  auto log = [](const std::string& what) { spdlog::warn("store: {}", what); };
  LockHolder h = inspect_lock_file(pgdata_);
  if (h.kind == LockHolder::Kind::kRunning || h.kind == LockHolder::Kind::kStopped) {
    spdlog::warn("store: a postmaster from an earlier run (pid {}) is still up; shutting it down",
                 h.pid);
    kill(h.pid, SIGINT);  // a stopped one acts on it once resumed
    if (h.kind == LockHolder::Kind::kRunning &&
        !wait_for_old_server(pgdata_, kLeftoverShutdownWait, server_uid, log)) {
      spdlog::warn("store: postmaster {} ignored fast shutdown; sending SIGQUIT", h.pid);
      kill(h.pid, SIGQUIT);
    }
  }
  return wait_for_old_server(pgdata_, kLeftoverWait, server_uid, log);
}

Status Instance::spawn_and_wait_ready() {
  if (auto st = clear_leftover_server(); !st) {
    return make_error(st.error().kind, "cannot start PostgreSQL: " + st.error().message);
  }
  int logfd = open(logfile_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (logfd < 0) return make_error(ErrorKind::kInternal, "cannot open " + logfile_.string());
  SpawnOptions so;
  so.argv = {(bindir_ / "postgres").string(), "-D", pgdata_.string()};
  if (as_root_) {
    so.uid = pg_uid_;
    so.gid = pg_gid_;
  }
  so.stdout_fd = logfd;
  so.stderr_fd = logfd;
  so.parent_death_signal = SIGINT;
  so.cwd = pgdata_.string();
  auto pid = spawn_process(so);
  close(logfd);
  if (!pid) return pid.error();
  child_.store(*pid);

  const std::string ci = conninfo("postgres");
  auto deadline = std::chrono::steady_clock::now() + kReadyTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (PQping(ci.c_str()) == PQPING_OK) return ok_status();
    int status = 0;
    pid_t r = waitpid(*pid, &status, WNOHANG);
    if (r == *pid) {
      child_.store(0);
      std::string why;  // a lock holder that came up since clear_leftover_server()
      LockHolder h = inspect_lock_file(pgdata_);
      if (blocks_start(h, as_root_ ? pg_uid_ : geteuid()))
        why = explain_lock_holder(h, pgdata_) + "; ";
      return make_error(ErrorKind::kUnavailable, "postgres exited during start-up: " + why +
                                                     "last log lines:\n" +
                                                     tail_of_file(logfile_, 1500));
    }
    if (stopping_.load()) break;
    std::this_thread::sleep_for(50ms);
  }
  return make_error(ErrorKind::kUnavailable, "postgres did not become ready in time");
}

Status Instance::start() {
  auto bindir = find_pg_bindir();
  if (!bindir) return bindir.error();
  bindir_ = *bindir;
  if (geteuid() == 0) {
    auto u = lookup_user("postgres");
    if (!u)
      return make_error(ErrorKind::kNotFound,
                        "running as root, but there is no 'postgres' OS user to run "
                        "PostgreSQL as (install postgresql-15 or run as another user)");
    as_root_ = true;
    pg_uid_ = u->uid;
    pg_gid_ = u->gid;
  }
  auto init = ensure_initialized();
  if (!init) return init;
  started_ = true;
  // The supervisor thread spawns the child so that PR_SET_PDEATHSIG is tied to a
  // thread that lives as long as the supervision.
  supervisor_ = std::thread([this] { supervise(); });
  std::unique_lock lk(mu_);
  cv_.wait(lk, [this] { return start_done_; });
  return start_status_;
}

void Instance::supervise() {
  auto backoff = 500ms;
  bool first = true;
  while (!stopping_.load()) {
    auto st = spawn_and_wait_ready();
    if (first) {
      std::lock_guard lk(mu_);
      start_status_ = st;
      start_done_ = true;
      cv_.notify_all();
      first = false;
      if (!st) {
        pid_t p = child_.exchange(0);
        if (p > 0) {
          kill(p, SIGQUIT);
          wait_process(p);
        }
        return;
      }
    }
    if (st) {
      spdlog::info("store: PostgreSQL is up (pid {})", child_.load());
      backoff = 500ms;
      pid_t p = child_.load();
      if (p > 0) {
        int code = wait_process(p);
        child_.store(0);
        if (stopping_.load()) return;
        spdlog::error("store: PostgreSQL exited unexpectedly (code {}); restarting", code);
      }
    } else {
      spdlog::error("store: PostgreSQL restart failed: {}", st.error().message);
    }
    std::unique_lock lk(mu_);
    cv_.wait_for(lk, backoff, [this] { return stopping_.load(); });
    backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
  }
}

void Instance::stop() {
  if (!started_) return;
  stopping_.store(true);
  {
    std::lock_guard lk(mu_);
    cv_.notify_all();
  }
  pid_t p = child_.load();
  if (p > 0) kill(p, SIGINT);
  if (supervisor_.joinable()) supervisor_.join();
  // The supervisor may have been between spawn and wait.
  p = child_.exchange(0);
  if (p > 0) {
    kill(p, SIGINT);
    wait_process(p);
  }
  started_ = false;
  spdlog::info("store: PostgreSQL stopped");
}

}  // namespace pchat::store
