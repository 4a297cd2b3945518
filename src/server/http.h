// The admin HTTP API of a pchatd (Boost.Beast), on its own listener:
//   GET /healthz   200 {"status":"ok",...} when the store is reachable and IRC is
//                  accepting clients; 503 with the reason otherwise. Also says
//                  the server's role (active/idle), pool state, epoch and the
//                  active list it follows.
//   GET /metrics   Prometheus text format.
//   GET /sessions  connected clients (JSON): nick, account, host, channels, times.
//   GET /search    full-text search of room history as one user may read it
//                  (server/http_search.h).
//   POST /drain    bounce new clients and send connected ones to an active server
//                  (RPL_BOUNCE), without stopping; POST /undrain ends it.
//   GET /status/   the operators' status page; /status.json and /status/events
//                  its data (server/http_status.h, server/status_feed.h).
// Who may use it: /healthz and /metrics are open (probes, scrapers), and the status
// page's own files (no data in them); every other path needs `Authorization: Bearer TOKEN` with the
// admin token (set_token), on loopback too, else 401. The token comes from a file (server/config.h
// admin_token_file) and is compared in constant time.
// HTTPS when http_tls is on (set_tls: the IRC listener's certificate, reloaded on
// SIGHUP for new connections); the same paths and token.
// One request per connection is enough for probes and scrapers; keep-alive is
// honoured anyway. Runs on the server's event loop.
#pragma once

#include <utility>  // before Asio: boost 1.74 awaitable.hpp uses std::exchange

#include <boost/asio.hpp>
#include <boost/beast/http.hpp>

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/metrics.h"
#include "server/config.h"
#include "server/listener.h"
#include "server/status_feed.h"
#include "server/tls.h"

namespace pchat::server {

class Server;

class AdminHttp {
 public:
  AdminHttp(boost::asio::io_context& io, Server& server, MetricsRegistry& metrics);
  // Binds every address of `ep` and starts accepting. Throws ListenError.
  void listen(const Endpoint& ep);
  void stop();
  // The port bound (0 before listen()).
  uint16_t port() const { return listener_.port(); }
  // The admin token requests must bear (SIGHUP rotates it). REQUIRES: not empty.
  void set_token(std::string token) { token_ = std::move(token); }
  // Serve HTTPS with these credentials. REQUIRES: before listen().
  void set_tls(TlsCredentials* tls) { tls_ = tls; }
  // The status page: its data, and the folder of its files (web/status).
  void set_status(const StatusFeed* feed, std::filesystem::path root) {
    feed_ = feed;
    status_root_ = std::move(root);
  }
  // Extra /healthz fields about the stores (pool mode: the store selector's view).
  void set_store_report(std::function<nlohmann::json()> report) {
    store_report_ = std::move(report);
  }

 private:
  boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket sock);
  // The requests of one connection, plain TCP or TLS. `peer`: its address, for logs.
  template <typename Stream>
  boost::asio::awaitable<void> serve_on(Stream& stream, const std::string& peer);
  nlohmann::json sessions_json() const;
  // GET /healthz's answer.
  void healthz(boost::beast::http::response<boost::beast::http::string_body>& res) const;
  // The status event stream on an authorized connection, until it fails or stop().
  template <typename Stream>
  boost::asio::awaitable<void> stream_status(Stream& sock);

  boost::asio::io_context& io_;
  Server& server_;
  MetricsRegistry& metrics_;
  Listener listener_;
  std::function<nlohmann::json()> store_report_;
  std::string token_;
  TlsCredentials* tls_ = nullptr;
  const StatusFeed* feed_ = nullptr;
  std::filesystem::path status_root_;
  bool stopping_ = false;
};

// True when `authorization` (an Authorization header's value) is "Bearer TOKEN" with
// TOKEN equal to `token`, compared in constant time (over hashes of both, so the
// length is not revealed either). False for an empty `token`.
bool bearer_matches(std::string_view authorization, std::string_view token);

}  // namespace pchat::server
