#include "dr/cluster/pg_cluster.h"

#include <fcntl.h>
#include <libpq-fe.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/process.h"
#include "core/text.h"
#include "store/instance.h"
#include "store/postmaster.h"

namespace pchat::dr {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

Result<PgTools> PgTools::find() {
  PgTools t;
  auto bindir = store::find_pg_bindir();
  if (!bindir) return bindir.error();
  t.bindir_ = *bindir;
  if (geteuid() == 0) {
    auto u = lookup_user("postgres");
    if (!u) {
      return make_error(ErrorKind::kNotFound,
                        "running as root, but there is no 'postgres' OS user to run PostgreSQL "
                        "as (install postgresql-15 or run as another user)");
    }
    t.uid_ = u->uid;
    t.gid_ = u->gid;
  }
  return t;
}

SpawnOptions PgTools::spawn_options(const std::string& tool,
                                    const std::vector<std::string>& args) const {
  SpawnOptions so;
  so.argv = {(bindir_ / tool).string()};
  so.argv.insert(so.argv.end(), args.begin(), args.end());
  so.uid = uid_;
  so.gid = gid_;
  so.cwd = "/";
  return so;
}

Result<int> PgTools::run(const std::string& tool, const std::vector<std::string>& args,
                         std::string* output) const {
  return run_process(spawn_options(tool, args), output);
}

Status PgTools::run_ok(const std::string& tool, const std::vector<std::string>& args) const {
  std::string out;
  auto code = run(tool, args, &out);
  if (!code) return code.error();
  if (*code != 0) {
    return make_error(ErrorKind::kInternal, tool + " failed with code " + std::to_string(*code) +
                                                ": " + text::trim_line_end(out));
  }
  return ok_status();
}

Result<int> PgTools::run_streaming(const std::string& tool, const std::vector<std::string>& args,
                                   const std::function<void(const std::string&)>& on_line) const {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return make_error(ErrorKind::kInternal, "pipe failed");
  SpawnOptions so = spawn_options(tool, args);
  so.stdout_fd = fds[1];
  so.stderr_fd = fds[1];
  auto pid = spawn_process(so);
  close(fds[1]);
  if (!pid) {
    close(fds[0]);
    return pid.error();
  }
  std::string line;
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) != 0) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (ssize_t i = 0; i < n; ++i) {
      if (buf[i] == '\n' || buf[i] == '\r') {
        if (!line.empty() && on_line) on_line(line);
        line.clear();
      } else {
        line += buf[i];
      }
    }
  }
  if (!line.empty() && on_line) on_line(line);
  close(fds[0]);
  return wait_process(*pid);
}

Status PgTools::give_to_postgres(const fs::path& path) const {
  if (!uid_) return ok_status();
  if (chown(path.c_str(), *uid_, *gid_) != 0) {
    return make_error(ErrorKind::kInternal, "cannot chown " + path.string() + " to postgres");
  }
  return ok_status();
}

Status PgTools::make_owned_dir(const fs::path& dir, mode_t mode) const {
  std::error_code ec;
  if (dir.has_parent_path()) fs::create_directories(dir.parent_path(), ec);
  fs::create_directories(dir, ec);
  if (ec)
    return make_error(ErrorKind::kInternal, "cannot create " + dir.string() + ": " + ec.message());
  chmod(dir.c_str(), mode);
  return give_to_postgres(dir);
}

std::string quote_conf(const std::string& v) {
  std::string out = "'";
  for (char ch : v) {
    if (ch == '\'') out += '\'';
    out += ch;
  }
  return out + "'";
}

std::string cluster_conninfo(const ClusterPaths& c, int port, const std::string& dbname) {
  return "host=" + c.rundir().string() + " port=" + std::to_string(port) + " dbname=" + dbname +
         " user=pchat connect_timeout=5";
}

