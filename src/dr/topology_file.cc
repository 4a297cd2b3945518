#include "dr/topology_file.h"

#include "directory/config.h"

#include <libpq-fe.h>

#include <toml++/toml.h>
#include <algorithm>
#include <charconv>
#include <fstream>
#include <memory>
#include <sstream>

#include "dr/suggest.h"
#include "dr/topology_validate.h"

namespace pchat::dr {

namespace {

namespace fs = std::filesystem;
using Keys = std::vector<std::string_view>;

const Keys kRootKeys = {"pool",   "datacenters",  "low_latency_links", "servers",
                        "stores", "log_shipping", "mirroring",         "directory"};
const Keys kPoolKeys = {"fqdn", "max_servers", "max_active_servers", "active_servers",
                        "admin_token_file"};
const Keys kDatacenterKeys = {"description"};
const Keys kLinkKeys = {"datacenters", "description"};
const Keys kServerKeys = {"name", "datacenter", "irc_listen", "http_listen"};
const Keys kStoreKeys = {"datacenter", "conninfo", "host",        "port",    "dbname", "user",
                         "data_dir",   "sslmode",  "sslrootcert", "sslcert", "sslkey"};
const Keys kSslModes = {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"};
const Keys kLogShippingKeys = {
    "backup_share", "copy_destination", "archive_timeout_s", "copy_interval_ms", "restore_poll_ms",
    "retention_s",  "backup_alert_s",   "copy_alert_s",      "restore_alert_s",  "wal_segsize_mb"};
const Keys kMirroringKeys = {"mode", "timeout_s", "witness", "witness_datacenter",
                             "auto_failover_after_s"};

constexpr int64_t kDay = 24 * 3600;

const char* type_name(toml::node_type t) {
  switch (t) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a floating-point number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

int line_of(const toml::node& n) {
  return static_cast<int>(n.source().begin.line);
}

std::string join(const Keys& keys) {
  std::string out;
  for (auto k : keys) {
    if (!out.empty()) out += ", ";
    out += k;
  }
  return out;
}

std::string child(const std::string& prefix, std::string_view key) {
  return prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
}

std::string element(const std::string& field, size_t i) {
  return field + "[" + std::to_string(i) + "]";
}

// Pass 1. Fills `t` and `diags`; see topology_file.h.
class Parser {
 public:
  Parser(std::string file, fs::path base_dir, Topology& t, std::vector<Diagnostic>& diags)
      : file_(std::move(file)), base_dir_(std::move(base_dir)), t_(t), diags_(diags) {}

  void run(const toml::table& root) {
    check_keys(root, "", kRootKeys, "top-level key");
    if (const auto* pool = table(root, "pool", "pool")) parse_pool(*pool);
    if (const auto* dcs = table(root, "datacenters", "datacenters")) parse_datacenters(*dcs);
    for_each_table(root, "low_latency_links",
                   [&](const toml::table& l, const std::string& f) { parse_link(l, f); });
    for_each_table(root, "servers",
                   [&](const toml::table& s, const std::string& f) { parse_server(s, f); });
    if (const auto* stores = table(root, "stores", "stores")) parse_stores(*stores);
    if (const auto* ls = table(root, "log_shipping", "log_shipping")) parse_log_shipping(*ls);
    if (const auto* m = table(root, "mirroring", "mirroring")) parse_mirroring(*m);
    if (const auto* d = table(root, "directory", "directory")) {
      auto parsed = directory::parse_config(*d, base_dir_, "directory");
      if (parsed) {
        t_.directory = std::move(*parsed);
      } else {
        error(line_of(*d), "directory", parsed.error().message);
      }
    }
  }

 private:
  void error(int line, const std::string& field, std::string message) {
    diags_.push_back({Severity::kError, file_, line, field, std::move(message)});
    t_.source.invalid.insert(field);
  }

  void warning(int line, const std::string& field, std::string message) {
    diags_.push_back({Severity::kWarning, file_, line, field, std::move(message)});
  }

  void note(const std::string& field, const toml::node& n) {
    t_.source.lines.emplace(field, line_of(n));
  }

  void check_keys(const toml::table& tbl, const std::string& prefix, const Keys& known,
                  const char* what) {
    for (auto&& [k, v] : tbl) {
      std::string_view key = k.str();
      if (std::find(known.begin(), known.end(), key) != known.end()) continue;
      std::string msg = "unknown " + std::string(what);
      std::string near = nearest(key, known);
      msg += near.empty() ? " (known: " + join(known) + ")" : " (did you mean '" + near + "'?)";
      error(static_cast<int>(k.source().begin.line), child(prefix, key), msg);
    }
  }

  bool expect(const toml::node& n, toml::node_type type, const std::string& field) {
    note(field, n);
    if (n.type() == type) return true;
    error(line_of(n), field,
          std::string("expected ") + type_name(type) + ", got " + type_name(n.type()));
    return false;
  }

  const toml::table* table(const toml::table& parent, std::string_view key,
                           const std::string& field) {
    const toml::node* n = parent.get(key);
    if (n == nullptr || !expect(*n, toml::node_type::table, field)) return nullptr;
    return n->as_table();
  }

  template <typename F>
  void for_each_table(const toml::table& parent, std::string_view key, F&& f) {
    const toml::node* n = parent.get(key);
    std::string field(key);
    if (n == nullptr || !expect(*n, toml::node_type::array, field)) return;
    const toml::array& arr = *n->as_array();
    for (size_t i = 0; i < arr.size(); ++i) {
      std::string ef = element(field, i);
      if (expect(arr[i], toml::node_type::table, ef)) f(*arr[i].as_table(), ef);
    }
  }

  // The string at tbl[key] into `out`; false when absent or wrong (reported).
  bool string(const toml::table& tbl, std::string_view key, const std::string& prefix,
              std::string& out) {
    const toml::node* n = tbl.get(key);
    if (n == nullptr) return false;
    std::string field = child(prefix, key);
    if (!expect(*n, toml::node_type::string, field)) return false;
    out = n->as_string()->get();
    return true;
  }

  bool integer(const toml::table& tbl, std::string_view key, const std::string& prefix, int64_t lo,
               int64_t hi, int& out) {
    const toml::node* n = tbl.get(key);
    if (n == nullptr) return false;
    std::string field = child(prefix, key);
    if (!expect(*n, toml::node_type::integer, field)) return false;
    int64_t v = n->as_integer()->get();
    if (v < lo || v > hi) {
      error(line_of(*n), field,
            std::to_string(v) + " is out of range (" + std::to_string(lo) + "-" +
                std::to_string(hi) + ")");
      return false;
    }
    out = static_cast<int>(v);
    return true;
  }

  bool path(const toml::table& tbl, std::string_view key, const std::string& prefix,
            fs::path& out) {
    std::string s;
    if (!string(tbl, key, prefix, s)) return false;
    if (s.empty()) {
      error(line_of(*tbl.get(key)), child(prefix, key), "empty path");
      return false;
    }
    fs::path p(s);
    if (p.is_relative() && !base_dir_.empty()) p = base_dir_ / p;
    out = p.lexically_normal();
    return true;
  }

  bool host_port(const toml::table& tbl, std::string_view key, const std::string& prefix,
                 HostPort& out) {
    std::string s;
    if (!string(tbl, key, prefix, s)) return false;
    auto hp = parse_host_port(s);
    if (!hp) {
      error(line_of(*tbl.get(key)), child(prefix, key), hp.error().message);
      return false;
    }
    out = *hp;
    return true;
  }

  std::vector<std::string> strings(const toml::table& tbl, std::string_view key,
                                   const std::string& prefix) {
    std::vector<std::string> out;
    const toml::node* n = tbl.get(key);
    std::string field = child(prefix, key);
    if (n == nullptr || !expect(*n, toml::node_type::array, field)) return out;
    const toml::array& arr = *n->as_array();
    for (size_t i = 0; i < arr.size(); ++i) {
      std::string ef = element(field, i);
      if (expect(arr[i], toml::node_type::string, ef)) out.push_back(arr[i].as_string()->get());
    }
    return out;
  }

  void parse_pool(const toml::table& p) {
    check_keys(p, "pool", kPoolKeys, "key in [pool]");
    string(p, "fqdn", "pool", t_.pool_fqdn);
    integer(p, "max_servers", "pool", 1, 1000, t_.max_servers);
    integer(p, "max_active_servers", "pool", 1, 1000, t_.max_active_servers);
    t_.active_servers = strings(p, "active_servers", "pool");
    if (!path(p, "admin_token_file", "pool", t_.admin_token_file) && !base_dir_.empty() &&
        !p.contains("admin_token_file")) {
      t_.admin_token_file = base_dir_ / "admin-token";
    }
  }

  void parse_datacenters(const toml::table& dcs) {
    for (auto&& [k, v] : dcs) {
      std::string field = child("datacenters", k.str());
      if (!expect(v, toml::node_type::table, field)) continue;
      Datacenter dc;
      dc.name = std::string(k.str());
      check_keys(*v.as_table(), field, kDatacenterKeys, "datacenter key");
      string(*v.as_table(), "description", field, dc.description);
      t_.datacenters.push_back(std::move(dc));
    }
  }

  void parse_link(const toml::table& l, const std::string& field) {
    check_keys(l, field, kLinkKeys, "key in a low-latency link");
    auto names = strings(l, "datacenters", field);
    const toml::node* n = l.get("datacenters");
    if (n == nullptr) {
      error(line_of(l), field + ".datacenters", "missing (the two datacenters it joins)");
      return;
    }
    if (!n->is_array()) return;  // reported by strings()
    if (n->as_array()->size() != 2) {
      error(line_of(*n), field + ".datacenters",
            "a link joins exactly two datacenters, got " + std::to_string(n->as_array()->size()));
      return;
    }
    if (names.size() == 2) t_.low_latency_links.push_back({names[0], names[1]});
  }

  void parse_server(const toml::table& s, const std::string& field) {
    check_keys(s, field, kServerKeys, "server key");
    Server server;
    string(s, "name", field, server.name);
    string(s, "datacenter", field, server.datacenter);
    host_port(s, "irc_listen", field, server.irc_listen);
    host_port(s, "http_listen", field, server.http_listen);
    t_.servers.push_back(std::move(server));
  }

  void parse_stores(const toml::table& stores) {
    std::vector<std::string_view> roles;
    for (StoreRole r : kAllStoreRoles) roles.push_back(to_string(r));
    for (auto&& [k, v] : stores) {
      std::string field = child("stores", k.str());
      auto role = parse_store_role(k.str());
      if (!role) {
        std::string near = nearest(k.str(), roles);
        error(static_cast<int>(k.source().begin.line), field,
              "unknown store role '" + std::string(k.str()) + "'" +
                  (near.empty() ? "" : " (did you mean '" + near + "'?)") +
                  " (roles: " + join(roles) + ")");
        continue;
      }
      if (!expect(v, toml::node_type::table, field)) continue;
      parse_store(*role, *v.as_table(), field);
    }
    // TOML tables are unordered (toml++ iterates by key): keep the roles' order.
    std::stable_sort(t_.stores.begin(), t_.stores.end(),
                     [](const Store& a, const Store& b) { return a.role < b.role; });
  }

  void parse_store(StoreRole role, const toml::table& s, const std::string& field) {
    check_keys(s, field, kStoreKeys, "store key");
    Store st;
    st.role = role;
    string(s, "datacenter", field, st.datacenter);
    path(s, "data_dir", field, st.data_dir);
    bool discrete = false;
    for (const char* k :
         {"host", "port", "dbname", "user", "sslmode", "sslrootcert", "sslcert", "sslkey"}) {
      discrete |= s.contains(k);
    }
    if (string(s, "conninfo", field, st.conninfo)) {
      if (discrete) {
        error(line_of(*s.get("conninfo")), field + ".conninfo",
              "give either conninfo or host/port/dbname/user, not both");
      }
      read_conninfo(st, line_of(*s.get("conninfo")), field + ".conninfo");
    } else {
      string(s, "host", field, st.host);
      integer(s, "port", field, 1, 65535, st.port);
      string(s, "dbname", field, st.dbname);
      string(s, "user", field, st.user);
      if (string(s, "sslmode", field, st.sslmode) &&
          std::find(kSslModes.begin(), kSslModes.end(), st.sslmode) == kSslModes.end()) {
        error(line_of(*s.get("sslmode")), field + ".sslmode",
              "'" + st.sslmode + "' is not one of " + join(kSslModes));
      }
      path(s, "sslrootcert", field, st.sslrootcert);
      path(s, "sslcert", field, st.sslcert);
      path(s, "sslkey", field, st.sslkey);
      if (st.dbname.empty() && !s.contains("dbname")) {
        st.dbname = is_compliance_role(role) ? "mgccomp" : "mgc";
      }
      if (st.host.empty() && !s.contains("host") && !st.data_dir.empty()) {
        st.host = (st.data_dir / "run").string();  // store::Instance's socket directory
      }
    }
    t_.stores.push_back(std::move(st));
  }

  // Checks a conninfo string with libpq's own parser and copies its fields out.
  void read_conninfo(Store& st, int line, const std::string& field) {
    char* err = nullptr;
    std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> opts(
        PQconninfoParse(st.conninfo.c_str(), &err), &PQconninfoFree);
    if (!opts) {
      std::string why = err != nullptr ? err : "out of memory";
      if (err != nullptr) PQfreemem(err);
      while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
      error(line, field, "bad libpq conninfo: " + why);
      return;
    }
    for (PQconninfoOption* o = opts.get(); o->keyword != nullptr; ++o) {
      if (o->val == nullptr) continue;
      std::string_view kw = o->keyword;
      std::string val = o->val;
      if (kw == "host") {
        st.host = val;
      } else if (kw == "hostaddr" && st.host.empty()) {
        st.host = val;
      } else if (kw == "dbname") {
        st.dbname = val;
      } else if (kw == "user") {
        st.user = val;
      } else if (kw == "sslmode") {
        st.sslmode = val;
      } else if (kw == "sslrootcert") {
        st.sslrootcert = val;
      } else if (kw == "sslcert") {
        st.sslcert = val;
      } else if (kw == "sslkey") {
        st.sslkey = val;
      } else if (kw == "password") {
        warning(line, field,
                "holds a password, and this file is published to every server and operator: "
                "use ~/.pgpass (PGPASSFILE) instead");
      } else if (kw == "port") {
        int port = 0;
        auto [end, ec] = std::from_chars(val.data(), val.data() + val.size(), port);
        if (ec == std::errc() && end == val.data() + val.size()) st.port = port;
      }
    }
    if (st.dbname.empty()) {
      error(line, field,
            std::string("names no dbname (libpq would use the user name); add dbname=") +
                (is_compliance_role(st.role) ? "mgccomp" : "mgc"));
    }
  }

  void parse_log_shipping(const toml::table& l) {
    const std::string f = "log_shipping";
    LogShipping& ls = t_.log_shipping;
    check_keys(l, f, kLogShippingKeys, "key in [log_shipping]");
    path(l, "backup_share", f, ls.backup_share);
    path(l, "copy_destination", f, ls.copy_destination);
    integer(l, "archive_timeout_s", f, 1, kDay, ls.archive_timeout_s);
    integer(l, "copy_interval_ms", f, 10, kDay * 1000, ls.copy_interval_ms);
    integer(l, "restore_poll_ms", f, 10, kDay * 1000, ls.restore_poll_ms);
    integer(l, "retention_s", f, 0, 365 * kDay, ls.retention_s);
    integer(l, "backup_alert_s", f, 1, 30 * kDay, ls.backup_alert_s);
    integer(l, "copy_alert_s", f, 1, 30 * kDay, ls.copy_alert_s);
    integer(l, "restore_alert_s", f, 1, 30 * kDay, ls.restore_alert_s);
    if (integer(l, "wal_segsize_mb", f, 1, 1024, ls.wal_segsize_mb) &&
        !valid_wal_segsize_mb(ls.wal_segsize_mb)) {
      error(line_of(*l.get("wal_segsize_mb")), f + ".wal_segsize_mb",
            std::to_string(ls.wal_segsize_mb) + " is not a power of two (initdb --wal-segsize)");
    }
  }

  void parse_mirroring(const toml::table& m) {
    check_keys(m, "mirroring", kMirroringKeys, "key in [mirroring]");
    std::string mode;
    if (string(m, "mode", "mirroring", mode)) {
      if (auto parsed = parse_mirror_mode(mode)) {
        t_.mirroring.mode = *parsed;
      } else {
        error(line_of(*m.get("mode")), "mirroring.mode",
              "unknown mode '" + mode + "' (known: high-safety, strict)");
      }
    }
    integer(m, "timeout_s", "mirroring", 1, 3600, t_.mirroring.timeout_s);
    integer(m, "auto_failover_after_s", "mirroring", 1, 3600, t_.mirroring.auto_failover_after_s);
    HostPort witness;
    if (host_port(m, "witness", "mirroring", witness)) t_.mirroring.witness = witness;
    string(m, "witness_datacenter", "mirroring", t_.mirroring.witness_datacenter);
  }

  std::string file_;
  fs::path base_dir_;
  Topology& t_;
  std::vector<Diagnostic>& diags_;
};

}  // namespace

const std::vector<TopologyTableKeys>& topology_key_reference() {
  static const std::vector<TopologyTableKeys> all = {
      {"", kRootKeys},
      {"pool", kPoolKeys},
      {"datacenters.NAME", kDatacenterKeys},
      {"low_latency_links[]", kLinkKeys},
      {"servers[]", kServerKeys},
      {"stores.ROLE", kStoreKeys},
      {"log_shipping", kLogShippingKeys},
      {"mirroring", kMirroringKeys},
  };
  return all;
}

TopologyReport parse_topology(std::string_view text, const std::string& file,
                              const std::filesystem::path& base_dir) {
  TopologyReport report;
  toml::table root;
  try {
    root = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    report.diagnostics.push_back({Severity::kError, file, static_cast<int>(e.source().begin.line),
                                  "", "TOML syntax: " + std::string(e.description())});
    return report;
  }
  Topology t;
  t.source.file = file;
  Parser(file, base_dir, t, report.diagnostics).run(root);
  report.topology = std::move(t);
  sort_by_line(report.diagnostics);
  return report;
}

TopologyReport check_topology(std::string_view text, const std::string& file,
                              const std::filesystem::path& base_dir) {
  TopologyReport report = parse_topology(text, file, base_dir);
  if (report.topology) {
    auto more = validate(*report.topology);
    report.diagnostics.insert(report.diagnostics.end(), more.begin(), more.end());
    sort_by_line(report.diagnostics);
  }
  return report;
}

TopologyReport check_topology_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    TopologyReport report;
    std::error_code ec;
    std::string why = fs::exists(path, ec) ? "cannot be read" : "no such file";
    report.diagnostics.push_back({Severity::kError, path.string(), 0, "", why});
    return report;
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::error_code ec;
  fs::path base = fs::absolute(path, ec).parent_path();
  return check_topology(text.str(), path.string(), base);
}

Result<Topology> load_topology(const std::filesystem::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    return make_error(ErrorKind::kNotFound, path.string() + ": no such topology file");
  }
  TopologyReport report = check_topology_file(path);
  if (report.ok()) return std::move(*report.topology);
  std::string msg = "invalid topology " + path.string() + ":";
  for (const auto& d : report.diagnostics) {
    if (d.severity == Severity::kError) msg += "\n" + format(d);
  }
  return make_error(ErrorKind::kInvalidInput, msg);
}

}  // namespace pchat::dr
