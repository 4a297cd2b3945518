#include "server/web_host.h"

#include <spdlog/spdlog.h>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <fstream>
#include <iterator>
#include <type_traits>

#include "server/listen_address.h"
#include "server/server.h"
#include "server/web_link.h"
#include "server/web_request.h"

namespace pchat::server {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace asio = boost::asio;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;

constexpr auto kWebIdleTimeout = std::chrono::seconds(30);
constexpr auto kWebHandshakeTimeout = std::chrono::seconds(10);
constexpr uint64_t kMaxWebFileBytes = uint64_t{64} << 20;

using WebRequest = http::request<http::empty_body>;
using WebResponse = http::response<http::string_body>;

std::string_view web_sv(beast::string_view s) {
  return {s.data(), s.size()};
}

WebResponse web_text(http::status status, std::string body) {
  WebResponse r;
  r.result(status);
  r.set(http::field::content_type, "text/plain; charset=utf-8");
  r.body() = std::move(body) + "\n";
  return r;
}

// The file `rel` names under `root`, resolved: nullopt when it is missing, not a
// regular file, or (through a symlink) outside the root.
std::optional<fs::path> resolve_web_file(const fs::path& root, const std::string& rel) {
  std::error_code ec;
  const fs::path real_root = fs::canonical(root, ec);
  if (ec) return std::nullopt;
  const fs::path real = fs::canonical(real_root / rel, ec);
  if (ec) return std::nullopt;
  const fs::path inside = real.lexically_relative(real_root);
  if (inside.empty() || *inside.begin() == ".." || inside.is_absolute()) return std::nullopt;
  if (!fs::is_regular_file(real, ec)) return std::nullopt;
  return real;
}

// The answer to a request that is not an upgrade: a file of the web root.
WebResponse static_reply(const fs::path& root, const WebRequest& req) {
  const bool head = req.method() == http::verb::head;
  if (!head && req.method() != http::verb::get) {
    WebResponse r = web_text(http::status::method_not_allowed, "allowed: GET, HEAD");
    r.set(http::field::allow, "GET, HEAD");
    return r;
  }
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    return web_text(http::status::not_found, "no web client is installed: pchatd looked in " +
                                                 root.string() + " (web_root)");
  }
  const auto rel = web_file_path(web_sv(req.target()));
  const auto file = rel ? resolve_web_file(root, *rel) : std::nullopt;
  if (!file) return web_text(http::status::not_found, "not found");
  const uint64_t size = fs::file_size(*file, ec);
  const auto mtime = fs::last_write_time(*file, ec);
  if (ec || size > kMaxWebFileBytes) return web_text(http::status::not_found, "not found");
  const std::string etag = web_etag(
      size, std::chrono::duration_cast<std::chrono::nanoseconds>(mtime.time_since_epoch()).count());
  WebResponse r;
  r.set(http::field::etag, etag);
  r.set(http::field::cache_control, "no-cache");
  if (web_sv(req[http::field::if_none_match]) == etag) {
    r.result(http::status::not_modified);
    return r;
  }
  r.result(http::status::ok);
  r.set(http::field::content_type, web_content_type(file->filename().string()));
  if (!head) {
    std::ifstream in(*file, std::ios::binary);
    r.body().assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (!in && !in.eof()) return web_text(http::status::not_found, "not found");
  }
  r.content_length(head ? size : r.body().size());
  return r;
}

}  // namespace

fs::path default_web_root() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "share/pchat/web";
  return (exe.parent_path().parent_path() / "share" / "pchat" / "web").lexically_normal();
}

WebHost::WebHost(asio::io_context& io, Server& server, fs::path root,
                 std::vector<std::string> origins)
    : server_(server),
      listener_(io, "web",
                [this, &io](tcp::socket sock) {
                  asio::co_spawn(io, serve(std::move(sock)), asio::detached);
                }),
      root_(std::move(root)),
      origins_(std::move(origins)) {}

void WebHost::listen(const Endpoint& ep) {
  csp_ = web_csp(url_origin(server_.files_url()));
  const auto bound = listener_.listen(ep);
  if (ep.host != "*" && ep.host != "0.0.0.0" && ep.host != "::") {
    own_origin_ = std::string(tls_ != nullptr ? "https://" : "http://") +
                  Endpoint{ep.host, listener_.port()}.to_string();
  }
  std::error_code ec;
  spdlog::info("web: IRC over WebSocket and the web client on {}{}; web root {}{}",
               format_addresses(bound), tls_ != nullptr ? " (HTTPS, WSS)" : "", root_.string(),
               fs::is_directory(root_, ec) ? "" : " (missing: / answers 404)");
}

