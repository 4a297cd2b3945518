// pchatctl failover: Lync's seven steps as one safe, resumable command.
//
// Every step is idempotent and finds out by itself what is done (the backup store,
// the copy destination, the pool state), so a re-run after a crash at any point
// simply runs them all again; the journal (DEST/pchat-failover.json, in datacenter B)
// only keeps the times and the figures of the report across runs.
#include <fmt/format.h>

#include <chrono>
#include <iostream>
#include <sstream>

#include "core/time.h"
#include "ctl/dr/job.h"
#include "ctl/dr/mirror.h"
#include "ctl/pool/commands.h"
#include "ctl/runbook/steps.h"
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
using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kStepTitles[] = {
    "",
    "remove log shipping from the backup store",
    "copy the remaining files from the backup share",
    "apply every copied file to the backup store",
    "end the sessions on mgc and bring the backup database online",
    "set the pool state FailedOver (new epoch)",
    "install the mirror of the new primary (backup mirror)",
    "set the active servers (datacenter of the new primary)",
};

// One line per mgc store: reachable, writable, fenced, epoch.
struct StoreLook {
  dr::StoreRole role;
  dr::StoreProbe probe;
};

std::vector<StoreLook> look_at_stores(const dr::Topology& t) {
  std::vector<StoreLook> looks;
  for (dr::StoreRole role : {dr::StoreRole::kPrimary, dr::StoreRole::kMirror,
                             dr::StoreRole::kBackup, dr::StoreRole::kBackupMirror}) {
    if (t.store(role) == nullptr) continue;
    looks.push_back({role, dr::runbook::probe_role(t, role)});
  }
  return looks;
}

std::string describe(const dr::StoreProbe& p) {
  if (!p.reachable) return "unreachable";
  std::string s = p.writable ? "writable" : "in recovery";
  if (p.fenced) s += ", FENCED";
  return s + ", epoch " + std::to_string(p.epoch) +
         (p.primary_store.empty() ? "" : ", pool state names " + p.primary_store);
}

// Acknowledged messages of datacenter A that the backup store does not have: knowable
// only while A's chat store can be read. nullopt otherwise.
std::optional<int64_t> unshipped_messages(const dr::Topology& t, const std::string& since,
                                          std::string& how) {
  for (dr::StoreRole role : {dr::StoreRole::kPrimary, dr::StoreRole::kMirror}) {
    const dr::Store* s = t.store(role);
    if (s == nullptr) continue;
    auto a = pg::Connection::connect(dr::direct_conninfo(*s, "mgc") + " connect_timeout=2",
                                     "pchatctl-failover");
    if (!a) continue;
    auto b = pg::Connection::connect(dr::runbook::backup_conninfo(t) + " connect_timeout=2",
                                     "pchatctl-failover");
    if (!b) return std::nullopt;
    // A's messages from shortly before the last shipped transaction on (older ones
    // were shipped: the chain had no gap), looked up on B by msgid.
    auto mine = a->exec(
        "SELECT coalesce(array_agg(msgid), '{}') FROM messages"
        " WHERE ts >= coalesce(nullif($1, '')::timestamptz, '-infinity') - interval '1 minute'",
        {since});
    if (!mine) continue;
    auto found = b->exec(
        "SELECT cardinality($1::text[]) - (SELECT count(*) FROM messages WHERE msgid = ANY "
        "($1::text[]))",
        {mine->str(0, 0)});
    if (!found) return std::nullopt;
    how = "compared with the " + std::string(dr::to_string(role)) + " store of datacenter " +
          t.datacenter_of(role).value_or("?");
    return found->i64(0, 0);
  }
  return std::nullopt;
}

