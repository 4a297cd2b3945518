// Long: pchatd's start-up and shutdown wiring in the order things start; parts live elsewhere.
// pchatd: the persistent chat server.
//
// Start-up: configuration -> private PostgreSQL (standalone) -> schema migrations ->
// store writer and readers -> IRC and admin HTTP listeners -> event loop.
// SIGHUP: reload the live settings of the --config file (server/sighup.h).
// SIGTERM/SIGINT: stop accepting and reading, let queued messages commit and their
// acknowledgements go out (up to kDrainTimeout), close every client with ERROR,
// stop the store threads, stop PostgreSQL.
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <utility>  // before Asio: boost 1.74 awaitable.hpp uses std::exchange

#include <boost/asio.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <random>
#include <thread>

#include <unistd.h>

#include "compliance/service/service.h"
#include "core/log.h"
#include "core/metrics.h"
#include "dr/monitor/dr_metrics.h"
#include "dr/store_selector.h"
#include "dr/topology_file.h"
#include "server/admin_token.h"
#include "server/config.h"
#include "server/directory_refresh.h"
#include "server/file_host.h"
#include "server/http.h"
#include "server/room_policy.h"
#include "server/server.h"
#include "server/service_notify.h"
#include "server/sighup.h"
#include "server/status_feed.h"
#include "server/tls_setup.h"
#include "server/web_host.h"
#include "store/instance.h"
#include "store/message_stream.h"
#include "store/migrations.h"
#include "store/pool_state.h"
#include "store/presence.h"
#include "store/read_markers.h"
#include "store/reader.h"
#include "store/rooms.h"
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

