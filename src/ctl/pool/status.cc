#include "ctl/pool/status.h"

#include <utility>  // before Asio: boost 1.74 awaitable.hpp uses std::exchange

#include <fmt/format.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>
#include <set>

#include <ostream>

#include "core/secret_file.h"
#include "ctl/dr/status.h"
#include "ctl/target/pool.h"
#include "ctl/target/standalone.h"
#include "dr/host_port.h"
#include "dr/topology_file.h"
#include "store/active_servers.h"
#include "store/pool_state.h"

namespace pchat::ctl {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using nlohmann::json;

Result<HttpReply> http_get(const std::string& host, uint16_t port, const std::string& path,
                           int timeout_ms, const std::string& admin_token) {
  return http_call("GET", host, port, path, "", timeout_ms, admin_token);
}

Result<HttpReply> http_call(const std::string& method, const std::string& host, uint16_t port,
                            const std::string& path, const std::string& body, int timeout_ms,
                            const std::string& admin_token) {
  // A server listening on every address is reached on this machine's loopback.
  const std::string to = host == "*" || host == "0.0.0.0" || host.empty() ? "127.0.0.1"
                         : host == "::"                                   ? "::1"
                                                                          : host;
  asio::io_context io;
  beast::tcp_stream stream(io);
  http::response<http::string_body> res;
  beast::flat_buffer buf;
  http::request<http::string_body> req{http::string_to_verb(method), path, 11};
  if (!body.empty()) {
    req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
  }
  req.set(http::field::host, dr::HostPort{to, port}.to_string());
  req.set(http::field::user_agent, "pchatctl");
  if (!admin_token.empty()) req.set(http::field::authorization, "Bearer " + admin_token);
  boost::system::error_code failure;
  stream.expires_after(std::chrono::milliseconds(timeout_ms));
  asio::ip::tcp::resolver resolver(io);
  resolver.async_resolve(to, std::to_string(port), [&](auto ec, auto results) {
    if (ec) {
      failure = ec;
      return;
    }
    stream.async_connect(results, [&](auto ec2, auto) {
      if (ec2) {
        failure = ec2;
        return;
      }
      http::async_write(stream, req, [&](auto ec3, auto) {
        if (ec3) {
          failure = ec3;
          return;
        }
        http::async_read(stream, buf, res, [&](auto ec4, auto) { failure = ec4; });
      });
    });
  });
  io.run();
  if (failure) return make_error(ErrorKind::kUnavailable, failure.message());
  return HttpReply{static_cast<int>(res.result_int()), res.body()};
}

Result<std::string> admin_token_for(const std::filesystem::path& data_dir,
                                    const std::filesystem::path& topology_token_file) {
  const auto file = !topology_token_file.empty() ? topology_token_file : data_dir / "admin-token";
  auto token = read_secret_file(file, /*create_if_missing=*/false);
  if (!token && token.error().kind == ErrorKind::kNotFound) return std::string();
  if (!token) return token.error();
  return *token;
}

namespace {

struct Row {
  std::string name, datacenter, address;
  bool listed = false;  // in the pool's active list
  bool reachable = false;
  json health;  // what the server reports
  std::string problem;
};

Row ask(const std::string& name, const std::string& dc, const std::string& host, uint16_t port,
        const std::string& token) {
  Row row{name, dc, dr::HostPort{host, port}.to_string()};
  auto reply = http_get(host, port, "/healthz", 2000, token);
  if (!reply) {
    row.problem = reply.error().message;
    return row;
  }
  row.reachable = true;
  row.health = json::parse(reply->body, nullptr, false);
  if (row.health.is_discarded()) row.problem = "unreadable /healthz answer";
  return row;
}

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

// The JSON of `pchatctl status --json`, without its mirroring and log-shipping parts.
json status_json(const store::PoolState& state, const std::vector<Row>& rows) {
  json j = {{"pool_fqdn", state.pool_fqdn ? json(*state.pool_fqdn) : json(nullptr)},
            {"state", store::to_string(state.state)},
            {"epoch", state.epoch},
            {"primary_store", state.primary_store},
            {"active_servers", state.active_servers},
            {"servers", json::array()}};
  for (const auto& r : rows) {
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
    for (const auto& s : topo->servers) {
      rows.push_back(ask(s.name, s.datacenter, s.http_listen.host, s.http_listen.port, *token));
    }
  }
  for (const auto& hp : args.server_http) {
    auto parsed = dr::parse_host_port(hp);
    if (!parsed)
      return make_error(ErrorKind::kInvalidInput, "--server-http: " + parsed.error().message);
    rows.push_back(ask(hp, "-", parsed->host, parsed->port, *token));
  }
  for (auto& r : rows) r.listed = store::contains_server(state->active_servers, r.name);

  if (args.json) {
    json j = status_json(*state, rows);
    if (topo) j.update(dr_status(*topo));  // mirroring, log_shipping
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
  if (topo) print_dr_summary(dr_status(*topo), out);
  return ok_status();
}

}  // namespace pchat::ctl
