#include "server/http.h"

#include <sodium.h>
#include <spdlog/spdlog.h>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "server/http_search.h"
#include "server/http_status.h"
#include "server/listen_address.h"
#include "server/server.h"

namespace pchat::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// A request from someone without the admin token.
void unauthorized(http::response<http::string_body>& res) {
  res.result(http::status::unauthorized);
  res.set(http::field::www_authenticate, "Bearer realm=\"pchatd admin\"");
  res.set(http::field::content_type, "text/plain");
  res.body() =
      "admin token required: Authorization: Bearer TOKEN (the admin token file; "
      "/healthz and /metrics need none)\n";
}

// "127.0.0.1:51234 (curl/7.88)": who sent a request, for the log.
std::string asker_of(const std::string& peer, const http::request<http::string_body>& req) {
  std::string who = peer;
  auto agent = req.find(http::field::user_agent);
  if (agent != req.end()) who += " (" + std::string(agent->value()) + ")";
  return who;
}

}  // namespace

bool bearer_matches(std::string_view authorization, std::string_view token) {
  constexpr std::string_view kScheme = "Bearer ";
  static const bool sodium_ready = sodium_init() >= 0;
  if (!sodium_ready || token.empty() || authorization.size() <= kScheme.size() ||
      !boost::beast::iequals(authorization.substr(0, kScheme.size()), kScheme)) {
    return false;
  }
  std::string_view given = authorization.substr(kScheme.size());
  unsigned char a[crypto_generichash_BYTES], b[crypto_generichash_BYTES];
  crypto_generichash(a, sizeof a, reinterpret_cast<const unsigned char*>(given.data()),
                     given.size(), nullptr, 0);
  crypto_generichash(b, sizeof b, reinterpret_cast<const unsigned char*>(token.data()),
                     token.size(), nullptr, 0);
  return sodium_memcmp(a, b, sizeof a) == 0;
}

AdminHttp::AdminHttp(asio::io_context& io, Server& server, MetricsRegistry& metrics)
    : io_(io), server_(server), metrics_(metrics), listener_(io, "http", [this](tcp::socket sock) {
        asio::co_spawn(io_, serve(std::move(sock)), asio::detached);
      }) {}

void AdminHttp::listen(const Endpoint& ep) {
  spdlog::info("http: admin API on {}{}", format_addresses(listener_.listen(ep)),
               tls_ != nullptr ? " (HTTPS)" : "");
}

void AdminHttp::stop() {
  stopping_ = true;
  listener_.stop();
}

void AdminHttp::healthz(http::response<http::string_body>& res) const {
  bool store_ok = server_.writer() == nullptr || server_.writer()->store_available();
  bool ok = store_ok && server_.accepting();
  nlohmann::json j = {
      {"status", ok ? "ok" : "unavailable"},
      {"store", store_ok ? "ok" : "unreachable"},
      {"accepting_clients", server_.accepting()},
      {"connections", server_.user_count()},
      {"version", PCHAT_VERSION},
      {"server", server_.name()},
      {"role", server_.pool().draining() ? "draining"
               : server_.pool().active() ? "active"
                                         : "idle"},
      {"pool_state", server_.pool().status()},
      {"epoch", server_.pool().epoch()},
      {"active_servers", server_.pool().active_servers()},
  };
  if (store_report_) j.update(store_report_());
  res.result(ok ? http::status::ok : http::status::service_unavailable);
  res.set(http::field::content_type, "application/json");
  res.body() = j.dump() + "\n";
}

nlohmann::json AdminHttp::sessions_json() const {
  nlohmann::json out = nlohmann::json::array();
  const auto now_sys = std::chrono::system_clock::now();
  const auto now = std::chrono::steady_clock::now();
  for (const auto& [id, weak] : server_.sessions()) {
    auto s = weak.lock();
    if (!s) continue;
    nlohmann::json chans = nlohmann::json::array();
    for (const Channel* c : s->channels()) chans.push_back(c->name());
    out.push_back({
        {"id", s->id()},
        {"nick", s->nick()},
        {"user", s->user()},
        {"host", s->host()},
        {"account", s->account().empty() ? nlohmann::json(nullptr) : nlohmann::json(s->account())},
        {"registered", s->registered()},
        {"away", !s->away().empty()},
        {"channels", chans},
        {"connected_seconds",
         std::chrono::duration_cast<std::chrono::seconds>(now_sys - s->signon()).count()},
        {"idle_seconds",
         std::chrono::duration_cast<std::chrono::seconds>(now - s->last_active()).count()},
    });
  }
  return out;
}

