#include "dr/runbook/steps.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <thread>

#include "core/process.h"
#include "core/time.h"
#include "dr/cluster/standby.h"
#include "dr/logship/chain.h"
#include "dr/logship/chain_scan.h"
#include "dr/logship/copy_round.h"
#include "dr/logship/file_io.h"
#include "dr/logship/manifest.h"
#include "dr/logship/wal_name.h"
#include "dr/runbook/state_file.h"
#include "dr/store_selector.h"
#include "store/pg.h"

namespace pchat::dr::runbook {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

uint64_t segsize_of(const Topology& t) {
  return static_cast<uint64_t>(t.log_shipping.wal_segsize_mb) << 20;
}

Status need_log_shipping(const Topology& t) {
  if (t.store(StoreRole::kBackup) == nullptr) {
    return make_error(ErrorKind::kInvalidInput, "the topology declares no backup store");
  }
  if (t.log_shipping.backup_share.empty() || t.log_shipping.copy_destination.empty()) {
    return make_error(ErrorKind::kInvalidInput,
                      "the topology configures no log shipping (log_shipping.backup_share and "
                      "copy_destination)");
  }
  return ok_status();
}

fs::path marker_path(const Topology& t) {
  return t.log_shipping.copy_destination / logship::kSecondaryRemovedFileName;
}

Result<pg::Connection> connect_backup(const Topology& t) {
  auto c = pg::Connection::connect(backup_conninfo(t) + " connect_timeout=3", "pchatctl-runbook");
  if (!c) {
    return make_error(ErrorKind::kUnavailable,
                      "the backup store is unreachable: " + c.error().message);
  }
  return c;
}

Status reload_restore_command(pg::Connection& c, const std::string& command) {
  auto set = c.exec("ALTER SYSTEM SET restore_command = " + c.quote_literal(command));
  if (!set) return set.error();
  auto reload = c.exec("SELECT pg_reload_conf()");
  if (!reload) return reload.error();
  // The backend rereads its configuration between statements: poll until it has.
  for (int i = 0; i < 200; ++i) {
    auto r = c.exec("SELECT current_setting('restore_command')");
    if (!r) return r.error();
    if (r->str(0, 0) == command) return ok_status();
    std::this_thread::sleep_for(25ms);
  }
  return make_error(ErrorKind::kUnavailable,
                    "the backup store did not take the new restore_command within 5 s");
}

// The chain in the copy destination from the standby's replay point, and how many of
// its files lie strictly after the segment being replayed.
struct ChainView {
  logship::ChainReport report;
  size_t after_replay = 0;
  std::optional<logship::WalFileName> last_segment;  // the last complete segment to apply
};

Result<ChainView> view_chain(const Topology& t, const BackupState& st) {
  const uint64_t segsize = segsize_of(t);
  auto files = logship::scan_chain_files(t.log_shipping.copy_destination);
  if (!files) return files.error();
  std::optional<logship::ReplayPoint> start;
  // The last segment replay has read into: the one holding the byte before the replay
  // position (after a segment ending in a switch record the position is the start of
  // the next segment, which is not applied yet).
  logship::SegNo replayed_upto = 0;
  if (auto lsn = logship::parse_lsn(st.replay_lsn); lsn && *lsn > 0) {
    start = logship::ReplayPoint::at_lsn(st.timeline, *lsn, segsize);
    replayed_upto = logship::lsn_to_segno(*lsn - 1, segsize);
  }
  ChainView v;
  v.report = logship::check_chain(*files, start, segsize);
  for (const auto& name : v.report.to_apply) {
    auto f = logship::parse_wal_file_name(name, segsize);
    if (!f || f->kind != logship::WalFileKind::kSegment) continue;
    if (!start || f->segno > replayed_upto) ++v.after_replay;
    v.last_segment = *f;
  }
  return v;
}

// Called once the step-1 marker is written. Every copy round holds the round lock from
// its look at the marker to its last file (logship/manifest.h), so once this takes
// the lock, no round copies any more: a round under way is waited for (15 s at most).
// Returns a line for the operator.
Result<std::string> wait_copy_job_stopped(const Topology& t) {
  const fs::path dest = t.log_shipping.copy_destination;
  auto lock = logship::FileLock::take(dest / logship::kCopyRoundLockFileName, 15s);
  // The job's report, read once no round runs (a round writes it at its end).
  auto j = read_state_file(dest / logship::kCopyJobStatusFileName);
  const int pid = j && *j ? (**j).value("pid", 0) : 0;
  if (!lock && lock.error().kind == ErrorKind::kConflict) {
    return make_error(ErrorKind::kUnavailable,
                      fmt::format("a copy round (the copy job, pid {}, or a `pchatctl logship "
                                  "copy`) still copies 15 s after being told to stop; stop it "
                                  "and run this again",
                                  pid));
  }
  if (!lock) return lock.error();
  if (!j) return std::string("the copy job's report is unreadable; no copy round runs");
  if (!*j) return std::string("no copy job has run here");
  auto updated = logship::parse_utc((**j).value("updated_at", ""));
  if (!updated || std::chrono::system_clock::now() - *updated > 5s) {
    return std::string("the copy job is not running");
  }
  return fmt::format("copy job (pid {}) stopped copying", pid);
}

}  // namespace

