// The web listener (--web-listen / web_listen; off by default): pchatd's public,
// user-facing HTTP(S) listener for browsers. Who may use it: anyone who reaches it,
// as the IRC listener; IRC's own rules (registration, SASL, guests, rooms) apply to
// what comes over the WebSocket, and the static files are public. The admin API
// stays on http_listen behind its token (server/http.h).
//
//   WebSocket upgrade, any path   IRC over WebSocket (IRCv3 websocket; server/web_link.h):
//                                 subprotocol text.ircv3.net or binary.ircv3.net, the
//                                 client's first supported one; text when none is
//                                 offered. The session is the same Session as TCP's;
//                                 its address is the TCP peer's.
//   GET|HEAD /                    index.html of the web root (the web client)
//   GET|HEAD /PATH                the file PATH under the web root
//
// Origin check before an upgrade (cross-site WebSocket hijacking): a request with an
// Origin header must come from the listener's own origin (scheme://Host of the
// request) or one of `origins` (web_origins); else 403 before the upgrade. Without
// Origin (not a browser) it goes on.
// Static files: paths are decoded segment by segment, "." and ".." segments are
// refused, the file's real path (symlinks resolved) must lie under the web root's,
// regular files only (else 404); other methods get 405. ETag with 304. Every
// response carries the Content-Security-Policy of web_request.h (connect-src adds
// the file host's origin), X-Content-Type-Options: nosniff and Referrer-Policy:
// no-referrer. A missing web root answers 404 naming where pchatd looked; the
// WebSocket works without it.
// With web_tls, HTTPS and WSS only (set_tls: the IRC TLS listener's certificate,
// reloaded on SIGHUP for new connections). HTTP connections time out after 30 s
// idle. Runs on the server's event loop.
#pragma once

#include <utility>  // before Asio: boost 1.74 awaitable.hpp uses std::exchange

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "server/config.h"
#include "server/listener.h"
#include "server/tls.h"

namespace pchat::server {

class Server;

class WebHost {
 public:
  // `root`: the web client's files; `origins`: web_origins.
  WebHost(boost::asio::io_context& io, Server& server, std::filesystem::path root,
          std::vector<std::string> origins);
  // Serve HTTPS and WSS with these credentials. REQUIRES: before listen().
  void set_tls(TlsCredentials* tls) { tls_ = tls; }
  // Binds every address of `ep` and starts serving; the CSP's connect-src gets the
  // origin of the Server's file host URL as it is then. Throws ListenError.
  void listen(const Endpoint& ep);
  void stop();
  // The browser origins of the web client: web_origins, and after listen()
  // "scheme://HOST:PORT" of this listener when its host names one machine (not "*").
  // The file host answers CORS for these (server/file_host.h).
  std::vector<std::string> origins() const;

 private:
  boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket sock);
  // The requests of one connection, until it ends or becomes a WebSocket; `context`:
  // the TLS context `stream` uses (null for plain TCP).
  template <typename Stream>
  boost::asio::awaitable<void> serve_on(Stream& stream,
                                        std::shared_ptr<boost::asio::ssl::context> context);
  // The WebSocket handshake for `req` (an upgrade whose Origin passed), then the
  // connection goes to Server::accept_link.
  template <typename Stream, typename Request>
  boost::asio::awaitable<void> upgrade(Stream& stream, const Request& req,
                                       std::shared_ptr<boost::asio::ssl::context> context);

  Server& server_;
  Listener listener_;
  std::filesystem::path root_;
  std::vector<std::string> origins_;
  std::string csp_;
  std::string own_origin_;  // "" before listen() or for a wildcard host
  TlsCredentials* tls_ = nullptr;
};

// The default web root: <directory of the running pchatd>/../share/pchat/web.
std::filesystem::path default_web_root();

}  // namespace pchat::server
