// A TCP listener on the event loop: binds every address a listen Endpoint stands
// for (server/listen_address.h: a literal address, every address of a host name,
// or "*" for both families) and hands each accepted connection to `on_accept`, on
// the loop, until stop(). Used by the IRC listener, the admin API and the file host.
#pragma once

#include <utility>  // before Asio: boost 1.74 awaitable.hpp uses std::exchange

#include <boost/asio.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "server/config.h"
#include "server/listen_address.h"

namespace pchat::server {

// A listener could not be set up. what(): "cannot listen on HOST:PORT: REASON" (with
// the resolved address in parentheses when it differs from what was written).
class ListenError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Listener {
 public:
  using Accept = std::function<void(boost::asio::ip::tcp::socket)>;
  // `name` prefixes log lines ("irc", "http", "files").
  Listener(boost::asio::io_context& io, std::string name, Accept on_accept);
  // Binds every address of `ep` and starts accepting; returns the bound addresses
  // (port 0: the first address gets a free port, the others the same one). For "*"
  // and host names, an address of a family the machine lacks, or that is not one of
  // its own, is skipped with a warning while another binds. Throws ListenError
  // (nothing left open) on any other failure. REQUIRES: not listening; on the loop's
  // thread or before it runs.
  std::vector<boost::asio::ip::tcp::endpoint> listen(const Endpoint& ep);
  // The same for addresses already resolved (`ep` names them in messages).
  std::vector<boost::asio::ip::tcp::endpoint> listen(const Endpoint& ep,
                                                     const ListenAddresses& plan);
  // Closes every listening socket; accepted connections are not affected. Idempotent.
  void stop();
  // The port bound (0 before listen()).
  uint16_t port() const { return port_; }

 private:
  boost::asio::awaitable<void> accept_loop(std::shared_ptr<boost::asio::ip::tcp::acceptor> a);

  boost::asio::io_context& io_;
  std::string name_;
  Accept on_accept_;
  std::vector<std::shared_ptr<boost::asio::ip::tcp::acceptor>> acceptors_;
  uint16_t port_ = 0;
  bool running_ = false;
};

}  // namespace pchat::server