StoreProbe probe_role(const Topology& t, StoreRole role) {
  StoreProbe p;
  p.name = to_string(role);
  const Store* s = t.store(role);
  if (s == nullptr) return p;
  auto c = pg::Connection::connect(direct_conninfo(*s, "mgc") + " connect_timeout=2",
                                   "pchatctl-runbook");
  return c ? probe_store(*c, p.name) : p;
}

bool writable_in_datacenter_a(const Topology& t, StoreRole role, const StoreProbe& p) {
  if (role != StoreRole::kPrimary && role != StoreRole::kMirror) return false;
  if (t.datacenter_of(role) == t.datacenter_of(StoreRole::kBackup)) return false;
  return p.reachable && p.writable && !p.fenced;
}

std::optional<std::string> writable_outside_backup_dc(const Topology& t) {
  for (StoreRole role : {StoreRole::kPrimary, StoreRole::kMirror}) {
    if (t.store(role) == nullptr) continue;
    StoreProbe p = probe_role(t, role);
    if (writable_in_datacenter_a(t, role, p)) return p.name;
  }
  return std::nullopt;
}

std::string backup_conninfo(const Topology& t, const std::string& dbname) {
  const Store* b = t.store(StoreRole::kBackup);
  return b == nullptr ? std::string() : direct_conninfo(*b, dbname);
}

Result<BackupState> read_backup_state(const Topology& t) {
  if (auto st = need_log_shipping(t); !st) return st.error();
  auto c = connect_backup(t);
  if (!c) return c.error();
  auto r = c->exec(
      "SELECT pg_is_in_recovery(), current_setting('restore_command'),"
      " coalesce(pg_last_wal_replay_lsn()::text, ''),"
      " " +
      time::sql_iso8601("pg_last_xact_replay_timestamp()", true) +
      ","
      " (pg_control_checkpoint()).timeline_id");
  if (!r) return r.error();
  BackupState s;
  s.in_recovery = r->get(0, 0) == "t";
  s.restore_command = r->str(0, 1);
  s.replay_lsn = r->str(0, 2);
  s.last_replayed_xact = r->str(0, 3);
  s.timeline = static_cast<uint32_t>(r->i64(0, 4));
  return s;
}

bool secondary_removed(const Topology& t) {
  std::error_code ec;
  return fs::exists(marker_path(t), ec);
}

