#include "ctl/lab/layout.h"

#include "ctl/lab/tls.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace pchat::ctl {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The lab's store roles in start order (a standby after what it copies).
constexpr dr::StoreRole kLabRoles[] = {
    dr::StoreRole::kPrimary,      dr::StoreRole::kMirror,     dr::StoreRole::kBackup,
    dr::StoreRole::kBackupMirror, dr::StoreRole::kCompliance, dr::StoreRole::kComplianceBackup};

}  // namespace

const char* lab_datacenter(dr::StoreRole role) {
  switch (role) {
    case dr::StoreRole::kPrimary:
    case dr::StoreRole::kMirror:
    case dr::StoreRole::kCompliance:
      return "A";
    default:
      return "B";
  }
}

fs::path LabLayout::store_dir(dr::StoreRole role) const {
  return dir / "stores" / dr::to_string(role);
}

fs::path LabLayout::server_log(const LabServer& s) const {
  return dir / "servers" / (s.name + ".log");
}

fs::path LabLayout::job_log(const LabJob& j) const {
  return dir / "jobs" / (j.name + ".log");
}

const LabStore* LabLayout::store(dr::StoreRole role) const {
  for (const auto& s : stores) {
    if (s.role == role) return &s;
  }
  return nullptr;
}

int lab_ports_needed(int servers_per_dc, bool tls) {
  return 7 + 4 * servers_per_dc + (tls ? 2 * servers_per_dc : 0);
}

LabLayout make_lab_layout(const fs::path& dir, int servers_per_dc, const std::vector<int>& ports,
                          bool tls) {
  LabLayout l;
  l.dir = dir;
  l.servers_per_dc = servers_per_dc;
  l.tls = tls;
  size_t next = 0;
  for (dr::StoreRole role : kLabRoles)
    l.stores.push_back({role, lab_datacenter(role), ports[next++]});
  for (const char* dc : {"A", "B"}) {
    for (int i = 1; i <= servers_per_dc; ++i) {
      LabServer s;
      s.name =
          std::string(dc == std::string("A") ? "a" : "b") + std::to_string(i) + "." + l.pool_fqdn;
      s.dc = dc;
      s.irc_port = ports[next++];
      s.http_port = ports[next++];
      l.servers.push_back(s);
    }
  }
  l.witness_port = ports[next++];
  if (tls) {
    for (auto& s : l.servers) s.irc_tls_port = ports[next++];
  }
  // One mirror agent beside each store of the pair (automatic failover), the witness in
  // a third failure domain.
  l.jobs.push_back({"witness", "W", {"mirror", "witness"}, false, 0});
  l.jobs.push_back({"mirror-monitor", "A", {"mirror", "monitor", "--store", "primary"}, false, 0});
  l.jobs.push_back(
      {"mirror-monitor-mirror", "A", {"mirror", "monitor", "--store", "mirror"}, false, 0});
  l.jobs.push_back({"copy-job", "B", {"logship", "copy-job"}, true, 0});
  return l;
}

