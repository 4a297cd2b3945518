// The pool at a glance: what `pchatctl status --json` prints and pchatd's status
// page shows, from one set of functions so the two never disagree.
//
//   {"pool_fqdn", "state", "epoch", "primary_store", "active_servers",
//    "servers": [{"name", "datacenter", "admin", "listed_active", "reachable",
//                 "health" (the server's /healthz JSON or null), "problem"}],
//    "mirroring": probe_mirror(), "log_shipping": collect_logship_status(),
//    "runbook": runbook_status()}
// ("mirroring", "log_shipping" and "runbook" only when the topology has them.)
//
// Threading: blocking (libpq, HTTP, files); call off any event loop.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dr/topology.h"
#include "store/pool_state.h"

namespace pchat::dr {

// One server as its admin API describes itself.
struct ServerView {
  std::string name, datacenter, address;
  bool listed = false;  // in the pool's active list
  bool reachable = false;
  nlohmann::json health;  // its GET /healthz answer
  std::string problem;    // why it is unreachable or unreadable
};

// GET /healthz of one server (2 s timeout). `token`: the admin token ("" for none;
// /healthz needs none, but it is sent where it is known).
ServerView ask_server(const std::string& name, const std::string& datacenter,
                      const std::string& host, uint16_t port, const std::string& token);

// Every server of the topology, asked one after the other; `listed` from `state`.
std::vector<ServerView> ask_servers(const Topology& t, const store::PoolState& state,
                                    const std::string& token);

// The pool state and the servers, as the JSON above (without the DR parts).
nlohmann::json pool_status_json(const store::PoolState& state,
                                const std::vector<ServerView>& servers);

// {"mirroring": ..., "log_shipping": ...}, each only when the topology has a mirror
// / a backup store with log shipping.
nlohmann::json dr_status(const Topology& t);

// The runbook journals on the copy destination (`pchatctl failover`, `failback`):
// {"failover": J, "failback": J} for each journal present, where J is
// {"started_at", "completed_at" (failover, once done), "runs", "steps": {"N":
// {"title", "done_at", "seconds"}}, "current": {"step", "title", "since"} while a
// step runs or after a run stopped inside it}. {} when the topology has no copy
// destination or neither journal exists.
nlohmann::json runbook_status(const Topology& t);

}  // namespace pchat::dr
