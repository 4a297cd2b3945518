#include "ctl/target/pool.h"

#include "dr/cluster/standby.h"
#include "dr/store_choice.h"
#include "dr/store_selector.h"
#include "dr/topology_file.h"
#include "store/migrations.h"

namespace pchat::ctl {

Result<StoreInUse> connect_store_in_use(const dr::Topology& topology) {
  // The store the pool's servers use: the writable, unfenced one with the highest
  // pool-state epoch (dr/store_choice.h), so that commands follow a failover.
  std::vector<dr::StoreProbe> probes;
  std::vector<pg::Connection> conns;
  std::vector<std::string> why_not;
  for (dr::StoreRole role : {dr::StoreRole::kPrimary, dr::StoreRole::kMirror,
                             dr::StoreRole::kBackup, dr::StoreRole::kBackupMirror}) {
    const dr::Store* st = topology.store(role);
    if (st == nullptr) continue;
    std::string name = dr::to_string(role);
    auto c = pg::Connection::connect(st->libpq_conninfo(), "pchatctl");
    if (!c) {
      dr::StoreProbe p;
      p.name = name;
      probes.push_back(p);
      conns.emplace_back();
      why_not.push_back(name + ": unreachable (" + c.error().message + ")");
      continue;
    }
    probes.push_back(dr::probe_store(*c, name));
    const auto& p = probes.back();
    why_not.push_back(name + ": " +
                      (!p.reachable  ? std::string("unreachable")
                       : !p.writable ? "in recovery (a standby), epoch " + std::to_string(p.epoch)
                       : p.fenced    ? "FENCED (read-only), epoch " + std::to_string(p.epoch)
                                     : "writable, epoch " + std::to_string(p.epoch)));
    conns.push_back(std::move(*c));
  }
  dr::StoreChoice choice = dr::choose_store(probes, "", 0);
  if (!choice.use) {
    std::string msg =
        "no writable chat store carries the pool's epoch " + std::to_string(choice.epoch) + ":";
    for (const auto& w : why_not) msg += "\n  " + w;
    msg += "\n(after losing datacenter A, bring the backup database online first: runbook step 4)";
    return make_error(ErrorKind::kUnavailable, msg);
  }
  size_t at = 0;
  while (probes[at].name != *choice.use) ++at;
  return StoreInUse{std::move(conns[at]), *choice.use};
}

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
  Result<StoreInUse> in_use = make_error(ErrorKind::kInternal, "no store");
  if (!ctx.store_role.empty()) {
    auto role = dr::parse_store_role(ctx.store_role);
    const dr::Store* st = role ? topology->store(*role) : nullptr;
    if (st == nullptr) {
      return make_error(ErrorKind::kNotFound,
                        "the topology declares no '" + ctx.store_role + "' store");
    }
    auto c =
        pg::Connection::connect(dr::direct_conninfo(*st, "mgc") + " connect_timeout=3", "pchatctl");
    if (!c) {
      return make_error(ErrorKind::kUnavailable,
                        "cannot reach the " + ctx.store_role + " store: " + c.error().message);
    }
    in_use = StoreInUse{std::move(*c), ctx.store_role};
  } else {
    in_use = connect_store_in_use(*topology);
  }
  if (!in_use) return in_use.error();
  target->store_name = in_use->name;
  target->pool_conn = std::move(in_use->conn);
  auto version = store::schema_version(target->pool_conn);
  if (!version) return version.error();
  if (*version < store::latest_schema_version()) {
    if (auto st = store::migrate(target->pool_conn); !st) return st.error();
  }
  target->topology = std::move(*topology);
  return target;
}

}  // namespace pchat::ctl
