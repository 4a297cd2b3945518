// The data of the operators' status page (admin API: GET /status/events, a stream,
// and GET /status.json, one snapshot; server/http.h): a thread gathers, every
// kRound, the pool at a glance with the functions of `pchatctl status --json`
// (dr/monitor/pool_status.h: pool state, every server's /healthz, mirroring, log
// shipping, the failover/failback runbook's step), and adds:
//   "at"          when (UTC, ISO 8601)
//   "server"      the server that answers
//   "store_in_use" the store this server uses
//   "state_from"  the store the pool state was read from: the store in use, or when
//                 it does not answer the answering store with the highest epoch;
//                 null (and state, epoch, primary_store null) when none answers
//   "compliance"  {"backlog": events waiting in compliance_outbox, "oldest": time}
//   "lag_history" [[unix seconds, backup s, copy s, restore s], ...]: the three
//                 log-shipping lags, one sample every kHistoryEvery over the last
//                 hour (kept in memory: a restarted server starts a new hour)
//   "problems"    what could not be read this round (the rest is still there)
// A standalone pchatd has no topology: its own store's pool state and its own
// /healthz (asked over its admin listener) make the whole picture.
//
// Threading: the gathering runs on its own thread (libpq, HTTP, files); latest() is
// safe from any thread (the admin API's event loop reads it).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/worker.h"
#include "dr/topology.h"
#include "store/target.h"

namespace pchat::server {

class StatusFeed {
 public:
  static constexpr std::chrono::milliseconds kRound{2000};
  static constexpr std::chrono::seconds kHistoryEvery{30};
  static constexpr std::chrono::seconds kHistorySpan{3600};

  struct Sources {
    std::string server_name;
    std::optional<dr::Topology> topology;       // pool mode
    std::shared_ptr<store::StoreTarget> store;  // the store this server uses
    std::string self_http_host;                 // standalone: this server's admin listener
    uint16_t self_http_port = 0;
  };

  explicit StatusFeed(Sources sources);
  ~StatusFeed() { stop(); }
  void start();
  void stop();

  // The latest snapshot, serialized, and its number (1, 2, ...); {0, ""} before the
  // first round ends.
  std::pair<uint64_t, std::string> latest() const;

 private:
  nlohmann::json gather();
  void remember_lags(const nlohmann::json& status, int64_t now_s);

  Sources src_;
  Worker worker_;
  mutable std::mutex mu_;
  uint64_t seq_ = 0;
  std::string latest_;
  // The loop's own (no lock): lag samples, and when the last one was taken.
  std::deque<nlohmann::json> history_;
  int64_t last_sample_s_ = 0;
};

}  // namespace pchat::server
