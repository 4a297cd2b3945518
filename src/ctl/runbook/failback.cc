// pchatctl failback: the pool back to datacenter A once A is rebuilt (the reverse of
// the failover runbook; docs/runbook.md).
//
//   1 clear the active server list (clients stay connected; no new ones)
//   2 rebuild A's primary from B's store: a base backup of the backup store, started
//     as its synchronous standby (B's commits wait for A: logs ship B -> A, no loss).
//     A base backup rather than pg_rewind: A's old primary took writes B never saw
//     (the log-shipping window) and was fenced; a copy is always possible, needs no
//     wal_log_hints, and costs seconds at this size. The old cluster is moved aside
//     (pg.old-<time>), never deleted: what it held past the window stays readable.
//   3 switch over with no loss: B read-only and its sessions ended, A waited for up
//     to B's last change, B stopped cleanly, A promoted
//   4 pool state Normal with a new epoch (B, if it came back writable, is fenced)
//   5 A's mirror rebuilt from A's primary, synchronous
//   6 A's servers active
//   7 log shipping back A -> B: the backup store rebuilt from a base backup of A's
//     primary (restore job on the copy destination), the copy job resumed, B's mirror
//     rebuilt as a standby of the backup store
// Each step finds out by itself whether it is done, so a re-run after a crash resumes.
#include <fmt/format.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "ctl/dr/job.h"
#include "ctl/dr/mirror.h"
#include "ctl/lab/process.h"
#include "ctl/pool/commands.h"
#include "ctl/runbook/steps.h"
#include "ctl/target/pool.h"
#include "dr/cluster/standby.h"
#include "dr/logship/manifest.h"
#include "dr/runbook/state_file.h"
#include "dr/runbook/step_runner.h"
#include "dr/runbook/steps.h"
#include "dr/store_selector.h"
#include "store/pg.h"