Status prepare_cluster_dirs(const PgTools& tools, const ClusterPaths& c) {
  if (auto st = tools.make_owned_dir(c.dir, 0755); !st) return st;
  if (auto st = tools.make_owned_dir(c.rundir(), 0700); !st) return st;
  int fd = open(c.logfile().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return make_error(ErrorKind::kInternal, "cannot create " + c.logfile().string());
  close(fd);
  return tools.give_to_postgres(c.logfile());
}

Status init_cluster(const PgTools& tools, const ClusterPaths& c, int wal_segsize_mb) {
  if (auto st = prepare_cluster_dirs(tools, c); !st) return st;
  if (fs::exists(c.pgdata() / "PG_VERSION")) return ok_status();
  if (auto st = tools.make_owned_dir(c.pgdata(), 0700); !st) return st;
  return tools.run_ok(
      "initdb",
      {"-D", c.pgdata().string(), "-U", "pchat", "--auth=trust", "--encoding=UTF8", "--locale=C",
       "--wal-segsize=" + std::to_string(wal_segsize_mb), "--no-instructions", "--no-sync"});
}

Status append_settings(const ClusterPaths& c, const std::string& comment,
                       const std::vector<std::string>& settings) {
  std::ofstream conf(c.pgdata() / "postgresql.conf", std::ios::app);
  conf << "\n# " << comment << "\n";
  for (const auto& s : settings) conf << s << "\n";
  conf.close();
  if (!conf)
    return make_error(ErrorKind::kInternal,
                      "cannot write postgresql.conf in " + c.pgdata().string());
  return ok_status();
}

std::vector<std::string> base_settings(const ClusterPaths& c, int port, int wal_segsize_mb) {
  // PostgreSQL's default memory and checkpoint distance (a checkpoint every 64 MB of
  // WAL made every first change of a page after it a full-page image: 1.75 KB of WAL
  // per message instead of 1.3 under load); little WAL kept when idle.
  const int min_wal_mb = std::max(8, 2 * wal_segsize_mb);
  const int max_wal_mb = std::max(1024, 4 * wal_segsize_mb);
  return {"listen_addresses = '127.0.0.1'",
          "port = " + std::to_string(port),
          "unix_socket_directories = " + quote_conf(c.rundir().string()),
          "unix_socket_permissions = 0700",
          "max_connections = 60",
          "shared_buffers = 128MB",
          "fsync = on",
          "synchronous_commit = on",
          "wal_level = replica",
          "max_wal_senders = 10",
          "max_replication_slots = 10",
          "wal_keep_size = 64MB",
          "hot_standby = on",
          "hot_standby_feedback = on",
          "wal_log_hints = on",  // pg_rewind: an old primary comes back as the mirror
          "track_commit_timestamp = on",
          "max_wal_size = " + std::to_string(max_wal_mb) + "MB",
          "min_wal_size = " + std::to_string(min_wal_mb) + "MB",
          "log_min_messages = warning",
          "log_line_prefix = '%m [%p] '"};
}

std::vector<std::string> tls_settings(const fs::path& cert, const fs::path& key,
                                      const fs::path& ca) {
  return {"ssl = on", "ssl_cert_file = " + quote_conf(cert.string()),
          "ssl_key_file = " + quote_conf(key.string()), "ssl_ca_file = " + quote_conf(ca.string()),
          "ssl_min_protocol_version = 'TLSv1.2'"};
}

Status write_tls_only_hba(const PgTools& tools, const ClusterPaths& c, const std::string& user) {
  const fs::path hba = c.pgdata() / "pg_hba.conf";
  std::ofstream out(hba, std::ios::trunc);
  out << "# Written by pchat (TLS only): the unix socket for the local operator; TCP only\n"
      << "# encrypted (hostssl) with a client certificate (cert), plain TCP rejected.\n"
      << "# TYPE    DATABASE     USER  ADDRESS        METHOD\n"
      << "local     all          all                  trust\n"
      << "local     replication  all                  trust\n"
      << "hostssl   all          " << user << "   127.0.0.1/32   cert\n"
      << "hostssl   replication  " << user << "   127.0.0.1/32   cert\n"
      << "hostnossl all          all   0.0.0.0/0      reject\n"
      << "hostnossl replication  all   0.0.0.0/0      reject\n"
      << "hostnossl all          all   ::/0           reject\n"
      << "hostnossl replication  all   ::/0           reject\n";
  out.close();
  if (!out) return make_error(ErrorKind::kInternal, "cannot write " + hba.string());
  return tools.give_to_postgres(hba);
}

Status wait_ready(const std::string& conninfo, int timeout_s) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    if (PQping(conninfo.c_str()) == PQPING_OK) return ok_status();
    std::this_thread::sleep_for(50ms);
  }
  return make_error(
      ErrorKind::kUnavailable,
      "PostgreSQL did not answer within " + std::to_string(timeout_s) + " s (" + conninfo + ")");
}

// A postmaster killed with SIGKILL leaves its lock files; PostgreSQL removes them
// itself unless the PID in them still exists, which a zombie not yet reaped by init
// does. Remove the ones whose PID is no live postgres.
static void remove_stale_locks(const ClusterPaths& c) {
  std::vector<fs::path> locks = {c.pgdata() / "postmaster.pid"};
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(c.rundir(), ec)) {
    if (e.path().filename().string().ends_with(".lock")) locks.push_back(e.path());
  }
  for (const auto& lock : locks) {
    std::ifstream in(lock);
    pid_t pid = 0;
    if (!(in >> pid) || pid <= 0) continue;
    std::string cmd = read_proc_file(pid, "cmdline");
    if (process_alive(pid) && cmd.find("postgres") != std::string::npos) continue;
    fs::remove(lock, ec);
    if (lock.extension() == ".lock")
      fs::remove(fs::path(lock).replace_extension(), ec);  // the socket
  }
}

