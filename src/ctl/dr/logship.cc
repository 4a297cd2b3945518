#include "ctl/dr/logship.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "ctl/dr/job.h"
#include "ctl/lab/process.h"
#include "dr/cluster/standby.h"
#include "dr/logship/archive.h"
#include "dr/logship/copy_round.h"
#include "dr/logship/file_io.h"
#include "dr/monitor/logship_status.h"
#include "dr/runbook/state_file.h"
#include "dr/runbook/steps.h"
#include "dr/topology_file.h"
#include "store/pg.h"

namespace pchat::ctl {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

Status need_log_shipping(const dr::Topology& t) {
  if (t.log_shipping.backup_share.empty() || t.log_shipping.copy_destination.empty()) {
    return make_error(
        ErrorKind::kInvalidInput,
        "the topology configures no log shipping (log_shipping.backup_share and copy_destination)");
  }
  return ok_status();
}

uint64_t segsize_of(const dr::Topology& t) {
  return static_cast<uint64_t>(t.log_shipping.wal_segsize_mb) << 20;
}

json problems_json(const std::vector<logship::CopyProblem>& ps) {
  json a = json::array();
  for (const auto& p : ps)
    a.push_back({{"kind", p.kind}, {"file", p.file}, {"message", p.message}});
  return a;
}

// The copy job's report, replaced atomically each round.
void write_job_status(const fs::path& dest, const json& j) {
  fs::path tmp = logship::temp_path(dest, "copy-job-status");
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << j.dump() << "\n";
  }
  std::error_code ec;
  fs::rename(tmp, dest / logship::kCopyJobStatusFileName, ec);
}

// The backup store's replay segment, for retention; nullopt when unreachable.
std::optional<logship::WalSegment> backup_replay_segment(const dr::Topology& t) {
  const dr::Store* b = t.store(dr::StoreRole::kBackup);
  if (b == nullptr) return std::nullopt;
  auto conn =
      pg::Connection::connect(b->libpq_conninfo() + " connect_timeout=2", "pchatctl-copy-job");
  if (!conn) return std::nullopt;
  auto r = conn->exec(
      "SELECT pg_last_wal_replay_lsn()::text, (pg_control_checkpoint()).timeline_id WHERE "
      "pg_is_in_recovery()");
  if (!r || r->rows() == 0 || r->is_null(0, 0)) return std::nullopt;
  auto lsn = logship::parse_lsn(r->get(0, 0));
  if (!lsn) return std::nullopt;
  return logship::WalSegment{static_cast<logship::TimeLineId>(r->i64(0, 1)),
                             logship::lsn_to_segno(*lsn, segsize_of(t))};
}

}  // namespace

Status logship_archive_wal(const LogshipArgs& args, std::ostream&) {
  auto t = load_dr_topology(args.topology_file, "logship");
  if (!t) return t.error();
  if (auto st = need_log_shipping(*t); !st) return st;
  if (args.wal_path.empty() || args.wal_name.empty()) {
    return make_error(ErrorKind::kInvalidInput, "usage: logship archive-wal %p %f");
  }
  return logship::archive_into(t->log_shipping.backup_share, args.wal_path, args.wal_name);
}

Status logship_copy(const LogshipArgs& args, std::ostream& out) {
  auto t = load_dr_topology(args.topology_file, "logship");
  if (!t) return t.error();
  if (auto st = need_log_shipping(*t); !st) return st;
  std::ostringstream lines;
  auto r = dr::runbook::copy_remaining(*t, {.dry_run = args.dry_run}, args.json ? lines : out);
  if (!r) return r.error();
  if (args.json) out << json{{"copied", r->copied}, {"pending", r->pending}}.dump(2) << "\n";
  return ok_status();
}

