#include "store/pool_state.h"

#include <cctype>

#include "core/time.h"
#include "store/transaction.h"

namespace pchat::store {

namespace {

const std::string kSelectRow = "SELECT epoch, pool_state, primary_store, pool_fqdn, " +
                               time::sql_iso8601("updated_at", true) +
                               ", coalesce(updated_by, '') FROM pool_state WHERE id = 1";

constexpr const char* kSelectActive =
    "SELECT u.name FROM pool_state, unnest(active_servers) WITH ORDINALITY AS u(name, n)"
    " WHERE id = 1 ORDER BY u.n";

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

// Reads the row, locking it when `for_update`.
Result<PoolState> read_row(pg::Connection& conn, bool for_update) {
  auto r = conn.exec(std::string(kSelectRow) + (for_update ? " FOR UPDATE" : ""));
  if (!r) return r.error();
  if (r->rows() != 1) {
    return make_error(ErrorKind::kInternal,
                      "table pool_state has no row (the store's schema is damaged)");
  }
  PoolState s;
  s.epoch = r->i64(0, 0);
  auto status = parse_pool_status(r->get(0, 1));
  if (!status) {
    return make_error(ErrorKind::kInternal,
                      "pool_state holds an unknown state '" + r->str(0, 1) + "'");
  }
  s.state = *status;
  s.primary_store = r->str(0, 2);
  s.pool_fqdn = r->opt_str(0, 3);
  s.updated_at = r->str(0, 4);
  s.updated_by = r->str(0, 5);
  auto a = conn.exec(kSelectActive);
  if (!a) return a.error();
  for (int i = 0; i < a->rows(); ++i) s.active_servers.push_back(a->str(i, 0));
  return s;
}

using Planner = std::function<Result<PoolState>(const PoolState& current)>;

// The read-modify-write every setter shares: lock the row, plan, check, write the
// content that changed (the trigger NOTIFYs), commit; or roll back for a dry run,
// an unchanged row or a refusal.
Result<PoolStateUpdate> update_row(pg::Connection& conn, const Planner& plan,
                                   const PoolStateWrite& write) {
  Transaction tx(conn);
  if (auto st = tx.begin(); !st) return st.error();
  auto before = read_row(conn, /*for_update=*/true);
  if (!before) return before.error();
  auto after = plan(*before);
  if (!after) return after.error();
  if (write.pool_fqdn) after->pool_fqdn = write.pool_fqdn;
  if (write.check) {
    if (auto st = write.check(*before, *after); !st) return st.error();
  }
  PoolStateUpdate update{*before, *after, write.dry_run};
  if (!update.changed() || write.dry_run) return update;  // rolled back by tx
  std::vector<std::optional<std::string>> names(after->active_servers.begin(),
                                                after->active_servers.end());
  auto r = conn.exec(
      "UPDATE pool_state SET epoch = $1::bigint, pool_state = $2, primary_store = $3,"
      " active_servers = $4::text[], pool_fqdn = $5, updated_at = now(), updated_by = $6"
      " WHERE id = 1",
      {std::to_string(after->epoch), std::string(to_string(after->state)), after->primary_store,
       pg::make_text_array(names), after->pool_fqdn, write.by});
  if (!r) return r.error();
  auto fresh = read_row(conn, false);  // updated_at as stored
  if (!fresh) return fresh.error();
  if (auto st = tx.commit(); !st) return st.error();
  update.after = std::move(*fresh);
  return update;
}

}  // namespace

const char* to_string(PoolStatus status) {
  switch (status) {
    case PoolStatus::kNormal:
      return "Normal";
    case PoolStatus::kFailedOver:
      return "FailedOver";
  }
  return "?";
}

std::optional<PoolStatus> parse_pool_status(std::string_view text) {
  if (iequals(text, "Normal")) return PoolStatus::kNormal;
  if (iequals(text, "FailedOver")) return PoolStatus::kFailedOver;
  return std::nullopt;
}

bool PoolState::same_content(const PoolState& o) const {
  return epoch == o.epoch && state == o.state && active_servers == o.active_servers &&
         primary_store == o.primary_store && pool_fqdn == o.pool_fqdn;
}

Result<PoolState> read_pool_state(pg::Connection& conn) {
  Transaction tx(conn);  // one snapshot for both queries
  if (auto st = tx.begin("ISOLATION LEVEL REPEATABLE READ, READ ONLY"); !st) return st.error();
  return read_row(conn, false);
}

PoolState plan_pool_state(const PoolState& current, PoolStatus state,
                          const std::string& primary_store,
                          const std::optional<std::string>& pool_fqdn) {
  PoolState next = current;
  if (current.state != state || current.primary_store != primary_store) {
    next.state = state;
    next.primary_store = primary_store;
    next.epoch = current.epoch + 1;
  }
  if (pool_fqdn) next.pool_fqdn = pool_fqdn;
  return next;
}

Result<PoolStateUpdate> set_pool_state(pg::Connection& conn, PoolStatus state,
                                       const std::string& primary_store,
                                       const PoolStateWrite& write) {
  return update_row(
      conn,
      [&](const PoolState& current) -> Result<PoolState> {
        return plan_pool_state(current, state, primary_store, std::nullopt);
      },
      write);
}

Result<PoolStateUpdate> update_active_servers(pg::Connection& conn, const ActiveServersEdit& edit,
                                              const PoolStateWrite& write) {
  return update_row(
      conn,
      [&](const PoolState& current) -> Result<PoolState> {
        auto list = apply_active_servers_edit(current.active_servers, edit);
        if (!list) return list.error();
        PoolState next = current;
        next.active_servers = std::move(*list);
        return next;
      },
      write);
}

}  // namespace pchat::store
