#include "compliance/service/drain.h"

#include <spdlog/spdlog.h>
#include "core/time.h"

#include <limits>
#include <map>

namespace pchat::compliance {

namespace {

// cut(source) for every source A knows.
Result<std::map<std::string, int64_t>> cuts(pg::Connection& mgc, pg::Connection& from,
                                            pg::Connection& in_use) {
  std::map<std::string, int64_t> out;
  auto sources = from.exec("SELECT source FROM sources");
  if (!sources) return sources.error();
  auto me = mgc.exec(
      "SELECT s.source_id, (SELECT min(id) FROM compliance_outbox) FROM compliance_status s "
      "WHERE s.id = 1");
  if (!me) return me.error();
  const bool has_other = [&] {
    auto t = in_use.exec("SELECT to_regclass('sources') IS NOT NULL");
    return t && t->get(0, 0) == "t";
  }();
  for (int i = 0; i < sources->rows(); ++i) {
    const std::string src = sources->str(i, 0);
    int64_t cut = std::numeric_limits<int64_t>::max();
    if (has_other) {
      auto f = in_use.exec("SELECT first_moved FROM sources WHERE source = $1", {src});
      if (!f) return f.error();
      if (f->rows() == 1) cut = std::min(cut, f->i64(0, 0));
    }
    if (me->rows() == 1 && me->str(0, 0) == src && !me->is_null(0, 1)) {
      cut = std::min(cut, me->i64(0, 1));
    }
    out[src] = cut;
  }
  return out;
}

// An SQL condition selecting A's events at or above their source's cut.
std::string delivered_condition(const std::map<std::string, int64_t>& c, pg::Connection& conn) {
  std::string cond = "false";
  for (const auto& [src, cut] : c) {
    cond += " OR (source = " + conn.quote_literal(src) +
            " AND mgc_event_id >= " + std::to_string(cut) + ")";
  }
  return cond;
}

}  // namespace

Result<DrainPlan> plan_drain(pg::Connection& mgc, pg::Connection& from, pg::Connection& in_use) {
  DrainPlan plan;
  auto has = from.exec("SELECT to_regclass('runs') IS NOT NULL");
  if (!has) return has.error();
  if (has->get(0, 0) != "t") return plan;  // the service never ran there
  auto c = cuts(mgc, from, in_use);
  if (!c) return c.error();
  const std::string delivered = delivered_condition(*c, from);
  auto r = from.exec(
      "SELECT count(*), count(*) FILTER (WHERE " + delivered +
      "), (SELECT count(*) FROM runs WHERE completed_at IS NULL), " +
      time::sql_iso8601("to_timestamp(min(ts_us) FILTER (WHERE NOT (" + delivered + ")) / 1e6)") +
      ", " +
      time::sql_iso8601("to_timestamp(max(ts_us) FILTER (WHERE NOT (" + delivered + ")) / 1e6)") +
      " FROM events");
  if (!r) return r.error();
  plan.events = r->i64(0, 0);
  plan.delivered = r->i64(0, 1);
  plan.to_write = plan.events - plan.delivered;
  plan.open_runs = r->i64(0, 2);
  plan.first_time = r->str(0, 3);
  plan.last_time = r->str(0, 4);
  return plan;
}

Result<DrainPlan> drain(pg::Connection& mgc, pg::Connection& from, pg::Connection& in_use,
                        const CycleContext& ctx, CycleReport& report) {
  auto plan = plan_drain(mgc, from, in_use);
  if (!plan) return plan.error();
  if (plan->events == 0) return plan;
  auto c = cuts(mgc, from, in_use);
  if (!c) return c.error();
  // Drop what the store in use delivers, except inside an open run (that run is
  // finished exactly as recorded: its files may already exist).
  auto del = from.exec("DELETE FROM events e WHERE (" + delivered_condition(*c, from) +
                       ") AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.completed_at IS NULL "
                       "AND e.id BETWEEN r.first_event_id AND r.last_event_id)");
  if (!del) return del.error();
  auto config = load_config(mgc);
  if (!config) return config.error();
  if (auto st = process_events(from, *config, ctx, report); !st) return st.error();
  spdlog::info("compliance drain: wrote {} events, dropped {} delivered through the store in use",
               report.written, del->affected());
  return plan;
}

}  // namespace pchat::compliance
