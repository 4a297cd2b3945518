#include "dr/topology_validate.h"

#include <algorithm>
#include <cctype>
#include <map>

namespace pchat::dr {

namespace {

class Validator {
 public:
  explicit Validator(const Topology& t) : t_(t) {}

  std::vector<Diagnostic> run() {
    check_pool();
    check_datacenters();
    check_links();
    check_servers();
    check_active_servers();
    check_stores();
    check_log_shipping();
    check_witness();
    check_coverage();
    return std::move(diags_);
  }

 private:
  void report(Severity sev, const std::string& field, std::string message) {
    // One mistake, one diagnostic: skip what the parser already reported, at this
    // field or at an enclosing one.
    std::string f = field;
    while (!f.empty()) {
      if (t_.source.invalid.count(f) != 0) return;
      auto cut = f.find_last_of(".[");
      if (cut == std::string::npos) break;
      f.resize(cut);
    }
    diags_.push_back({sev, t_.source.file, t_.source.line_of(field), field, std::move(message)});
  }
  void error(const std::string& field, std::string message) {
    report(Severity::kError, field, std::move(message));
  }
  void warning(const std::string& field, std::string message) {
    report(Severity::kWarning, field, std::move(message));
  }

  std::string known_datacenters() const {
    std::string out;
    for (const auto& d : t_.datacenters) out += (out.empty() ? "" : ", ") + d.name;
    return out.empty() ? "none declared" : out;
  }

  // Reports a missing or undeclared datacenter reference at `field`.
  bool check_dc_ref(const std::string& field, const std::string& dc) {
    if (dc.empty()) {
      error(field, "missing (one of: " + known_datacenters() + ")");
      return false;
    }
    if (t_.find_datacenter(dc) == nullptr) {
      error(field, "unknown datacenter '" + dc + "' (known: " + known_datacenters() + ")");
      return false;
    }
    return true;
  }

  void check_pool() {
    if (t_.pool_fqdn.empty()) {
      error("pool.fqdn", "missing (the pool's FQDN, e.g. \"atl-cs-001.litwareinc.com\")");
    } else if (!is_valid_hostname(t_.pool_fqdn)) {
      error("pool.fqdn", "'" + t_.pool_fqdn + "' is not a host name");
    }
    if (t_.max_active_servers > t_.max_servers) {
      warning("pool.max_active_servers", std::to_string(t_.max_active_servers) +
                                             " is more than pool.max_servers (" +
                                             std::to_string(t_.max_servers) + ")");
    }
  }

  void check_datacenters() {
    if (t_.datacenters.empty()) {
      error("datacenters", "no datacenter declared (add e.g. [datacenters.A])");
    }
    for (const auto& d : t_.datacenters) {
      bool ok = !d.name.empty() && d.name.size() <= 32 &&
                std::all_of(d.name.begin(), d.name.end(), [](char c) {
                  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
                });
      if (!ok) {
        error("datacenters." + d.name,
              "bad datacenter name '" + d.name + "' (1-32 letters, digits, '_' or '-')");
      }
    }
  }

  void check_links() {
    for (size_t i = 0; i < t_.low_latency_links.size(); ++i) {
      const auto& l = t_.low_latency_links[i];
      std::string f = "low_latency_links[" + std::to_string(i) + "].datacenters";
      bool ok = check_dc_ref(f, l.a);
      ok = check_dc_ref(f, l.b) && ok;
      if (!ok) continue;
      if (l.a == l.b) {
        warning(f, "links datacenter '" + l.a + "' to itself (a datacenter always is)");
        continue;
      }
      for (size_t j = 0; j < i; ++j) {
        const auto& o = t_.low_latency_links[j];
        if ((o.a == l.a && o.b == l.b) || (o.a == l.b && o.b == l.a)) {
          warning(f, "same link as low_latency_links[" + std::to_string(j) + "]");
        }
      }
    }
  }

  void check_servers() {
    const auto& servers = t_.servers;
    if (static_cast<int>(servers.size()) > t_.max_servers) {
      error("servers[" + std::to_string(t_.max_servers) + "]",
            std::to_string(servers.size()) + " servers, more than pool.max_servers (" +
                std::to_string(t_.max_servers) + ")");
    }
    // Listen addresses seen so far: address -> the field that used it first.
    std::vector<std::pair<HostPort, std::string>> addresses;
    for (size_t i = 0; i < servers.size(); ++i) {
      const Server& s = servers[i];
      std::string f = "servers[" + std::to_string(i) + "]";
      if (s.name.empty()) {
        error(f + ".name", "missing (the server's host name)");
      } else if (!is_valid_hostname(s.name)) {
        error(f + ".name", "'" + s.name + "' is not a host name");
      } else {
        for (size_t j = 0; j < i; ++j) {
          if (same_hostname(servers[j].name, s.name)) {
            error(f + ".name", "duplicate server name '" + s.name + "' (also servers[" +
                                   std::to_string(j) + "])");
            break;
          }
        }
      }
      check_dc_ref(f + ".datacenter", s.datacenter);
      for (auto [key, hp] : {std::pair<const char*, const HostPort*>{"irc_listen", &s.irc_listen},
                             {"http_listen", &s.http_listen}}) {
        std::string af = f + "." + key;
        if (hp->empty()) {
          error(af, "missing (HOST:PORT)");
          continue;
        }
        if (hp->is_wildcard()) {
          warning(af, "wildcard host '" + hp->to_string() +
                          "' names no machine: clients and other servers cannot be sent there");
          continue;
        }
        auto dup = std::find_if(addresses.begin(), addresses.end(),
                                [&](const auto& a) { return a.first == *hp; });
        if (dup != addresses.end()) {
          error(af, "duplicate listen address " + hp->to_string() + " (also " + dup->second + ")");
        } else {
          addresses.emplace_back(*hp, af);
        }
      }
    }
  }

