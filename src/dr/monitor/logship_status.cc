#include "dr/monitor/logship_status.h"

#include <chrono>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "dr/logship/manifest.h"
#include "dr/logship/wal_name.h"
#include "store/pg.h"

namespace pchat::dr {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::system_clock;

namespace {

double epoch_s(Clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

std::string iso(double epoch) {
  auto tp = Clock::time_point(
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(epoch)));
  return logship::format_utc(tp);
}

std::vector<logship::ManifestRecord> records_of(const fs::path& file, json& warnings) {
  auto m = logship::read_manifest(file);
  if (!m) {
    warnings.push_back(m.error().message);
    return {};
  }
  for (const auto& w : m->warnings) warnings.push_back(w);
  return m->records;
}

json store_probe(const dr::Store* s, const std::string& sql, const char* app) {
  json j = {{"reachable", false}};
  if (s == nullptr) {
    j["error"] = "not in the topology";
    return j;
  }
  auto conn = pg::Connection::connect(s->libpq_conninfo() + " connect_timeout=2", app);
  if (!conn) {
    j["error"] = conn.error().message;
    return j;
  }
  auto r = conn->exec(sql);
  if (!r) {
    j["error"] = r.error().message;
    return j;
  }
  j["reachable"] = true;
  for (int c = 0; c < r->cols(); ++c) {
    const char* name = PQfname(r->raw(), c);
    if (r->is_null(0, c)) {
      j[name] = nullptr;
    } else {
      j[name] = r->str(0, c);
    }
  }
  return j;
}

std::optional<double> num(const json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return std::nullopt;
  try {
    return std::stod(j[key].get<std::string>());
  } catch (...) {
    return std::nullopt;
  }
}

json stage(const char* name, const json& last_file, double lag_s, uint64_t lag_bytes,
           int threshold) {
  json j = {{"stage", name},
            {"last_file", last_file},
            {"lag_s", lag_s},
            {"lag_bytes", lag_bytes},
            {"threshold_s", threshold}};
  j["alert"] = lag_s > threshold;
  return j;
}

}  // namespace

json collect_logship_status(const Topology& t) {
  const auto& ls = t.log_shipping;
  const uint64_t segsize = static_cast<uint64_t>(ls.wal_segsize_mb) << 20;
  const double now = epoch_s(Clock::now());
  json s;
  json warnings = json::array();
  json alerts = json::array();
  s["now"] = iso(now);
  s["backup_share"] = ls.backup_share.string();
  s["copy_destination"] = ls.copy_destination.string();
  s["config"] = {{"archive_timeout_s", ls.archive_timeout_s},
                 {"copy_interval_ms", ls.copy_interval_ms},
                 {"restore_poll_ms", ls.restore_poll_ms},
                 {"retention_s", ls.retention_s},
                 {"wal_segsize_mb", ls.wal_segsize_mb}};

  json primary = store_probe(
      t.store(StoreRole::kPrimary),
      "SELECT pg_is_in_recovery()::text AS in_recovery, "
      "CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn()::text END AS current_lsn, "
      "extract(epoch FROM (pg_last_committed_xact()).timestamp)::text AS last_commit_epoch, "
      "archived_count::text, last_archived_wal, extract(epoch FROM last_archived_time)::text AS "
      "last_archived_epoch, failed_count::text, last_failed_wal, extract(epoch FROM "
      "last_failed_time)::text "
      "AS last_failed_epoch FROM pg_stat_archiver",
      "pchatctl-logship-status");
  json backup = store_probe(
      t.store(StoreRole::kBackup),
      "SELECT pg_is_in_recovery()::text AS in_recovery, pg_last_wal_replay_lsn()::text AS "
      "replay_lsn, extract(epoch FROM pg_last_xact_replay_timestamp())::text AS "
      "last_replayed_commit_epoch, (pg_control_checkpoint()).timeline_id::text AS timeline",
      "pchatctl-logship-status");

  auto share = records_of(ls.backup_share / logship::kManifestFileName, warnings);
  auto dest = records_of(ls.copy_destination / logship::kManifestFileName, warnings);

  // Backup stage: WAL on the primary past the end of the newest archived segment.
  json last_backed = nullptr;
  double backup_lag_s = 0;
  uint64_t backup_lag_bytes = 0;
  if (!share.empty()) {
    const auto& r = share.back();
    last_backed = {{"name", r.name},
                   {"time", logship::format_utc(r.stored_at)},
                   {"age_s", now - epoch_s(r.stored_at)}};
    auto f = logship::parse_wal_file_name(r.name, segsize);
    std::optional<logship::Lsn> cur;
    if (primary.value("current_lsn", json()).is_string()) {
      if (auto l = logship::parse_lsn(primary["current_lsn"].get<std::string>())) cur = *l;
    }
    if (f && f->kind == logship::WalFileKind::kSegment && cur) {
      logship::Lsn end = logship::segment_start_lsn(f->segno + 1, segsize);
      if (*cur > end) backup_lag_bytes = *cur - end;
      if (backup_lag_bytes > 0) backup_lag_s = now - epoch_s(r.stored_at);
    }
  }
  json st_backup = stage("backup", last_backed, backup_lag_s, backup_lag_bytes, ls.backup_alert_s);
  st_backup["files"] = share.size();

  // Copy stage: recorded in the share, not yet in the copy destination.
  json last_copied = nullptr;
  if (!dest.empty()) {
    const auto& r = dest.back();
    last_copied = {{"name", r.name},
                   {"time", logship::format_utc(r.stored_at)},
                   {"age_s", now - epoch_s(r.stored_at)}};
  }
  double copy_lag_s = 0;
  uint64_t copy_lag_bytes = 0;
  size_t copy_pending = 0;
  for (const auto& r : share) {
    if (logship::find_record(dest, r.name)) continue;
    ++copy_pending;
    copy_lag_bytes += r.size;
    copy_lag_s = std::max(copy_lag_s, now - epoch_s(r.stored_at));
  }
  json st_copy = stage("copy", last_copied, copy_lag_s, copy_lag_bytes, ls.copy_alert_s);
  st_copy["pending_files"] = copy_pending;

  // Restore stage: copied segments after the one being replayed.
  json last_restored = nullptr;
  double restore_lag_s = 0;
  uint64_t restore_lag_bytes = 0;
  size_t restore_pending = 0;
  std::optional<logship::Lsn> replay;
  if (backup.value("replay_lsn", json()).is_string()) {
    if (auto l = logship::parse_lsn(backup["replay_lsn"].get<std::string>())) replay = *l;
  }
  if (replay) {
    auto tli =
        static_cast<logship::TimeLineId>(std::stoul(backup.value("timeline", std::string("1"))));
    auto segno = logship::lsn_to_segno(*replay, segsize);
    last_restored = {{"name", logship::segment_file_name(tli, segno, segsize)},
                     {"replay_lsn", backup["replay_lsn"]}};
    if (auto c = num(backup, "last_replayed_commit_epoch")) {
      last_restored["last_replayed_commit"] = iso(*c);
    } else {
      last_restored["last_replayed_commit"] = nullptr;
    }
    for (const auto& r : dest) {
      auto f = logship::parse_wal_file_name(r.name, segsize);
      if (!f || f->kind != logship::WalFileKind::kSegment || f->segno <= segno) continue;
      ++restore_pending;
      restore_lag_bytes += r.size;
      restore_lag_s = std::max(restore_lag_s, now - epoch_s(r.stored_at));
    }
  }
  json st_restore =
      stage("restore", last_restored, restore_lag_s, restore_lag_bytes, ls.restore_alert_s);
  st_restore["pending_files"] = restore_pending;
  s["stages"] = json::array({st_backup, st_copy, st_restore});
  for (const auto& st : s["stages"]) {
    if (st["alert"].get<bool>()) {
      alerts.push_back(st["stage"].get<std::string>() + " lag " +
                       std::to_string(st["lag_s"].get<double>()) + " s is over its threshold of " +
                       std::to_string(st["threshold_s"].get<int>()) + " s");
    }
  }

  // The window: how much older the backup store's newest commit is than the primary's.
  auto pc = num(primary, "last_commit_epoch");
  auto bc = num(backup, "last_replayed_commit_epoch");
  s["primary_last_commit"] = pc ? json(iso(*pc)) : json();
  s["backup_last_replayed_commit"] = bc ? json(iso(*bc)) : json();
  s["replay_delay_s"] = (pc && bc) ? json(std::max(0.0, *pc - *bc)) : json();

  // The copy job's own report.
  json job = {{"running", false}};
  {
    std::ifstream in(ls.copy_destination / logship::kCopyJobStatusFileName);
    json r = json::parse(in, nullptr, false);
    if (!r.is_discarded() && r.is_object()) {
      job = r;
      double age = 1e9;
      if (auto u = logship::parse_utc(r.value("updated_at", std::string())))
        age = now - epoch_s(*u);
      job["report_age_s"] = age;
      job["running"] = age < std::max(10.0, 20.0 * ls.copy_interval_ms / 1000.0);
    }
  }
  if (!job["running"].get<bool>())
    alerts.push_back("the copy job is not running (no fresh report in the copy destination)");
  if (job.contains("problems")) {
    for (const auto& p : job["problems"]) {
      alerts.push_back("copy job: " + p.value("kind", std::string()) + ": " +
                       p.value("message", std::string()));
    }
  }
  if (!primary["reachable"].get<bool>()) {
    alerts.push_back("primary store unreachable: " + primary.value("error", std::string()));
  } else {
    auto failed = num(primary, "last_failed_epoch");
    auto archived = num(primary, "last_archived_epoch");
    if (failed && (!archived || *failed > *archived)) {
      alerts.push_back("the primary's backup job is failing (last failed: " +
                       primary.value("last_failed_wal", json("?")).get<std::string>() + ")");
    }
  }
  if (!backup["reachable"].get<bool>()) {
    alerts.push_back("backup store unreachable: " + backup.value("error", std::string()));
  } else if (backup.value("in_recovery", std::string()) != "true") {
    alerts.push_back("the backup store is not a standby (promoted?): it restores nothing");
  }
  // Runbook step 1 removed log shipping on purpose (a failover): the lags and the
  // promoted backup store are expected, not alerts.
  s["secondary_removed"] = nullptr;
  {
    std::ifstream in(ls.copy_destination / logship::kSecondaryRemovedFileName);
    if (in) {
      json m = json::parse(in, nullptr, false);
      s["secondary_removed"] = m.is_discarded() ? json::object() : m;
      warnings.push_back("log shipping is removed from the backup store (runbook step 1" +
                         (m.is_object() && m.contains("removed_at")
                              ? ", at " + m["removed_at"].get<std::string>()
                              : std::string()) +
                         "): the lags are not alerts; `pchatctl failback` puts it back");
      alerts.clear();
      for (auto& st : s["stages"]) st["alert"] = false;
    }
  }
  s["primary"] = primary;
  s["backup"] = backup;
  s["copy_job"] = job;
  s["warnings"] = warnings;
  s["alerts"] = alerts;
  return s;
}

void print_logship_status(const json& s, std::ostream& out) {
  out << "Log shipping: " << s["backup_share"].get<std::string>() << " -> "
      << s["copy_destination"].get<std::string>() << "  (at " << s["now"].get<std::string>()
      << ")\n";
  out << std::left << std::setw(9) << "STAGE" << std::setw(30) << "LAST FILE" << std::setw(26)
      << "AT (UTC)" << std::setw(10) << "LAG S" << std::setw(12) << "LAG BYTES" << std::setw(11)
      << "THRESHOLD"
      << "ALERT\n";
  for (const auto& st : s["stages"]) {
    const json& f = st["last_file"];
    std::string name = f.is_object() ? f.value("name", std::string("-")) : "-";
    std::string at = f.is_object() && f.contains("time") ? f["time"].get<std::string>() : "-";
    if (st["stage"] == "restore" && f.is_object()) {
      at = f["last_replayed_commit"].is_null() ? "-" : f["last_replayed_commit"].get<std::string>();
    }
    std::ostringstream lag;
    lag << std::fixed << std::setprecision(1) << st["lag_s"].get<double>();
    out << std::left << std::setw(9) << st["stage"].get<std::string>() << std::setw(30) << name
        << std::setw(26) << at << std::setw(10) << lag.str() << std::setw(12)
        << st["lag_bytes"].get<uint64_t>() << std::setw(11)
        << (std::to_string(st["threshold_s"].get<int>()) + " s")
        << (st["alert"].get<bool>() ? "ALERT" : "ok") << "\n";
  }
  const json& restore = s["stages"][2]["last_file"];
  if (restore.is_object()) {
    out << "Backup store replay position " << restore["replay_lsn"].get<std::string>()
        << "; last replayed commit "
        << (restore["last_replayed_commit"].is_null()
                ? "-"
                : restore["last_replayed_commit"].get<std::string>())
        << "\n";
  }
  if (!s["replay_delay_s"].is_null()) {
    out << "Primary's last commit " << s["primary_last_commit"].get<std::string>()
        << "; the backup store is " << std::fixed << std::setprecision(2)
        << s["replay_delay_s"].get<double>() << " s behind it\n";
  }
  const json& job = s["copy_job"];
  out << "Copy job: " << (job["running"].get<bool>() ? "running" : "NOT RUNNING");
  if (job.contains("pid"))
    out << " (pid " << job["pid"] << ", " << job.value("copied_total", 0) << " copied)";
  out << "\n";
  if (s["alerts"].empty()) {
    out << "Alerts: none\n";
  } else {
    out << "Alerts:\n";
    for (const auto& a : s["alerts"]) out << "  ALERT " << a.get<std::string>() << "\n";
  }
  for (const auto& w : s["warnings"]) out << "  warning: " << w.get<std::string>() << "\n";
}

}  // namespace pchat::dr
