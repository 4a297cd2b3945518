#include "server/status_feed.h"

#include <spdlog/spdlog.h>

#include "core/time.h"
#include "dr/monitor/pool_status.h"
#include "store/pg.h"
#include "store/pool_state.h"

namespace pchat::server {

using nlohmann::json;

namespace {

// A log-shipping stage's lag in seconds, or null when not known.
json stage_lag(const json& status, const char* stage) {
  if (!status.contains("log_shipping")) return nullptr;
  for (const auto& s : status["log_shipping"].value("stages", json::array())) {
    if (s.value("stage", "") == stage && s.contains("lag_s") && s["lag_s"].is_number())
      return s["lag_s"];
  }
  return nullptr;
}

// `conninfo` with a 2 s connect timeout, in either of libpq's forms (keywords, or a
// postgresql:// URI).
std::string with_timeout(const std::string& conninfo) {
  const bool uri = conninfo.starts_with("postgresql://") || conninfo.starts_with("postgres://");
  if (!uri) return conninfo + " connect_timeout=2";
  return conninfo + (conninfo.find('?') == std::string::npos ? "?" : "&") + "connect_timeout=2";
}

Result<pg::Connection> connect_store(const std::string& conninfo) {
  return pg::Connection::connect(with_timeout(conninfo), "pchatd-status");
}

// The pool state on a store; nullopt when it cannot be connected to (within 2 s) or read.
std::optional<store::PoolState> read_state(Result<pg::Connection>& c) {
  if (!c) return std::nullopt;
  auto st = store::read_pool_state(*c);
  if (!st) return std::nullopt;
  return std::move(*st);
}

}  // namespace

StatusFeed::StatusFeed(Sources sources) : src_(std::move(sources)) {}

void StatusFeed::start() {
  worker_.start([this] {
    do {
      std::string text;
      try {
        // Text from outside (libpq's messages, file names) may not be UTF-8: replaced,
        // never thrown.
        text = gather().dump(-1, ' ', false, json::error_handler_t::replace);
      } catch (const std::exception& e) {
        text = json({{"problems", json::array({std::string("status: ") + e.what()})}})
                   .dump(-1, ' ', false, json::error_handler_t::replace);
      }
      std::lock_guard lk(mu_);
      latest_ = std::move(text);
      ++seq_;
    } while (worker_.wait_for(kRound));
  });
}

void StatusFeed::stop() {
  worker_.stop();
}

std::pair<uint64_t, std::string> StatusFeed::latest() const {
  std::lock_guard lk(mu_);
  return {seq_, latest_};
}

json StatusFeed::gather() {
  json problems = json::array();
  const int64_t now_us = time::now_us();
  // The pool state, from the store this server uses (it follows a failover); when
  // that store does not answer, from the answering store with the highest epoch
  // (a standby's copy, said so in "problems"), else unknown.
  // One connection to the store in use serves the pool state and the compliance backlog.
  Result<pg::Connection> in_use = connect_store(src_.store->conninfo());
  std::optional<store::PoolState> state = read_state(in_use);
  const bool store_answers = state.has_value();
  json state_from = src_.store->name();
  if (!state) {
    problems.push_back("pool state: the " + src_.store->name() + " store does not answer");
    if (src_.topology) {
      for (dr::StoreRole role : dr::kAllStoreRoles) {
        const dr::Store* st = src_.topology->store(role);
        if (st == nullptr || dr::to_string(role) == src_.store->name()) continue;
        auto other_conn = connect_store(st->libpq_conninfo());
        auto other = read_state(other_conn);
        if (other && (!state || other->epoch > state->epoch)) {
          state = std::move(other);
          state_from = dr::to_string(role);
        }
      }
      if (state) {
        problems.push_back("pool state read from the " + state_from.get<std::string>() +
                           " store instead (it may be a standby's copy)");
      }
    }
  }
  std::vector<dr::ServerView> servers;
  if (src_.topology) {
    servers = dr::ask_servers(*src_.topology, state.value_or(store::PoolState{}), "");
  } else {
    servers.push_back(
        dr::ask_server(src_.server_name, "-", src_.self_http_host, src_.self_http_port, ""));
    servers.back().listed = true;
  }
  json j = dr::pool_status_json(state.value_or(store::PoolState{}), servers);
  if (!state) {
    for (const char* key : {"state", "epoch", "primary_store"}) j[key] = nullptr;
  }
  j["state_from"] = state ? state_from : json(nullptr);
  if (src_.topology) {
    j.update(dr::dr_status(*src_.topology));
    if (auto rb = dr::runbook_status(*src_.topology); !rb.empty()) j["runbook"] = rb;
  }
  j["at"] = time::iso8601_ms(now_us);
  j["server"] = src_.server_name;
  j["store_in_use"] = src_.store->name();
  remember_lags(j, now_us / 1000000);
  j["lag_history"] = json::array();
  for (const auto& sample : history_) j["lag_history"].push_back(sample);
  if (src_.topology && j["pool_fqdn"].is_null()) j["pool_fqdn"] = src_.topology->pool_fqdn;
  if (store_answers) {
    auto r = in_use->exec("SELECT count(*), " + time::sql_iso8601("min(ts)") +
                          " FROM compliance_outbox");
    if (r && r->rows() == 1) {
      j["compliance"] = {{"backlog", r->i64(0, 0)},
                         {"oldest", r->is_null(0, 1) ? json(nullptr) : json(r->str(0, 1))}};
    } else if (!r) {
      problems.push_back("compliance backlog: " + r.error().message);
    }
  }
  j["problems"] = problems;
  return j;
}

void StatusFeed::remember_lags(const json& status, int64_t now_s) {
  if (!status.contains("log_shipping")) return;
  if (now_s - last_sample_s_ < kHistoryEvery.count()) return;
  last_sample_s_ = now_s;
  history_.push_back(json::array({now_s, stage_lag(status, "backup"), stage_lag(status, "copy"),
                                  stage_lag(status, "restore")}));
  while (!history_.empty() && now_s - history_.front()[0].get<int64_t>() > kHistorySpan.count())
    history_.pop_front();
}

}  // namespace pchat::server