  void check_active_servers() {
    const auto& active = t_.active_servers;
    const std::string f = "pool.active_servers";
    if (active.empty()) {
      warning(f, "no active server: no server accepts new clients");
      return;
    }
    if (static_cast<int>(active.size()) > t_.max_active_servers) {
      error(f, std::to_string(active.size()) + " active servers, more than " +
                   "pool.max_active_servers (" + std::to_string(t_.max_active_servers) + ")");
    }
    auto primary_dc = t_.datacenter_of(StoreRole::kPrimary);
    for (size_t i = 0; i < active.size(); ++i) {
      std::string ef = f + "[" + std::to_string(i) + "]";
      const Server* s = t_.find_server(active[i]);
      if (s == nullptr) {
        std::string names;
        for (const auto& sv : t_.servers) names += (names.empty() ? "" : ", ") + sv.name;
        error(ef, "'" + active[i] + "' is not a server of this pool (servers: " +
                      (names.empty() ? "none" : names) + ")");
        continue;
      }
      bool dup = false;
      for (size_t j = 0; j < i && !dup; ++j) dup = same_hostname(active[j], active[i]);
      if (dup) {
        error(ef, "'" + active[i] + "' is listed twice");
        continue;
      }
      if (primary_dc && t_.find_datacenter(*primary_dc) != nullptr &&
          t_.find_datacenter(s->datacenter) != nullptr &&
          !t_.is_low_latency(s->datacenter, *primary_dc)) {
        error(ef, "'" + s->name + "' is in datacenter " + s->datacenter +
                      ", not the primary store's (" + *primary_dc +
                      ") nor low-latency linked to it (runbook step 7)");
      }
    }
  }

  void check_stores() {
    const Store* primary = t_.store(StoreRole::kPrimary);
    if (primary == nullptr) {
      error("stores.primary", "missing: a pool needs a primary store ([stores.primary])");
    }
    for (const Store& s : t_.stores) {
      std::string f = std::string("stores.") + to_string(s.role);
      check_dc_ref(f + ".datacenter", s.datacenter);
      if (s.host.empty() && s.conninfo.empty()) {
        error(f, "no connection: give host (and port, dbname, user), conninfo, or data_dir");
      }
    }
    auto dc = [&](StoreRole r) { return t_.datacenter_of(r).value_or(""); };
    auto has = [&](StoreRole r) { return t_.store(r) != nullptr; };
    const std::string pdc = dc(StoreRole::kPrimary), bdc = dc(StoreRole::kBackup);
    if (has(StoreRole::kMirror) && !pdc.empty() && dc(StoreRole::kMirror) != pdc &&
        !dc(StoreRole::kMirror).empty()) {
      error("stores.mirror.datacenter",
            "the mirror is in datacenter " + dc(StoreRole::kMirror) + " but its primary in " + pdc +
                ": a synchronous mirror belongs in the primary's datacenter");
    }
    if (has(StoreRole::kBackup) && !pdc.empty() && bdc == pdc) {
      error("stores.backup.datacenter",
            "the backup is in the primary's datacenter (" + pdc +
                "): log shipping must reach another datacenter to survive its loss");
    }
    if (has(StoreRole::kBackupMirror)) {
      if (!has(StoreRole::kBackup)) {
        error("stores.backup_mirror", "a backup_mirror needs a backup store to mirror");
      } else if (!bdc.empty() && !dc(StoreRole::kBackupMirror).empty() &&
                 dc(StoreRole::kBackupMirror) != bdc) {
        error("stores.backup_mirror.datacenter",
              "the backup mirror is in datacenter " + dc(StoreRole::kBackupMirror) +
                  " but the backup in " + bdc + ": it belongs in the backup's datacenter");
      }
    }
    if (has(StoreRole::kCompliance) && !pdc.empty() && !dc(StoreRole::kCompliance).empty() &&
        dc(StoreRole::kCompliance) != pdc) {
      warning("stores.compliance.datacenter", "compliance is in datacenter " +
                                                  dc(StoreRole::kCompliance) + ", the primary in " +
                                                  pdc + " (mgccomp normally sits beside mgc)");
    }
    if (has(StoreRole::kComplianceBackup)) {
      if (!has(StoreRole::kCompliance)) {
        warning("stores.compliance_backup", "compliance_backup without a compliance store");
      }
      if (!has(StoreRole::kBackup)) {
        warning("stores.compliance_backup",
                "compliance_backup without a backup store: it would never be used");
      } else if (!bdc.empty() && !dc(StoreRole::kComplianceBackup).empty() &&
                 dc(StoreRole::kComplianceBackup) != bdc) {
        warning("stores.compliance_backup.datacenter",
                "compliance_backup is in datacenter " + dc(StoreRole::kComplianceBackup) +
                    ", the backup in " + bdc + " (it serves the pool after failover there)");
      }
    }
    check_store_overlaps();
  }

