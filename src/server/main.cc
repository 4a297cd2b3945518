// pchatd: the persistent chat server.
//
// Start-up: configuration -> private PostgreSQL (standalone) -> schema migrations ->
// store writer and readers -> IRC and admin HTTP listeners -> event loop.
// SIGTERM/SIGINT: stop accepting and reading, let queued messages commit and their
// acknowledgements go out (up to kDrainTimeout), close every client with ERROR,
// stop the store threads, stop PostgreSQL.
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <utility>  // before Asio: boost 1.74 awaitable.hpp uses std::exchange

#include <boost/asio.hpp>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <thread>

#include <unistd.h>

#include "core/log.h"
#include "core/metrics.h"
#include "dr/monitor/dr_metrics.h"
#include "dr/topology_file.h"
#include "server/config.h"
#include "server/http.h"
#include "server/server.h"
#include "store/instance.h"
#include "store/message_stream.h"
#include "store/migrations.h"
#include "store/pool_state.h"
#include "store/reader.h"
#include "store/writer.h"

namespace {

using namespace pchat;
namespace asio = boost::asio;
constexpr auto kDrainTimeout = std::chrono::seconds(5);
constexpr auto kStoreWait = std::chrono::seconds(60);

// Connects to `conninfo` (retrying up to kStoreWait: in a pool the store may come up
// after the servers), applies migrations, and returns the newest message id.
Result<int64_t> prepare_store(const std::string& conninfo) {
  auto deadline = std::chrono::steady_clock::now() + kStoreWait;
  Result<pg::Connection> conn = make_error(ErrorKind::kUnavailable, "not tried");
  for (auto backoff = std::chrono::milliseconds(200);;) {
    conn = pg::Connection::connect(conninfo);
    if (conn || std::chrono::steady_clock::now() + backoff > deadline) break;
    spdlog::warn("store not reachable yet ({}); retrying", conn.error().message);
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
  }
  if (!conn)
    return make_error(ErrorKind::kUnavailable, "cannot connect to mgc: " + conn.error().message);
  if (auto st = store::migrate(*conn); !st) {
    return make_error(st.error().kind, "schema migration refused: " + st.error().message);
  }
  // Deliver what commits from now on (history is for CHATHISTORY and replays).
  auto newest = conn->exec("SELECT coalesce(max(id), 0) FROM messages");
  if (!newest) return make_error(newest.error().kind, "cannot read mgc: " + newest.error().message);
  return newest->i64(0, 0);
}

// A pool's first server records the topology's initial active list in pool_state,
// once (until then updated_by is empty); afterwards only operators change it.
Status seed_active_servers(const std::string& conninfo, const std::vector<std::string>& initial) {
  auto conn = pg::Connection::connect(conninfo);
  if (!conn) return conn.error();
  store::ActiveServersEdit edit;
  edit.replace_with = initial;
  store::PoolStateWrite write;
  write.by = "topology (initial active servers)";
  bool first = false;
  write.check = [&first](const store::PoolState& before, const store::PoolState&) {
    first = before.updated_by.empty();
    return first ? ok_status() : Status(make_error(ErrorKind::kConflict, "already recorded"));
  };
  auto r = store::update_active_servers(*conn, edit, write);
  if (!r && r.error().kind != ErrorKind::kConflict) return r.error();
  if (first) spdlog::info("pool: recorded the topology's initial active servers");
  return ok_status();
}

int run(server::ServerConfig cfg) {
  std::optional<store::Instance> instance;
  std::optional<server::Server::PoolView> pool_view;
  std::string conninfo;
  if (!cfg.topology_file.empty()) {
    // Pool member: the published topology names this server's listeners and stores.
    auto topo = dr::load_topology(cfg.topology_file);
    if (!topo) {
      spdlog::critical("{}", topo.error().message);
      return 1;
    }
    const dr::Server* me = topo->find_server(cfg.pool_server);
    if (me == nullptr) {
      spdlog::critical("server '{}' is not in topology {}", cfg.pool_server,
                       cfg.topology_file.string());
      return 1;
    }
    const dr::Store* primary = topo->store(dr::StoreRole::kPrimary);
    if (primary == nullptr) {
      spdlog::critical("topology {} has no primary store", cfg.topology_file.string());
      return 1;
    }
    cfg.server_name = me->name;
    if (!cfg.irc_listen_given) cfg.irc_listen = {me->irc_listen.host, me->irc_listen.port};
    if (!cfg.http_listen_given) cfg.http_listen = {me->http_listen.host, me->http_listen.port};
    conninfo = primary->libpq_conninfo();
    pool_view.emplace();
    pool_view->self = me->name;
    pool_view->topology_active = topo->active_servers;
    for (const auto& sv : topo->servers) {
      pool_view->servers.push_back({sv.name, {sv.irc_listen.host, sv.irc_listen.port}});
    }
    spdlog::info("pchatd {} starting as {} (datacenter {}) of pool {}", PCHAT_VERSION, me->name,
                 me->datacenter, topo->pool_fqdn);
  } else {
    cfg.data_dir = std::filesystem::absolute(cfg.data_dir).lexically_normal();
    spdlog::info("pchatd {} starting standalone; data directory {}", PCHAT_VERSION,
                 cfg.data_dir.string());
    store::InstanceOptions iopts;
    iopts.data_dir = cfg.data_dir;
    instance.emplace(iopts);
    if (auto st = instance->start(); !st) {
      spdlog::critical("cannot start the message store: {}", st.error().message);
      return 1;
    }
    auto admin = pg::Connection::connect(instance->conninfo("postgres"));
    if (!admin) {
      spdlog::critical("cannot connect to the message store: {}", admin.error().message);
      return 1;
    }
    if (auto st = store::ensure_database(*admin, "mgc"); !st) {
      spdlog::critical("cannot create database mgc: {}", st.error().message);
      return 1;
    }
    conninfo = instance->conninfo("mgc");
  }
  auto newest = prepare_store(conninfo);
  if (!newest) {
    spdlog::critical("{}", newest.error().message);
    return 1;
  }
  if (pool_view) {
    if (auto st = seed_active_servers(conninfo, pool_view->topology_active); !st) {
      spdlog::critical("cannot record the topology's active servers: {}", st.error().message);
      return 1;
    }
  }
  const int64_t stream_after = *newest;

  asio::io_context io(1);
  MetricsRegistry metrics;
  // Pool mode: mirroring and log-shipping figures in /metrics (dr/monitor/dr_metrics.h).
  std::optional<dr::DrMetrics> dr_metrics;
  if (!cfg.topology_file.empty()) {
    auto topo = dr::load_topology(cfg.topology_file);
    if (topo && dr::has_dr_figures(*topo)) dr_metrics.emplace(std::move(*topo), metrics);
  }
  server::Server* srv_ptr = nullptr;
  store::Writer writer(
      conninfo, cfg.server_name + "/" + std::to_string(getpid()),
      [&io, &srv_ptr](std::vector<store::PendingWrite>&& batch, const Status& st) {
        asio::post(io, [&srv_ptr, batch = std::move(batch), st]() mutable {
          srv_ptr->on_committed(std::move(batch), st);
        });
      },
      metrics);
  store::MessageStream stream(
      conninfo,
      [&io, &srv_ptr](std::vector<store::HistoryRow>&& rows) {
        asio::post(io, [&srv_ptr, rows = std::move(rows)]() mutable {
          srv_ptr->on_stream_rows(std::move(rows));
        });
      },
      [&srv_ptr] {
        if (srv_ptr != nullptr) srv_ptr->refresh_pool_state();
      },
      metrics);
  store::ReaderPool readers(conninfo, cfg.reader_threads);
  server::Server srv(io, cfg, &writer, &readers, metrics);
  if (pool_view) srv.set_pool(std::move(*pool_view));
  srv.set_delivered_upto(stream_after);
  srv_ptr = &srv;
  srv.refresh_pool_state();
  server::AdminHttp http(io, srv, metrics);
  stream.start(stream_after);
  if (dr_metrics) dr_metrics->start();
  writer.start();
  readers.start();
  try {
    srv.listen();
    http.listen(cfg.http_listen);
  } catch (const boost::system::system_error& e) {
    spdlog::critical("cannot listen: {}", e.what());
    writer.stop();
    stream.stop();
    readers.stop();
    return 1;
  }

  asio::signal_set signals(io, SIGTERM, SIGINT);
  asio::steady_timer drain_timer(io);
  // Give queued messages time to commit and be acknowledged, then close clients.
  // Lives as long as io (the timer callbacks re-enter it).
  std::chrono::steady_clock::time_point drain_deadline;
  std::function<void()> wait_drain = [&] {
    if (srv.pending_writes() > 0 && std::chrono::steady_clock::now() < drain_deadline) {
      drain_timer.expires_after(std::chrono::milliseconds(20));
      drain_timer.async_wait([&](boost::system::error_code) { wait_drain(); });
      return;
    }
    srv.shutdown("Server shutting down");
    drain_timer.expires_after(std::chrono::milliseconds(300));
    drain_timer.async_wait([&](boost::system::error_code) { io.stop(); });
  };
  signals.async_wait([&](boost::system::error_code ec, int sig) {
    if (ec) return;
    spdlog::info("received signal {}; shutting down", sig);
    http.stop();
    srv.stop_accepting();
    drain_deadline = std::chrono::steady_clock::now() + kDrainTimeout;
    wait_drain();
  });
  spdlog::info("pchatd ready");
  io.run();
  writer.stop();
  stream.stop();
  readers.stop();
  // The store threads may have posted completions (holding Responses) after the loop
  // stopped: run them now, while the Server they refer to still exists, rather than
  // destroying them with the io_context after it.
  io.restart();
  io.poll();
  if (instance) instance->stop();
  spdlog::info("pchatd stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{
      "pchatd: persistent group chat over IRC, every message stored in PostgreSQL.\n"
      "With no topology, runs standalone with its own private PostgreSQL in --data-dir."};
  app.set_version_flag("--version", std::string("pchatd ") + PCHAT_VERSION);
  server::ServerConfig cfg;
  std::string config_file, data_dir, irc_listen, http_listen;
  app.add_option("--config", config_file, "TOML configuration file (flags override it)")
      ->check(CLI::ExistingFile);
  app.add_option("--data-dir", data_dir, "Data directory (default ./pchat-data)");
  app.add_option("--irc-listen", irc_listen, "IRC listener HOST:PORT (default 127.0.0.1:6667)");
  app.add_option(
      "--http-listen", http_listen,
      "Admin HTTP listener HOST:PORT for /healthz and /metrics (default 127.0.0.1:8080)");
  app.add_option("--server-name", cfg.server_name, "Server name shown to clients");
  std::string topology_file, pool_server;
  app.add_option("--topology", topology_file,
                 "Pool mode: the published topology file (TOML); needs --server")
      ->check(CLI::ExistingFile);
  app.add_option("--server", pool_server, "Pool mode: this server's name in the topology");
  app.add_flag("--allow-guests", cfg.allow_guests,
               "Let clients without an account join rooms and post (default: off)");
  app.add_option("--log-level", cfg.log_level, "trace, debug, info, warn, error or off");
  app.add_option("--default-chat-history", cfg.default_chat_history,
                 "Messages replayed on JOIN to clients without chathistory (1-500, default 30)")
      ->check(CLI::Range(1, 500));
  app.add_option("--flood-burst", cfg.flood_burst,
                 "Lines a client may send in a burst (0: no limit)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--flood-rate", cfg.flood_rate, "Lines per second refilled (0: no limit)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--ping-interval", cfg.ping_interval, "Seconds of client silence before PING")
      ->check(CLI::Range(5, 3600));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help/--version exit 0; usage errors exit 2 (1 is for operational errors).
    return app.exit(e) == 0 ? 0 : 2;
  }

