// The mirror agent of automatic failover (`pchatctl mirror monitor --store ROLE`): one
// beside each store of the primary/mirror pair. The decisions are dr/arbiter/quorum.h's;
// this file gathers what the agent sees (its store, its partner, the witness) and
// carries the decisions out: synchronous_standby_names, the promotion (granted by the
// witness, then the epoch raised), the rejoin (dr/cluster/rejoin.h).
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "ctl/dr/job.h"
#include "ctl/dr/mirror.h"
#include "ctl/dr/witness.h"
#include "ctl/lab/process.h"
#include "dr/arbiter/quorum.h"
#include "dr/cluster/archive_guard.h"
#include "dr/cluster/rejoin.h"
#include "dr/monitor/timed_conn.h"
#include "store/pg.h"
#include "store/pool_state.h"

namespace pchat::ctl {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using dr::StoreRole;
using nlohmann::json;

namespace {

constexpr int kAgentProbeTimeoutMs = 400;
constexpr int kWitnessTimeoutMs = 400;
constexpr auto kAgentRound = 200ms;

int64_t agent_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// One store as seen from here. `app`: the standby whose replication row is read.
struct Look {
  bool answers = false;
  bool writable = false;
  std::string ssn;   // synchronous_standby_names
  std::string repl;  // "<state> <sync_state>" of `app` in pg_stat_replication
  int64_t epoch = 0;
  bool fenced = false;  // its mgc made read-only by a pool server (a lower epoch)
  std::string error;
};

Look look(dr::TimedConn& c, const std::string& app) {
  Look l;
  auto r = c.query(
      "SELECT pg_is_in_recovery(), current_setting('synchronous_standby_names'), (SELECT state "
      "|| ' ' || sync_state FROM pg_stat_replication WHERE application_name = '" +
          app + "' ORDER BY state = 'streaming' DESC LIMIT 1)",
      kAgentProbeTimeoutMs);
  if (!r) {
    l.error = r.error().message;
    return l;
  }
  l.answers = true;
  l.writable = r->str(0, 0) == "f";
  l.ssn = r->str(0, 1);
  l.repl = r->is_null(0, 2) ? "" : r->str(0, 2);
  auto e = c.query(
      "SELECT (SELECT epoch FROM pool_state WHERE id = 1), EXISTS (SELECT 1 FROM "
      "pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase WHERE d.datname = "
      "current_database() AND s.setrole = 0 AND 'default_transaction_read_only=on' = "
      "ANY(s.setconfig))",
      kAgentProbeTimeoutMs);
  if (e && e->rows() > 0) {
    l.epoch = e->is_null(0, 0) ? 0 : e->i64(0, 0);
    l.fenced = e->str(0, 1) == "t";
  }
  return l;
}

class Agent {
 public:
  Agent(const dr::Topology& t, StoreRole local, dr::PchatCommands cmds)
      : t_(t),
        local_(local),
        partner_(local == StoreRole::kPrimary ? StoreRole::kMirror : StoreRole::kPrimary),
        cmds_(std::move(cmds)),
        local_conn_(dr::direct_conninfo(*t.store(local_), "mgc")),
        partner_conn_(dr::direct_conninfo(*t.store(partner_), "mgc")),
        quorum_(settings()) {}

  void round() {
    const Look l = look(local_conn_, dr::to_string(partner_));
    if (l.writable) {
      auto closed = archive_.round(dr::to_string(local_), [this](const std::string& sql) {
        return local_conn_.query(sql, kAgentProbeTimeoutMs);
      });
      if (closed) spdlog::info("{}", *closed);
    }
    const Look p = look(partner_conn_, dr::to_string(local_));
    auto w = ask_witness(t_, "POST", "/report", report(l, p), kWitnessTimeoutMs);
    const bool witness_ok = w && (*w)["status"] == 200;
    if (witness_ok) auto_enabled_ = w->value("auto", true);
    dr::QuorumView v = view(l, p, witness_ok ? *w : json());
    dr::QuorumDecision d = quorum_.step(v);
    if (d.state != last_.state || d.action != last_.action) log(d);
    last_ = d;
    if (d.action != dr::QuorumAction::kNone) act(d, l);
  }

