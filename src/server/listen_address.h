// What a listen Endpoint (server/config.h) stands for: the socket addresses to bind.
//
//   "1.2.3.4:P", "[v6]:P"  that one address.
//   "*:P"                  every address of both families: [::]:P (IPv6 only) and
//                          0.0.0.0:P, two sockets, whatever net.ipv6.bindv6only says.
//   "name:P"               every address the name resolves to (getaddrinfo, both
//                          families, no AI_ADDRCONFIG: "localhost" gives 127.0.0.1
//                          and ::1 even on a machine whose only IPv6 is loopback).
//
// Pure apart from name resolution; no socket is opened here.
#pragma once

#include <utility>  // before Asio: boost 1.74 awaitable.hpp uses std::exchange

#include <boost/asio/ip/tcp.hpp>

#include <string>
#include <vector>

#include "core/result.h"
#include "server/config.h"

namespace pchat::server {

struct ListenAddresses {
  std::vector<boost::asio::ip::tcp::endpoint> addresses;  // deduplicated, in resolver order
  // True for "*" and host names: an address whose family the machine lacks
  // (EAFNOSUPPORT) or that is not one of its own (EADDRNOTAVAIL) may be skipped as
  // long as one address is bound. False for a literal address: it binds or fails.
  bool skippable = false;
};

// The addresses to bind for `ep`. kInvalidInput when a name does not resolve (the
// message names it and gives the resolver's reason); never an empty list.
Result<ListenAddresses> resolve_listen(const Endpoint& ep);

// "127.0.0.1:6667" / "[::1]:6667".
std::string format_address(const boost::asio::ip::tcp::endpoint& e);

// "127.0.0.1:6667, [::1]:6667".
std::string format_addresses(const std::vector<boost::asio::ip::tcp::endpoint>& list);

}  // namespace pchat::server