// Long: the copy job's loop keeps its lock, rounds, retries and stop handling together.
Status logship_copy_job(const LogshipArgs& args, std::ostream&) {
  auto t = load_dr_topology(args.topology_file, "logship");
  if (!t) return t.error();
  if (auto st = need_log_shipping(*t); !st) return st;
  const auto& ls = t->log_shipping;
  install_stop_handlers();
  spdlog::info("copy job (pid {}): {} -> {} every {} ms, retention {} s", getpid(),
               ls.backup_share.string(), ls.copy_destination.string(), ls.copy_interval_ms,
               ls.retention_s);
  std::vector<logship::CopyProblem> last_problems;
  uint64_t copied_total = 0;
  json last_copied = nullptr;
  auto next_retention = std::chrono::steady_clock::now();
  // The job's report in the copy destination, replaced every round.
  auto report = [&](size_t pending, const std::vector<logship::CopyProblem>& problems,
                    bool removed) {
    write_job_status(ls.copy_destination,
                     {{"pid", getpid()},
                      {"updated_at", logship::format_utc(std::chrono::system_clock::now())},
                      {"interval_ms", ls.copy_interval_ms},
                      {"copied_total", copied_total},
                      {"last_copied", last_copied},
                      {"secondary_removed", removed},
                      {"pending", pending},
                      {"problems", problems_json(problems)}});
  };
  auto rest = [&] {  // until the next round
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ls.copy_interval_ms);
    while (!stop_requested() && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(10ms);
  };
  bool removed_logged = false;
  const fs::path round_lock_file = ls.copy_destination / logship::kCopyRoundLockFileName;
  while (!stop_requested()) {
    // A round holds the round lock from its look at the step-1 marker to its last
    // file: step 1 takes the lock after writing the marker, so it knows that no round
    // which missed the marker is still copying (dr/runbook/steps.h).
    auto taken = logship::FileLock::take(round_lock_file, std::chrono::seconds(1));
    if (!taken && taken.error().kind == ErrorKind::kConflict) continue;  // another copier
    if (!taken) {
      spdlog::error("copy job: cannot start a round: {}", taken.error().message);
      if (args.once) return taken.error();
      rest();
      continue;
    }
    std::optional<logship::FileLock> round_lock(std::move(*taken));
    // Runbook step 1 removed log shipping: copy nothing more (and remove nothing).
    if (dr::runbook::secondary_removed(*t)) {
      if (!removed_logged) {
        spdlog::warn(
            "log shipping is removed from the backup store ({}): the copy job copies "
            "nothing more",
            (ls.copy_destination / logship::kSecondaryRemovedFileName).string());
        removed_logged = true;
      }
      report(0, {}, true);
      round_lock.reset();
      if (args.once) break;
      for (int i = 0; i < 20 && !stop_requested(); ++i) std::this_thread::sleep_for(10ms);
      continue;
    }
    if (removed_logged) {
      spdlog::info("log shipping is configured again: the copy job resumes");
      removed_logged = false;
    }
    auto r = logship::copy_round(ls.backup_share, ls.copy_destination, segsize_of(*t), 10s);
    for (const auto& c : r.copied) {
      spdlog::info("copied {} ({} bytes, sha256 verified)", c.name, c.size);
      last_copied = {{"name", c.name}, {"stored_at", logship::format_utc(c.stored_at)}};
    }
    copied_total += r.copied.size();
    if (r.problems != last_problems) {
      for (const auto& p : r.problems) spdlog::error("copy job: {}: {}", p.kind, p.message);
      if (r.problems.empty()) spdlog::info("copy job: earlier problems are gone");
      last_problems = r.problems;
    }
    if (std::chrono::steady_clock::now() >= next_retention) {
      next_retention = std::chrono::steady_clock::now() + 5s;
      if (auto seg = backup_replay_segment(*t)) {
        auto removed =
            logship::retention_sweep(ls.backup_share, ls.copy_destination, *seg, segsize_of(*t),
                                     std::chrono::seconds(ls.retention_s));
        if (!removed.empty()) spdlog::info("retention: removed {} applied file(s)", removed.size());
      }
    }
    report(r.pending, r.problems, false);
    round_lock.reset();
    if (args.once) break;
    rest();
  }
  spdlog::info("copy job stopped");
  return ok_status();
}

Status logship_status(const LogshipArgs& args, std::ostream& out) {
  auto t = load_dr_topology(args.topology_file, "logship");
  if (!t) return t.error();
  if (auto st = need_log_shipping(*t); !st) return st;
  json s = dr::collect_logship_status(*t);
  if (args.json) {
    out << s.dump(2) << "\n";
  } else {
    dr::print_logship_status(s, out);
  }
  return ok_status();
}

Status logship_init_secondary(const LogshipArgs& args, std::ostream& out) {
  auto t = load_dr_topology(args.topology_file, "logship");
  if (!t) return t.error();
  if (auto st = need_log_shipping(*t); !st) return st;
  auto tools = dr::PgTools::find();
  if (!tools) return tools.error();
  dr::PchatCommands cmds{self_exe(), fs::absolute(args.topology_file)};
  // Not while a failover or failback runs; and what their journals say is over once
  // the backup store is a new copy of the primary.
  std::error_code mk;
  fs::create_directories(t->log_shipping.copy_destination, mk);  // the restore job's anyway
  auto lock = dr::runbook::RunbookLock::take(t->log_shipping.copy_destination);
  if (!lock) return lock.error();
  auto t0 = std::chrono::steady_clock::now();
  auto st = dr::init_backup_standby(
      *tools, *t, cmds, [&out](const std::string& line) { out << "  " << line << "\n"; });
  if (!st) return st;
  for (std::string_view name :
       {logship::kFailoverJournalFileName, logship::kFailbackJournalFileName}) {
    std::error_code ec;
    if (fs::remove(t->log_shipping.copy_destination / name, ec)) {
      out << "  " << name << " (an earlier failover cycle) removed: the next failover starts "
          << "afresh\n";
    }
  }
  out << "backup store initialized from a base backup of the primary in "
      << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()
      << " s; it replays from " << t->log_shipping.copy_destination.string() << "\n";
  return ok_status();
}

}  // namespace pchat::ctl