Status remove_secondary(const Topology& t, const StepOptions& opts, std::ostream& out) {
  auto st = read_backup_state(t);
  if (!st) return st.error();
  if (!st->in_recovery) {
    out << "the backup store is online already (promoted): it is no log-shipping secondary; "
           "nothing to remove\n";
    return ok_status();
  }
  const bool marked = secondary_removed(t);
  if (marked && st->restore_command.empty()) {
    // A run stopped while it waited for the copy job: a round may still be under way
    // (it holds the round lock), so wait for it again before anything reads the chain.
    if (!opts.dry_run) {
      if (auto job = wait_copy_job_stopped(t); !job) return job.error();
    }
    out << "log shipping is already removed from the backup store: nothing to do (the "
           "standby stays in recovery at "
        << st->replay_lsn << ")\n";
    return ok_status();
  }
  if (opts.dry_run) {
    out << "would remove log shipping from the backup store: stop the copy job (marker "
        << marker_path(t).string() << "), clear the standby's restore_command (the restore "
        << "job), keep the standby running in recovery at " << st->replay_lsn << "\n";
    return ok_status();
  }
  if (!marked) {
    json m = {{"removed_at", logship::now_utc()},
              {"by", user_at_host()},
              {"replay_lsn", st->replay_lsn},
              {"last_replayed_xact", st->last_replayed_xact}};
    if (auto w = write_state_file(marker_path(t), m); !w) return w;
  }
  auto c = connect_backup(t);
  if (!c) return c.error();
  if (auto r = reload_restore_command(*c, ""); !r) return r;
  auto job = wait_copy_job_stopped(t);
  if (!job) return job.error();
  out << "log shipping removed from the backup store: " << *job
      << "; restore job off (restore_command cleared); the standby stays in recovery at "
      << st->replay_lsn << "\n";
  return ok_status();
}

Result<CopyOutcome> copy_remaining(const Topology& t, const StepOptions& opts, std::ostream& out) {
  if (auto st = need_log_shipping(t); !st) return st.error();
  const auto& ls = t.log_shipping;
  CopyOutcome o;
  if (opts.dry_run) {
    auto share = logship::read_manifest(ls.backup_share / logship::kManifestFileName);
    if (!share) return share.error();
    std::set<std::string> have;
    if (auto dest = logship::read_manifest(ls.copy_destination / logship::kManifestFileName)) {
      for (const auto& r : dest->records) have.insert(r.name);
    }
    for (const auto& r : share->records) {
      if (have.count(r.name) == 0) {
        out << "would copy " << r.name << " (" << r.size << " bytes)\n";
        ++o.pending;
      }
    }
    out << o.pending << " file(s) to copy from the backup share\n";
    return o;
  }
  // One copier at a time (the copy job's rounds wait, then see the step-1 marker).
  auto lock = logship::FileLock::take(ls.copy_destination / logship::kCopyRoundLockFileName, 60s);
  if (!lock && lock.error().kind == ErrorKind::kConflict) {
    return make_error(ErrorKind::kUnavailable,
                      "cannot copy: another copy round has held the copy destination for 60 s (" +
                          lock.error().message + ")");
  }
  if (!lock) return lock.error();
  for (int round = 0; round < 100000; ++round) {
    auto r = logship::copy_round(ls.backup_share, ls.copy_destination, segsize_of(t), 10s);
    for (const auto& f : r.copied) {
      out << "copied " << f.name << " (" << f.size << " bytes, checksum verified)\n";
    }
    o.copied += r.copied.size();
    o.pending = r.pending;
    if (!r.problems.empty()) {
      std::string msg = fmt::format("{} file(s) of the backup share refused ({} copied before):",
                                    r.problems.size(), o.copied);
      for (const auto& p : r.problems) msg += "\n  " + p.kind + ": " + p.message;
      if (!opts.force) {
        return make_error(ErrorKind::kConflict,
                          msg +
                              "\n(repair or remove them; --force goes on without them: what "
                              "they hold is not shipped)");
      }
      out << msg << "\nforced: going on without them (what they hold is not shipped)\n";
      break;
    }
    if (r.pending == 0 || r.copied.empty()) break;
  }
  out << o.copied << " file(s) copied and verified; " << o.pending
      << " left in the backup share to copy\n";
  return o;
}

Result<size_t> files_to_apply(const Topology& t) {
  auto st = read_backup_state(t);
  if (!st) return st.error();
  if (!st->in_recovery) return size_t{0};
  auto v = view_chain(t, *st);
  if (!v) return v.error();
  if (!v->report.ready) {
    return make_error(ErrorKind::kConflict, logship::format_chain_report(v->report));
  }
  return v->after_replay;
}

