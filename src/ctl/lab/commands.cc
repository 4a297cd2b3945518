#include "ctl/lab/commands.h"

#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/process.h"
#include "ctl/lab/layout.h"
#include "ctl/lab/process.h"
#include "ctl/lab/tls.h"
#include "ctl/lab/users.h"
#include "dr/cluster/pg_cluster.h"
#include "dr/cluster/standby.h"
#include "dr/topology_file.h"

namespace pchat::ctl {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using dr::StoreRole;
using nlohmann::json;

namespace {

constexpr int kServerReadyTimeoutS = 90;

// Stop order: mirrors and standbys before what they copy.
constexpr StoreRole kStopOrder[] = {StoreRole::kBackupMirror, StoreRole::kMirror,
                                    StoreRole::kBackup,       StoreRole::kComplianceBackup,
                                    StoreRole::kCompliance,   StoreRole::kPrimary};

struct Lab {
  LabLayout layout;
  dr::PgTools tools;
  dr::PchatCommands cmds;
  fs::path pchatd;

  dr::ClusterPaths cluster(StoreRole r) const { return {layout.store_dir(r)}; }
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string fmt_s(double s) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(1) << s << " s";
  return o.str();
}

Result<Lab> open_lab(const fs::path& dir) {
  auto layout = load_lab_layout(dir);
  if (!layout) return layout.error();
  auto tools = dr::PgTools::find();
  if (!tools) return tools.error();
  Lab lab{std::move(*layout), std::move(*tools), {}, {}};
  lab.cmds.pchatctl = self_exe();
  lab.cmds.topology_file = lab.layout.topology_file();
  lab.pchatd = lab.cmds.pchatctl.parent_path() / "pchatd";
  return lab;
}

Status check_dc(const std::string& dc) {
  if (dc == "A" || dc == "B" || dc == "W") return ok_status();
  return make_error(ErrorKind::kInvalidInput,
                    "unknown datacenter '" + dc + "' (the lab has A, B and W, the witness's)");
}

std::vector<std::string> server_argv(const Lab& lab, const LabServer& s) {
  std::vector<std::string> argv = {lab.pchatd.string(),
                                   "--topology",
                                   lab.cmds.topology_file.string(),
                                   "--server",
                                   s.name,
                                   "--data-dir",
                                   (lab.layout.dir / "servers" / s.name).string()};
  if (lab.layout.allow_guests) argv.push_back("--allow-guests");
  if (lab.layout.compliance_run_interval_ms > 0) {
    argv.push_back("--compliance-run-interval-ms");
    argv.push_back(std::to_string(lab.layout.compliance_run_interval_ms));
  }
  if (lab.layout.tls) {
    const LabCertificates certs = lab_certificate_paths(lab.layout.tls_dir());
    argv.insert(argv.end(),
                {"--irc-tls-listen", "127.0.0.1:" + std::to_string(s.irc_tls_port), "--tls-cert",
                 certs.server_cert.string(), "--tls-key", certs.server_key.string()});
  }
  argv.insert(argv.end(), lab.layout.server_args.begin(), lab.layout.server_args.end());
  return argv;
}

// PostgreSQL's copy of the lab's server key: the postgres user's, mode 0600.
fs::path postgres_server_key(const LabLayout& l) {
  return l.tls_dir() / "postgres-server.key";
}

// lab up --tls: the lab's CA and certificates, PostgreSQL's copy of the server key,
// and the client key readable by PostgreSQL's tools too (the walreceiver,
// pg_basebackup and the copy job sign in with it as postgres): as root, root-owned,
// group postgres, mode 0640 (libpq accepts that of a root-owned key).
Status make_lab_tls(const Lab& lab, std::ostream& out) {
  auto certs = make_lab_certificates(lab.layout.tls_dir(), 30);
  if (!certs) return certs.error();
  const fs::path pg_key = postgres_server_key(lab.layout);
  std::error_code ec;
  fs::copy_file(certs->server_key, pg_key, ec);
  if (ec || chmod(pg_key.c_str(), 0600) != 0) {
    return make_error(ErrorKind::kInternal, "cannot write " + pg_key.string());
  }
  if (auto st = lab.tools.give_to_postgres(pg_key); !st) return st;
  if (lab.tools.as_root() && (chown(certs->client_key.c_str(), 0, *lab.tools.gid()) != 0 ||
                              chmod(certs->client_key.c_str(), 0640) != 0)) {
    return make_error(ErrorKind::kInternal,
                      "cannot give " + certs->client_key.string() + " to group postgres");
  }
  out << "  TLS: CA " << certs->ca_cert.string() << ", server certificate "
      << certs->server_cert.string() << " (localhost, 127.0.0.1), client certificate "
      << certs->client_cert.string() << " (pchat)\n";
  return ok_status();
}

// With --tls a new cluster gets ssl on and TLS-only access (hostssl).
Status configure_lab_tls(const Lab& lab, const dr::ClusterPaths& c,
                         std::vector<std::string>& settings) {
  if (!lab.layout.tls) return ok_status();
  const LabCertificates certs = lab_certificate_paths(lab.layout.tls_dir());
  for (auto& s :
       dr::tls_settings(certs.server_cert, postgres_server_key(lab.layout), certs.ca_cert))
    settings.push_back(s);
  return dr::write_tls_only_hba(lab.tools, c, "pchat");
}

std::vector<std::string> job_argv(const Lab& lab, const LabJob& j) {
  std::vector<std::string> argv = {lab.cmds.pchatctl.string(), "--log-level", "info", "--topology",
                                   lab.cmds.topology_file.string()};
  argv.insert(argv.end(), j.args.begin(), j.args.end());
  return argv;
}

std::string tail_of(const fs::path& p, size_t max_bytes = 1500) {
  std::ifstream in(p, std::ios::binary);
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return s.size() > max_bytes ? s.substr(s.size() - max_bytes) : s;
}

Status start_jobs(Lab& lab, const std::string& dc, std::ostream& out) {
  for (auto& j : lab.layout.jobs) {
    if (j.dc != dc || pid_runs(j.pid, "pchatctl")) continue;
    std::optional<uid_t> uid;
    std::optional<gid_t> gid;
    if (j.as_postgres) {
      uid = lab.tools.uid();
      gid = lab.tools.gid();
    }
    auto pid = spawn_detached(job_argv(lab, j), lab.layout.job_log(j), uid, gid);
    if (!pid) return pid.error();
    j.pid = *pid;
    out << "  started job " << j.name << " (datacenter " << dc << ", pid " << *pid << ")\n";
  }
  return save_lab_layout(lab.layout);
}

Status start_servers(Lab& lab, const std::string& dc, std::ostream& out) {
  for (auto& s : lab.layout.servers) {
    if (s.dc != dc || pid_runs(s.pid, "pchatd")) continue;
    auto pid = spawn_detached(server_argv(lab, s), lab.layout.server_log(s));
    if (!pid) return pid.error();
    s.pid = *pid;
  }
  if (auto st = save_lab_layout(lab.layout); !st) return st;
  std::string failed;
  for (const auto& s : lab.layout.servers) {
    if (s.dc != dc) continue;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kServerReadyTimeoutS);
    bool ready = false;
    while (std::chrono::steady_clock::now() < deadline) {
      reap_if_child(s.pid);
      if (!pid_runs(s.pid, "")) break;  // our child: it may not have exec'd pchatd yet
      if (port_listening(s.irc_port) && port_listening(s.http_port) &&
          (s.irc_tls_port == 0 || port_listening(s.irc_tls_port))) {
        ready = true;
        break;
      }
      std::this_thread::sleep_for(50ms);
    }
    if (ready) {
      out << "  started pchatd " << s.name << " (pid " << s.pid << ", IRC 127.0.0.1:" << s.irc_port;
      if (s.irc_tls_port != 0) out << ", IRC over TLS 127.0.0.1:" << s.irc_tls_port;
      out << ", HTTP 127.0.0.1:" << s.http_port << ")\n";
    } else {
      failed += "\n" + s.name + " (pid " + std::to_string(s.pid) + ") is not ready; log " +
                lab.layout.server_log(s).string() + ":\n" + tail_of(lab.layout.server_log(s), 800);
    }
  }
  if (!failed.empty()) return make_error(ErrorKind::kUnavailable, "pchatd did not start:" + failed);
  return ok_status();
}

Status start_store(Lab& lab, StoreRole role, std::ostream& out) {
  auto c = lab.cluster(role);
  if (dr::postmaster_pid(c)) return ok_status();
  if (auto st = dr::start_cluster(lab.tools, c); !st) return st;
  out << "  started PostgreSQL " << dr::to_string(role) << " (pid "
      << dr::postmaster_pid(c).value_or(0) << ", port " << lab.layout.store(role)->port << ")\n";
  return ok_status();
}

Status create_lab(Lab& lab, std::ostream& out) {
  const LabLayout& l = lab.layout;
  auto topo = dr::load_topology(l.topology_file());
  if (!topo) return topo.error();
  auto progress = [&out](const std::string& line) {
    // pg_basebackup's progress lines; keep the output short.
    if (line.find("kB") == std::string::npos) out << "    " << line << "\n";
  };
  for (const fs::path& d : {l.share(), l.copy_destination()}) {
    if (auto st = lab.tools.make_owned_dir(d, 0755); !st) return st;
  }
  // Primary and the two compliance stores: new clusters.
  for (StoreRole r : {StoreRole::kPrimary, StoreRole::kCompliance, StoreRole::kComplianceBackup}) {
    auto c = lab.cluster(r);
    auto t0 = std::chrono::steady_clock::now();
    if (auto st = dr::init_cluster(lab.tools, c, topo->log_shipping.wal_segsize_mb); !st) return st;
    std::vector<std::string> settings =
        dr::base_settings(c, l.store(r)->port, topo->log_shipping.wal_segsize_mb);
    if (r == StoreRole::kPrimary) {
      for (auto& s : dr::archive_settings(*topo, lab.cmds)) settings.push_back(s);
    }
    if (auto st = configure_lab_tls(lab, c, settings); !st) return st;
    if (auto st = dr::append_settings(c, "pchat lab: " + std::string(dr::to_string(r)), settings);
        !st)
      return st;
    if (auto st = start_store(lab, r, out); !st) return st;
    const std::string db = dr::is_compliance_role(r) ? "mgccomp" : "mgc";
    if (auto st = dr::ensure_database_on(dr::cluster_conninfo(c, l.store(r)->port, "postgres"), db);
        !st) {
      return st;
    }
    out << "    " << dr::to_string(r) << ": initdb, start, database " << db << " in "
        << fmt_s(seconds_since(t0)) << "\n";
  }
  out << "  mirror (synchronous standby of primary):\n";
  if (auto st = dr::install_mirror(lab.tools, *topo, StoreRole::kPrimary, StoreRole::kMirror,
                                   lab.cmds, true, progress);
      !st) {
    return st;
  }
  out << "  backup (log-shipping standby):\n";
  if (auto st = dr::init_backup_standby(lab.tools, *topo, lab.cmds, progress); !st) return st;
  out << "  backup mirror (standby of backup):\n";
  return dr::install_mirror(lab.tools, *topo, StoreRole::kBackup, StoreRole::kBackupMirror,
                            lab.cmds, true, progress);
}

void print_connect(const Lab& lab, std::ostream& out) {
  const LabLayout& l = lab.layout;
  out << "\nTopology: " << l.topology_file().string() << "\n"
      << "  pchatctl --topology " << l.topology_file().string() << " status\n"
      << "  pchatctl --topology " << l.topology_file().string() << " logship status\n"
      << "  pchatctl lab status --dir " << l.dir.string() << "   |   pchatctl lab down --dir "
      << l.dir.string() << "\nConnect an IRC client to an active server (datacenter A):\n";
  const LabCertificates certs = lab_certificate_paths(l.tls_dir());
  const std::string ca = certs.ca_cert.string();
  for (const auto& s : l.servers) {
    if (s.dc != "A") continue;
    out << "  irssi -c 127.0.0.1 -p " << s.irc_port << "    # " << s.name << "\n";
    if (s.irc_tls_port != 0) {
      out << "  (TLS, in irssi) /connect -tls -tls_cafile " << ca << " 127.0.0.1 " << s.irc_tls_port
          << "\n";
    }
  }
  out << "Stores (psql):\n";
  for (const auto& st : l.stores) {
    const std::string host = l.tls ? "127.0.0.1" : l.store_dir(st.role).string() + "/run";
    out << "  psql 'host=" << host << " port=" << st.port
        << " user=pchat dbname=" << (dr::is_compliance_role(st.role) ? "mgccomp" : "mgc")
        << (l.tls ? " sslmode=verify-full sslrootcert=" + ca + " sslcert=" +
                        certs.client_cert.string() + " sslkey=" + certs.client_key.string()
                  : "")
        << "'    # " << dr::to_string(st.role) << " (datacenter " << st.dc << ")\n";
  }
}

Status stop_dc_processes(Lab& lab, const std::string& dc, int sig, std::ostream& out) {
  const int timeout_ms = sig == SIGKILL ? 5000 : 20000;
  for (auto& s : lab.layout.servers) {
    if (!dc.empty() && s.dc != dc) continue;
    if (pid_runs(s.pid, "pchatd")) {
      bool forced = stop_pid(s.pid, "pchatd", sig, timeout_ms);
      out << "  " << (sig == SIGKILL ? "killed" : "stopped") << " pchatd " << s.name << " (pid "
          << s.pid << (forced && sig != SIGKILL ? ", needed SIGKILL" : "") << ")\n";
    }
  }
  for (auto& j : lab.layout.jobs) {
    if (!dc.empty() && j.dc != dc) continue;
    if (pid_runs(j.pid, "pchatctl")) {
      stop_pid(j.pid, "pchatctl", sig, sig == SIGKILL ? 5000 : 10000);
      out << "  " << (sig == SIGKILL ? "killed" : "stopped") << " job " << j.name << " (pid "
          << j.pid << ")\n";
    }
  }
  for (StoreRole r : kStopOrder) {
    const LabStore* st = lab.layout.store(r);
    if (st == nullptr || (!dc.empty() && st->dc != dc)) continue;
    auto c = lab.cluster(r);
    if (sig == SIGKILL) {
      auto pids = dr::kill_cluster(c);
      if (!pids.empty()) {
        out << "  killed PostgreSQL " << dr::to_string(r) << " (postmaster " << pids.front()
            << " and " << pids.size() - 1 << " children)\n";
      }
    } else if (auto pm = dr::postmaster_pid(c)) {
      if (auto s = dr::stop_cluster(lab.tools, c); !s) return s;
      out << "  stopped PostgreSQL " << dr::to_string(r) << " (pid " << *pm << ")\n";
    }
  }
  return ok_status();
}

struct ComponentStatus {
  std::string name, dc, kind, address;
  pid_t pid = 0;
  bool running = false;
};

std::vector<ComponentStatus> component_status(const Lab& lab) {
  std::vector<ComponentStatus> out;
  for (const auto& st : lab.layout.stores) {
    auto pm = dr::postmaster_pid(lab.cluster(st.role));
    out.push_back({dr::to_string(st.role), st.dc, "postgres",
                   "127.0.0.1:" + std::to_string(st.port) + (lab.layout.tls ? " (TLS only)" : ""),
                   pm.value_or(0), pm.has_value()});
  }
  for (const auto& s : lab.layout.servers) {
    std::string address = "irc 127.0.0.1:" + std::to_string(s.irc_port);
    if (s.irc_tls_port != 0) address += " ircs 127.0.0.1:" + std::to_string(s.irc_tls_port);
    address += " http 127.0.0.1:" + std::to_string(s.http_port);
    out.push_back({s.name, s.dc, "pchatd", address, s.pid, pid_runs(s.pid, "pchatd")});
  }
  for (const auto& j : lab.layout.jobs) {
    out.push_back({j.name, j.dc, "job", "log " + lab.layout.job_log(j).string(), j.pid,
                   pid_runs(j.pid, "pchatctl")});
  }
  return out;
}

}  // namespace

