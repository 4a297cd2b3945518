#include "ctl/pool/topology.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <ostream>

#include "dr/diagnostic.h"
#include "dr/topology.h"
#include "dr/topology_file.h"

namespace pchat::ctl {

namespace {

using nlohmann::json;

Status need_file(const TopologyCommandContext& ctx) {
  if (ctx.topology_file.empty()) {
    return make_error(ErrorKind::kInvalidInput,
                      "no topology file: give --topology FILE (or set PCHAT_TOPOLOGY)");
  }
  return ok_status();
}

std::string plural(int n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

std::string counts(const std::vector<dr::Diagnostic>& d) {
  return plural(dr::count(d, dr::Severity::kError), "error") + ", " +
         plural(dr::count(d, dr::Severity::kWarning), "warning");
}

json diagnostic_json(const dr::Diagnostic& d) {
  return {{"severity", dr::to_string(d.severity)},
          {"line", d.line},
          {"field", d.field},
          {"message", d.message}};
}

json topology_json(const dr::Topology& t) {
  json dcs = json::array();
  for (const auto& d : t.datacenters)
    dcs.push_back({{"name", d.name}, {"description", d.description}});
  json links = json::array();
  for (const auto& l : t.low_latency_links) links.push_back(json::array({l.a, l.b}));
  json servers = json::array();
  for (const auto& s : t.servers) {
    servers.push_back({{"name", s.name},
                       {"datacenter", s.datacenter},
                       {"irc_listen", s.irc_listen.to_string()},
                       {"http_listen", s.http_listen.to_string()},
                       {"active", t.is_active(s.name)}});
  }
  json stores = json::object();
  for (const auto& s : t.stores) {
    stores[dr::to_string(s.role)] = {{"datacenter", s.datacenter},
                                     {"host", s.host},
                                     {"port", s.port},
                                     {"dbname", s.dbname},
                                     {"user", s.user},
                                     {"conninfo", s.libpq_conninfo()},
                                     {"data_dir", s.data_dir.string()}};
  }
  const auto& ls = t.log_shipping;
  return {
      {"pool",
       {{"fqdn", t.pool_fqdn},
        {"identity", "service:" + t.pool_fqdn},
        {"max_servers", t.max_servers},
        {"max_active_servers", t.max_active_servers},
        {"active_servers", t.active_servers},
        {"admin_token_file", t.admin_token_file.string()}}},
      {"datacenters", dcs},
      {"low_latency_links", links},
      {"servers", servers},
      {"stores", stores},
      {"log_shipping",
       {{"backup_share", ls.backup_share.string()},
        {"copy_destination", ls.copy_destination.string()},
        {"archive_timeout_s", ls.archive_timeout_s},
        {"copy_interval_ms", ls.copy_interval_ms},
        {"restore_poll_ms", ls.restore_poll_ms},
        {"retention_s", ls.retention_s},
        {"backup_alert_s", ls.backup_alert_s},
        {"copy_alert_s", ls.copy_alert_s},
        {"restore_alert_s", ls.restore_alert_s},
        {"wal_segsize_mb", ls.wal_segsize_mb}}},
      {"mirroring",
       {{"mode", dr::to_string(t.mirroring.mode)},
        {"timeout_s", t.mirroring.timeout_s},
        {"witness", t.mirroring.witness ? json(t.mirroring.witness->to_string()) : json(nullptr)},
        {"witness_datacenter", t.mirroring.witness_datacenter},
        {"auto_failover_after_s", t.mirroring.auto_failover_after_s}}},
  };
}

std::string or_dash(const std::string& s) {
  return s.empty() ? "-" : s;
}

void print_topology(std::ostream& out, const dr::Topology& t) {
  out << fmt::format("pool              {}  (identity service:{})\n", t.pool_fqdn, t.pool_fqdn);
  out << fmt::format("limits            {} servers, {} active\n", t.max_servers,
                     t.max_active_servers);
  out << fmt::format("admin token file  {}\n", or_dash(t.admin_token_file.string()));
  out << "datacenters\n";
  for (const auto& d : t.datacenters) {
    out << fmt::format("  {:<6} {}\n", d.name, or_dash(d.description));
  }
  std::string links;
  for (const auto& l : t.low_latency_links) {
    links += (links.empty() ? "" : ", ") + l.a + " <-> " + l.b;
  }
  out << "low-latency links " << (links.empty() ? "none" : links) << "\n";

  size_t name_w = 4, irc_w = 3;
  for (const auto& s : t.servers) {
    name_w = std::max(name_w, s.name.size());
    irc_w = std::max(irc_w, s.irc_listen.to_string().size());
  }
  out << "servers\n";
  out << fmt::format("  {:<{}}  {:<6} {:<6}  {:<{}}  {}\n", "NAME", name_w, "DC", "ACTIVE", "IRC",
                     irc_w, "HTTP");
  for (const auto& s : t.servers) {
    out << fmt::format("  {:<{}}  {:<6} {:<6}  {:<{}}  {}\n", s.name, name_w, s.datacenter,
                       t.is_active(s.name) ? "yes" : "no", s.irc_listen.to_string(), irc_w,
                       s.http_listen.to_string());
  }
  out << "stores\n";
  out << fmt::format("  {:<18} {:<6} {}\n", "ROLE", "DC", "CONNECTION [DATA_DIR]");
  for (dr::StoreRole role : dr::kAllStoreRoles) {
    const dr::Store* s = t.store(role);
    if (s == nullptr) continue;
    std::string dir = s->data_dir.empty() ? "" : "  [" + s->data_dir.string() + "]";
    out << fmt::format("  {:<18} {:<6} {}{}\n", dr::to_string(role), s->datacenter,
                       s->libpq_conninfo(), dir);
  }
  const auto& ls = t.log_shipping;
  out << "log shipping\n";
  out << fmt::format("  backup_share       {}\n", or_dash(ls.backup_share.string()));
  out << fmt::format("  copy_destination   {}\n", or_dash(ls.copy_destination.string()));
  out << fmt::format(
      "  archive_timeout_s {}, copy_interval_ms {}, restore_poll_ms {}, retention_s {}\n",
      ls.archive_timeout_s, ls.copy_interval_ms, ls.restore_poll_ms, ls.retention_s);
  out << fmt::format("  alerts (s): backup {}, copy {}, restore {}\n", ls.backup_alert_s,
                     ls.copy_alert_s, ls.restore_alert_s);
  out << fmt::format("mirroring         {}, timeout_s {}\n", dr::to_string(t.mirroring.mode),
                     t.mirroring.timeout_s);
  if (t.mirroring.witness) {
    out << fmt::format("witness           {} (datacenter {}), automatic failover after {} s\n",
                       t.mirroring.witness->to_string(), t.mirroring.witness_datacenter,
                       t.mirroring.auto_failover_after_s);
  }
}

}  // namespace

Status topology_validate(const TopologyCommandContext& ctx, bool as_json) {
  if (auto st = need_file(ctx); !st) return st;
  std::ostream& out = *ctx.out;
  const std::string file = ctx.topology_file.string();
  dr::TopologyReport report = dr::check_topology_file(ctx.topology_file);
  const auto& diags = report.diagnostics;
  if (as_json) {
    json list = json::array();
    for (const auto& d : diags) list.push_back(diagnostic_json(d));
    out << json{{"file", file},
                {"valid", report.ok()},
                {"errors", dr::count(diags, dr::Severity::kError)},
                {"warnings", dr::count(diags, dr::Severity::kWarning)},
                {"diagnostics", list}}
               .dump(2)
        << "\n";
  } else {
    for (const auto& d : diags) out << dr::format(d) << "\n";
  }
  if (!report.ok()) return make_error(ErrorKind::kInvalidInput, file + ": " + counts(diags));
  if (!as_json) {
    const dr::Topology& t = *report.topology;
    out << fmt::format("{}: valid: pool {}, {}, {} ({} active), {}; {}\n", file, t.pool_fqdn,
                       plural(static_cast<int>(t.datacenters.size()), "datacenter"),
                       plural(static_cast<int>(t.servers.size()), "server"),
                       t.active_servers.size(), plural(static_cast<int>(t.stores.size()), "store"),
                       plural(dr::count(diags, dr::Severity::kWarning), "warning"));
  }
  return ok_status();
}

Status topology_show(const TopologyCommandContext& ctx, bool as_json) {
  if (auto st = need_file(ctx); !st) return st;
  dr::TopologyReport report = dr::check_topology_file(ctx.topology_file);
  for (const auto& d : report.diagnostics) *ctx.err << dr::format(d) << "\n";
  if (!report.ok()) {
    return make_error(ErrorKind::kInvalidInput, ctx.topology_file.string() + ": " +
                                                    counts(report.diagnostics) +
                                                    " (see `topology validate`)");
  }
  if (as_json) {
    *ctx.out << topology_json(*report.topology).dump(2) << "\n";
  } else {
    print_topology(*ctx.out, *report.topology);
  }
  return ok_status();
}

}  // namespace pchat::ctl