Status start_cluster(const PgTools& tools, const ClusterPaths& c, int timeout_s) {
  if (postmaster_pid(c)) return ok_status();
  remove_stale_locks(c);
  std::string out;
  auto code = tools.run("pg_ctl",
                        {"start", "-D", c.pgdata().string(), "-l", c.logfile().string(), "-w", "-t",
                         std::to_string(timeout_s), "-s"},
                        &out);
  if (!code) return code.error();
  if (*code != 0) {
    std::string log = read_file(c.logfile());
    if (log.size() > 1500) log = log.substr(log.size() - 1500);
    return make_error(ErrorKind::kUnavailable, "pg_ctl start " + c.pgdata().string() +
                                                   " failed: " + text::trim_line_end(out) +
                                                   "\nlast log lines:\n" + log);
  }
  return ok_status();
}

Status stop_cluster(const PgTools& tools, const ClusterPaths& c, int timeout_s) {
  if (!postmaster_pid(c)) return ok_status();
  std::string out;
  auto code = tools.run("pg_ctl",
                        {"stop", "-D", c.pgdata().string(), "-m", "fast", "-w", "-t",
                         std::to_string(timeout_s), "-s"},
                        &out);
  if (!code) return code.error();
  if (*code != 0 && postmaster_pid(c)) {
    return make_error(ErrorKind::kUnavailable,
                      "pg_ctl stop " + c.pgdata().string() + ": " + text::trim_line_end(out));
  }
  return ok_status();
}

std::optional<pid_t> postmaster_pid(const ClusterPaths& c) {
  pid_t pid = store::live_postmaster(c.pgdata());
  if (pid == 0) return std::nullopt;
  return pid;
}

std::vector<pid_t> child_pids(pid_t parent) {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    const std::string name = e.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string stat = read_proc_file(std::atoi(name.c_str()), "stat");
    auto close_paren = stat.rfind(')');
    if (close_paren == std::string::npos) continue;
    // ") S PPID ..."
    std::istringstream rest(stat.substr(close_paren + 1));
    std::string state;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid == parent) out.push_back(std::stoi(name));
  }
  return out;
}

std::vector<pid_t> kill_cluster(const ClusterPaths& c) {
  std::vector<pid_t> killed;
  auto pm = postmaster_pid(c);
  if (!pm) return killed;
  // Freeze the whole tree top down (postmaster, its children, what they run, such as
  // the archive command) so that nothing forks a replacement or outlives the kill,
  // as in the loss of the machine; then kill it all.
  killed.push_back(*pm);
  kill(*pm, SIGSTOP);
  for (size_t i = 0; i < killed.size(); ++i) {
    for (pid_t k : child_pids(killed[i])) {
      kill(k, SIGSTOP);
      killed.push_back(k);
    }
  }
  for (pid_t p : killed) kill(p, SIGKILL);
  auto deadline = std::chrono::steady_clock::now() + 10s;
  for (pid_t p : killed) {
    while (process_alive(p) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(10ms);
    }
  }
  return killed;
}

Status base_backup(const PgTools& tools, const std::string& source_conninfo, const ClusterPaths& c,
                   const std::function<void(const std::string&)>& on_progress) {
  if (auto st = prepare_cluster_dirs(tools, c); !st) return st;
  std::error_code ec;
  if (fs::exists(c.pgdata()) && !fs::is_empty(c.pgdata(), ec)) {
    return make_error(ErrorKind::kConflict,
                      c.pgdata().string() + " is not empty: refusing to overwrite a cluster");
  }
  if (auto st = tools.make_owned_dir(c.pgdata(), 0700); !st) return st;
  std::string last;
  auto code = tools.run_streaming("pg_basebackup",
                                  {
                                      "-d",
                                      source_conninfo,
                                      "-D",
                                      c.pgdata().string(),
                                      "-X",
                                      "stream",
                                      "-c",
                                      "fast",
                                      "-P",
                                  },
                                  [&](const std::string& line) {
                                    last = line;
                                    if (on_progress) on_progress(line);
                                  });
  if (!code) return code.error();
  if (*code != 0) {
    fs::remove_all(c.pgdata(), ec);  // a half-made copy; nothing in it is data
    return make_error(ErrorKind::kInternal,
                      "pg_basebackup failed with code " + std::to_string(*code) + ": " + last);
  }
  return ok_status();
}

}  // namespace pchat::dr
