// `pchatctl status`: the pool at a glance.
//
// With --topology FILE: the pool state from the primary store (epoch, state,
// active list), then one row per server of the topology, asked over its admin API
// (GET /healthz, 2 s timeout): datacenter, in the active list or not, what the
// server itself reports (role, clients, store, epoch it follows), or "unreachable".
// Without a topology: the standalone store's pool state, and --server-http
// HOST:PORT (repeatable) rows for servers whose admin API you name.
// Read-only; exits 1 only when the store cannot be read.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

#include "core/result.h"

namespace pchat::ctl {

struct StatusArgs {
  std::filesystem::path data_dir;
  std::filesystem::path topology_file;
  std::vector<std::string> server_http;  // standalone: admin API addresses
  bool json = false;
};

Status pool_status(const StatusArgs& args, std::ostream& out);

// GET http://host:port/path with a timeout; the body on 2xx/5xx, an Error otherwise.
// `host` is an address (IPv6 without brackets) or a name; a wildcard listen host
// ("*", 0.0.0.0, ::) is asked on loopback. A non-empty `admin_token` is sent as
// `Authorization: Bearer` (the admin API wants it on every path but /healthz and
// /metrics; admin_token_for finds it).
struct HttpReply {
  int status = 0;
  std::string body;
};
Result<HttpReply> http_get(const std::string& host, uint16_t port, const std::string& path,
                           int timeout_ms, const std::string& admin_token = "");
// Any method ("GET", "POST"), with a JSON body when `body` is not empty.
Result<HttpReply> http_call(const std::string& method, const std::string& host, uint16_t port,
                            const std::string& path, const std::string& body, int timeout_ms,
                            const std::string& admin_token);

// The admin token pchatctl sends: the topology's [pool] admin_token_file when
// `topology` is given, else DATA_DIR/admin-token; "" when the file does not exist
// (the open paths still answer). Errors when it exists but cannot be read.
Result<std::string> admin_token_for(const std::filesystem::path& data_dir,
                                    const std::filesystem::path& topology_token_file);

}  // namespace pchat::ctl
