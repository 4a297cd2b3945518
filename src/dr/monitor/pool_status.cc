#include "dr/monitor/pool_status.h"

#include "dr/host_port.h"
#include "dr/logship/manifest.h"
#include "dr/monitor/http_client.h"
#include "dr/monitor/logship_status.h"
#include "dr/monitor/mirror_state.h"
#include "dr/runbook/state_file.h"
#include "store/active_servers.h"

namespace pchat::dr {

using nlohmann::json;

ServerView ask_server(const std::string& name, const std::string& datacenter,
                      const std::string& host, uint16_t port, const std::string& token) {
  ServerView v{name, datacenter, HostPort{host, port}.to_string()};
  auto reply = http_get(host, port, "/healthz", 2000, token);
  if (!reply) {
    v.problem = reply.error().message;
    return v;
  }
  v.reachable = true;
  v.health = json::parse(reply->body, nullptr, false);
  if (v.health.is_discarded()) {
    v.health = nullptr;
    v.problem = "unreadable /healthz answer";
  }
  return v;
}

std::vector<ServerView> ask_servers(const Topology& t, const store::PoolState& state,
                                    const std::string& token) {
  std::vector<ServerView> out;
  for (const auto& s : t.servers) {
    out.push_back(ask_server(s.name, s.datacenter, s.http_listen.host, s.http_listen.port, token));
    out.back().listed = store::contains_server(state.active_servers, s.name);
  }
  return out;
}

json pool_status_json(const store::PoolState& state, const std::vector<ServerView>& servers) {
  json j = {{"pool_fqdn", state.pool_fqdn ? json(*state.pool_fqdn) : json(nullptr)},
            {"state", store::to_string(state.state)},
            {"epoch", state.epoch},
            {"primary_store", state.primary_store},
            {"active_servers", state.active_servers},
            {"servers", json::array()}};
  for (const auto& r : servers) {
    j["servers"].push_back({{"name", r.name},
                            {"datacenter", r.datacenter},
                            {"admin", r.address},
                            {"listed_active", r.listed},
                            {"reachable", r.reachable},
                            {"health", r.reachable ? r.health : json(nullptr)},
                            {"problem", r.problem}});
  }
  return j;
}

json dr_status(const Topology& t) {
  json j = json::object();
  if (t.store(StoreRole::kMirror) != nullptr) j["mirroring"] = probe_mirror(t);
  if (t.store(StoreRole::kBackup) != nullptr && !t.log_shipping.backup_share.empty()) {
    j["log_shipping"] = collect_logship_status(t);
  }
  return j;
}

json runbook_status(const Topology& t) {
  json j = json::object();
  if (t.log_shipping.copy_destination.empty()) return j;
  for (auto [key, file] : {std::pair{"failover", logship::kFailoverJournalFileName},
                           std::pair{"failback", logship::kFailbackJournalFileName}}) {
    auto journal = runbook::read_state_file(t.log_shipping.copy_destination / file);
    if (journal && journal->has_value() && (*journal)->is_object()) j[key] = **journal;
  }
  return j;
}

}  // namespace pchat::dr