 private:
  dr::QuorumSettings settings() const {
    return {dr::to_string(local_),
            dr::to_string(partner_),
            t_.mirroring.witness.has_value(),
            t_.mirroring.mode == dr::MirrorMode::kStrict,
            int64_t{t_.mirroring.timeout_s} * 1000,
            int64_t{t_.mirroring.auto_failover_after_s} * 1000};
  }

  dr::LocalState local_state(const Look& l) const {
    if (l.answers) return l.writable ? dr::LocalState::kPrimary : dr::LocalState::kStandby;
    auto c = dr::managed_cluster(t_, local_);
    if (!c) return dr::LocalState::kDown;
    if (dr::postmaster_pid(*c)) return dr::LocalState::kHung;
    // Died a primary: it crashed (its postmaster.pid is left behind) and it is neither a
    // standby nor a base backup being made. A primary stopped cleanly (an operator, a
    // planned failover that restarts it as a standby itself) is left alone.
    const fs::path d = c->pgdata();
    const bool crashed_primary = fs::exists(d / "postmaster.pid") &&
                                 !fs::exists(d / "standby.signal") &&
                                 !fs::exists(d / "backup_label");
    return crashed_primary ? dr::LocalState::kDownWasPrimary : dr::LocalState::kDown;
  }

  dr::QuorumView view(const Look& l, const Look& p, const json& w) const {
    dr::QuorumView v;
    v.now_ms = agent_now_ms();
    v.local = local_state(l);
    v.local_epoch = l.epoch;
    v.synchronous_on = !l.ssn.empty();
    v.partner_streaming = l.repl.rfind("streaming", 0) == 0;
    v.partner_answers = p.answers;
    v.partner_writable = p.answers && p.writable;
    v.partner_epoch = p.epoch;
    // A fenced primary is one the pool left (a datacenter failover): never "synchronized".
    v.partner_waits_for_us = v.partner_writable && !p.fenced && !p.ssn.empty();
    v.synchronized = v.partner_waits_for_us && p.repl == "streaming sync";
    v.witness_answers = w.is_object();
    if (v.witness_answers) {
      v.witness_primary = w.value("primary", std::string());
      v.witness_primary_epoch = w.value("primary_epoch", int64_t{0});
      const json& st = w["stores"];
      const std::string pn = dr::to_string(partner_);
      v.witness_unseen_partner_ms =
          st.contains(pn) ? st[pn].value("unseen_ms", int64_t{0}) : int64_t{0};
    }
    v.auto_enabled = auto_enabled_;
    return v;
  }

  json report(const Look& l, const Look& p) const {
    return {{"store", dr::to_string(local_)},
            {"pid", getpid()},
            {"state", last_.state},
            {"action", dr::to_string(last_.action)},
            {"alert", last_.alert},
            {"why", last_.why},
            {"local_answers", l.answers},
            {"local_writable", l.writable},
            {"sees_partner", p.answers},
            {"partner_streaming", l.repl},
            {"actions", actions_}};
  }

  void log(const dr::QuorumDecision& d) const {
    if (d.alert) {
      spdlog::warn("mirror agent {}: {} ({}): {}", dr::to_string(local_), d.state,
                   dr::to_string(d.action), d.why);
    } else {
      spdlog::info("mirror agent {}: {} ({}): {}", dr::to_string(local_), d.state,
                   dr::to_string(d.action), d.why);
    }
  }

