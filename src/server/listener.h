// A TCP listener on the event loop for the HTTP endpoints (the admin API, the file
// host): binds, then runs `serve` as a coroutine of its own for every accepted
// connection until stop().
#pragma once

#include <utility>  // before Asio: boost 1.74 awaitable.hpp uses std::exchange

#include <boost/asio.hpp>
#include <cstdint>
#include <functional>

#include "server/config.h"

namespace pchat::server {

class Listener {
 public:
  using Serve = std::function<boost::asio::awaitable<void>(boost::asio::ip::tcp::socket)>;
  Listener(boost::asio::io_context& io, Serve serve);
  // Binds `ep` and starts accepting; returns the bound port (for port 0). Throws
  // boost::system::system_error when it cannot bind.
  uint16_t listen(const Endpoint& ep);
  void stop();

 private:
  boost::asio::awaitable<void> accept_loop();

  boost::asio::io_context& io_;
  Serve serve_;
  boost::asio::ip::tcp::acceptor acceptor_;
  bool running_ = false;
};

}  // namespace pchat::server