// Long: the lab's start-up in order (stores, jobs, witness, servers), a report line each.
Status lab_up(const LabArgs& args, std::ostream& out) {
  auto t0 = std::chrono::steady_clock::now();
  if (args.servers_per_dc < 1 || args.servers_per_dc > 8) {
    return make_error(ErrorKind::kInvalidInput, "--servers-per-dc must be 1-8");
  }
  if (args.users < 0 || args.users > 1000) {
    return make_error(ErrorKind::kInvalidInput, "--users must be 0-1000");
  }
  if (!dr::parse_mirror_mode(args.mirror_mode)) {
    return make_error(ErrorKind::kInvalidInput, "--mirror-mode: high-safety or strict");
  }
  if (args.auto_failover != "on" && args.auto_failover != "off") {
    return make_error(ErrorKind::kInvalidInput, "--auto-failover: on or off");
  }
  if (args.auto_failover_after_s < 1 || args.auto_failover_after_s > 3600) {
    return make_error(ErrorKind::kInvalidInput, "--auto-failover-after: 1 to 3600 seconds");
  }
  if (!dr::valid_wal_segsize_mb(args.wal_segsize_mb)) {
    return make_error(ErrorKind::kInvalidInput,
                      "--wal-segsize: a power of two from 1 to 1024 (MB), as initdb takes");
  }
  fs::path dir = fs::absolute(args.dir).lexically_normal();
  std::error_code ec;
  if (fs::exists(dir / "lab.json")) {
    return make_error(ErrorKind::kConflict,
                      "a lab already exists in " + dir.string() +
                          " (lab status / lab start-dc / lab down; or remove the directory)");
  }
  if (fs::exists(dir) && !fs::is_empty(dir, ec)) {
    return make_error(ErrorKind::kConflict,
                      dir.string() + " is not empty: give a new or empty directory");
  }
  fs::create_directories(dir, ec);
  if (ec)
    return make_error(ErrorKind::kInvalidInput,
                      "cannot create " + dir.string() + ": " + ec.message());
  chmod(dir.c_str(), 0755);
  auto ports = free_ports(lab_ports_needed(args.servers_per_dc, args.tls));
  if (!ports) return ports.error();
  auto tools = dr::PgTools::find();
  if (!tools) return tools.error();
  Lab lab{make_lab_layout(dir, args.servers_per_dc, *ports, args.tls), std::move(*tools), {}, {}};
  lab.layout.allow_guests = args.allow_guests;
  lab.layout.compliance_run_interval_ms = args.compliance_run_interval_ms;
  lab.layout.server_args = args.server_args;
  lab.layout.mirror_mode = args.mirror_mode;
  lab.layout.mirror_timeout_s = args.mirror_timeout_s;
  lab.layout.wal_segsize_mb = args.wal_segsize_mb;
  lab.layout.auto_failover = args.auto_failover == "on";
  lab.layout.auto_failover_after_s = args.auto_failover_after_s;
  lab.cmds.pchatctl = self_exe();
  lab.cmds.topology_file = lab.layout.topology_file();
  lab.pchatd = lab.cmds.pchatctl.parent_path() / "pchatd";
  if (access(lab.pchatd.c_str(), X_OK) != 0) {
    return make_error(ErrorKind::kNotFound,
                      "pchatd not found beside pchatctl (" + lab.pchatd.string() + ")");
  }
  {
    std::ofstream topo(lab.layout.topology_file());
    topo << lab_topology_text(lab.layout);
    if (!topo)
      return make_error(ErrorKind::kInternal,
                        "cannot write " + lab.layout.topology_file().string());
  }
  if (auto st = save_lab_layout(lab.layout); !st) return st;
  out << "Laying out the lab in " << dir.string() << "\n";
  auto fail = [&](const Status& st) {
    out << "lab up failed; stopping what it started\n";
    (void)stop_dc_processes(lab, "", SIGTERM, out);
    return st;
  };
  if (lab.layout.tls) {
    if (auto st = make_lab_tls(lab, out); !st) return fail(st);
  }
  if (auto st = create_lab(lab, out); !st) return fail(st);
  out << "  stores ready in " << fmt_s(seconds_since(t0)) << "\n";
  if (!lab.layout.auto_failover) {
    // The witness starts with automatic failover off (`pchatctl mirror auto on`).
    std::ofstream(dir / "witness-state.json") << "{\"auto\": false}\n";
  }
  for (const char* dc : {"W", "A", "B"}) {
    if (auto st = start_jobs(lab, dc, out); !st) return fail(st);
  }
  for (const char* dc : {"A", "B"}) {
    if (auto st = start_servers(lab, dc, out); !st) return fail(st);
  }
  if (args.users > 0) {
    if (auto st = create_lab_users(lab.layout.topology_file(), dir / "users.txt", args.users, out);
        !st) {
      return fail(st);
    }
  }
  out << "Lab up in " << fmt_s(seconds_since(t0)) << "\n";
  print_connect(lab, out);
  return ok_status();
}