Result<ApplyOutcome> apply_copied(const Topology& t, const StepOptions& opts, std::ostream& out) {
  auto st = read_backup_state(t);
  if (!st) return st.error();
  ApplyOutcome o;
  o.replay_lsn = st->replay_lsn;
  o.last_replayed_xact = st->last_replayed_xact;
  if (!st->in_recovery) {
    out << "the backup store is online already (promoted): nothing to apply\n";
    return o;
  }
  if (!secondary_removed(t) && !opts.force) {
    return make_error(ErrorKind::kConflict,
                      "log shipping is still configured on the backup store (its restore job "
                      "applies files by itself): remove it first (runbook step 1: pchatctl "
                      "logship remove-secondary), or use --force");
  }
  auto v = view_chain(t, *st);
  if (!v) return v.error();
  o.last_file = v->report.last_present.value_or("");
  if (!v->report.ready && !opts.force) {
    return make_error(ErrorKind::kConflict,
                      "the chain in the copy destination cannot be applied:\n" +
                          logship::format_chain_report(v->report));
  }
  if (v->after_replay == 0 || !v->last_segment) {
    out << "nothing to apply: the backup store has replayed every copied file (last "
        << (o.last_file.empty() ? std::string("none") : o.last_file) << "; replay at "
        << st->replay_lsn << ", last replayed transaction "
        << (st->last_replayed_xact.empty() ? std::string("unknown") : st->last_replayed_xact)
        << ")\n";
    return o;
  }
  if (opts.dry_run) {
    for (const auto& name : v->report.to_apply) out << "would apply " << name << "\n";
    out << v->after_replay << " file(s) to apply, up to " << o.last_file << "\n";
    return o;
  }
  auto c = connect_backup(t);
  if (!c) return c.error();
  if (auto r = reload_restore_command(*c, restore_from_copy_destination(t)); !r) return r.error();
  const uint64_t segsize = segsize_of(t);
  const logship::SegNo target = v->last_segment->segno;
  auto limit = std::max<std::chrono::seconds>(
      60s, std::chrono::seconds(2 * static_cast<int64_t>(v->after_replay)));
  auto deadline = std::chrono::steady_clock::now() + limit;
  std::string last_seen;
  int stable = 0;
  Status waited = ok_status();
  while (true) {
    auto r = c->exec(
        "SELECT coalesce(pg_last_wal_replay_lsn()::text, ''),"
        " " +
        time::sql_iso8601("pg_last_xact_replay_timestamp()", true));
    if (!r) {
      waited = r.error();
      break;
    }
    std::string lsn_text = r->str(0, 0);
    auto lsn = logship::parse_lsn(lsn_text);
    bool reached = lsn && *lsn > 0 && logship::lsn_to_segno(*lsn - 1, segsize) >= target;
    stable = (reached && lsn_text == last_seen) ? stable + 1 : 0;
    last_seen = lsn_text;
    o.replay_lsn = lsn_text;
    o.last_replayed_xact = r->str(0, 1);
    if (stable >= 3) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      waited = make_error(ErrorKind::kUnavailable,
                          fmt::format("replay did not reach {} within {} s (it stands at {}); see "
                                      "the backup store's log",
                                      o.last_file, limit.count(), lsn_text));
      break;
    }
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::max(100, std::min(500, t.log_shipping.restore_poll_ms))));
  }
  // The restore job stays off once log shipping is removed.
  if (secondary_removed(t)) {
    if (auto r = reload_restore_command(*c, ""); !r && waited) waited = r;
  }
  if (!waited) return waited.error();
  o.applied = v->after_replay;
  out << "applied " << o.applied << " file(s) up to " << o.last_file << "; replay at "
      << o.replay_lsn << ", last replayed transaction "
      << (o.last_replayed_xact.empty() ? std::string("unknown") : o.last_replayed_xact) << "\n";
  return o;
}