namespace pchat::ctl {

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using dr::StoreRole;
using Clock = std::chrono::steady_clock;

constexpr const char* kTitles[] = {
    "",
    "clear the active server list",
    "rebuild datacenter A's primary from the backup store (synchronous standby of it)",
    "switch over to datacenter A's primary with no loss",
    "set the pool state Normal (new epoch)",
    "rebuild datacenter A's mirror, synchronous",
    "set the active servers (datacenter A)",
    "put log shipping back from datacenter A to B",
};

Result<pg::Connection> connect_role(const dr::Topology& t, StoreRole role, const char* db) {
  auto c = pg::Connection::connect(dr::direct_conninfo(*t.store(role), db) + " connect_timeout=3",
                                   "pchatctl-failback");
  if (!c) {
    return make_error(ErrorKind::kUnavailable, std::string("the ") + dr::to_string(role) +
                                                   " store is unreachable: " + c.error().message);
  }
  return c;
}

dr::Progress progress_to(std::ostream& out) {
  return [&out](const std::string& line) { out << "  " << line << "\n"; };
}

Status promote_a(const dr::Topology& t, std::ostream& out) {
  auto ac = connect_role(t, StoreRole::kPrimary, "postgres");
  if (!ac) return ac.error();
  auto p = ac->exec("SELECT pg_promote(true, 60)");
  if (!p) return p.error();
  if (p->str(0, 0) != "t") {
    return make_error(ErrorKind::kUnavailable, "pg_promote did not finish within 60 s");
  }
  // Crash tests: die between the promotion and its settings.
  if (std::getenv("PCHAT_TEST_FAILBACK_KILL_AFTER_PROMOTE") != nullptr) std::raise(SIGKILL);
  if (auto st = ac->exec_all({"ALTER SYSTEM RESET default_transaction_read_only",
                              "ALTER SYSTEM SET synchronous_standby_names = ''",
                              "SELECT pg_reload_conf()"});
      !st) {
    return st;
  }
  out << "datacenter A's primary promoted: it is the writable store\n";
  return ok_status();
}

// A is the pool's store: writable (and not fenced: the failover's old primary is
// writable too when the servers could not fence it) with an epoch above B's (step 4
// done), or writable while B answers in recovery. A B that does not answer tells
// nothing.
bool a_promoted(const dr::StoreProbe& a, const dr::StoreProbe& b) {
  return a.writable && !a.fenced && b.reachable && (!b.writable || a.epoch > b.epoch);
}

// Step 3: B read-only, A caught up, B stopped, A promoted. `journal` keeps B's last
// LSN once B is stopped, so a re-run after a crash between the stop and the promotion
// promotes A (after checking it has that LSN).
Status switch_over(const dr::Topology& t, const dr::PgTools& tools, nlohmann::json& journal,
                   const fs::path& journal_file, std::ostream& out) {
  // Switched over: A writable and unfenced after this failback recorded B's last
  // change, or A promoted by a_promoted's measure. A writable A alone proves nothing.
  const dr::StoreProbe a = dr::runbook::probe_role(t, StoreRole::kPrimary);
  if (a.writable && !a.fenced &&
      (journal.contains("switchover_lsn") ||
       a_promoted(a, dr::runbook::probe_role(t, StoreRole::kBackup)))) {
    out << "datacenter A's primary is writable already: switched over\n";
    return ok_status();
  }
  if (journal.contains("switchover_lsn") &&
      !dr::runbook::probe_role(t, StoreRole::kBackup).reachable) {
    const std::string lsn = journal["switchover_lsn"].get<std::string>();
    auto ac = connect_role(t, StoreRole::kPrimary, "postgres");
    if (!ac) return ac.error();
    auto r = ac->exec("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn", {lsn});
    if (!r) return r.error();
    if (r->str(0, 0) != "t") {
      return make_error(ErrorKind::kConflict,
                        "the backup store is stopped but datacenter A's primary has not replayed "
                        "up to its last change " +
                            lsn + ": start the backup store and re-run");
    }
    out << "the backup store was stopped at " << lsn << "; datacenter A's primary has it\n";
    return promote_a(t, out);
  }
  auto b = connect_role(t, StoreRole::kBackup, "postgres");
  if (!b) return b.error();
  auto sync = b->exec(
      "SELECT coalesce(max(sync_state), '') FROM pg_stat_replication WHERE application_name = "
      "'primary' AND state = 'streaming'");
  if (!sync) return sync.error();
  if (sync->str(0, 0) != "sync") {
    return make_error(
        ErrorKind::kConflict,
        "datacenter A's primary is not a synchronous standby of the backup store (" +
            (sync->str(0, 0).empty() ? std::string("not streaming") : sync->str(0, 0)) +
            "): step 2 first");
  }
  if (auto st = b->exec_all(
          {"ALTER SYSTEM SET default_transaction_read_only = on", "SELECT pg_reload_conf()",
           "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = "
           "'client backend' AND pid <> pg_backend_pid()"});
      !st) {
    return st;
  }
  auto lsn = b->exec("SELECT pg_current_wal_lsn()::text");
  if (!lsn) return lsn.error();
  const std::string target = lsn->str(0, 0);
  out << "the backup store is read-only, its sessions ended; its last change is at " << target
      << "\n";
  bool caught_up = false;
  for (auto until = Clock::now() + 30s; Clock::now() < until;) {
    auto r = b->exec(
        "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'primary' AND "
        "flush_lsn >= $1::pg_lsn",
        {target});
    if (r && r->i64(0, 0) > 0) {
      caught_up = true;
      break;
    }
    std::this_thread::sleep_for(20ms);
  }
  if (!caught_up) {
    (void)b->exec_all(
        {"ALTER SYSTEM RESET default_transaction_read_only", "SELECT pg_reload_conf()"});
    return make_error(ErrorKind::kUnavailable,
                      "datacenter A's primary did not reach " + target +
                          " within 30 s; the backup store is writable again, nothing changed");
  }
  out << "datacenter A's primary has every change up to " << target << "\n";
  // Until the backup store is stopped, a failure gives it its writes back.
  auto undo = [&](Status st) {
    (void)b->exec_all(
        {"ALTER SYSTEM RESET default_transaction_read_only", "SELECT pg_reload_conf()"});
    return make_error(st.error().kind,
                      st.error().message + " (the backup store is writable again)");
  };
  journal["switchover_lsn"] = target;
  if (auto w = dr::runbook::write_state_file(journal_file, journal); !w) return undo(w);
  auto bc = dr::managed_cluster(t, StoreRole::kBackup);
  if (!bc) return undo(bc.error());
  if (auto st = dr::stop_cluster(tools, *bc); !st) {
    journal.erase("switchover_lsn");
    (void)dr::runbook::write_state_file(journal_file, journal);
    return undo(st);
  }
  out << "the backup store is stopped (it is rebuilt as the log-shipping standby in step 7)\n";
  return promote_a(t, out);
}

// Step 7: the backup store as log-shipping standby of A's primary again.
Status log_shipping_back(const dr::Topology& t, const dr::PgTools& tools,
                         const dr::PchatCommands& cmds, std::ostream& out) {
  const fs::path marker = t.log_shipping.copy_destination / logship::kSecondaryRemovedFileName;
  auto st = dr::runbook::read_backup_state(t);
  const bool standby_again = st && st->in_recovery && !st->restore_command.empty();
  if (!standby_again) {
    if (auto s = dr::init_backup_standby(tools, t, cmds, progress_to(out)); !s) return s;
  } else {
    out << "the backup store is a log-shipping standby already\n";
  }
  std::error_code ec;
  fs::remove(marker, ec);
  if (ec) {
    return make_error(ErrorKind::kUnavailable,
                      "cannot remove " + marker.string() + ": " + ec.message());
  }
  out << "log shipping configured again: the copy job copies, the backup store restores\n";
  if (t.store(StoreRole::kBackupMirror) != nullptr) {
    if (auto s = dr::install_mirror(tools, t, StoreRole::kBackup, StoreRole::kBackupMirror, cmds,
                                    false, progress_to(out), true);
        !s) {
      return s;
    }
    out << "the backup mirror streams from the backup store again\n";
  }
  return ok_status();
}

// Prints where the pool is and refuses a failback that cannot start. False: the pool
// is not failed over (nothing to do).
Result<bool> preflight(const dr::Topology& t, const nlohmann::json& journal, bool resuming,
                       std::ostream& out) {
  // Preflight: where the pool is.
  dr::StoreProbe a = dr::runbook::probe_role(t, StoreRole::kPrimary);
  dr::StoreProbe b = dr::runbook::probe_role(t, StoreRole::kBackup);
  out << "Preflight\n"
      << "  primary (A): "
      << (a.reachable ? std::string(a.writable ? "writable" : "in recovery") + ", epoch " +
                            std::to_string(a.epoch)
                      : "unreachable")
      << "\n  backup (B):  "
      << (b.reachable ? std::string(b.writable ? "writable" : "in recovery") + ", epoch " +
                            std::to_string(b.epoch)
                      : "unreachable")
      << "\n";
  if (!resuming) {
    // Only from a failed-over pool: B serves, A is reachable again. Where the pool is
    // is read on B: a B that does not answer (even for a moment) decides nothing.
    if (!b.reachable) {
      return make_error(ErrorKind::kUnavailable,
                        "the backup store (datacenter B) does not answer: failback starts from "
                        "it; bring it back first, then run failback");
    }
    if (!b.writable && !(a.writable && !a.fenced && a.epoch >= b.epoch)) {
      return make_error(ErrorKind::kConflict,
                        "the backup store is not the writable store: the pool is not failed over "
                        "(nothing to fail back)");
    }
    if (b.writable && !a.reachable) {
      return make_error(ErrorKind::kUnavailable,
                        "datacenter A's primary store is unreachable: bring datacenter A back "
                        "first (its hosts and PostgreSQL), then run failback");
    }
    if (!b.writable) {
      out << "the pool is not failed over: nothing to fail back\n";
      return false;
    }
  } else {
    out << "  journal: a failback started at " << journal["started_at"].get<std::string>()
        << " did not finish; it is resumed\n";
  }
  return true;
}

// Steps 1-7, each run once and recorded in the journal (resumable).
Status run_steps(const dr::Topology& t, const RunbookArgs& args, const dr::PgTools& tools,
                 const dr::PchatCommands& cmds, nlohmann::json& journal,
                 const fs::path& journal_file, dr::runbook::StepRunner& steps, std::ostream& out) {
  // Each pool-state write names its store: B until the switch-over, A after it. Left
  // to the store choice, a probe failing once could send it to the other store.
  PoolCommandContext on_b{.data_dir = {},
                          .topology_file = args.topology_file,
                          .out = &out,
                          .err = &std::cerr,
                          .store_role = "backup"};
  PoolCommandContext on_a = on_b;
  on_a.store_role = "primary";
  // Step 1 is not repeated once recorded done: after the switch-over began, the backup
  // store may be read-only or stopped, and step 1 could not write there. Step 2 is,
  // until the switch-over recorded B's last change or A is promoted (from then on,
  // rebuilding A from B would throw away A's newer writes): before that, A is only a
  // standby of B, and a standby that stopped streaming (a restart without the WAL it
  // needs, a lost cluster) is rebuilt; one that streams is only configured again.
  auto done_before = [&](int n) {
    if (!journal["steps"].contains(std::to_string(n))) return false;
    out << "done in an earlier run\n";
    return true;
  };

  if (auto st = steps.run(1,
                          [&]() -> Status {
                            if (done_before(1)) return ok_status();
                            PoolActiveServersArgs c;
                            c.clear = true;
                            return pool_active_servers(on_b, c);
                          });
      !st)
    return st;
  if (auto st = steps.run(2,
                          [&]() -> Status {
                            if (journal["steps"].contains("2")) {
                              out << "done in an earlier run; checked again\n";
                            }
                            if (journal.contains("switchover_lsn")) {
                              out << "the switch-over is under way: step 3 completes it\n";
                              return ok_status();
                            }
                            if (a_promoted(dr::runbook::probe_role(t, StoreRole::kPrimary),
                                           dr::runbook::probe_role(t, StoreRole::kBackup))) {
                              out << "datacenter A's primary is the writable store already\n";
                              return ok_status();
                            }
                            return dr::install_mirror(tools, t, StoreRole::kBackup,
                                                      StoreRole::kPrimary, cmds, true,
                                                      progress_to(out), true);
                          });
      !st)
    return st;
  if (auto st = steps.run(3, [&] { return switch_over(t, tools, journal, journal_file, out); });
      !st)
    return st;
  if (auto st = steps.run(4,
                          [&] {
                            PoolSetStateArgs s;
                            s.state = "Normal";
                            return pool_set_state(on_a, s);
                          });
      !st)
    return st;
  if (auto st = steps.run(5,
                          [&]() -> Status {
                            if (t.store(StoreRole::kMirror) == nullptr) {
                              out << "the topology declares no mirror\n";
                              return ok_status();
                            }
                            return dr::install_mirror(tools, t, StoreRole::kPrimary,
                                                      StoreRole::kMirror, cmds, true,
                                                      progress_to(out), true);
                          });
      !st)
    return st;
  if (auto st = steps.run(6,
                          [&] {
                            PoolActiveServersArgs s;
                            s.set = t.active_candidates(StoreRole::kPrimary);
                            return pool_active_servers(on_a, s);
                          });
      !st)
    return st;
  if (auto st = steps.run(7, [&] { return log_shipping_back(t, tools, cmds, out); }); !st)
    return st;

  return ok_status();
}

}  // namespace