std::string lab_topology_text(const LabLayout& l) {
  std::ostringstream o;
  o << "# Written by `pchatctl lab up` (docs/lab.md): the whole two-datacenter topology\n"
    << "# on one machine. Paths are relative to this file.\n\n"
    << "[pool]\nfqdn = \"" << l.pool_fqdn << "\"\n"
    << "max_servers = " << l.servers.size() << "\n"
    << "max_active_servers = " << l.servers_per_dc << "\n"
    << "active_servers = [";
  bool first = true;
  for (const auto& s : l.servers) {
    if (s.dc != "A") continue;
    o << (first ? "" : ", ") << "\"" << s.name << "\"";
    first = false;
  }
  o << "]\n\n[datacenters.A]\ndescription = \"lab: primary site\"\n\n"
    << "[datacenters.B]\ndescription = \"lab: backup site, idle until failover\"\n\n"
    << "[datacenters.W]\ndescription = \"lab: the witness of automatic mirror failover\"\n\n";
  for (const auto& s : l.servers) {
    o << "[[servers]]\nname = \"" << s.name << "\"\ndatacenter = \"" << s.dc << "\"\n"
      << "irc_listen = \"127.0.0.1:" << s.irc_port << "\"\n"
      << "http_listen = \"127.0.0.1:" << s.http_port << "\"\n\n";
  }
  // With TLS every connection to a store goes over TCP (a unix socket is never
  // encrypted), checks the store's certificate against the lab's CA and signs in as
  // pchat with the lab's client certificate (PostgreSQL `cert` authentication).
  const LabCertificates certs = lab_certificate_paths(l.tls_dir());
  const std::vector<std::pair<const char*, std::string>> tls_keys = {
      {"sslmode", "verify-full"},
      {"sslrootcert", certs.ca_cert.string()},
      {"sslcert", certs.client_cert.string()},
      {"sslkey", certs.client_key.string()}};
  std::string tls_opts;
  for (const auto& [k, v] : tls_keys)
    tls_opts += std::string(" ") + k + "=" + dr::quote_conninfo_value(v);
  for (const auto& st : l.stores) {
    o << "[stores." << dr::to_string(st.role) << "]\ndatacenter = \"" << st.dc << "\"\n"
      << "data_dir = \"stores/" << dr::to_string(st.role) << "\"\n";
    const LabStore* mirror = l.store(dr::StoreRole::kMirror);
    if (st.role == dr::StoreRole::kPrimary && mirror != nullptr) {
      // The mirror is the primary's failover partner: libpq tries both and keeps the
      // writable one, so servers follow a mirror failover by reconnecting.
      const std::string hosts = l.tls ? "127.0.0.1,127.0.0.1"
                                      : (l.store_dir(st.role) / "run").string() + "," +
                                            (l.store_dir(mirror->role) / "run").string();
      o << "conninfo = \"host=" << hosts << " port=" << st.port << "," << mirror->port
        << " dbname=mgc user=pchat target_session_attrs=read-write" << (l.tls ? tls_opts : "")
        << "\"\n\n";
    } else {
      o << "port = " << st.port << "\nuser = \"pchat\"\n";
      if (l.tls) {
        o << "host = \"127.0.0.1\"\n";
        for (const auto& [k, v] : tls_keys) o << k << " = \"" << v << "\"\n";
      }
      o << "\n";
    }
  }
  o << "[log_shipping]\nbackup_share = \"share\"\ncopy_destination = \"copy-destination\"\n"
    << "archive_timeout_s = 1\ncopy_interval_ms = 200\nrestore_poll_ms = 200\n"
    << "retention_s = 600\nbackup_alert_s = 10\ncopy_alert_s = 10\nrestore_alert_s = 15\n"
    << "wal_segsize_mb = " << l.wal_segsize_mb << "\n\n"
    << "[mirroring]\nmode = \"" << l.mirror_mode << "\"\ntimeout_s = " << l.mirror_timeout_s
    << "\nwitness = \"127.0.0.1:" << l.witness_port << "\"\nwitness_datacenter = \"W\"\n"
    << "auto_failover_after_s = " << l.auto_failover_after_s << "\n";
  return o.str();
}