// Compliance events datacenter A's mgccomp still holds (not written out yet).
std::string compliance_left_in_a(const dr::Topology& t) {
  const dr::Store* s = t.store(dr::StoreRole::kCompliance);
  if (s == nullptr) return "no compliance store declared";
  auto c = pg::Connection::connect(s->libpq_conninfo() + " connect_timeout=2", "pchatctl-failover");
  if (!c) {
    return "unknown (the compliance store of datacenter A is unreachable): once A is back, "
           "`pchatctl compliance status` counts them and `pchatctl compliance drain --from A` "
           "writes them out";
  }
  auto has = c->exec("SELECT to_regclass('events') IS NOT NULL");
  if (!has) return "unknown (" + has.error().message + ")";
  if (has->str(0, 0) != "t") return "none waiting in datacenter A's mgccomp";
  auto r = c->exec(
      "SELECT count(*),"
      " " +
      time::sql_iso8601("to_timestamp(min(ts_us) / 1e6)") + "," + " " +
      time::sql_iso8601("to_timestamp(max(ts_us) / 1e6)") + " FROM events");
  if (!r) return "unknown (" + r.error().message + ")";
  int64_t n = r->i64(0, 0);
  if (n == 0) return "none waiting in datacenter A's mgccomp";
  return fmt::format(
      "{} event(s) from {} to {} wait in datacenter A's mgccomp: `pchatctl compliance drain "
      "--from A` writes them out",
      n, r->str(0, 1), r->str(0, 2));
}

// What the preflight found.
struct Preflight {
  bool a_writable = false;    // a chat store of datacenter A takes writes
  bool backup_named = false;  // step 5 done: the backup store's pool state names it
};

// Prints the state of every store, of log shipping and of the journal; fills `p`.
Result<dr::runbook::BackupState> preflight(const dr::Topology& t, const json& journal,
                                           bool resuming, Preflight& p, std::ostream& out) {
  // -- preflight --
  out << "Preflight (" << logship::now_utc() << ")\n";
  auto looks = look_at_stores(t);
  for (const auto& l : looks) {
    out << fmt::format("  store {:<14} datacenter {:<4} {}\n", l.probe.name,
                       t.datacenter_of(l.role).value_or("?"), describe(l.probe));
    if (dr::runbook::writable_in_datacenter_a(t, l.role, l.probe)) p.a_writable = true;
    if (l.role == dr::StoreRole::kBackup && l.probe.has_state &&
        l.probe.primary_store == "backup") {
      p.backup_named = true;
    }
  }
  auto bstate = dr::runbook::read_backup_state(t);
  if (bstate) {
    out << "  backup store: " << (bstate->in_recovery ? "restoring" : "online") << ", replay at "
        << bstate->replay_lsn << ", last replayed transaction "
        << (bstate->last_replayed_xact.empty() ? "unknown" : bstate->last_replayed_xact) << "\n";
  } else {
    out << "  backup store: " << bstate.error().message << "\n";
  }
  out << "  log shipping: "
      << (dr::runbook::secondary_removed(t) ? "removed from the backup store" : "configured")
      << "\n";
  {
    std::ostringstream plan;
    auto pending = dr::runbook::copy_remaining(t, {.dry_run = true}, plan);
    out << "  backup share: "
        << (pending ? std::to_string(pending->pending) + " file(s) not yet copied"
                    : pending.error().message)
        << "\n";
    if (bstate && bstate->in_recovery) {
      auto to_apply = dr::runbook::files_to_apply(t);
      out << "  copy destination: "
          << (to_apply ? std::to_string(*to_apply) + " copied file(s) not yet applied"
                       : "chain problem: " + to_apply.error().message)
          << "\n";
    }
  }
  if (resuming) {
    out << "  journal: a failover started at " << journal["started_at"].get<std::string>()
        << " did not finish; it is resumed\n";
  } else if (journal.contains("completed_at")) {
    out << "  journal: the last failover completed at "
        << journal["completed_at"].get<std::string>() << "\n";
  }
  return bstate;
}

