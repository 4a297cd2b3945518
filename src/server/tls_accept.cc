// TLS connections of the IRC listener (irc_tls_listen): the handshake, then the same
// Session as plain TCP (server/link.h). Who may connect: anyone who reaches the
// listener, as on plaintext; a client certificate is optional and only names an
// account for SASL EXTERNAL (docs/security.md).
#include <spdlog/spdlog.h>

#include "server/listen_address.h"
#include "server/server.h"

namespace pchat::server {

namespace {

// A client has this long to finish its handshake; then its socket is closed.
constexpr auto kTlsHandshakeTimeout = std::chrono::seconds(10);

}  // namespace

void Server::on_tls_accept(tcp::socket sock) {
  if (!accepting_ || tls_ == nullptr) return;
  asio::co_spawn(io_, tls_handshake(std::move(sock)), asio::detached);
}

asio::awaitable<void> Server::tls_handshake(tcp::socket sock) {
  auto context = tls_->current();  // a SIGHUP during the handshake does not matter
  auto stream = std::make_unique<Link::TlsStream>(std::move(sock), *context);
  auto handshaking = tls_accept(*stream, kTlsHandshakeTimeout);
  const boost::system::error_code ec = co_await std::move(handshaking);
  if (ec) {
    boost::system::error_code ignored;
    auto peer = stream->next_layer().remote_endpoint(ignored);
    spdlog::debug("irc-tls: handshake with {} failed: {}", ignored ? "?" : format_address(peer),
                  ec.message());
    stream->next_layer().close(ignored);
    co_return;
  }
  std::string fingerprint = peer_fingerprint(stream->native_handle());
  on_accept(Link(std::move(stream), std::move(context), std::move(fingerprint)));
}

}  // namespace pchat::server