  void act(const dr::QuorumDecision& d, const Look& l) {
    ++actions_[dr::to_string(d.action)];
    switch (d.action) {
      case dr::QuorumAction::kSynchronous:
      case dr::QuorumAction::kExposed:
        set_synchronous(d.action == dr::QuorumAction::kSynchronous, l);
        break;
      case dr::QuorumAction::kPromote:
        promote(d.why);
        break;
      case dr::QuorumAction::kRejoin:
        rejoin();
        break;
      case dr::QuorumAction::kNone:
        break;
    }
  }

  void set_synchronous(bool on, const Look&) {
    auto c = pg::Connection::connect(dr::direct_conninfo(*t_.store(local_), "postgres"),
                                     "pchatctl-mirror-agent");
    if (!c) {
      spdlog::error("mirror agent {}: {}", dr::to_string(local_), c.error().message);
      return;
    }
    const std::string ssn = on ? "FIRST 1 (" + std::string(dr::to_string(partner_)) + ")" : "";
    auto st = c->exec_all({"ALTER SYSTEM SET synchronous_standby_names = " + c->quote_literal(ssn),
                           "SELECT pg_reload_conf()"});
    if (!st) {
      spdlog::error("mirror agent {}: cannot set synchronous_standby_names: {}",
                    dr::to_string(local_), st.error().message);
    } else if (on) {
      spdlog::info("mirror agent {}: synchronous_standby_names = '{}'", dr::to_string(local_), ssn);
    } else {
      spdlog::critical(
          "mirroring: the {} has been gone for {} s or more: the primary now runs EXPOSED "
          "(commits are no longer on the mirror; it resynchronizes when the mirror returns)",
          dr::to_string(partner_), t_.mirroring.timeout_s);
    }
  }

  void promote(const std::string& why);
  void rejoin();