  try {
    server::ServerConfig merged;
    if (!config_file.empty()) server::load_config_file(config_file, merged);
    // Flags given on the command line win over the file.
    auto given = [&](const char* name) { return app.count(name) > 0; };
    if (given("--server-name")) merged.server_name = cfg.server_name;
    if (given("--allow-guests")) merged.allow_guests = cfg.allow_guests;
    if (given("--log-level")) merged.log_level = cfg.log_level;
    if (given("--default-chat-history")) merged.default_chat_history = cfg.default_chat_history;
    if (given("--flood-burst")) merged.flood_burst = cfg.flood_burst;
    if (given("--flood-rate")) merged.flood_rate = cfg.flood_rate;
    if (given("--ping-interval")) merged.ping_interval = cfg.ping_interval;
    if (!data_dir.empty()) merged.data_dir = data_dir;
    if (topology_file.empty() != pool_server.empty()) {
      throw std::invalid_argument("--topology and --server go together");
    }
    merged.topology_file = topology_file;
    merged.pool_server = pool_server;
    merged.irc_listen_given = !irc_listen.empty();
    merged.http_listen_given = !http_listen.empty();
    if (!irc_listen.empty()) merged.irc_listen = server::parse_endpoint(irc_listen, "--irc-listen");
    if (!http_listen.empty()) {
      merged.http_listen = server::parse_endpoint(http_listen, "--http-listen");
    }
    init_logging(merged.log_level);
    return run(std::move(merged));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pchatd: error: %s\n", e.what());
    return 1;
  }
}
