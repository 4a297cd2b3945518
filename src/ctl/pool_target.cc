#include "ctl/pool_target.h"

#include "dr/topology_file.h"
#include "store/migrations.h"

namespace pchat::ctl {

Result<std::unique_ptr<PoolTarget>> open_target(const PoolCommandContext& ctx) {
  auto target = std::make_unique<PoolTarget>();
  if (ctx.topology_file.empty()) {
    auto access = open_store({.data_dir = ctx.data_dir, .create_if_missing = false});
    if (!access) return access.error();
    target->standalone = std::move(*access);
    return target;
  }
  auto topology = dr::load_topology(ctx.topology_file);
  if (!topology) return topology.error();
  const dr::Store* primary = topology->store(dr::StoreRole::kPrimary);
  if (primary == nullptr) {  // load_topology() refuses this; keep the check local
    return make_error(ErrorKind::kInvalidInput, "the topology declares no primary store");
  }
  auto conn = pg::Connection::connect(primary->libpq_conninfo(), "pchatctl");
  if (!conn) {
    return make_error(conn.error().kind, "cannot reach the primary store: " + conn.error().message);
  }
  target->pool_conn = std::move(*conn);
  auto version = store::schema_version(target->pool_conn);
  if (!version) return version.error();
  if (*version < store::latest_schema_version()) {
    if (auto st = store::migrate(target->pool_conn); !st) return st.error();
  }
  target->topology = std::move(*topology);
  return target;
}

}  // namespace pchat::ctl