Status save_lab_layout(const LabLayout& l) {
  json j;
  j["version"] = 1;
  j["dir"] = l.dir.string();
  j["servers_per_dc"] = l.servers_per_dc;
  j["allow_guests"] = l.allow_guests;
  j["compliance_run_interval_ms"] = l.compliance_run_interval_ms;
  j["server_args"] = l.server_args;
  j["mirror_mode"] = l.mirror_mode;
  j["mirror_timeout_s"] = l.mirror_timeout_s;
  j["wal_segsize_mb"] = l.wal_segsize_mb;
  j["witness_port"] = l.witness_port;
  j["auto_failover"] = l.auto_failover;
  j["auto_failover_after_s"] = l.auto_failover_after_s;
  j["pool_fqdn"] = l.pool_fqdn;
  j["tls"] = l.tls;
  j["stores"] = json::array();
  for (const auto& s : l.stores) {
    j["stores"].push_back({{"role", dr::to_string(s.role)}, {"dc", s.dc}, {"port", s.port}});
  }
  j["servers"] = json::array();
  for (const auto& s : l.servers) {
    j["servers"].push_back({{"name", s.name},
                            {"dc", s.dc},
                            {"irc_port", s.irc_port},
                            {"http_port", s.http_port},
                            {"irc_tls_port", s.irc_tls_port},
                            {"pid", s.pid}});
  }
  j["jobs"] = json::array();
  for (const auto& jb : l.jobs) {
    j["jobs"].push_back({{"name", jb.name},
                         {"dc", jb.dc},
                         {"args", jb.args},
                         {"as_postgres", jb.as_postgres},
                         {"pid", jb.pid}});
  }
  fs::path tmp = l.state_file();
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << j.dump(2) << "\n";
    out.close();
    if (!out) return make_error(ErrorKind::kInternal, "cannot write " + tmp.string());
  }
  std::error_code ec;
  fs::rename(tmp, l.state_file(), ec);
  if (ec) return make_error(ErrorKind::kInternal, "cannot write " + l.state_file().string());
  return ok_status();
}

Result<LabLayout> load_lab_layout(const fs::path& dir) {
  fs::path file = fs::absolute(dir) / "lab.json";
  std::ifstream in(file);
  if (!in) {
    return make_error(ErrorKind::kNotFound, "no lab in " + dir.string() +
                                                " (no lab.json; run `pchatctl lab up --dir " +
                                                dir.string() + "`)");
  }
  try {
    json j = json::parse(in);
    LabLayout l;
    l.dir = j.at("dir").get<std::string>();
    l.servers_per_dc = j.at("servers_per_dc").get<int>();
    l.allow_guests = j.value("allow_guests", false);
    l.compliance_run_interval_ms = j.value("compliance_run_interval_ms", 0);
    l.server_args = j.value("server_args", std::vector<std::string>{});
    l.mirror_mode = j.value("mirror_mode", std::string("high-safety"));
    l.mirror_timeout_s = j.value("mirror_timeout_s", 5);
    l.wal_segsize_mb = j.value("wal_segsize_mb", 1);
    l.witness_port = j.value("witness_port", 0);
    l.auto_failover = j.value("auto_failover", true);
    l.auto_failover_after_s = j.value("auto_failover_after_s", 1);
    l.pool_fqdn = j.at("pool_fqdn").get<std::string>();
    l.tls = j.value("tls", false);
    for (const auto& s : j.at("stores")) {
      auto role = dr::parse_store_role(s.at("role").get<std::string>());
      if (!role)
        return make_error(ErrorKind::kInvalidInput, file.string() + ": unknown store role");
      l.stores.push_back({*role, s.at("dc").get<std::string>(), s.at("port").get<int>()});
    }
    for (const auto& s : j.at("servers")) {
      l.servers.push_back({s.at("name").get<std::string>(), s.at("dc").get<std::string>(),
                           s.at("irc_port").get<int>(), s.at("http_port").get<int>(),
                           s.value("irc_tls_port", 0), s.at("pid").get<pid_t>()});
    }
    for (const auto& jb : j.at("jobs")) {
      l.jobs.push_back({jb.at("name").get<std::string>(), jb.at("dc").get<std::string>(),
                        jb.at("args").get<std::vector<std::string>>(),
                        jb.at("as_postgres").get<bool>(), jb.at("pid").get<pid_t>()});
    }
    return l;
  } catch (const json::exception& e) {
    return make_error(ErrorKind::kInvalidInput, file.string() + ": " + e.what());
  }
}

}  // namespace pchat::ctl
