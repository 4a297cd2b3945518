#include "dr/host_port.h"

#include <arpa/inet.h>

#include <cctype>
#include <charconv>

namespace pchat::dr {

namespace {

std::string_view strip_dot(std::string_view s) {
  if (!s.empty() && s.back() == '.') s.remove_suffix(1);
  return s;
}

bool is_ipv4(const std::string& s) {
  in_addr a{};
  return inet_pton(AF_INET, s.c_str(), &a) == 1;
}

bool is_ipv6(const std::string& s) {
  in6_addr a{};
  return inet_pton(AF_INET6, s.c_str(), &a) == 1;
}

}  // namespace

std::string HostPort::to_string() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

bool HostPort::is_wildcard() const {
  return host.empty() || host == "0.0.0.0" || host == "::" || host == "*";
}

bool operator==(const HostPort& a, const HostPort& b) {
  return a.port == b.port && same_hostname(a.host, b.host);
}

bool is_valid_hostname(std::string_view name) {
  name = strip_dot(name);
  if (name.empty() || name.size() > 253) return false;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('.', start);
    if (end == std::string_view::npos) end = name.size();
    std::string_view label = name.substr(start, end - start);
    if (label.empty() || label.size() > 63) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
    }
    start = end + 1;
  }
  return true;
}

bool same_hostname(std::string_view a, std::string_view b) {
  a = strip_dot(a);
  b = strip_dot(b);
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

Result<HostPort> parse_host_port(std::string_view text, uint16_t min_port) {
  auto bad = [&](const std::string& why) {
    return make_error(ErrorKind::kInvalidInput,
                      "bad address '" + std::string(text) + "': " + why + " (expected HOST:PORT)");
  };
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return bad("no port");
  std::string host(text.substr(0, colon));
  std::string_view port_s = text.substr(colon + 1);
  if (host.empty()) return bad("no host");
  if (port_s.empty()) return bad("no port");
  bool bracketed = host.front() == '[';
  if (bracketed) {
    if (host.size() < 3 || host.back() != ']') return bad("unbalanced brackets");
    host = host.substr(1, host.size() - 2);
    if (!is_ipv6(host)) return bad("'" + host + "' is not an IPv6 address");
  } else if (host.find(':') != std::string::npos) {
    return bad("IPv6 addresses go in brackets, as [::1]:6667");
  } else if (host != "*" && !is_ipv4(host) && !is_valid_hostname(host)) {
    return bad("'" + host + "' is not a valid host name or address");
  }
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_s.data(), port_s.data() + port_s.size(), port);
  if (ec != std::errc() || end != port_s.data() + port_s.size()) {
    return bad("port '" + std::string(port_s) + "' is not a number");
  }
  if (port < min_port || port > 65535) {
    return bad("port " + std::string(port_s) + " is not in " + std::to_string(min_port) + "-65535");
  }
  return HostPort{std::move(host), static_cast<uint16_t>(port)};
}

}  // namespace pchat::dr
