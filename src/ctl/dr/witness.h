// pchatctl mirror witness: the witness of automatic mirror failover, a small process in
// a third failure domain (`[mirroring] witness`, `witness_datacenter` in the topology;
// the lab's `witness` job, docs/lab.md "Automatic failover"). Every 200 ms it probes the
// primary and the mirror (their own instances, 400 ms deadline) and keeps its book
// (dr/arbiter/witness_book.h): who it sees, who it holds as the primary, automatic
// failover on or off, the agents' last reports, the last automatic failover. Its state
// (on/off, primary, last failover) is kept in a file across restarts.
//
// Its HTTP listener, at mirroring.witness:
//   GET  /metrics   open (Prometheus text): what the witness sees, grants, refusals,
//                   the agents' states and actions
//   GET  /witness   the book (JSON)
//   POST /report    a mirror agent's round {"store", "state", "action", "alert", "why",
//                   ...}; answers the book
//   POST /grant     {"from", "to", "why"}: a promotion; 200 {"granted": true} once, 409
//                   with the reason otherwise
//   POST /auto      {"enabled": bool}: `pchatctl mirror auto on|off`
//   POST /hold      {"seconds": 0..600, "by"}: no promotion is granted for that long (an
//                   operator's `mirror failover` under way); 0 releases
// Who may use it: every path but /metrics needs `Authorization: Bearer TOKEN` with the
// pool's admin token (the topology's [pool] admin_token_file, the one pchatd's admin API
// takes), compared in constant time; anyone else gets 401. Only the mirror agents and
// operators (pchatctl with the topology and the token file) hold it.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "core/result.h"
#include "ctl/dr/mirror.h"
#include "dr/topology.h"

namespace pchat::ctl {

Status mirror_witness(const MirrorArgs& args, std::ostream& out);

// `pchatctl mirror auto on|off`: tells the witness (args.auto_enabled).
Status mirror_auto(const MirrorArgs& args, std::ostream& out);

// A request to the topology's witness with the admin token; the JSON it answers (any
// HTTP status: "status" is added). kUnavailable when it does not answer in timeout_ms.
Result<nlohmann::json> ask_witness(const dr::Topology& t, const std::string& method,
                                   const std::string& path, const nlohmann::json& body,
                                   int timeout_ms);

// While an operator's `mirror failover` runs, the witness grants no automatic failover:
// the agent beside the mirror would otherwise see the primary the failover stopped and
// promote the mirror under it. Taken for `seconds` (it ends by itself if pchatctl dies)
// and released when destroyed. Without a witness in the topology it does nothing; a
// witness that does not answer cannot grant a promotion either, so the failover goes on
// and `out` says so.
class WitnessHold {
 public:
  WitnessHold(const dr::Topology& t, int seconds, std::ostream& out);
  ~WitnessHold();
  WitnessHold(const WitnessHold&) = delete;
  WitnessHold& operator=(const WitnessHold&) = delete;

 private:
  const dr::Topology& t_;
  bool held_ = false;
};

// The quorum for `mirror status`: the witness's book ("witness": its view, or
// "error" when it does not answer) with "alert" set when the witness does not answer, an
// agent reports an alert, or automatic failover is off.
nlohmann::json quorum_status(const dr::Topology& t);
void print_quorum(const nlohmann::json& q, std::ostream& out);

}  // namespace pchat::ctl