  const dr::Topology& t_;
  const StoreRole local_;
  const StoreRole partner_;
  const dr::PchatCommands cmds_;
  dr::TimedConn local_conn_;
  dr::ArchiveGuard archive_;  // the WAL segment a crash left open, closed once per start
  dr::TimedConn partner_conn_;
  dr::Quorum quorum_;
  dr::QuorumDecision last_;
  bool auto_enabled_ = true;  // the witness's, as last seen
  std::map<std::string, int64_t> actions_;
};

void Agent::promote(const std::string& why) {
  const std::string me = dr::to_string(local_), old = dr::to_string(partner_);
  auto g = ask_witness(t_, "POST", "/grant", {{"from", old}, {"to", me}, {"why", why}}, 2000);
  if (!g || (*g)["status"] != 200) {
    spdlog::warn("mirror agent {}: the witness did not grant the promotion: {}", me,
                 g ? g->value("why", std::string("?")) : g.error().message);
    return;
  }
  const auto t0 = std::chrono::steady_clock::now();
  spdlog::critical("mirror agent {}: AUTOMATIC FAILOVER: promoting the {} ({})", me, me, why);
  auto c = pg::Connection::connect(dr::direct_conninfo(*t_.store(local_), "postgres"),
                                   "pchatctl-mirror-agent");
  // Read-only until the new epoch is written: no write lands on it at the old epoch.
  Status st = c ? c->exec_all({"ALTER SYSTEM SET default_transaction_read_only = on",
                               "SELECT pg_reload_conf()", "SELECT pg_promote(true, 30)"})
                : Status(c.error());
  auto m = st ? pg::Connection::connect(dr::direct_conninfo(*t_.store(local_), "mgc"),
                                        "pchatctl-mirror-agent")
              : Result<pg::Connection>(st.error());
  std::string epoch_line;
  if (m) {
    // The epoch commits locally: the old primary, if it comes back as the standby,
    // replicates it; nothing may wait for a standby that is not there.
    auto cur =
        m->exec_all({"SET default_transaction_read_only = off", "SET synchronous_commit = local"})
                .ok()
            ? store::read_pool_state(*m)
            : Result<store::PoolState>(make_error(ErrorKind::kInternal, "SET failed"));
    auto up = cur ? store::set_pool_state(*m, cur->state, me,
                                          {.by = "pchatctl mirror agent (automatic failover)"})
                  : Result<store::PoolStateUpdate>(cur.error());
    if (up) {
      epoch_line =
          "epoch " + std::to_string(up->before.epoch) + " -> " + std::to_string(up->after.epoch);
    } else {
      st = up.error();
    }
  } else {
    st = m.error();
  }
  const bool strict = t_.mirroring.mode == dr::MirrorMode::kStrict;
  if (c) {
    (void)c->exec_all({"ALTER SYSTEM RESET default_transaction_read_only",
                       "ALTER SYSTEM SET synchronous_standby_names = " +
                           c->quote_literal(strict ? "FIRST 1 (" + old + ")" : ""),
                       "SELECT pg_reload_conf()"});
  }
  if (!st) {
    spdlog::critical("mirror agent {}: the promotion did not complete: {}", me, st.error().message);
    return;
  }
  spdlog::critical(
      "mirror agent {}: the {} is the primary ({}) in {:.2f} s; the {} comes back as "
      "its mirror once it can",
      me, me, epoch_line,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), old);
}

void Agent::rejoin() {
  const std::string me = dr::to_string(local_), now_primary = dr::to_string(partner_);
  auto tools = dr::PgTools::find();
  if (!tools || !dr::managed_cluster(t_, local_)) {
    spdlog::error(
        "mirror agent {}: replaced by the {}, but pchat does not manage this cluster "
        "here: rebuild it as the mirror by hand (`pchatctl mirror install "
        "--drop-existing`)",
        me, now_primary);
    return;
  }
  const auto t0 = std::chrono::steady_clock::now();
  spdlog::warn("mirror agent {}: the {} replaced this store: bringing it back as its mirror", me,
               now_primary);
  local_conn_.reset();
  auto how = dr::rejoin_as_mirror(*tools, t_, local_, partner_, cmds_, [&](const std::string& s) {
    spdlog::info("mirror agent {}: {}", me, s);
  });
  if (!how) {
    spdlog::error("mirror agent {}: could not come back as the mirror: {}", me,
                  how.error().message);
    return;
  }
  spdlog::warn("mirror agent {}: back as the {}'s mirror ({}) in {:.2f} s", me, now_primary,
               *how == dr::RejoinHow::kRewound ? "pg_rewind" : "base backup",
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  quorum_ = dr::Quorum(settings());
}

}  // namespace

Status mirror_agent(const MirrorArgs& args, std::ostream&) {
  auto t = load_dr_topology(args.topology_file, "mirror");
  if (!t) return t.error();
  auto role = dr::parse_store_role(args.store);
  if (!role || (*role != StoreRole::kPrimary && *role != StoreRole::kMirror)) {
    return make_error(ErrorKind::kInvalidInput,
                      "--store: primary or mirror (the store this agent sits beside)");
  }
  if (t->store(StoreRole::kPrimary) == nullptr || t->store(StoreRole::kMirror) == nullptr) {
    return make_error(ErrorKind::kInvalidInput,
                      "the topology needs [stores.primary] and [stores.mirror]");
  }
  install_stop_handlers();
  spdlog::info(
      "mirror agent {} (pid {}): mode {}, timeout {} s, witness {}, automatic failover "
      "after {} s",
      args.store, getpid(), dr::to_string(t->mirroring.mode), t->mirroring.timeout_s,
      t->mirroring.witness ? t->mirroring.witness->to_string() : std::string("none"),
      t->mirroring.auto_failover_after_s);
  Agent agent(*t, *role, {self_exe(), fs::absolute(args.topology_file)});
  while (!stop_requested()) {
    const auto start = std::chrono::steady_clock::now();
    agent.round();
    while (!stop_requested() && std::chrono::steady_clock::now() - start < kAgentRound)
      std::this_thread::sleep_for(10ms);
  }
  spdlog::info("mirror agent {} stopped", args.store);
  return ok_status();
}

}  // namespace pchat::ctl
