#include "compliance/service/service.h"

#include <libpq-fe.h>
#include <poll.h>
#include <spdlog/spdlog.h>

#include <map>
#include <optional>

#include "store/migrations.h"

namespace pchat::compliance {

using namespace std::chrono_literals;

namespace {

constexpr const char* kConfigChannel = "pchat_compliance_config";  // store migration 13
// How often a wait for the next run checks for stop().
constexpr auto kStopCheck = 100ms;

// The keywords of `conninfo` (keyword=value or URI) that have a value; nullopt when
// libpq cannot parse it (the connection attempt then reports why).
std::optional<std::map<std::string, std::string>> parse_conninfo(const std::string& conninfo) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err);
  if (opts == nullptr) {
    PQfreemem(err);
    return std::nullopt;
  }
  std::map<std::string, std::string> out;
  for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o) {
    if (o->val != nullptr) out[o->keyword] = o->val;
  }
  PQconninfoFree(opts);
  return out;
}

std::string build_conninfo(const std::map<std::string, std::string>& kv) {
  std::string out;
  for (const auto& [k, v] : kv) {
    out += (out.empty() ? "" : " ") + k + "='";
    for (char c : v) {
      if (c == '\'' || c == '\\') out += '\\';
      out += c;
    }
    out += "'";
  }
  return out;
}

// Connects to mgccomp (never waiting more than 5 s for an unreachable host, so
// stopping pchatd is not held up), creating the database when the instance has none.
Result<pg::Connection> connect_comp(const std::string& conninfo) {
  auto kv = parse_conninfo(conninfo);
  if (!kv) return pg::Connection::connect(conninfo, "pchatd-compliance");
  kv->try_emplace("connect_timeout", "5");
  const std::string target = build_conninfo(*kv);
  auto c = pg::Connection::connect(target, "pchatd-compliance");
  if (c || c.error().message.find("does not exist") == std::string::npos) return c;
  const std::string db = kv->count("dbname") ? kv->at("dbname") : "mgccomp";
  (*kv)["dbname"] = "postgres";
  auto admin = pg::Connection::connect(build_conninfo(*kv), "pchatd-compliance");
  if (!admin) return admin.error();
  if (auto st = store::ensure_database(*admin, db); !st) return st.error();
  return pg::Connection::connect(target, "pchatd-compliance");
}

}  // namespace

Service::Service(ServiceOptions options, MetricsRegistry& metrics)
    : options_(std::move(options)),
      active_gauge_(metrics.gauge("pchat_compliance_service_active",
                                  "1 when this server holds the pool's compliance service lock")),
      cycles_(metrics.counter("pchat_compliance_cycles_total", "Compliance cycles completed")),
      errors_(metrics.counter("pchat_compliance_errors_total", "Compliance cycles that failed")),
      moved_(metrics.counter("pchat_compliance_events_moved_total",
                             "Events moved from the outbox to mgccomp")),
      written_(metrics.counter("pchat_compliance_events_written_total",
                               "Events written to output files and purged")) {}

Service::~Service() {
  stop();
}

void Service::start() {
  worker_.start([this] { run(); });
}

void Service::stop() {
  worker_.stop();
}

void Service::release() {
  if (active_.exchange(false)) spdlog::warn("compliance: this server no longer runs the service");
  active_gauge_.set(0);
  mgc_.reset();  // ending the session frees the lock
  comp_.reset();
  comp_locked_ = false;
}