// Refuses a failover that would split the pool (unless --force).
Status refuse_split(const Preflight& p, const dr::runbook::BackupState& b, bool force) {
  if (p.a_writable && b.in_recovery && !force) {
    return make_error(ErrorKind::kConflict,
                      "datacenter A's chat store is up and writable: a failover now would split "
                      "the pool. For a local failure use `pchatctl mirror failover`; for a drill "
                      "use --force (datacenter A's store is then fenced by the servers)");
  }
  // A run stopped between step 4 (the backup store promoted) and step 5 (the new
  // epoch): both stores are writable at the same epoch, so nothing fences A, and its
  // servers may have been taking messages the backup store does not have.
  if (p.a_writable && !b.in_recovery && !p.backup_named && !force) {
    return make_error(
        ErrorKind::kConflict,
        "the backup store is online (step 4 done) but the pool state does not name it yet "
        "(step 5), and datacenter A's chat store is up, writable and not fenced: servers may "
        "have written to both since the promotion. Either finish the failover with --force "
        "(datacenter A's store is fenced; what it took since the promotion stays there, outside "
        "the pool), or keep datacenter A and rebuild the backup store from it (`pchatctl "
        "logship init-secondary`, which also ends this failover's journal)");
  }
  return ok_status();
}

// Steps 1-7, each run once and recorded in the journal (resumable).
Status run_steps(const dr::Topology& t, const RunbookArgs& args, json& journal,
                 dr::runbook::StepRunner& steps, std::ostream& out) {
  dr::runbook::StepOptions opts{.dry_run = false, .force = args.force};
  PoolCommandContext ctx{
      .data_dir = {}, .topology_file = args.topology_file, .out = &out, .err = &std::cerr};
  if (auto st = steps.run(1, [&] { return dr::runbook::remove_secondary(t, opts, out); }); !st)
    return st;
  if (auto st = steps.run(2,
                          [&]() -> Status {
                            auto r = dr::runbook::copy_remaining(t, opts, out);
                            if (!r) return r.error();
                            return ok_status();
                          });
      !st)
    return st;
  if (auto st = steps.run(3,
                          [&]() -> Status {
                            auto r = dr::runbook::apply_copied(t, opts, out);
                            if (!r) return r.error();
                            auto now = dr::runbook::read_backup_state(t);
                            // Figures of the report, while the store is still restoring.
                            if (now && now->in_recovery) {
                              journal["last_replayed_xact"] = r->last_replayed_xact;
                              journal["replay_lsn"] = r->replay_lsn;
                              journal["last_file"] = r->last_file;
                            }
                            return ok_status();
                          });
      !st)
    return st;
  if (auto st = steps.run(4, [&] { return dr::runbook::bring_online(t, opts, out); }); !st)
    return st;
  if (auto st = steps.run(5,
                          [&] {
                            // On the store just promoted, whatever else is writable
                            // (a drill with A up): the new epoch fences the rest.
                            PoolCommandContext on_backup = ctx;
                            on_backup.store_role = "backup";
                            // Step 7 sets the active servers: no note to do it next.
                            on_backup.err = nullptr;
                            PoolSetStateArgs a;
                            a.state = "FailedOver";
                            a.force = args.force;
                            return pool_set_state(on_backup, a);
                          });
      !st)
    return st;
  if (auto st = steps.run(6,
                          [&]() -> Status {
                            if (t.store(dr::StoreRole::kBackupMirror) == nullptr) {
                              out << "the topology declares no backup mirror: the new primary "
                                     "runs without a mirror\n";
                              return ok_status();
                            }
                            MirrorArgs m;
                            m.topology_file = args.topology_file;
                            m.source = "backup";
                            m.role = "backup_mirror";
                            // Lync's -DropExistingDatabasesOnMirror: a cluster there
                            // that does not stream from the backup store (a base backup
                            // cut short by a crash of this command) is moved aside.
                            m.drop_existing = true;
                            return mirror_install(m, out);
                          });
      !st)
    return st;
  if (auto st = steps.run(7,
                          [&] {
                            // On the new primary by name: a probe of it failing once
                            // must not send the list to another writable store.
                            PoolCommandContext on_backup = ctx;
                            on_backup.store_role = "backup";
                            PoolActiveServersArgs a;
                            a.set = t.active_candidates(dr::StoreRole::kBackup);
                            a.force = args.force;
                            return pool_active_servers(on_backup, a);
                          });
      !st)
    return st;

  return ok_status();
}

