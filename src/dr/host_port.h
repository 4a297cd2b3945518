// HOST:PORT listen addresses as written in the topology file.
//
// Accepted forms: "name:port", "1.2.3.4:port", "[v6]:port", "*:port". The port is
// 1-65535 by default (a published topology names real ports; 0 = "any free port" has
// no meaning to the other servers that read it); pchatd's own listen flags allow 0.
// Pure code, no name resolution.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace pchat::dr {

struct HostPort {
  std::string host;  // without brackets for IPv6
  uint16_t port = 0;

  bool empty() const { return host.empty(); }
  // "host:port", or "[v6]:port" when host contains ':'.
  std::string to_string() const;
  // True for addresses that name no single machine: 0.0.0.0, ::, *, "".
  bool is_wildcard() const;
};

bool operator==(const HostPort& a, const HostPort& b);

// Parses "HOST:PORT". kInvalidInput with a message saying what is wrong (no field
// name: the caller adds it). Host names are checked with is_valid_hostname() unless
// they are IPv4 or bracketed IPv6 literals; an unbracketed IPv6 literal is refused
// with a hint. The port must be in [min_port, 65535].
Result<HostPort> parse_host_port(std::string_view text, uint16_t min_port = 1);

// RFC 1123 host name: dot-separated labels of 1-63 letters, digits and '-', not
// starting or ending with '-'; at most 253 characters; one trailing dot allowed.
bool is_valid_hostname(std::string_view name);

// Host names compare case-insensitively, ignoring one trailing dot.
bool same_hostname(std::string_view a, std::string_view b);

}  // namespace pchat::dr