Status lab_status(const LabArgs& args, std::ostream& out) {
  auto lab = open_lab(args.dir);
  if (!lab) return lab.error();
  auto rows = component_status(*lab);
  if (args.json) {
    json j;
    j["dir"] = lab->layout.dir.string();
    j["topology"] = lab->layout.topology_file().string();
    j["components"] = json::array();
    for (const auto& r : rows) {
      j["components"].push_back({{"name", r.name},
                                 {"dc", r.dc},
                                 {"kind", r.kind},
                                 {"pid", r.pid},
                                 {"running", r.running},
                                 {"address", r.address}});
    }
    out << j.dump(2) << "\n";
    return ok_status();
  }
  out << "lab " << lab->layout.dir.string() << " (topology " << lab->layout.topology_file().string()
      << ")\n";
  out << std::left << std::setw(4) << "DC" << std::setw(22) << "COMPONENT" << std::setw(10)
      << "KIND" << std::setw(9) << "PID" << std::setw(9) << "STATE"
      << "ADDRESS\n";
  for (const auto& r : rows) {
    out << std::left << std::setw(4) << r.dc << std::setw(22) << r.name << std::setw(10) << r.kind
        << std::setw(9) << (r.pid > 0 ? std::to_string(r.pid) : "-") << std::setw(9)
        << (r.running ? "running" : "stopped") << r.address << "\n";
  }
  return ok_status();
}

