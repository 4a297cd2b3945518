// A small blocking HTTP/1.1 client (Boost.Beast) for pchat's own admin endpoints:
// a server's admin API, the witness. Plain HTTP; one request per call.
//
// Threading: any thread; each call runs its own io_context.
#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"

namespace pchat::dr {

struct HttpReply {
  int status = 0;
  std::string body;
};

// `method` ("GET", "POST") http://host:port/path, with a JSON body when `body` is not
// empty, within `timeout_ms` (connect, write and read together). Any HTTP status is
// a reply; an Error only when no answer came. `host` is an address (IPv6 without
// brackets) or a name; a wildcard listen host ("*", "", 0.0.0.0, ::) is asked on this
// machine's loopback. A non-empty `admin_token` is sent as `Authorization: Bearer`.
Result<HttpReply> http_call(const std::string& method, const std::string& host, uint16_t port,
                            const std::string& path, const std::string& body, int timeout_ms,
                            const std::string& admin_token);

// GET, no body.
inline Result<HttpReply> http_get(const std::string& host, uint16_t port, const std::string& path,
                                  int timeout_ms, const std::string& admin_token = "") {
  return http_call("GET", host, port, path, "", timeout_ms, admin_token);
}

}  // namespace pchat::dr
