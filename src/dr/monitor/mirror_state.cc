#include "dr/monitor/mirror_state.h"

#include <optional>
#include <utility>
#include <vector>

#include "dr/cluster/standby.h"
#include "store/pg.h"

namespace pchat::dr {

using nlohmann::json;

namespace {

// The pool's epoch on a store (0 when it has no mgc database or pool_state yet).
int64_t store_epoch(const Store& store) {
  auto c = pg::Connection::connect(direct_conninfo(store, "mgc"), "pchatctl-mirror");
  if (!c) return 0;
  auto r = c->exec("SELECT epoch FROM pool_state WHERE id = 1");
  return r && r->rows() == 1 && !r->is_null(0, 0) ? r->i64(0, 0) : 0;
}

}  // namespace

json probe_mirror(const Topology& t) {
  json s = {{"mode", to_string(t.mirroring.mode)}, {"timeout_s", t.mirroring.timeout_s}};
  if (t.store(StoreRole::kMirror) == nullptr) {
    s.update({{"state", "none"}, {"alert", false}, {"message", "the topology has no mirror"}});
    return s;
  }
  // Both stores may be writable for a moment: a primary cut off (or stopped) while its
  // mirror was promoted, back before its agent rewinds it. The one at the higher epoch
  // is the primary; the other was replaced, and its walsender may still list the new
  // primary as a streaming standby.
  std::vector<std::pair<StoreRole, pg::Connection>> writables;
  for (StoreRole r : {StoreRole::kPrimary, StoreRole::kMirror}) {
    auto c = pg::Connection::connect(direct_conninfo(*t.store(r), "postgres"), "pchatctl-mirror");
    if (!c) continue;
    auto rec = c->exec("SELECT pg_is_in_recovery()");
    if (rec && rec->str(0, 0) == "f") writables.emplace_back(r, std::move(*c));
  }
  if (writables.size() == 2 &&
      store_epoch(*t.store(writables[1].first)) > store_epoch(*t.store(writables[0].first))) {
    std::swap(writables[0], writables[1]);
  }
  std::optional<StoreRole> writable, replaced;
  pg::Connection conn;
  if (!writables.empty()) {
    writable = writables[0].first;
    conn = std::move(writables[0].second);
  }
  if (writables.size() == 2) replaced = writables[1].first;
  if (!writable) {
    s.update({{"state", "down"},
              {"alert", true},
              {"message", "neither the primary nor the mirror is a writable store that answers"}});
    return s;
  }
  if (replaced) s["replaced"] = to_string(*replaced);
  const StoreRole standby =
      *writable == StoreRole::kPrimary ? StoreRole::kMirror : StoreRole::kPrimary;
  s["writable"] = to_string(*writable);
  auto cfg =
      conn.exec("SELECT current_setting('synchronous_standby_names'), pg_current_wal_lsn()::text");
  if (!cfg) {
    s.update({{"state", "down"}, {"alert", true}, {"message", cfg.error().message}});
    return s;
  }
  const std::string ssn = cfg->str(0, 0);
  s["synchronous_standby_names"] = ssn;
  s["current_lsn"] = cfg->str(0, 1);
  json m = {{"role", to_string(standby)}, {"connected", false}};
  auto rep = conn.exec(
      "SELECT state, sync_state, flush_lsn::text, replay_lsn::text, "
      "pg_wal_lsn_diff(pg_current_wal_lsn(), flush_lsn)::bigint FROM pg_stat_replication "
      "WHERE application_name = $1 ORDER BY state = 'streaming' DESC LIMIT 1",
      {std::string(to_string(standby))});
  if (rep && rep->rows() > 0) {
    m.update({{"connected", true},
              {"state", rep->str(0, 0)},
              {"sync_state", rep->str(0, 1)},
              {"flush_lsn", rep->str(0, 2)},
              {"replay_lsn", rep->str(0, 3)},
              {"bytes_behind", rep->is_null(0, 4) ? 0 : rep->i64(0, 4)}});
  }
  s["standby"] = m;
  const bool streaming = m.value("state", std::string()) == "streaming";
  const bool strict = t.mirroring.mode == MirrorMode::kStrict;
  if (ssn.empty()) {
    s.update({{"state", "exposed"},
              {"alert", true},
              {"message",
               "the primary runs EXPOSED: commits are acknowledged without the mirror"
               " (resynchronizes by itself once the mirror streams again)"}});
  } else if (streaming && m.value("sync_state", std::string()) == "sync") {
    s.update({{"state", "synchronized"},
              {"alert", false},
              {"message", "every commit is on the mirror before it is acknowledged"}});
  } else if (m["connected"].get<bool>()) {
    s.update({{"state", "catching-up"},
              {"alert", true},
              {"message", "the mirror is catching up: commits wait for it"}});
  } else if (strict) {
    s.update(
        {{"state", "blocked"},
         {"alert", true},
         {"message", "the mirror is gone and the mode is strict: commits wait until it is back"}});
  } else {
    s.update({{"state", "lost"},
              {"alert", true},
              {"message", "the mirror is gone: commits wait; after " +
                              std::to_string(t.mirroring.timeout_s) +
                              " s the primary goes on exposed"}});
  }
  if (replaced) {
    s["alert"] = true;
    s["message"] = "the " + std::string(to_string(*replaced)) +
                   " is still writable at an older epoch (replaced; it rejoins as the mirror); " +
                   s["message"].get<std::string>();
  }
  return s;
}

}  // namespace pchat::dr
