#include "server/listen_address.h"

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

namespace pchat::server {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// getaddrinfo for `host`, both families, TCP. Empty list and `why` on failure.
std::vector<tcp::endpoint> resolve_name(const std::string& host, uint16_t port, std::string& why) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &res);
  if (rc != 0) {
    why = rc == EAI_SYSTEM ? std::string(std::strerror(errno)) : ::gai_strerror(rc);
    return {};
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owner(res, &::freeaddrinfo);
  std::vector<tcp::endpoint> out;
  for (const addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    tcp::endpoint e;
    if (ai->ai_family == AF_INET && ai->ai_addrlen == sizeof(sockaddr_in)) {
      const auto* sin = reinterpret_cast<const sockaddr_in*>(ai->ai_addr);
      asio::ip::address_v4::bytes_type b;
      std::memcpy(b.data(), &sin->sin_addr, b.size());
      e = tcp::endpoint(asio::ip::address_v4(b), port);
    } else if (ai->ai_family == AF_INET6 && ai->ai_addrlen == sizeof(sockaddr_in6)) {
      const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(ai->ai_addr);
      asio::ip::address_v6::bytes_type b;
      std::memcpy(b.data(), &sin6->sin6_addr, b.size());
      e = tcp::endpoint(asio::ip::address_v6(b, sin6->sin6_scope_id), port);
    } else {
      continue;
    }
    if (std::find(out.begin(), out.end(), e) == out.end()) out.push_back(e);
  }
  if (out.empty()) why = "no IPv4 or IPv6 address";
  return out;
}

}  // namespace

Result<ListenAddresses> resolve_listen(const Endpoint& ep) {
  ListenAddresses out;
  if (ep.host == "*") {
    out.addresses = {tcp::endpoint(asio::ip::address_v6::any(), ep.port),
                     tcp::endpoint(asio::ip::address_v4::any(), ep.port)};
    out.skippable = true;
    return out;
  }
  boost::system::error_code ec;
  auto literal = asio::ip::make_address(ep.host, ec);
  if (!ec) {
    out.addresses = {tcp::endpoint(literal, ep.port)};
    return out;
  }
  std::string why;
  out.addresses = resolve_name(ep.host, ep.port, why);
  if (out.addresses.empty()) {
    return make_error(ErrorKind::kInvalidInput,
                      "cannot resolve '" + ep.host + "' (of " + ep.to_string() + "): " + why);
  }
  out.skippable = true;
  return out;
}

std::string format_address(const tcp::endpoint& e) {
  const std::string a = e.address().to_string();
  const std::string p = std::to_string(e.port());
  return e.address().is_v6() ? "[" + a + "]:" + p : a + ":" + p;
}

std::string format_addresses(const std::vector<tcp::endpoint>& list) {
  std::string out;
  for (const auto& e : list) {
    if (!out.empty()) out += ", ";
    out += format_address(e);
  }
  return out;
}

}  // namespace pchat::server