Status lab_down(const LabArgs& args, std::ostream& out) {
  auto t0 = std::chrono::steady_clock::now();
  auto lab = open_lab(args.dir);
  if (!lab) return lab.error();
  if (auto st = stop_dc_processes(*lab, "", SIGTERM, out); !st) return st;
  // Everything recorded must be gone, and nothing listen on the lab's ports.
  std::string left;
  for (const auto& r : component_status(*lab)) {
    if (r.running) left += "\n  " + r.name + " (pid " + std::to_string(r.pid) + ") still runs";
  }
  std::vector<std::pair<int, std::string>> ports;  // and whose it is
  for (const auto& s : lab->layout.stores) ports.push_back({s.port, dr::to_string(s.role)});
  if (lab->layout.witness_port != 0) ports.push_back({lab->layout.witness_port, "witness"});
  for (const auto& s : lab->layout.servers) {
    ports.push_back({s.irc_port, s.name + " IRC"});
    if (s.irc_tls_port != 0) ports.push_back({s.irc_tls_port, s.name + " IRC over TLS"});
    ports.push_back({s.http_port, s.name + " HTTP"});
  }
  for (const auto& [p, whose] : ports) {
    if (!port_listening(p)) continue;
    left += "\n  port " + std::to_string(p) + " (" + whose + ") still listens";
    for (pid_t pid : listening_pids(p)) {
      std::string cmd = read_proc_file(pid, "cmdline");
      std::replace(cmd.begin(), cmd.end(), '\0', ' ');
      left += "\n    pid " + std::to_string(pid) + ": " + cmd.substr(0, 200);
    }
  }
  if (!left.empty())
    return make_error(ErrorKind::kUnavailable, "lab down left something behind:" + left);
  out << "Lab down in " << fmt_s(seconds_since(t0)) << " (no process, no port left)\n";
  return ok_status();
}

Status lab_kill_dc(const LabArgs& args, std::ostream& out) {
  if (auto st = check_dc(args.dc); !st) return st;
  auto lab = open_lab(args.dir);
  if (!lab) return lab.error();
  out << "Killing datacenter " << args.dc << " (SIGKILL)\n";
  return stop_dc_processes(*lab, args.dc, SIGKILL, out);
}

Status lab_start_dc(const LabArgs& args, std::ostream& out) {
  if (auto st = check_dc(args.dc); !st) return st;
  auto lab = open_lab(args.dir);
  if (!lab) return lab.error();
  auto t0 = std::chrono::steady_clock::now();
  out << "Starting datacenter " << args.dc << "\n";
  for (StoreRole r : dr::kAllStoreRoles) {
    const LabStore* st = lab->layout.store(r);
    if (st == nullptr || st->dc != args.dc) continue;
    if (auto s = start_store(*lab, r, out); !s) return s;
  }
  if (auto st = start_jobs(*lab, args.dc, out); !st) return st;
  if (auto st = start_servers(*lab, args.dc, out); !st) return st;
  out << "Datacenter " << args.dc << " started in " << fmt_s(seconds_since(t0)) << "\n";
  return ok_status();
}

}  // namespace pchat::ctl