  void check_store_overlaps() {
    const auto& st = t_.stores;
    for (size_t i = 0; i < st.size(); ++i) {
      for (size_t j = 0; j < i; ++j) {
        const Store& a = st[j];
        const Store& b = st[i];
        std::string fb = std::string("stores.") + to_string(b.role);
        std::string na = std::string("stores.") + to_string(a.role);
        if (!a.data_dir.empty() && a.data_dir == b.data_dir) {
          error(fb + ".data_dir", "same data_dir as " + na + " (" + a.data_dir.string() + ")");
          continue;
        }
        if (!a.same_instance(b)) continue;
        std::string where = b.host + " port " + std::to_string(b.port);
        if (a.dbname == b.dbname) {
          error(fb, "same database as " + na + " (" + where + ", dbname " + b.dbname + ")");
        } else if (!is_compliance_role(a.role) && !is_compliance_role(b.role)) {
          error(fb, "same PostgreSQL instance as " + na + " (" + where +
                        "): each chat store is its own instance");
        } else {
          warning(fb, "same PostgreSQL instance as " + na + " (" + where +
                          "): the compliance store should be its own instance");
        }
      }
    }
  }

  void check_log_shipping() {
    const LogShipping& ls = t_.log_shipping;
    bool backup = t_.store(StoreRole::kBackup) != nullptr;
    if (backup) {
      if (ls.backup_share.empty()) {
        error("log_shipping.backup_share",
              "missing: stores.backup is fed by log shipping through the backup share");
      }
      if (ls.copy_destination.empty()) {
        error("log_shipping.copy_destination",
              "missing: stores.backup replays from its copy destination folder");
      }
    } else {
      if (!ls.backup_share.empty()) {
        warning("log_shipping.backup_share", "set, but there is no stores.backup to ship to");
      }
      if (!ls.copy_destination.empty()) {
        warning("log_shipping.copy_destination",
                "set, but there is no stores.backup to replay from it");
      }
    }
    if (!ls.backup_share.empty() && ls.backup_share == ls.copy_destination) {
      error("log_shipping.copy_destination",
            "same folder as log_shipping.backup_share: the copy job would copy onto itself");
    }
  }

  // The witness of automatic mirror failover: a third failure domain.
  void check_witness() {
    const Mirroring& m = t_.mirroring;
    if (!m.witness) {
      if (!m.witness_datacenter.empty()) {
        warning("mirroring.witness_datacenter", "no mirroring.witness: no automatic failover");
      }
      return;
    }
    if (t_.store(StoreRole::kMirror) == nullptr) {
      warning("mirroring.witness", "a witness without [stores.mirror]: nothing to fail over");
    }
    if (m.witness_datacenter.empty()) {
      error("mirroring.witness_datacenter",
            "missing: the witness's datacenter (a third failure domain, e.g. \"W\")");
      return;
    }
    if (!check_dc_ref("mirroring.witness_datacenter", m.witness_datacenter)) return;
    if (t_.datacenter_of(StoreRole::kPrimary) == m.witness_datacenter) {
      warning("mirroring.witness_datacenter",
              "the witness is in the primary's datacenter " + m.witness_datacenter +
                  ": losing that datacenter loses the quorum too (no automatic failover)");
    }
  }

  void check_coverage() {
    auto bdc = t_.datacenter_of(StoreRole::kBackup);
    if (bdc && !bdc->empty() && t_.find_datacenter(*bdc) != nullptr) {
      bool reachable = std::any_of(t_.servers.begin(), t_.servers.end(), [&](const Server& s) {
        return !s.datacenter.empty() && t_.is_low_latency(s.datacenter, *bdc);
      });
      if (!reachable) {
        warning("stores.backup.datacenter",
                "no server in datacenter " + *bdc +
                    " (or linked to it): after failover no server could be active");
      }
    }
    for (const auto& d : t_.datacenters) {
      bool used = std::any_of(t_.servers.begin(), t_.servers.end(),
                              [&](const Server& s) { return s.datacenter == d.name; }) ||
                  std::any_of(t_.stores.begin(), t_.stores.end(),
                              [&](const Store& s) { return s.datacenter == d.name; }) ||
                  (t_.mirroring.witness && t_.mirroring.witness_datacenter == d.name);
      if (!used) {
        warning("datacenters." + d.name, "no server and no store in this datacenter");
      }
    }
  }

  const Topology& t_;
  std::vector<Diagnostic> diags_;
};

}  // namespace

std::vector<Diagnostic> validate(const Topology& topology) {
  return Validator(topology).run();
}

}  // namespace pchat::dr
