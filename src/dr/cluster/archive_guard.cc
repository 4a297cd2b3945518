#include "dr/cluster/archive_guard.h"

namespace pchat::dr {

bool ArchiveGuard::needs_switch(const std::string& store, const std::string& in_recovery,
                                const std::string& archive_mode, const std::string& start) const {
  if (in_recovery != "f" || archive_mode == "off" || start.empty()) return false;
  auto it = handled_.find(store);
  return it == handled_.end() || it->second != start;
}

std::optional<std::string> ArchiveGuard::round(const std::string& store, const Query& query) {
  auto seen = query(
      "SELECT pg_is_in_recovery(), current_setting('archive_mode'), "
      "pg_postmaster_start_time()::text, pg_current_wal_insert_lsn()::text");
  if (!seen || seen->rows() != 1 || seen->is_null(0, 3)) return std::nullopt;
  const std::string start = seen->str(0, 2);
  if (!needs_switch(store, seen->str(0, 0), seen->str(0, 1), start)) return std::nullopt;
  // pg_switch_wal() returns the end of the segment it closed, past the insert position
  // seen above; when nothing was written since the last switch it does nothing and
  // returns the start of the segment in use, not past it. (The LSN is PostgreSQL's own
  // text, safe inside quotes.)
  auto sw = query(
      "WITH s AS MATERIALIZED (SELECT pg_switch_wal() AS e) SELECT pg_walfile_name(e), e > '" +
      seen->str(0, 3) + "'::pg_lsn FROM s");
  if (!sw || sw->rows() != 1) return std::nullopt;
  handled(store, start);
  if (sw->str(0, 1) != "t") return std::nullopt;
  return "log shipping: closed WAL segment " + sw->str(0, 0) + " on the " + store +
         " store after its start at " + start +
         " (archive_timeout does not count WAL written before a restart)";
}

}  // namespace pchat::dr
