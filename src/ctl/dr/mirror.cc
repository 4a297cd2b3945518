#include "ctl/dr/mirror.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "ctl/dr/job.h"
#include "ctl/dr/witness.h"
#include "ctl/lab/process.h"
#include "ctl/target/standalone.h"
#include "dr/cluster/archive_guard.h"
#include "dr/cluster/standby.h"
#include "dr/logship/wal_name.h"
#include "dr/monitor/mirror_state.h"
#include "dr/topology_file.h"
#include "store/pg.h"
#include "store/pool_state.h"

namespace pchat::ctl {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using dr::StoreRole;
using nlohmann::json;

namespace {

// After a promotion: the pool state names `role` as the primary store, with a new epoch
// (store/pool_state.h: a change of primary store raises it). Returns a line to print.
Result<std::string> raise_epoch_on(const dr::Topology& t, StoreRole role) {
  const std::string name = dr::to_string(role);
  auto c = pg::Connection::connect(
      dr::direct_conninfo(*t.store(role), "mgc") + " connect_timeout=10", "pchatctl");
  if (!c) return c.error();
  // Committed locally: the old primary may be the synchronous standby named already and
  // not be streaming yet (it restarts as the standby once the epoch is raised).
  // The store stays read-only for everyone else until the epoch is raised.
  if (auto st = c->exec_all(
          {"SET default_transaction_read_only = off", "SET synchronous_commit = local"});
      !st) {
    return st.error();
  }
  auto current = store::read_pool_state(*c);
  if (!current) return current.error();
  auto up = store::set_pool_state(*c, current->state, name, {.by = operator_identity()});
  if (!up) return up.error();
  if (!up->changed())
    return "pool state: names " + name + " already, epoch " + std::to_string(up->after.epoch);
  return "pool state: epoch " + std::to_string(up->before.epoch) + " -> " +
         std::to_string(up->after.epoch) + ", primary store " + name +
         " (a writable old primary carries the lower epoch and is fenced)";
}

Result<StoreRole> role_arg(const std::string& name) {
  auto r = dr::parse_store_role(name);
  if (!r || dr::is_compliance_role(*r)) {
    return make_error(
        ErrorKind::kInvalidInput,
        "'" + name + "' is not a chat store role (primary, mirror, backup, backup_mirror)");
  }
  return *r;
}

}  // namespace

// The pair to install: the writable chat store and its partner (runbook step 6: after a
// failover the promoted backup gets the backup mirror).
Result<std::pair<StoreRole, StoreRole>> default_pair(const dr::Topology& t) {
  for (StoreRole r : {StoreRole::kPrimary, StoreRole::kMirror, StoreRole::kBackup}) {
    const dr::Store* st = t.store(r);
    if (st == nullptr) continue;
    auto c = pg::Connection::connect(dr::direct_conninfo(*st, "postgres"));
    if (!c) continue;
    auto rec = c->exec("SELECT pg_is_in_recovery()");
    if (!rec || rec->str(0, 0) != "f") continue;
    StoreRole partner = r == StoreRole::kPrimary  ? StoreRole::kMirror
                        : r == StoreRole::kMirror ? StoreRole::kPrimary
                                                  : StoreRole::kBackupMirror;
    return std::make_pair(r, partner);
  }
  return make_error(ErrorKind::kUnavailable,
                    "no writable chat store answers (primary, mirror, backup): nothing to mirror");
}

Status mirror_install(const MirrorArgs& args, std::ostream& out) {
  auto t = load_dr_topology(args.topology_file, "mirror");
  if (!t) return t.error();
  StoreRole source = StoreRole::kPrimary;
  StoreRole role = StoreRole::kMirror;
  if (args.source.empty() || args.role.empty()) {
    auto pair = default_pair(*t);
    if (!pair) return pair.error();
    std::tie(source, role) = *pair;
  }
  if (!args.source.empty()) {
    auto r = role_arg(args.source);
    if (!r) return r.error();
    source = *r;
  }
  if (!args.role.empty()) {
    auto r = role_arg(args.role);
    if (!r) return r.error();
    role = *r;
  }
  if (source == role) return make_error(ErrorKind::kInvalidInput, "a store cannot mirror itself");
  if (t->store(role) == nullptr) {
    return make_error(ErrorKind::kInvalidInput,
                      std::string("the topology has no [stores.") + dr::to_string(role) + "]");
  }
  out << (args.dry_run ? "Dry run: would install " : "Installing ") << dr::to_string(role)
      << " as the " << (args.async ? "asynchronous" : "synchronous") << " mirror of "
      << dr::to_string(source) << "\n";
  if (args.dry_run) return ok_status();
  auto tools = dr::PgTools::find();
  if (!tools) return tools.error();
  dr::PchatCommands cmds{self_exe(), fs::absolute(args.topology_file)};
  auto t0 = std::chrono::steady_clock::now();
  auto st = dr::install_mirror(
      *tools, *t, source, role, cmds, !args.async,
      [&out](const std::string& line) { out << "  " << line << "\n"
                                            << std::flush; },
      args.drop_existing);
  if (!st) return st;
  out << "Mirror " << dr::to_string(role) << " of " << dr::to_string(source) << " installed in "
      << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() << " s"
      << (args.async ? " (asynchronous)"
                     : " (synchronous: a commit is acknowledged once the mirror has it)")
      << "\n";
  return ok_status();
}

Status mirror_status(const MirrorArgs& args, std::ostream& out) {
  auto t = load_dr_topology(args.topology_file, "mirror");
  if (!t) return t.error();
  json s = dr::probe_mirror(*t);
  if (t->mirroring.witness) s["quorum"] = quorum_status(*t);
  if (args.json) {
    out << s.dump(2) << "\n";
    return ok_status();
  }
  out << "Mirroring (" << s["mode"].get<std::string>() << ", timeout " << s["timeout_s"]
      << " s): " << s["state"].get<std::string>() << (s["alert"].get<bool>() ? "  ALERT" : "")
      << "\n  " << s["message"].get<std::string>() << "\n";
  if (s.contains("writable"))
    out << "  writable store: " << s["writable"].get<std::string>() << "\n";
  if (s.contains("standby") && s["standby"].is_object()) {
    const json& m = s["standby"];
    out << "  " << m.value("role", std::string("mirror")) << ": "
        << (m.value("connected", false) ? m.value("state", std::string()) + " (" +
                                              m.value("sync_state", std::string()) + ")"
                                        : std::string("not connected"));
    if (m.contains("bytes_behind")) out << ", " << m["bytes_behind"] << " bytes behind";
    out << "\n";
  }
  if (s.contains("quorum")) print_quorum(s["quorum"], out);
  return ok_status();
}

Status mirror_monitor(const MirrorArgs& args, std::ostream&) {
  auto t = load_dr_topology(args.topology_file, "mirror");
  if (!t) return t.error();
  if (t->store(StoreRole::kMirror) == nullptr) {
    return make_error(ErrorKind::kInvalidInput,
                      "the topology has no [stores.mirror]: nothing to monitor");
  }
  install_stop_handlers();
  const bool strict = t->mirroring.mode == dr::MirrorMode::kStrict;
  spdlog::info("mirror monitor (pid {}): mode {}, timeout {} s", getpid(),
               dr::to_string(t->mirroring.mode), t->mirroring.timeout_s);
  std::optional<std::chrono::steady_clock::time_point> lost_since;
  std::string last_state;
  dr::ArchiveGuard archive;  // the WAL segment a crash left open, closed once per start
  while (!stop_requested()) {
    json s = dr::probe_mirror(*t);
    const std::string state = s["state"].get<std::string>();
    if (state != last_state) {
      if (s["alert"].get<bool>()) {
        spdlog::error("mirroring: {}: {}", state, s["message"].get<std::string>());
      } else {
        spdlog::info("mirroring: {}: {}", state, s["message"].get<std::string>());
      }
      last_state = state;
    }
    if (s.contains("writable")) {
      auto conn = pg::Connection::connect(
          dr::direct_conninfo(*t->store(*dr::parse_store_role(s["writable"].get<std::string>())),
                              "postgres"),
          "pchatctl-mirror-monitor");
      if (conn) {
        auto closed = archive.round(s["writable"].get<std::string>(),
                                    [&conn](const std::string& sql) { return conn->exec(sql); });
        if (closed) spdlog::info("{}", *closed);
      }
      const std::string standby = s["standby"]["role"].get<std::string>();
      const bool streaming = s["standby"].value("state", std::string()) == "streaming";
      const std::string want = "FIRST 1 (" + standby + ")";
      const bool sync_on = !s["synchronous_standby_names"].get<std::string>().empty();
      if (streaming) lost_since.reset();
      if (!streaming && !lost_since) lost_since = std::chrono::steady_clock::now();
      std::optional<std::string> set_to;
      if (!sync_on && (streaming || strict)) {
        set_to = want;  // resynchronize (or strict: always synchronous)
      } else if (sync_on && !strict && lost_since &&
                 std::chrono::steady_clock::now() - *lost_since >=
                     std::chrono::seconds(t->mirroring.timeout_s)) {
        set_to = "";  // high safety without witness: go on exposed
      }
      if (set_to && conn) {
        auto st = conn->exec_all(
            {"ALTER SYSTEM SET synchronous_standby_names = " + conn->quote_literal(*set_to),
             "SELECT pg_reload_conf()"});
        if (!st) {
          spdlog::error("mirror monitor: cannot change synchronous_standby_names: {}",
                        st.error().message);
        } else if (set_to->empty()) {
          spdlog::critical(
              "mirroring: the {} has been gone for {} s or more: the primary now runs EXPOSED "
              "(commits are no longer on the mirror; it resynchronizes when the mirror returns)",
              standby, t->mirroring.timeout_s);
        } else {
          spdlog::info("mirroring: {} is streaming again: synchronous again ({})", standby,
                       *set_to);
        }
      }
    }
    for (int i = 0; i < 25 && !stop_requested(); ++i) std::this_thread::sleep_for(10ms);
  }
  spdlog::info("mirror monitor stopped");
  return ok_status();
}

// Long: the planned and forced failovers share guarded steps; each check sits by its step.
Status mirror_failover(const MirrorArgs& args, std::ostream& out) {
  auto t = load_dr_topology(args.topology_file, "mirror");
  if (!t) return t.error();
  json s = dr::probe_mirror(*t);
  const bool synchronized = s["state"] == "synchronized";
  std::string from = s.contains("writable") ? s["writable"].get<std::string>() : "";
  std::string to = s.contains("standby") && s["standby"].is_object()
                       ? s["standby"].value("role", std::string())
                       : "";
  if (from.empty()) {
    if (!args.force) {
      return make_error(
          ErrorKind::kUnavailable,
          "no writable store among primary and mirror answers (" + s["message"].get<std::string>() +
              "); if the primary is dead, `mirror failover --force` promotes the mirror");
    }
    // Forced, primary dead: promote whichever of the pair is a standby that answers.
    for (StoreRole r : {StoreRole::kMirror, StoreRole::kPrimary}) {
      if (const dr::Store* st = t->store(r)) {
        auto c = pg::Connection::connect(dr::direct_conninfo(*st, "postgres"));
        if (c) {
          auto rec = c->exec("SELECT pg_is_in_recovery()");
          if (rec && rec->str(0, 0) == "t") {
            to = dr::to_string(r);
            from =
                dr::to_string(r == StoreRole::kMirror ? StoreRole::kPrimary : StoreRole::kMirror);
            break;
          }
        }
      }
    }
    if (to.empty())
      return make_error(ErrorKind::kUnavailable,
                        "no standby of the pair answers: nothing to promote");
  } else if (!synchronized && !args.force) {
    return make_error(ErrorKind::kConflict,
                      "the mirror is not synchronized (" + s["state"].get<std::string>() + ": " +
                          s["message"].get<std::string>() +
                          "): a failover now could lose acknowledged messages; "
                          "--force to do it anyway");
  }
  const StoreRole from_role = *dr::parse_store_role(from);
  const StoreRole to_role = *dr::parse_store_role(to);
  const bool planned = s.contains("writable");
  out << (args.dry_run ? "Dry run: would fail over " : "Failing over ") << from << " -> " << to
      << (planned ? " (planned: " + from + " made read-only, " + to + " caught up, then promoted)"
                  : " (forced: " + from + " unreachable, " + to + " promoted as it is)")
      << "\n";
  if (args.dry_run) return ok_status();
  auto t0 = std::chrono::steady_clock::now();
  // Longer than the steps' own deadlines together (catch-up, checkpoint, promotion).
  const WitnessHold hold(*t, 180, out);
  if (planned) {
    auto old = pg::Connection::connect(dr::direct_conninfo(*t->store(from_role), "postgres"));
    if (!old) return old.error();
    auto st = old->exec_all(
        {"ALTER SYSTEM SET default_transaction_read_only = on", "SELECT pg_reload_conf()",
         "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = "
         "'client backend' AND pid <> pg_backend_pid()"});
    if (!st) return st;
    out << "  " << from << " is read-only; its sessions were ended\n";
    auto lsn = old->exec("SELECT pg_current_wal_lsn()::text");
    if (!lsn) return lsn.error();
    const std::string target = lsn->str(0, 0);
    auto deadline = std::chrono::steady_clock::now() + 30s;
    bool caught_up = false;
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = old->exec(
          "SELECT count(*) FROM pg_stat_replication WHERE application_name = $1 AND flush_lsn >= "
          "$2::pg_lsn",
          {to, target});
      if (r && r->i64(0, 0) > 0) {
        caught_up = true;
        break;
      }
      std::this_thread::sleep_for(20ms);
    }
    if (!caught_up && !args.force) {
      (void)old->exec_all(
          {"ALTER SYSTEM RESET default_transaction_read_only", "SELECT pg_reload_conf()"});
      return make_error(ErrorKind::kUnavailable,
                        "the " + to + " did not reach " + target + " within 30 s; " + from +
                            " is writable again and nothing changed (--force to promote anyway)");
    }
    out << "  " << to << " has every change up to " << target << "\n";
    // Stop the old primary cleanly before the promotion: its shutdown checkpoint
    // reaches the mirror, so it can follow the new timeline as a standby afterwards.
    if (auto oc = dr::managed_cluster(*t, from_role)) {
      auto tools = dr::PgTools::find();
      if (!tools) return tools.error();
      if (auto st = dr::stop_cluster(*tools, *oc); !st) return st;
      std::string ctl;
      auto code = tools->run("pg_controldata", {"-D", oc->pgdata().string()}, &ctl);
      auto pos = ctl.find("Latest checkpoint location:");
      if (code && *code == 0 && pos != std::string::npos) {
        std::istringstream line(ctl.substr(pos + 27));
        std::string ckpt;
        line >> ckpt;
        auto mc = pg::Connection::connect(dr::direct_conninfo(*t->store(to_role), "postgres"));
        auto until = std::chrono::steady_clock::now() + 30s;
        while (mc && std::chrono::steady_clock::now() < until) {
          auto r = mc->exec("SELECT pg_last_wal_receive_lsn() > $1::pg_lsn", {ckpt});
          if (r && r->str(0, 0) == "t") break;
          std::this_thread::sleep_for(20ms);
        }
        out << "  " << from << " stopped cleanly (shutdown checkpoint " << ckpt << " is on the "
            << to << ")\n";
      }
    }
  }
  auto nc = pg::Connection::connect(dr::direct_conninfo(*t->store(to_role), "postgres"));
  if (!nc) return nc.error();
  // Read-only until the new epoch is written: no write lands on it at the old epoch.
  if (auto st = nc->exec_all(
          {"ALTER SYSTEM SET default_transaction_read_only = on", "SELECT pg_reload_conf()"});
      !st) {
    return st;
  }
  auto p = nc->exec("SELECT pg_promote(true, 60)");
  if (!p) {
    // With a witness, the mirror's agent may have promoted it meanwhile (the primary,
    // stopped for the switch-over, is unreachable for it too): the same end, so the
    // step is done and the next ones (settings, epoch) are idempotent.
    auto rec = nc->exec("SELECT pg_is_in_recovery()");
    if (!rec || rec->str(0, 0) != "f") return p.error();
    out << "  " << to << " was promoted meanwhile by its mirror agent (automatic failover)\n";
  } else if (p->str(0, 0) != "t") {
    return make_error(ErrorKind::kUnavailable, "pg_promote did not finish within 60 s");
  }
  // A former primary fenced by an earlier failover carries read-only in its config.
  // Planned, with the old primary coming back as the standby: synchronous from the
  // start (commits wait the second it takes to stream). Otherwise exposed until the
  // mirror monitor sees a standby stream, unless strict.
  const bool old_managed = static_cast<bool>(dr::managed_cluster(*t, from_role));
  const bool wait_for_old =
      (planned && old_managed) || t->mirroring.mode == dr::MirrorMode::kStrict;
  const std::string ssn = wait_for_old ? "FIRST 1 (" + from + ")" : "";
  if (auto st =
          nc->exec_all({"ALTER SYSTEM SET synchronous_standby_names = " + nc->quote_literal(ssn),
                        "SELECT pg_reload_conf()"});
      !st) {
    return st;
  }
  // A new epoch on the new primary, naming it: an old primary that comes back writable
  // (cut off rather than dead, or restarted by hand without standby.signal) carries a
  // lower one, and the servers fence it instead of writing on both.
  auto raised = raise_epoch_on(*t, to_role);
  if (!raised) {
    return make_error(raised.error().kind,
                      "the " + to +
                          " is promoted, but the pool's epoch could not be raised on it (" +
                          raised.error().message +
                          "): an old primary that comes back writable would not be fenced. "
                          "It stays read-only. Run on the " +
                          to +
                          "'s mgc: SET default_transaction_read_only = off; UPDATE pool_state "
                          "SET epoch = epoch + 1, primary_store = '" +
                          to +
                          "' WHERE id = 1; ALTER SYSTEM RESET default_transaction_read_only; "
                          "SELECT pg_reload_conf()");
  }
  if (auto st = nc->exec_all(
          {"ALTER SYSTEM RESET default_transaction_read_only", "SELECT pg_reload_conf()"});
      !st) {
    return st;
  }
  out << "  " << to << " promoted: it is the writable store (servers reconnect to it)\n";
  out << "  " << *raised << "\n";
  // Fence the old primary: when pchat manages its cluster, it comes back as a standby
  // of the new one (the mirror monitor makes it synchronous once it streams).
  if (auto old_cluster = dr::managed_cluster(*t, from_role)) {
    auto tools = dr::PgTools::find();
    if (tools) {
      if (planned) (void)dr::stop_cluster(*tools, *old_cluster);
      if (!dr::postmaster_pid(*old_cluster)) {
        (void)dr::append_settings(
            *old_cluster, "pchat: fenced by mirror failover; a standby of " + to,
            {"primary_conninfo = " + dr::quote_conf(dr::replication_conninfo(*t, to_role, from)),
             "recovery_target_timeline = 'latest'"});
        std::ofstream(old_cluster->pgdata() / "standby.signal").close();
        (void)tools->give_to_postgres(old_cluster->pgdata() / "standby.signal");
        out << "  " << from << " fenced: it restarts as a standby of " << to << "\n";
        if (planned) {
          if (auto st = dr::start_cluster(*tools, *old_cluster); st) {
            out << "  " << from << " restarted as the new mirror\n";
          } else {
            out << "  " << from << " did not restart as a standby: " << st.error().message << "\n";
          }
        }
      }
    }
  }
  out << "Failover done in "
      << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() << " s\n";
  return ok_status();
}

}  // namespace pchat::ctl