void WebHost::stop() {
  listener_.stop();
}

std::vector<std::string> WebHost::origins() const {
  std::vector<std::string> all = origins_;
  if (!own_origin_.empty()) all.push_back(own_origin_);
  return all;
}

asio::awaitable<void> WebHost::serve(tcp::socket sock) {
  if (tls_ == nullptr) {
    beast::tcp_stream stream(std::move(sock));
    co_await serve_on(stream, nullptr);
    co_return;
  }
  // Kept for this connection, and its WebSocket (a reload makes a new one for the next).
  auto context = tls_->current();
  beast::ssl_stream<beast::tcp_stream> stream(std::move(sock), *context);
  beast::get_lowest_layer(stream).expires_after(kWebHandshakeTimeout);
  boost::system::error_code ec;
  co_await stream.async_handshake(asio::ssl::stream_base::server,
                                  asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    spdlog::debug("web: TLS handshake failed: {}", ec.message());
    co_return;
  }
  co_await serve_on(stream, context);
}

template <typename Stream, typename Request>
asio::awaitable<void> WebHost::upgrade(Stream& stream, const Request& req,
                                       std::shared_ptr<asio::ssl::context> context) {
  constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;
  boost::system::error_code ec;
  const std::string proto =
      choose_web_subprotocol(web_sv(req[http::field::sec_websocket_protocol]));
  websocket::stream<Stream> ws(std::move(stream));
  ws.set_option(websocket::stream_base::decorator([proto](websocket::response_type& r) {
    r.set(http::field::server, "pchatd/" PCHAT_VERSION);
    if (!proto.empty()) r.set(http::field::sec_websocket_protocol, proto);
  }));
  beast::get_lowest_layer(ws).expires_after(kWebHandshakeTimeout);
  co_await ws.async_accept(req, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    spdlog::debug("web: WebSocket handshake failed: {}", ec.message());
    co_return;
  }
  const bool text = proto != "binary.ircv3.net";
  if constexpr (kTls) {
    std::string fingerprint = peer_fingerprint(ws.next_layer().native_handle());
    server_.accept_link(Link(make_web_link(std::move(ws), text, context), fingerprint));
  } else {
    server_.accept_link(Link(make_web_link(std::move(ws), text), ""));
  }
}

template <typename Stream>
asio::awaitable<void> WebHost::serve_on(Stream& stream,
                                        std::shared_ptr<asio::ssl::context> context) {
  constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;
  beast::flat_buffer buf;
  boost::system::error_code ec;
  for (;;) {
    http::request_parser<http::empty_body> parser;
    parser.header_limit(16 * 1024);
    beast::get_lowest_layer(stream).expires_after(kWebIdleTimeout);
    co_await http::async_read(stream, buf, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    WebRequest req = parser.release();
    WebResponse res;
    if (websocket::is_upgrade(req)) {
      const std::string own =
          std::string(kTls ? "https://" : "http://") + std::string(web_sv(req[http::field::host]));
      if (web_origin_allowed(web_sv(req[http::field::origin]), own, origins_)) {
        co_await upgrade(stream, req, context);
        co_return;
      }
      boost::system::error_code peer_ec;
      const auto peer = beast::get_lowest_layer(stream).socket().remote_endpoint(peer_ec);
      spdlog::info("web: WebSocket from {} refused: origin {} is not allowed (web_origins)",
                   peer_ec ? std::string("?") : format_address(peer),
                   web_sv(req[http::field::origin]));
      res = web_text(http::status::forbidden,
                     "this origin may not open an IRC WebSocket here (web_origins)");
      res.keep_alive(false);
    } else {
      res = static_reply(root_, req);
      res.keep_alive(req.keep_alive());
    }
    res.version(req.version());
    res.set(http::field::server, "pchatd/" PCHAT_VERSION);
    res.set("Content-Security-Policy", csp_);
    res.set("X-Content-Type-Options", "nosniff");
    res.set("Referrer-Policy", "no-referrer");
    const bool head = req.method() == http::verb::head;
    if (head && res.result() == http::status::ok) {
      http::response_serializer<http::string_body> sr(res);
      co_await http::async_write_header(stream, sr, asio::redirect_error(asio::use_awaitable, ec));
    } else {
      if (res.result() != http::status::not_modified) {
        if (head) res.body().clear();
        res.prepare_payload();
      }
      co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec || !res.keep_alive()) break;
  }
  if constexpr (kTls) {
    beast::get_lowest_layer(stream).expires_after(kWebHandshakeTimeout);
    co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
  } else {
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  }
}

}  // namespace pchat::server
