#include "dr/topology.h"

#include <libpq-fe.h>

#include <algorithm>

namespace pchat::dr {

namespace {

constexpr std::array<const char*, 6> kRoleNames = {
    "primary", "mirror", "backup", "backup_mirror", "compliance", "compliance_backup"};

}  // namespace

std::string quote_conninfo_value(const std::string& v) {
  bool plain = !v.empty() && v.find_first_of(" \t\n\r\f\v'\\") == std::string::npos;
  if (plain) return v;
  std::string out = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  out += "'";
  return out;
}

const char* to_string(StoreRole role) {
  return kRoleNames[static_cast<size_t>(role)];
}

std::optional<StoreRole> parse_store_role(std::string_view name) {
  for (StoreRole r : kAllStoreRoles) {
    if (name == to_string(r)) return r;
  }
  return std::nullopt;
}

bool is_compliance_role(StoreRole role) {
  return role == StoreRole::kCompliance || role == StoreRole::kComplianceBackup;
}

const char* to_string(MirrorMode mode) {
  return mode == MirrorMode::kHighSafety ? "high-safety" : "strict";
}

std::optional<MirrorMode> parse_mirror_mode(std::string_view name) {
  if (name == "high-safety") return MirrorMode::kHighSafety;
  if (name == "strict") return MirrorMode::kStrict;
  return std::nullopt;
}

std::string Store::libpq_conninfo() const {
  if (!conninfo.empty()) return conninfo;
  std::string out;
  auto add = [&](const char* key, const std::string& value) {
    if (value.empty()) return;
    if (!out.empty()) out += ' ';
    out += key;
    out += '=';
    out += quote_conninfo_value(value);
  };
  add("host", host);
  add("port", std::to_string(port));
  add("dbname", dbname);
  add("user", user);
  add("sslmode", sslmode);
  add("sslrootcert", sslrootcert.string());
  add("sslcert", sslcert.string());
  add("sslkey", sslkey.string());
  return out;
}

std::string Store::instance_conninfo() const {
  const std::string all = libpq_conninfo();
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(all.c_str(), &err);
  if (opts == nullptr) {  // load_topology checked it; keep it as it is
    PQfreemem(err);
    return all;
  }
  std::string out;
  for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    std::string key = o->keyword, value = o->val;
    if (key == "target_session_attrs") continue;
    if (key == "host" || key == "hostaddr" || key == "port")
      value = value.substr(0, value.find(','));
    if (!out.empty()) out += ' ';
    out += key + "=" + (value.empty() ? "''" : quote_conninfo_value(value));
  }
  PQconninfoFree(opts);
  return out;
}

bool Store::same_instance(const Store& other) const {
  if (host.empty() || other.host.empty()) return false;
  bool socket_a = host.front() == '/';
  bool socket_b = other.host.front() == '/';
  if (socket_a != socket_b) return false;
  bool same_host = socket_a ? std::filesystem::path(host).lexically_normal() ==
                                  std::filesystem::path(other.host).lexically_normal()
                            : same_hostname(host, other.host);
  return same_host && port == other.port;
}

int SourceMap::line_of(std::string_view field) const {
  std::string f(field);
  while (!f.empty()) {
    if (auto it = lines.find(f); it != lines.end()) return it->second;
    auto cut = f.find_last_of(".[");
    if (cut == std::string::npos) break;
    f.resize(cut);
  }
  return 0;
}

const Server* Topology::find_server(std::string_view name) const {
  for (const auto& s : servers) {
    if (same_hostname(s.name, name)) return &s;
  }
  return nullptr;
}

const Datacenter* Topology::find_datacenter(std::string_view name) const {
  for (const auto& d : datacenters) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

const Store* Topology::store(StoreRole role) const {
  for (const auto& s : stores) {
    if (s.role == role) return &s;
  }
  return nullptr;
}

std::optional<std::string> Topology::datacenter_of_server(std::string_view name) const {
  if (const Server* s = find_server(name)) return s->datacenter;
  return std::nullopt;
}

std::optional<std::string> Topology::datacenter_of(StoreRole role) const {
  if (const Store* s = store(role)) return s->datacenter;
  return std::nullopt;
}

bool Topology::is_low_latency(std::string_view a, std::string_view b) const {
  if (a == b) return true;
  return std::any_of(low_latency_links.begin(), low_latency_links.end(), [&](const auto& l) {
    return (l.a == a && l.b == b) || (l.a == b && l.b == a);
  });
}

std::vector<const Server*> Topology::servers_in(std::string_view dc) const {
  std::vector<const Server*> out;
  for (const auto& s : servers) {
    if (s.datacenter == dc) out.push_back(&s);
  }
  return out;
}

bool Topology::is_active(std::string_view name) const {
  return std::any_of(active_servers.begin(), active_servers.end(),
                     [&](const std::string& a) { return same_hostname(a, name); });
}

std::vector<std::string> Topology::active_candidates(StoreRole role) const {
  std::vector<std::string> names;
  auto dc = datacenter_of(role);
  for (const auto& s : servers) {
    if (!dc || static_cast<int>(names.size()) >= max_active_servers) break;
    if (s.datacenter == *dc) names.push_back(s.name);
  }
  return names;
}

}  // namespace pchat::dr
