#include "ctl/pool/status.h"

#include <utility>  // before Asio: boost 1.74 awaitable.hpp uses std::exchange

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <set>

#include <ostream>

#include "core/secret_file.h"
#include "ctl/dr/status.h"
#include "ctl/target/pool.h"
#include "ctl/target/standalone.h"
#include "dr/host_port.h"
#include "dr/monitor/pool_status.h"
#include "dr/topology_file.h"
#include "store/active_servers.h"
#include "store/pool_state.h"

namespace pchat::ctl {

using nlohmann::json;

Result<std::string> admin_token_for(const std::filesystem::path& data_dir,
                                    const std::filesystem::path& topology_token_file) {
  const auto file = !topology_token_file.empty() ? topology_token_file : data_dir / "admin-token";
  auto token = read_secret_file(file, /*create_if_missing=*/false);
  if (!token && token.error().kind == ErrorKind::kNotFound) return std::string();
  if (!token) return token.error();
  return *token;
}

namespace {

using Row = dr::ServerView;

std::string json_field(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return "-";
  const auto& v = j[key];
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// Stores the servers see fenced (writable with a lower epoch: made read-only).
void print_fenced(const std::vector<Row>& rows, std::ostream& out) {
  std::set<std::string> fenced;
  for (const auto& r : rows) {
    if (!r.reachable || !r.health.contains("stores")) continue;
    for (const auto& st : r.health["stores"]) {
      if (st.value("fenced", false)) fenced.insert(st.value("name", std::string("?")));
    }
  }
  for (const auto& name : fenced) {
    out << fmt::format("store {} is FENCED (it carries a lower epoch than the pool's)\n", name);
  }
}

// A runbook under way (or stopped inside a step): "failback: step 5 of ... since ...".
void print_runbook(const json& rb, std::ostream& out) {
  for (const auto& [name, j] : rb.items()) {
    if (j.contains("completed_at")) continue;
    if (j.contains("current")) {
      out << fmt::format("{}: step {} ({}) started {}; re-run `pchatctl {}` if it stopped\n", name,
                         j["current"].value("step", 0), j["current"].value("title", ""),
                         j["current"].value("since", ""), name);
    } else {
      out << fmt::format("{}: started {}, {} step(s) done, not finished\n", name,
                         j.value("started_at", ""), j.value("steps", json::object()).size());
    }
  }
}

}  // namespace

Status pool_status(const StatusArgs& args, std::ostream& out) {
  std::optional<dr::Topology> topo;
  std::unique_ptr<StoreAccess> access;
  pg::Connection conn;
  if (!args.topology_file.empty()) {
    auto t = dr::load_topology(args.topology_file);
    if (!t) return t.error();
    topo = std::move(*t);
    auto c = connect_store_in_use(*topo);
    if (!c) return c.error();
    conn = std::move(c->conn);
  } else {
    auto a = open_store({.data_dir = args.data_dir, .create_if_missing = false});
    if (!a) return a.error();
    access = std::move(*a);
  }
  pg::Connection& mgc = access ? access->mgc() : conn;
  auto state = store::read_pool_state(mgc);
  if (!state) return state.error();

  auto token = admin_token_for(args.data_dir, topo ? topo->admin_token_file : "");
  if (!token) return token.error();
  std::vector<Row> rows;
  if (topo) {
    rows = dr::ask_servers(*topo, *state, *token);
  }
  for (const auto& hp : args.server_http) {
    auto parsed = dr::parse_host_port(hp);
    if (!parsed)
      return make_error(ErrorKind::kInvalidInput, "--server-http: " + parsed.error().message);
    rows.push_back(dr::ask_server(hp, "-", parsed->host, parsed->port, *token));
    rows.back().listed = store::contains_server(state->active_servers, hp);
  }

  if (args.json) {
    json j = dr::pool_status_json(*state, rows);
    if (topo) {
      j.update(dr_status(*topo));  // mirroring, log_shipping
      if (auto rb = dr::runbook_status(*topo); !rb.empty()) j["runbook"] = rb;
    }
    out << j.dump(2) << "\n";
    return ok_status();
  }
  out << fmt::format("pool {}  state {}  epoch {}  primary store {}\n",
                     state->pool_fqdn.value_or(topo ? topo->pool_fqdn : "(standalone)"),
                     store::to_string(state->state), state->epoch, state->primary_store);
  if (rows.empty()) {
    out << "(no servers to ask: give --topology FILE, or --server-http HOST:PORT)\n";
    return ok_status();
  }
  out << fmt::format("{:<32} {:<4} {:<7} {:<12} {:>7} {:<11} {:>5}\n", "SERVER", "DC", "LISTED",
                     "ROLE", "CLIENTS", "STORE", "EPOCH");
  for (const auto& r : rows) {
    if (!r.reachable) {
      out << fmt::format("{:<32} {:<4} {:<7} unreachable ({})\n", r.name, r.datacenter,
                         r.listed ? "active" : "-", r.problem);
      continue;
    }
    // The store it uses (pool mode) and whether it reaches it.
    std::string store = json_field(r.health, "store");
    if (r.health.contains("store_in_use")) {
      std::string in_use = json_field(r.health, "store_in_use");
      store = (in_use.empty() ? std::string("none") : in_use) + (store == "ok" ? "" : "!");
    }
    out << fmt::format("{:<32} {:<4} {:<7} {:<12} {:>7} {:<11} {:>5}\n", r.name, r.datacenter,
                       r.listed ? "active" : "-", json_field(r.health, "role"),
                       json_field(r.health, "connections"), store, json_field(r.health, "epoch"));
  }
  print_fenced(rows, out);
  if (topo) {
    print_dr_summary(dr_status(*topo), out);
    print_runbook(dr::runbook_status(*topo), out);
  }
  return ok_status();
}

}  // namespace pchat::ctl