// The rooms, for the rules to apply from the first client on.
Result<store::RoomCatalog> load_catalog(const std::string& conninfo) {
  auto conn = pg::Connection::connect(conninfo);
  if (!conn) return conn.error();
  return store::load_room_catalog(*conn);
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

int run(server::ServerConfig cfg, const std::filesystem::path& config_file,
        const server::SighupHandler::Build& build) {
  server::ServiceNotify notify;             // systemd Type=notify (server/service_notify.h)
  const server::ServerConfig loaded = cfg;  // before pool mode fills in its values
  std::optional<store::Instance> instance;
  std::optional<server::PoolMembership::View> pool_view;
  std::string conninfo;
  std::shared_ptr<store::StoreTarget> target;
  std::vector<dr::StoreSelector::Candidate> candidates;
  std::optional<compliance::ServiceOptions> comp;  // compliance enabled
  std::filesystem::path topology_token_file;       // pool mode: [pool] admin_token_file
  std::optional<dr::Topology> topology;            // pool mode: read once, here
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
    topology_token_file = topo->admin_token_file;
    if (topo->directory && cfg.directory) {
      spdlog::critical(
          "[directory] is in both the configuration file and topology {}: keep "
          "the topology's (every server of the pool uses it)",
          cfg.topology_file.string());
      return 1;
    }
    if (topo->directory) cfg.directory = topo->directory;
    if (!cfg.irc_listen_given)
      cfg.irc_listen = server::Endpoint{me->irc_listen.host, me->irc_listen.port};
    if (!cfg.http_listen_given) cfg.http_listen = {me->http_listen.host, me->http_listen.port};
    // Every mgc store of the topology is a candidate; the selector uses the one with
    // the highest pool-state epoch and fences writable ones with a lower epoch.
    for (dr::StoreRole role : {dr::StoreRole::kPrimary, dr::StoreRole::kMirror,
                               dr::StoreRole::kBackup, dr::StoreRole::kBackupMirror}) {
      if (const dr::Store* st = topo->store(role)) {
        candidates.push_back({dr::to_string(role), st->libpq_conninfo(), st->instance_conninfo()});
      }
    }
    target = std::make_shared<store::StoreTarget>(primary->libpq_conninfo(), "primary");
    if (const dr::Store* cs = topo->store(dr::StoreRole::kCompliance)) {
      comp.emplace();
      comp->comp_conninfo = cs->libpq_conninfo();
      if (const dr::Store* cb = topo->store(dr::StoreRole::kComplianceBackup)) {
        comp->comp_backup_conninfo = cb->libpq_conninfo();
      }
      comp->cycle.domain = topo->pool_fqdn;
    } else if (cfg.compliance) {
      spdlog::critical("compliance is on but topology {} has no [stores.compliance]",
                       cfg.topology_file.string());
      return 1;
    }
    pool_view.emplace();
    pool_view->self = me->name;
    pool_view->topology_active = topo->active_servers;
    for (const auto& sv : topo->servers) {
      pool_view->servers.push_back({sv.name, {sv.irc_listen.host, sv.irc_listen.port}});
    }
    spdlog::info("pchatd {} starting as {} (datacenter {}) of pool {}", PCHAT_VERSION, me->name,
                 me->datacenter, topo->pool_fqdn);
    topology = std::move(*topo);
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
    target = store::StoreTarget::fixed(conninfo);
    if (cfg.compliance) {
      // Standalone: mgccomp is a second database of the private instance.
      comp.emplace();
      comp->comp_conninfo = instance->conninfo("mgccomp");
      comp->cycle.domain = cfg.server_name;
      comp->cycle.default_output_directory = (cfg.data_dir / "compliance").string();
    }
  }
  MetricsRegistry metrics;
  std::optional<dr::StoreSelector> selector;
  if (!candidates.empty()) {
    selector.emplace(candidates, target, metrics);
    auto chosen = selector->choose_initial(kStoreWait);
    if (!chosen) {
      spdlog::critical("{}", chosen.error().message);
      return 1;
    }
    conninfo = target->conninfo();
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
  auto catalog = load_catalog(conninfo);
  if (!catalog) {
    spdlog::critical("cannot load the rooms: {}", catalog.error().message);
    return 1;
  }

  asio::io_context io(1);
  // Pool mode: mirroring and log-shipping figures in /metrics (dr/monitor/dr_metrics.h).
  std::optional<dr::DrMetrics> dr_metrics;
  if (topology && dr::has_dr_figures(*topology)) dr_metrics.emplace(*topology, metrics);
  server::Server* srv_ptr = nullptr;
  // The writer's committed rows go straight to the stream (store/commit_handoff.h).
  store::CommitHandoff handoff;
  // Names this process's commits in the store's notifications: unique in the pool
  // even when two servers share a name and a pid (containers).
  const std::string writer_id =
      fmt::format("{}/{}/{:08x}", cfg.server_name, getpid(), std::random_device{}());
  store::Writer writer(
      target, writer_id,
      [&io, &srv_ptr](std::vector<store::PendingWrite>&& batch, const Status& st) {
        asio::post(io, [&srv_ptr, batch = std::move(batch), st]() mutable {
          srv_ptr->delivery().on_committed(std::move(batch), st);
        });
      },
      metrics);
  store::MessageStream stream(
      target,
      [&io, &srv_ptr](std::vector<store::HistoryRow>&& rows) {
        asio::post(io, [&srv_ptr, rows = std::move(rows)]() mutable {
          srv_ptr->delivery().on_stream_rows(std::move(rows));
        });
      },
      [&srv_ptr] {
        if (srv_ptr != nullptr) srv_ptr->pool().refresh();
      },
      metrics);
  writer.set_handoff(&handoff);
  stream.set_handoff(writer.writer_id(), &handoff);
  // Pool-wide presence: our clients go to the store through the link; the other
  // servers' come back through the stream (server/pool_presence.h).
  const std::string self = pool_view ? pool_view->self : cfg.server_name;
  store::PresenceLink presence_link(
      target, self,
      [&io, &srv_ptr] {
        asio::post(io, [&srv_ptr] {
          if (srv_ptr != nullptr) srv_ptr->bridge().announce();
        });
      },
      [&io, &srv_ptr](std::vector<uint64_t> sids) {
        asio::post(io, [&srv_ptr, sids = std::move(sids)] {
          if (srv_ptr != nullptr) srv_ptr->bridge().on_lost_nicks(sids);
        });
      },
      metrics);
  stream.add_listener("pchat_presence",
                      [&io, &srv_ptr, self](pg::Connection& conn, const char* payload) -> Status {
                        std::string_view text = payload != nullptr ? payload : "";
                        if (payload == nullptr || text.starts_with("HELLO ")) {
                          auto users = store::read_presence(conn, self);
                          if (!users) return users.error();
                          asio::post(io, [&srv_ptr, users = std::move(*users)]() mutable {
                            if (srv_ptr != nullptr)
                              srv_ptr->presence().apply_snapshot(std::move(users));
                          });
                          return ok_status();
                        }
                        asio::post(io, [&srv_ptr, text = std::string(text)] {
                          if (srv_ptr != nullptr) srv_ptr->presence().apply_payload(text);
                        });
                        return ok_status();
                      });
  store::ReaderPool readers(target, cfg.reader_threads);
  // Password checks on threads of their own (server/sign_in.h).
  store::ReaderPool sign_ins(target, cfg.sign_in_threads, server::SignIn::kMaxQueued);
  std::optional<compliance::Service> comp_service;
  if (comp) {
    writer.set_compliance_capture(true);
    comp->mgc_conninfo = conninfo;
    comp->mgc_target = target;  // follows the store the pool uses (failover)
    comp->cycle.server = cfg.server_name;
    // Test only: crash tests stop a run between its files and its purge.
    if (const char* pause = std::getenv("PCHAT_TEST_COMPLIANCE_PAUSE_BEFORE_PURGE_MS")) {
      comp->cycle.test_pause_before_purge_ms = std::atoi(pause);
    }
    comp->run_interval_override = std::chrono::milliseconds(cfg.compliance_run_interval_ms);
    if (cfg.compliance_run_interval_ms > 0) {
      comp->election_poll = std::min(comp->election_poll, comp->run_interval_override);
    }
    comp_service.emplace(std::move(*comp), metrics);
    spdlog::info("compliance: events are recorded; the compliance service runs on one server");
  }
  // TLS (server/tls.h): one certificate for the IRC TLS listener and HTTPS.
  std::optional<server::TlsCredentials> tls;
  if (cfg.irc_tls_listen || cfg.http_tls || cfg.files_tls || cfg.web_tls) {
    try {
      tls.emplace(server::TlsFiles{cfg.tls_cert_file, cfg.tls_key_file});
    } catch (const std::exception& e) {
      spdlog::critical("{}", e.what());
      return 1;
    }
    spdlog::info("TLS certificate: {}", tls->describe());
  }
  server::Server srv(io, cfg, &writer, &readers, metrics);
  if (tls) srv.set_tls(&*tls);
  srv.sign_in().set_pool(&sign_ins);
  // Directory sign-in and groups, when configured (server/directory_refresh.h).
  std::optional<server::DirectoryRefresh> directory;
  if (cfg.directory) {
    directory.emplace(io, target, *cfg.directory, self, metrics);
    srv.sign_in().set_directory(&directory->client());
  }
  if (pool_view) srv.pool().set_view(std::move(*pool_view));
  srv.bridge().set_link(&presence_link);
  srv.delivery().set_delivered_upto(stream_after);
  srv_ptr = &srv;
  server::RoomPolicy rooms(srv);
  rooms.apply(std::move(*catalog));
  srv.set_rooms(&rooms);
  // Room catalog changes (and every reconnect: anything may have changed meanwhile)
  // reload the catalog; on the stream's connection, so it follows the store too.
  stream.add_listener("pchat_rooms", [&rooms](pg::Connection&, const char*) -> Status {
    rooms.request_reload();
    return ok_status();
  });
  // Moved read markers, this server's included (server/read_markers.h).
  srv.read_markers().set_store(target);
  stream.add_listener(store::kReadMarkerChannel,
                      [&io, &srv_ptr](pg::Connection&, const char* payload) -> Status {
                        if (payload == nullptr) return ok_status();
                        asio::post(io, [&srv_ptr, text = std::string(payload)] {
                          if (srv_ptr != nullptr) srv_ptr->read_markers().on_note(text);
                        });
                        return ok_status();
                      });
  srv.pool().refresh();
  server::AdminHttp http(io, srv, metrics);
  if (cfg.http_tls) http.set_tls(&*tls);
  const auto token_file = server::admin_token_path(cfg, topology_token_file);
  std::string admin_token;
  try {
    admin_token = server::load_admin_token(token_file);
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
  http.set_token(admin_token);
  if (selector) {
    http.set_store_report([&selector] {
      auto st = selector->status();
      nlohmann::json stores = nlohmann::json::array();
      for (const auto& p : st.probes) {
        stores.push_back({{"name", p.name},
                          {"reachable", p.reachable},
                          {"writable", p.writable},
                          {"fenced", p.fenced},
                          {"epoch", p.epoch}});
      }
      return nlohmann::json{{"store_in_use", st.in_use},
                            {"store_choice", st.why},
                            {"stores", stores},
                            {"fenced_by_this_server", st.fenced_by_us}};
    });
  }
  // Files in rooms: the user-facing file host, when configured (off by default).
  std::optional<server::FileHost> files;
  if (cfg.files_listen) {
    files.emplace(io, srv, target, writer_id + "/files");
    if (cfg.files_tls) files->set_tls(&*tls);
  }
  // The public web listener (IRC over WebSocket, the web client), when configured.
  // web/ (the client and the status page): web_root, or beside the binary as
  // installed (/usr/share/pchat/web) and in a build tree (build/K/share/pchat/web).
  const std::filesystem::path web_root =
      cfg.web_root.empty() ? server::default_web_root() : cfg.web_root;
  std::optional<server::WebHost> web;
  if (cfg.web_listen) {
    web.emplace(io, srv, web_root, cfg.web_origins);
    if (cfg.web_tls) web->set_tls(&*tls);
  }
  stream.start(stream_after);
  if (dr_metrics) dr_metrics->start();
  writer.start();
  readers.start();
  sign_ins.start();
  if (directory) directory->start();
  presence_link.start();
  if (selector) selector->start();
  if (comp_service) comp_service->start();
  // Handled (queued until the loop waits for them) from before the first listener: a
  // SIGTERM sent as soon as a port answers must drain and exit 0, not kill.
  asio::signal_set signals(io, SIGTERM, SIGINT);
  std::optional<server::StatusFeed> status_feed;
  try {
    if (files) files->listen(*cfg.files_listen, cfg.files_url);
    srv.listen();
    if (web) web->listen(*cfg.web_listen);
    if (files) files->set_cors_origins(web ? web->origins() : cfg.web_origins);
    http.listen(cfg.http_listen);
    // The operators' status page (server/status_feed.h, server/http_status.h).
    // A pool's topology, or this server's own admin listener when standalone.
    status_feed.emplace(server::StatusFeed::Sources{cfg.server_name, topology, target,
                                                    cfg.http_listen.host, http.port()});
    http.set_status(&*status_feed, web_root / "status");
    status_feed->start();
  } catch (const std::exception& e) {
    // e.g. "cannot listen on [::1]:6697: Address already in use".
    spdlog::critical("{}", e.what());
    if (comp_service) comp_service->stop();
    writer.stop();
    stream.stop();
    readers.stop();
    sign_ins.stop();
    presence_link.stop();
    return 1;
  }

  asio::steady_timer drain_timer(io);
  // Give queued messages time to commit and be acknowledged, then close clients.
  // Lives as long as io (the timer callbacks re-enter it).
  std::chrono::steady_clock::time_point drain_deadline;
  std::function<void()> wait_drain = [&] {
    if (srv.delivery().pending() > 0 && std::chrono::steady_clock::now() < drain_deadline) {
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
    notify.stopping("draining: signal " + std::to_string(sig));
    http.stop();
    if (files) files->stop();
    if (web) web->stop();
    srv.stop_accepting();
    drain_deadline = std::chrono::steady_clock::now() + kDrainTimeout;
    wait_drain();
  });
  std::optional<server::SighupHandler> hup;
  hup.emplace(io, srv, config_file, build, loaded);
  hup->add_hook(server::admin_token_reloader(http, token_file, admin_token));
  if (tls) {
    hup->add_hook(server::tls_reloader(*tls, [&srv] {
      return server::TlsFiles{srv.config().tls_cert_file, srv.config().tls_key_file};
    }));
  }
  hup->start();
  spdlog::info("pchatd ready");
  notify.ready(io,
               "serving IRC on " + (cfg.irc_listen ? cfg.irc_listen->to_string()
                                                   : cfg.irc_tls_listen->to_string() + " (TLS)"));
  io.run();
  hup.reset();
  std::signal(SIGHUP, SIG_IGN);
  if (status_feed) status_feed->stop();
  if (selector) selector->stop();
  if (comp_service) comp_service->stop();
  writer.stop();
  stream.stop();
  readers.stop();
  sign_ins.stop();
  if (directory) directory->stop();
  presence_link.stop();
  // The store threads may have posted completions (holding Responses) after the loop
  // stopped: run them now, while the Server they refer to still exists, rather than
  // destroying them with the io_context after it.
  io.restart();
  io.poll();
  if (instance) instance->stop();
  spdlog::info("pchatd stopped");
  return 0;
}

// --check-config: every problem of the configuration file (and of the topology in
// pool mode), one per line on stderr; 0 when there is none.
int check_config(const server::SighupHandler::Build& build, const std::string& topology_file,
                 const std::string& pool_server) {
  int errors = 0;
  try {
    build();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    ++errors;
  }
  if (!topology_file.empty()) {
    auto report = dr::check_topology_file(topology_file);
    for (const auto& d : report.diagnostics) std::fprintf(stderr, "%s\n", dr::format(d).c_str());
    if (!report.ok()) ++errors;
    if (report.topology && report.topology->find_server(pool_server) == nullptr) {
      std::fprintf(stderr, "%s: server '%s' is not in the topology\n", topology_file.c_str(),
                   pool_server.c_str());
      ++errors;
    }
  }
  if (errors > 0) return 1;
  std::printf("pchatd: configuration OK\n");
  return 0;
}

}  // namespace

// Long: one statement per command-line option (CLI11), and the merge of file and flags.
int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  // SIGHUP reloads (server/sighup.h) once the server runs; until then it is ignored
  // rather than fatal. Children get the default back (core/process.h).
  std::signal(SIGHUP, SIG_IGN);
  // Store connections give up after 3 s (unless the environment says otherwise): a
  // store that does not answer must not hold a server's threads for long.
  setenv("PGCONNECT_TIMEOUT", "3", /*overwrite=*/0);
  CLI::App app{
      "pchatd: persistent group chat over IRC, every message stored in PostgreSQL.\n"
      "With no topology, runs standalone with its own private PostgreSQL in --data-dir."};
  app.set_version_flag("--version", std::string("pchatd ") + PCHAT_VERSION);
  server::ServerConfig cfg;
  std::string config_file, data_dir, irc_listen, http_listen;
  app.add_option("--config", config_file, "TOML configuration file (flags override it)")
      ->check(CLI::ExistingFile);
  app.add_option("--data-dir", data_dir, "Data directory (default ./pchat-data)");
  app.add_option("--irc-listen", irc_listen,
                 "IRC listener HOST:PORT (default 127.0.0.1:6667), or off (TLS only)");
  server::TlsFlags tls_flags;
  server::add_tls_flags(app, tls_flags);
  app.add_option(
      "--http-listen", http_listen,
      "Admin HTTP listener HOST:PORT (default 127.0.0.1:8080): /healthz and /metrics open, "
      "the rest needs the admin token");
  app.add_option("--server-name", cfg.server_name, "Server name shown to clients");
  std::string admin_token_file;
  app.add_option("--admin-token-file", admin_token_file,
                 "Admin API bearer token file, read again on SIGHUP (default: the topology's "
                 "[pool] admin_token_file, or DATA/admin-token; created when absent)");
  std::string files_listen;
  app.add_option("--files-listen", files_listen,
                 "File host for rooms (soju.im/FILEHOST): HTTP listener HOST:PORT (default: off)");
  app.add_option("--files-url", cfg.files_url,
                 "Public URL of the file host, advertised to clients (default: "
                 "http://HOST:PORT of --files-listen)");
  std::string web_listen;
  app.add_option("--web-listen", web_listen,
                 "Public web listener HOST:PORT for anyone: IRC over WebSocket and the web client "
                 "(default: off)");
  std::string topology_file, pool_server;
  app.add_option("--topology", topology_file,
                 "Pool mode: the published topology file (TOML); needs --server")
      ->check(CLI::ExistingFile);
  app.add_option("--server", pool_server, "Pool mode: this server's name in the topology");
  app.add_flag("--allow-guests", cfg.allow_guests,
               "Let clients without an account join rooms and post (default: off)");
  app.add_flag("--compliance", cfg.compliance,
               "Standalone: record compliance events and run the compliance service "
               "(mgccomp in the private instance; files in DATA/compliance by default)");
  app.add_option("--compliance-run-interval-ms", cfg.compliance_run_interval_ms,
                 "Test only: compliance RunInterval in milliseconds, below the 1 minute minimum")
      ->check(CLI::Range(1, 3600000));
  app.add_option("--log-level", cfg.log_level, "trace, debug, info, warn, error or off");
  app.add_option("--default-chat-history", cfg.default_chat_history,
                 "Messages replayed on JOIN to clients without chathistory (1-500, default 30)")
      ->check(CLI::Range(1, 500));
  app.add_option("--new-room-category", cfg.new_room_category,
                 "JOIN of a new name creates a room in this category, if the joiner is one "
                 "of its creators (default: default)");
  app.add_option("--new-room-privacy", cfg.new_room_privacy,
                 "Privacy of rooms JOIN creates: Open (default), Closed or Secret")
      ->check(CLI::IsMember({"Open", "Closed", "Secret"}));
  app.add_option("--flood-burst", cfg.flood_burst,
                 "Lines a client may send in a burst (0: no limit)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--flood-rate", cfg.flood_rate, "Lines per second refilled (0: no limit)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--ping-interval", cfg.ping_interval, "Seconds of client silence before PING")
      ->check(CLI::Range(5, 3600));
  bool check_only = false, print_reference = false;
  app.add_flag("--check-config", check_only,
               "Check the configuration (--config FILE, and the topology with --topology), "
               "print every problem with its line, and exit (0: no problem)");
  app.add_flag("--config-reference", print_reference,
               "Print every key of the configuration file (Markdown table) and exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help/--version exit 0; usage errors exit 2 (1 is for operational errors).
    return app.exit(e) == 0 ? 0 : 2;
  }

  // The configuration from the file, then the flags given on the command line (they
  // win); built again on SIGHUP. Throws std::exception naming what is wrong.
  auto build = [&]() -> server::ServerConfig {
    server::ServerConfig merged;
    if (!config_file.empty()) server::load_config_file(config_file, merged);
    auto given = [&](const char* name) { return app.count(name) > 0; };
    if (given("--server-name")) merged.server_name = cfg.server_name;
    if (given("--allow-guests")) merged.allow_guests = cfg.allow_guests;
    if (given("--compliance")) merged.compliance = cfg.compliance;
    merged.compliance_run_interval_ms = cfg.compliance_run_interval_ms;
    if (given("--log-level")) merged.log_level = cfg.log_level;
    if (given("--default-chat-history")) {
      merged.default_chat_history = cfg.default_chat_history;
      merged.default_chat_history_given = true;
    }
    if (given("--new-room-category")) merged.new_room_category = cfg.new_room_category;
    if (given("--new-room-privacy")) merged.new_room_privacy = cfg.new_room_privacy;
    if (given("--flood-burst")) merged.flood_burst = cfg.flood_burst;
    if (given("--flood-rate")) merged.flood_rate = cfg.flood_rate;
    if (given("--ping-interval")) merged.ping_interval = cfg.ping_interval;
    if (!files_listen.empty()) {
      merged.files_listen = server::parse_endpoint(files_listen, "--files-listen");
    }
    if (given("--files-url")) merged.files_url = cfg.files_url;
    if (!web_listen.empty()) merged.web_listen = server::parse_endpoint(web_listen, "--web-listen");
    if (!merged.files_url.empty() && !merged.files_listen) {
      throw std::invalid_argument("--files-url (files_url) needs --files-listen (files_listen)");
    }
    if (!data_dir.empty()) merged.data_dir = data_dir;
    if (!admin_token_file.empty()) merged.admin_token_file = admin_token_file;
    if (topology_file.empty() != pool_server.empty()) {
      throw std::invalid_argument("--topology and --server go together");
    }
    merged.topology_file = topology_file;
    merged.pool_server = pool_server;
    merged.irc_listen_given = !irc_listen.empty();
    merged.http_listen_given = !http_listen.empty();
    if (!irc_listen.empty()) {
      merged.irc_listen = server::parse_optional_endpoint(irc_listen, "--irc-listen");
    }
    if (!http_listen.empty()) {
      merged.http_listen = server::parse_endpoint(http_listen, "--http-listen");
    }
    server::apply_tls_flags(app, tls_flags, merged);
    return merged;
  };
  if (print_reference) {
    std::printf("%s", server::config_reference_markdown().c_str());
    return 0;
  }
  if (check_only) return check_config(build, topology_file, pool_server);
  try {
    server::ServerConfig merged = build();
    init_logging(merged.log_level);
    return run(std::move(merged), config_file, build);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pchatd: error: %s\n", e.what());
    return 1;
  }
}
