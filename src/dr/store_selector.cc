#include "dr/store_selector.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "store/target.h"
#include "store/transaction.h"

namespace pchat::dr {

using namespace std::chrono_literals;

namespace {

constexpr const char* kProbeSql =
    "SELECT pg_is_in_recovery(),"
    " coalesce((SELECT 'default_transaction_read_only=on' = ANY (setconfig)"
    "   FROM pg_db_role_setting WHERE setrole = 0"
    "   AND setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())),"
    "  false),"
    " to_regclass('pool_state') IS NOT NULL";

}  // namespace

StoreSelector::StoreSelector(std::vector<Candidate> candidates,
                             std::shared_ptr<store::StoreTarget> target, MetricsRegistry& metrics)
    : candidates_(std::move(candidates)),
      target_(std::move(target)),
      conns_(candidates_.size()),
      fences_(metrics.counter("pchat_store_fences_total",
                              "Stores this server fenced (writable with a lower epoch)")),
      switches_(metrics.counter("pchat_store_switches_total",
                                "Times this server moved to another store (failover)")),
      fenced_seen_(metrics.gauge("pchat_stores_fenced",
                                 "Stores of the topology seen fenced in the last probe")) {}

StoreSelector::~StoreSelector() {
  stop();
}

StoreProbe probe_store(pg::Connection& c, const std::string& name) {
  StoreProbe p;
  p.name = name;
  auto r = c.exec(kProbeSql);
  if (!r) {
    c.reset();
    return p;
  }
  p.reachable = true;
  p.writable = r->get(0, 0) == "f";
  p.fenced = r->get(0, 1) == "t";
  if (r->get(0, 2) == "t") {
    auto st = c.exec("SELECT epoch, primary_store FROM pool_state WHERE id = 1");
    if (!st) {
      // Its epoch is unknown this round: neither used nor fenced on a guess.
      c.reset();
      return StoreProbe{.name = name};
    }
    if (st->rows() == 1) {
      p.has_state = true;
      p.epoch = st->i64(0, 0);
      p.primary_store = st->str(0, 1);
    }
  }
  return p;
}

StoreProbe StoreSelector::probe(size_t i) {
  pg::Connection& c = conns_[i];
  if (!c.connected()) {
    const Candidate& cand = candidates_[i];
    auto nc = pg::Connection::connect(
        cand.probe_conninfo.empty() ? cand.conninfo : cand.probe_conninfo, "pchatd-selector");
    if (!nc) {
      StoreProbe p;
      p.name = candidates_[i].name;
      return p;
    }
    c = std::move(*nc);
  }
  return probe_store(c, candidates_[i].name);
}

namespace {

// Fences the store on `c` if its pool-state epoch is still below `pool_epoch`, in one
// transaction that holds the pool_state row: the probes of several stores are not one
// snapshot, so an epoch raised on this store since its probe (a failover's epoch
// bump, or the first server creating the schema) must not fence it. True: fenced.
Result<bool> fence_if_lower(pg::Connection& c, int64_t pool_epoch) {
  store::Transaction tx(c);
  if (auto b = tx.begin(); !b) return b.error();
  // A held row lock delays the fence to a later round; it never blocks the selector.
  if (auto r = c.exec("SET LOCAL lock_timeout = '2s'"); !r) return r.error();
  // A store the pool left may still name its old mirror synchronous (a primary replaced
  // by an automatic failover): its commits wait for a standby that never comes. The
  // fence need not be on any mirror, only in force on this store: it commits locally.
  if (auto r = c.exec("SET LOCAL synchronous_commit = local"); !r) return r.error();
  auto st =
      c.exec("SELECT epoch, current_database() FROM pool_state WHERE id = 1 FOR NO KEY UPDATE");
  if (!st) return st.error();
  if (st->rows() != 1 || st->i64(0, 0) >= pool_epoch) return false;
  // The message lock: a batch committing on this store finishes first, and every
  // later one finds the fence in pchat_fence_check, even on a session opened before
  // it (default_transaction_read_only holds for new sessions only).
  if (auto l = c.exec("SELECT pg_advisory_xact_lock($1::bigint)",
                      {std::to_string(store::kMessageLockKey)});
      !l) {
    return l.error();
  }
  auto r = c.exec("ALTER DATABASE " + c.quote_ident(st->str(0, 1)) +
                  " SET default_transaction_read_only = on");
  if (!r) return r.error();
  if (auto done = tx.commit(); !done) return done.error();
  return true;
}

}  // namespace

void StoreSelector::fence(size_t i, int64_t pool_epoch) {
  pg::Connection& c = conns_[i];
  const std::string& name = candidates_[i].name;
  auto fenced = fence_if_lower(c, pool_epoch);
  if (!fenced) {
    spdlog::error(
        "store: cannot fence store {} (it carries a lower epoch; no server of "
        "this pool writes there): {}",
        name, fenced.error().message);
    return;
  }
  if (!*fenced) {
    spdlog::info("store: not fencing store {}: its epoch reached the pool's ({}) since the probe",
                 name, pool_epoch);
    return;
  }
  auto ended = c.exec(
      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
      " WHERE datname = current_database() AND pid <> pg_backend_pid()"
      " AND application_name LIKE 'pchatd-%' AND application_name <> 'pchatd-selector'");
  fences_.inc();
  spdlog::critical(
      "store: FENCED store {}: it is writable but carries a lower pool-state epoch than "
      "the pool's; made read-only, {} pchatd sessions on it ended",
      name, ended ? ended->str(0, 0) : "?");
  std::lock_guard lk(mu_);
  if (std::find(status_.fenced_by_us.begin(), status_.fenced_by_us.end(), name) ==
      status_.fenced_by_us.end()) {
    status_.fenced_by_us.push_back(name);
  }
}

StoreChoice StoreSelector::round() {
  std::vector<StoreProbe> probes;
  for (size_t i = 0; i < candidates_.size(); ++i) probes.push_back(probe(i));
  StoreChoice choice = choose_store(probes, current_, target_->min_epoch());
  settled_ = choice.use.has_value();
  target_->raise_min_epoch(choice.epoch);
  for (const auto& name : choice.fence) {
    for (size_t i = 0; i < candidates_.size(); ++i) {
      if (candidates_[i].name == name) fence(i, choice.epoch);
    }
  }
  if (choice.use && *choice.use != current_) {
    for (const auto& c : candidates_) {
      if (c.name != *choice.use) continue;
      if (!current_.empty()) {
        switches_.inc();
        spdlog::warn("store: the pool moved from store {} to store {} ({})", current_, c.name,
                     choice.why);
      } else {
        spdlog::info("store: using store {} ({})", c.name, choice.why);
      }
      current_ = c.name;
      target_->set(c.conninfo, c.name);
    }
  }
  int64_t fenced = 0;
  for (const auto& p : probes) fenced += p.fenced ? 1 : 0;
  fenced_seen_.set(fenced);
  std::lock_guard lk(mu_);
  status_.in_use = current_;
  status_.epoch = choice.epoch;
  status_.why = choice.why;
  status_.probes = std::move(probes);
  return choice;
}

Result<std::string> StoreSelector::choose_initial(std::chrono::seconds wait) {
  auto deadline = std::chrono::steady_clock::now() + wait;
  bool warned = false;
  for (;;) {
    StoreChoice c = round();
    if (c.use) return *c.use;
    if (std::chrono::steady_clock::now() > deadline) {
      return make_error(ErrorKind::kUnavailable, "no store to use: " + c.why);
    }
    if (!warned) spdlog::warn("store: waiting for a store to use ({})", c.why);
    warned = true;
    std::this_thread::sleep_for(500ms);
  }
}

void StoreSelector::start() {
  worker_.start([this] { run(); });
}

void StoreSelector::stop() {
  worker_.stop();
}

void StoreSelector::run() {
  while (worker_.wait_for(settled_ ? kInterval : kUnsettledInterval)) round();
}

StoreSelector::Status StoreSelector::status() const {
  std::lock_guard lk(mu_);
  return status_;
}

}  // namespace pchat::dr