Result<int> end_sessions(const Topology& t, StoreRole role, bool end, const StepOptions& opts,
                         std::ostream& out) {
  const Store* s = t.store(role);
  if (s == nullptr) {
    return make_error(ErrorKind::kNotFound,
                      std::string("the topology declares no ") + to_string(role) + " store");
  }
  auto c = pg::Connection::connect(direct_conninfo(*s, "mgc") + " connect_timeout=3",
                                   "pchatctl-runbook");
  if (!c) {
    return make_error(ErrorKind::kUnavailable, std::string("the ") + to_string(role) +
                                                   " store is unreachable: " + c.error().message);
  }
  auto r = c->exec(
      "SELECT pid, coalesce(usename, ''), coalesce(application_name, ''),"
      " coalesce(host(client_addr), 'local'), coalesce(state, '')"
      " FROM pg_stat_activity WHERE datname = 'mgc' AND pid <> pg_backend_pid()"
      " AND backend_type = 'client backend' ORDER BY pid");
  if (!r) return r.error();
  out << fmt::format("{} session(s) on mgc of the {} store\n", r->rows(), to_string(role));
  for (int i = 0; i < r->rows(); ++i) {
    out << fmt::format("  {:<8} {:<10} {:<24} {:<10} {}\n", r->str(i, 0), r->str(i, 1),
                       r->str(i, 2), r->str(i, 3), r->str(i, 4));
  }
  if (!end || r->rows() == 0) return r->rows();
  if (opts.dry_run) {
    out << "would end them\n";
    return r->rows();
  }
  auto k = c->exec(
      "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
      " WHERE datname = 'mgc' AND pid <> pg_backend_pid() AND backend_type = 'client backend'");
  if (!k) return k.error();
  out << "ended " << k->str(0, 0) << " session(s)\n";
  return r->rows();
}

Status bring_online(const Topology& t, const StepOptions& opts, std::ostream& out) {
  auto st = read_backup_state(t);
  if (!st) return st.error();
  if (!st->in_recovery) {
    out << "database mgc on the backup store is online already (not restoring): nothing to do\n";
    return ok_status();
  }
  if (!opts.force) {
    if (!secondary_removed(t)) {
      return make_error(ErrorKind::kConflict,
                        "log shipping is still configured on the backup store: remove it first "
                        "(runbook step 1: exec sp_delete_log_shipping_secondary_database mgc, or "
                        "pchatctl logship remove-secondary), or use --force");
    }
    auto pending = files_to_apply(t);
    if (!pending) {
      return make_error(pending.error().kind,
                        "the copy destination's chain is not applied cleanly:\n" +
                            pending.error().message +
                            "\n(use --force to bring mgc online as "
                            "it is)");
    }
    if (*pending > 0) {
      return make_error(ErrorKind::kConflict,
                        fmt::format("{} copied file(s) are not applied yet: apply them first "
                                    "(runbook step 3: pchatctl logship apply), or use --force",
                                    *pending));
    }
    // Checked again here, just before the promotion, not only when a failover
    // started: datacenter A may have come back during the steps before.
    if (auto a = writable_outside_backup_dc(t)) {
      return make_error(ErrorKind::kConflict,
                        "the " + *a +
                            " store of datacenter A is up and writable: bringing mgc online "
                            "on the backup store now would split the pool (servers of A "
                            "would go on writing there). Stop datacenter A's chat store, or "
                            "use --force for a drill (the servers then fence A's store)");
    }
  }
  if (opts.dry_run) {
    out << "would end the sessions on mgc and promote the backup store (replay at "
        << st->replay_lsn << ", last replayed transaction " << st->last_replayed_xact << ")\n";
    return ok_status();
  }
  StepOptions end_opts;
  if (auto n = end_sessions(t, StoreRole::kBackup, true, end_opts, out); !n) return n.error();
  auto c = connect_backup(t);
  if (!c) return c.error();
  auto p = c->exec("SELECT pg_promote(true, 60)");
  if (!p) return p.error();
  if (p->get(0, 0) != "t") {
    return make_error(ErrorKind::kUnavailable, "the promotion did not finish within 60 s");
  }
  out << "database mgc on the backup store is online: promoted (replay ended at " << st->replay_lsn
      << ", last replayed transaction "
      << (st->last_replayed_xact.empty() ? std::string("unknown") : st->last_replayed_xact)
      << ")\n";
  return ok_status();
}

}  // namespace pchat::dr::runbook
