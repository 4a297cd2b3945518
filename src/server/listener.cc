#include "server/listener.h"

#include <spdlog/spdlog.h>

#include "server/listen_address.h"

namespace pchat::server {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// Opens, binds and listens on `e`. Leaves `a` closed and returns the error on failure.
boost::system::error_code bind_one(tcp::acceptor& a, const tcp::endpoint& e, bool v6_only) {
  boost::system::error_code ec;
  a.open(e.protocol(), ec);
  if (ec) return ec;
  a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec && e.address().is_v6() && v6_only) a.set_option(asio::ip::v6_only(true), ec);
  if (!ec) a.bind(e, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    boost::system::error_code ignored;
    a.close(ignored);
  }
  return ec;
}

bool is_absent_address(const boost::system::error_code& ec) {
  return ec == asio::error::address_family_not_supported ||
         ec == boost::system::errc::address_not_available;
}

}  // namespace

Listener::Listener(asio::io_context& io, std::string name, Accept on_accept)
    : io_(io), name_(std::move(name)), on_accept_(std::move(on_accept)) {}

std::vector<tcp::endpoint> Listener::listen(const Endpoint& ep) {
  auto plan = resolve_listen(ep);
  if (!plan) throw ListenError("cannot listen on " + ep.to_string() + ": " + plan.error().message);
  return listen(ep, *plan);
}

std::vector<tcp::endpoint> Listener::listen(const Endpoint& ep, const ListenAddresses& plan) {
  // Several sockets: each IPv6 one takes only IPv6, so "*" gets both families on
  // any kernel setting and "localhost" binds ::1 beside 127.0.0.1.
  const bool v6_only = plan.addresses.size() > 1;
  std::vector<tcp::endpoint> bound;
  std::vector<std::string> skipped;
  uint16_t port = ep.port;
  for (tcp::endpoint e : plan.addresses) {
    e.port(port);
    auto a = std::make_shared<tcp::acceptor>(io_);
    if (auto ec = bind_one(*a, e, v6_only)) {
      if (plan.skippable && is_absent_address(ec)) {
        skipped.push_back(format_address(e) + " (" + ec.message() + ")");
        continue;
      }
      for (auto& open : acceptors_) open->close(ec);
      acceptors_.clear();
      const std::string resolved = format_address(e);
      const std::string written = ep.to_string();
      throw ListenError("cannot listen on " + written +
                        (resolved == written ? "" : " (" + resolved + ")") + ": " + ec.message());
    }
    port = a->local_endpoint().port();
    bound.push_back(a->local_endpoint());
    acceptors_.push_back(std::move(a));
  }
  if (bound.empty()) {
    std::string why;
    for (const auto& s : skipped) why += (why.empty() ? "" : "; ") + s;
    throw ListenError("cannot listen on " + ep.to_string() + ": no address could be bound: " + why);
  }
  for (const auto& s : skipped) spdlog::warn("{}: {} not bound: {}", name_, ep.to_string(), s);
  port_ = port;
  running_ = true;
  for (auto& a : acceptors_) asio::co_spawn(io_, accept_loop(a), asio::detached);
  return bound;
}

void Listener::stop() {
  running_ = false;
  boost::system::error_code ec;
  for (auto& a : acceptors_) a->close(ec);
}

asio::awaitable<void> Listener::accept_loop(std::shared_ptr<tcp::acceptor> a) {
  while (running_ && a->is_open()) {
    boost::system::error_code ec;
    tcp::socket sock = co_await a->async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (!running_ || !a->is_open()) break;
      spdlog::warn("{}: accept failed: {}", name_, ec.message());
      continue;
    }
    on_accept_(std::move(sock));
  }
}

}  // namespace pchat::server
