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
#include "dr/monitor/http_client.h"

namespace pchat::ctl {

struct StatusArgs {
  std::filesystem::path data_dir;
  std::filesystem::path topology_file;
  std::vector<std::string> server_http;  // standalone: admin API addresses
  bool json = false;
};

Status pool_status(const StatusArgs& args, std::ostream& out);

// The admin API's HTTP client (dr/monitor/http_client.h).
using dr::http_call;
using dr::http_get;
using dr::HttpReply;

// The admin token pchatctl sends: the topology's [pool] admin_token_file when
// `topology` is given, else DATA_DIR/admin-token; "" when the file does not exist
// (the open paths still answer). Errors when it exists but cannot be read.
Result<std::string> admin_token_for(const std::filesystem::path& data_dir,
                                    const std::filesystem::path& topology_token_file);

}  // namespace pchat::ctl