// Election on mgc, then the mgccomp lock. False when this server is not (or not yet)
// the active service.
bool Service::take_locks() {
  const auto& target = options_.mgc_target;
  if (target && mgc_.connected() && target->generation() != mgc_generation_) {
    spdlog::info("compliance: the pool now uses the {} store; the service follows it",
                 target->name());
    release();
  }
  if (!mgc_.connected()) {
    if (target) mgc_generation_ = target->generation();
    auto c = pg::Connection::connect(target ? target->conninfo() : options_.mgc_conninfo,
                                     "pchatd-compliance");
    if (!c) return false;
    mgc_ = std::move(*c);
  }
  if (!active_) {
    auto r = mgc_.exec("SELECT pg_try_advisory_lock($1)", {std::to_string(kServiceLockKey)});
    if (!r) {
      release();
      return false;
    }
    if (r->get(0, 0) != "t") return false;
    active_ = true;
    active_gauge_.set(1);
    spdlog::info("compliance: this server ({}) runs the pool's compliance service",
                 options_.cycle.server);
    (void)mgc_.exec("UPDATE compliance_status SET holder = $1, updated_at = now() WHERE id = 1",
                    {options_.cycle.server});
    if (!mgc_.exec(std::string("LISTEN ") + kConfigChannel)) {
      release();
      return false;
    }
  }
  std::string want = options_.comp_conninfo;
  if (!options_.comp_backup_conninfo.empty()) {
    auto ps = mgc_.exec("SELECT primary_store FROM pool_state WHERE id = 1");
    if (!ps) {
      release();
      return false;
    }
    if (ps->rows() == 1 && ps->get(0, 0) == "backup") want = options_.comp_backup_conninfo;
  }
  if (comp_.connected() && want != comp_in_use_) {
    spdlog::info("compliance: the primary store changed datacenter; switching compliance store");
    comp_.reset();
    schema_ready_ = false;
  }
  if (!comp_.connected()) {
    comp_locked_ = false;
    auto c = connect_comp(want);
    if (!c) {
      std::string msg = "cannot reach mgccomp: " + c.error().message;
      spdlog::warn("compliance: {}; events wait in the outbox", msg);
      record_error(mgc_, msg);
      errors_.inc();
      return false;
    }
    comp_ = std::move(*c);
    comp_in_use_ = want;
    schema_ready_ = false;  // a new session may be on another store (after a failover)
  }
  if (!comp_locked_) {
    auto r = comp_.exec("SELECT pg_try_advisory_lock($1)", {std::to_string(kServiceLockKey)});
    if (!r || r->get(0, 0) != "t") {
      if (r) spdlog::warn("compliance: mgccomp is still locked by a previous holder; waiting");
      if (!r) comp_.reset();
      return false;
    }
    comp_locked_ = true;
  }
  if (!schema_ready_) {
    if (auto st = ensure_comp_schema(comp_); !st) {
      record_error(mgc_, st.error().message);
      comp_.reset();
      return false;
    }
    schema_ready_ = true;
  }
  return true;
}

void Service::run_one_cycle() {
  auto report = run_cycle(mgc_, comp_, options_.cycle);
  if (report) {
    cycles_.inc();
    moved_.inc(static_cast<uint64_t>(report->moved));
    written_.inc(static_cast<uint64_t>(report->written));
    if (report->moved > 0 || report->written > 0) {
      spdlog::info("compliance: moved {} events, wrote {} in {} run(s)", report->moved,
                   report->written, report->runs);
    }
    return;
  }
  errors_.inc();
  spdlog::error("compliance: run failed: {}", report.error().message);
  record_error(mgc_, report.error().message);
  if (!mgc_.connected()) release();
  if (!comp_.connected()) comp_locked_ = false;
}

std::chrono::milliseconds Service::current_interval() {
  if (options_.run_interval_override.count() > 0) return options_.run_interval_override;
  int seconds = kDefaultRunIntervalS;
  if (mgc_.connected()) {
    if (auto c = load_config(mgc_)) seconds = std::max(c->run_interval_s, kMinRunIntervalS);
  }
  return std::chrono::seconds(seconds);
}

bool Service::wait_for_change(std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    if (worker_.stopping()) return false;
    bool changed = false;
    while (PGnotify* note = PQnotifies(mgc_.raw())) {
      changed = true;  // kConfigChannel is the only channel this session listens to
      PQfreemem(note);
    }
    if (changed) return true;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now) + 1ms;
    pollfd pfd{PQsocket(mgc_.raw()), POLLIN, 0};
    int n = poll(&pfd, 1,
                 static_cast<int>(std::min<std::chrono::milliseconds>(left, kStopCheck).count()));
    if (n > 0 && PQconsumeInput(mgc_.raw()) != 1) {
      spdlog::warn("compliance: lost the connection to mgc; electing again");
      release();
      return false;
    }
  }
}

void Service::run() {
  while (!worker_.stopping()) {
    if (!take_locks()) {
      worker_.wait_for(active_ ? std::max(options_.election_poll, 1000ms) : options_.election_poll);
      continue;
    }
    const auto started = std::chrono::steady_clock::now();
    run_one_cycle();
    auto interval = current_interval();
    if (!active_ || !mgc_.connected()) {
      worker_.wait_for(interval);
      continue;
    }
    // Until the next run: a configuration change moves it (counted from this run).
    while (wait_for_change(started + interval)) {
      auto next = current_interval();
      const auto left = started + next - std::chrono::steady_clock::now();
      spdlog::info(
          "compliance: the configuration changed; run interval {} s, next run in {} s",
          std::chrono::duration_cast<std::chrono::seconds>(next).count(),
          std::max<int64_t>(0, std::chrono::duration_cast<std::chrono::seconds>(left).count()));
      interval = next;
    }
  }
  release();
}

}  // namespace pchat::compliance