// The report: times, the log-shipping window, compliance left in datacenter A.
void report(const dr::Topology& t, const json& journal, std::ostream& out) {
  std::string last = journal.value("last_replayed_xact", "");
  out << "\nFailover report\n";
  out << "  started " << journal["started_at"].get<std::string>() << ", completed "
      << journal["completed_at"].get<std::string>() << " (" << journal["runs"].get<int>()
      << " run(s))\n";
  out << "  last replayed transaction (the newest change datacenter B received): "
      << (last.empty() ? "unknown" : last) << "\n";
  std::string how;
  auto unshipped = unshipped_messages(t, last, how);
  if (unshipped) {
    out << "  acknowledged messages not shipped: " << *unshipped << " (" << how << ")\n";
  } else {
    out << "  acknowledged messages not shipped: unknown while datacenter A's chat stores are "
           "unreachable; at most those acknowledged after "
        << (last.empty() ? "the last replayed transaction" : last)
        << " (the log-shipping window). Run `pchatctl failover` again once A is back to count "
           "them\n";
  }
  out << "  compliance: " << compliance_left_in_a(t) << "\n";
}

}  // namespace

Status runbook_failover(const RunbookArgs& args, std::ostream& out) {
  auto topo = load_dr_topology(args.topology_file, "failover");
  if (!topo) return topo.error();
  const dr::Topology& t = *topo;
  const dr::Store* backup = t.store(dr::StoreRole::kBackup);
  if (backup == nullptr || t.log_shipping.copy_destination.empty()) {
    return make_error(ErrorKind::kInvalidInput,
                      "the topology declares no backup store with log shipping: nothing to fail "
                      "over to");
  }
  auto lock = dr::runbook::RunbookLock::take(t.log_shipping.copy_destination);
  if (!lock) return lock.error();
  const fs::path journal_file = t.log_shipping.copy_destination / logship::kFailoverJournalFileName;
  auto loaded = dr::runbook::read_state_file(journal_file);
  if (!loaded) return loaded.error();
  json journal = loaded->value_or(json::object());
  const bool resuming = journal.contains("started_at") && !journal.contains("completed_at");
  const auto t0 = Clock::now();

  Preflight p;
  auto bstate = preflight(t, journal, resuming, p, out);
  if (!bstate) return bstate.error();
  if (auto st = refuse_split(p, *bstate, args.force); !st) return st;
  if (args.dry_run) {
    out << "Dry run: would run the seven steps of Lync's runbook:\n";
    dr::runbook::print_plan(out, kStepTitles, journal, resuming);
    return ok_status();
  }
  const bool completed_before = journal.contains("completed_at") && !bstate->in_recovery;
  if (!resuming && !completed_before) {
    journal = json::object();
    journal["started_at"] = logship::now_utc();
    journal["steps"] = json::object();
    // A failback journal left by an earlier cycle (a failback that stopped after its
    // last step) belongs to that cycle: the failback of this failover starts afresh.
    std::error_code ec;
    fs::remove(t.log_shipping.copy_destination / logship::kFailbackJournalFileName, ec);
    if (ec) {
      return make_error(ErrorKind::kUnavailable,
                        "cannot remove the failback journal of an earlier cycle: " + ec.message());
    }
  }
  journal["runs"] = journal.value("runs", 0) + 1;
  if (auto st = dr::runbook::write_state_file(journal_file, journal); !st) return st;

  dr::runbook::StepRunner steps("failover", kStepTitles, journal, journal_file, out,
                                "PCHAT_TEST_FAILOVER_KILL_AFTER_STEP");
  if (auto st = run_steps(t, args, journal, steps, out); !st) return st;

  if (!journal.contains("completed_at")) journal["completed_at"] = logship::now_utc();
  double total = std::chrono::duration<double>(Clock::now() - t0).count();
  journal["last_run_seconds"] = total;
  if (auto w = dr::runbook::write_state_file(journal_file, journal); !w) return w;

  report(t, journal, out);
  steps.print_times(false);
  out << "Datacenter B serves the pool. Clients reconnect to its servers.\n";
  return ok_status();
}

}  // namespace pchat::ctl
