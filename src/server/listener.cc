#include "server/listener.h"

namespace pchat::server {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

Listener::Listener(asio::io_context& io, Serve serve)
    : io_(io), serve_(std::move(serve)), acceptor_(io) {}

uint16_t Listener::listen(const Endpoint& ep) {
  tcp::endpoint e(asio::ip::make_address(ep.host), ep.port);
  acceptor_.open(e.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(e);
  acceptor_.listen();
  running_ = true;
  asio::co_spawn(io_, accept_loop(), asio::detached);
  return acceptor_.local_endpoint().port();
}

void Listener::stop() {
  running_ = false;
  boost::system::error_code ec;
  acceptor_.close(ec);
}

asio::awaitable<void> Listener::accept_loop() {
  while (running_) {
    boost::system::error_code ec;
    tcp::socket sock =
        co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (!running_) break;
      continue;
    }
    asio::co_spawn(io_, serve_(std::move(sock)), asio::detached);
  }
}

}  // namespace pchat::server