asio::awaitable<void> AdminHttp::serve(tcp::socket sock) {
  boost::system::error_code ec;
  auto remote = sock.remote_endpoint(ec);
  const std::string peer = ec ? "unknown peer" : format_address(remote);
  if (tls_ == nullptr) {
    co_await serve_on(sock, peer);
    sock.shutdown(tcp::socket::shutdown_both, ec);
    co_return;
  }
  auto context = tls_->current();
  asio::ssl::stream<tcp::socket> stream(std::move(sock), *context);
  auto handshaking = tls_accept(stream, std::chrono::seconds(10));
  if (auto failed = co_await std::move(handshaking)) {
    spdlog::debug("http: TLS handshake with {} failed: {}", peer, failed.message());
    co_return;
  }
  co_await serve_on(stream, peer);
  auto closing = stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
  co_await std::move(closing);
}

template <typename Stream>
asio::awaitable<void> AdminHttp::serve_on(Stream& sock, const std::string& peer) {
  beast::flat_buffer buf;
  for (;;) {
    http::request<http::string_body> req;
    boost::system::error_code ec;
    co_await http::async_read(sock, buf, req, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    http::response<http::string_body> res;
    res.version(req.version());
    res.keep_alive(req.keep_alive());
    res.set(http::field::server, "pchatd/" PCHAT_VERSION);
    std::string target(req.target());
    const bool post = req.method() == http::verb::post;
    const std::string path = target.substr(0, target.find('?'));
    const bool open = path == "/healthz" || path == "/metrics" || is_status_page_path(path);
    auto auth = req.find(http::field::authorization);
    if (!open && (auth == req.end() || !bearer_matches(auth->value(), token_))) {
      unauthorized(res);
    } else if (post && (target == "/drain" || target == "/undrain")) {
      spdlog::info("http: POST {} by {}", target, asker_of(peer, req));
      server_.pool().drain(target == "/drain");
      res.result(http::status::accepted);
      res.set(http::field::content_type, "application/json");
      res.body() = nlohmann::json({{"draining", server_.pool().draining()},
                                   {"connections", server_.user_count()}})
                       .dump() +
                   "\n";
    } else if (req.method() != http::verb::get && req.method() != http::verb::head) {
      res.result(http::status::method_not_allowed);
      res.set(http::field::content_type, "text/plain");
      res.body() =
          "GET /healthz, /metrics, /sessions, /search, /status/, /status.json, /status/events; "
          "POST /drain, /undrain\n";
    } else if (is_status_page_path(path)) {
      answer_status_page(status_root_, path, res);
    } else if (path == kStatusEventsPath && feed_ != nullptr && req.method() == http::verb::get) {
      co_await stream_status(sock);  // until the client goes or the server stops
      break;
    } else if (path == kStatusJsonPath && feed_ != nullptr) {
      answer_status_json(feed_->latest(), res);
    } else if (target == "/sessions") {
      res.result(http::status::ok);
      res.set(http::field::content_type, "application/json");
      res.body() = sessions_json().dump(2) + "\n";
    } else if (target == "/healthz") {
      healthz(res);
    } else if (target.starts_with("/search?") || target == "/search") {
      HttpAnswer a = co_await http_search(server_, target, asker_of(peer, req));  // room search
      res.result(static_cast<http::status>(a.status));
      res.set(http::field::content_type, "application/json");
      res.body() = std::move(a.body);
    } else if (target == "/metrics") {
      res.result(http::status::ok);
      res.set(http::field::content_type, "text/plain; version=0.0.4");
      res.body() = metrics_.render();
    } else {
      res.result(http::status::not_found);
      res.set(http::field::content_type, "text/plain");
      res.body() = "not found; try /healthz or /metrics\n";
    }
    res.prepare_payload();
    co_await http::async_write(sock, res, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !res.keep_alive()) break;
  }
}

template <typename Stream>
asio::awaitable<void> AdminHttp::stream_status(Stream& sock) {
  boost::system::error_code ec;
  const std::string head = status_stream_head();
  co_await asio::async_write(sock, asio::buffer(head),
                             asio::redirect_error(asio::use_awaitable, ec));
  uint64_t sent = 0;
  auto last_write = std::chrono::steady_clock::now();
  asio::steady_timer timer(sock.get_executor());
  while (!ec && !stopping_) {
    auto [seq, snapshot] = feed_->latest();
    std::string out;
    const auto now = std::chrono::steady_clock::now();
    if (seq != sent && !snapshot.empty()) {
      out = status_event(snapshot);
      sent = seq;
    } else if (now - last_write > std::chrono::seconds(15)) {
      out = ": still here\n\n";  // a comment: tells a vanished client apart
    }
    if (!out.empty()) {
      co_await asio::async_write(sock, asio::buffer(out),
                                 asio::redirect_error(asio::use_awaitable, ec));
      last_write = now;
    }
    timer.expires_after(std::chrono::milliseconds(250));
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

}  // namespace pchat::server