Status runbook_failback(const RunbookArgs& args, std::ostream& out) {
  auto topo = load_dr_topology(args.topology_file, "failback");
  if (!topo) return topo.error();
  const dr::Topology& t = *topo;
  for (StoreRole r : {StoreRole::kPrimary, StoreRole::kBackup}) {
    if (auto c = dr::managed_cluster(t, r); !c) {
      return make_error(c.error().kind, "failback rebuilds stores pchat manages on this machine: " +
                                            c.error().message);
    }
  }
  auto tools = dr::PgTools::find();
  if (!tools) return tools.error();
  const dr::PchatCommands cmds{self_exe(), fs::absolute(args.topology_file)};
  auto lock = dr::runbook::RunbookLock::take(t.log_shipping.copy_destination);
  if (!lock) return lock.error();
  const fs::path journal_file = t.log_shipping.copy_destination / logship::kFailbackJournalFileName;
  auto loaded = dr::runbook::read_state_file(journal_file);
  if (!loaded) return loaded.error();
  nlohmann::json journal = loaded->value_or(nlohmann::json::object());

  const bool resuming = journal.contains("started_at");
  auto go_on = preflight(t, journal, resuming, out);
  if (!go_on) return go_on.error();
  if (!*go_on) return ok_status();
  if (args.dry_run) {
    out << "Dry run: would run:\n";
    dr::runbook::print_plan(out, kTitles, journal, resuming);
    return ok_status();
  }
  if (!resuming) {
    journal = nlohmann::json::object();
    journal["started_at"] = logship::now_utc();
    journal["steps"] = nlohmann::json::object();
  }
  journal["runs"] = journal.value("runs", 0) + 1;
  if (auto w = dr::runbook::write_state_file(journal_file, journal); !w) return w;
  dr::runbook::StepRunner steps("failback", kTitles, journal, journal_file, out,
                                "PCHAT_TEST_FAILBACK_KILL_AFTER_STEP");
  if (auto st = run_steps(t, args, *tools, cmds, journal, journal_file, steps, out); !st) {
    return st;
  }

  out << "\nFailback report\n";
  steps.print_times(true);
  out << "Datacenter A serves the pool again; log shipping goes from A to B.\n";
  // Both runbooks are done: their journals go (the next failover starts afresh).
  std::error_code ec;
  fs::remove(journal_file, ec);
  fs::remove(t.log_shipping.copy_destination / logship::kFailoverJournalFileName, ec);
  return ok_status();
}

}  // namespace pchat::ctl
