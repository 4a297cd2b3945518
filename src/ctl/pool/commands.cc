#include "ctl/pool/commands.h"

#include <fmt/format.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>

#include "ctl/target/pool.h"
#include "dr/host_port.h"
#include "dr/identity.h"
#include "dr/topology.h"
#include "dr/topology_file.h"
#include "store/migrations.h"
#include "store/pool_state.h"

namespace pchat::ctl {

namespace {

using nlohmann::json;
using store::PoolState;
using store::PoolStateUpdate;

std::string join(const std::vector<std::string>& list, const char* sep = ", ") {
  std::string out;
  for (const auto& s : list) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

// --- Identity -------------------------------------------------------------------

// The pool FQDN to record: the topology's (after checking `identity` against it), or
// standalone the one `identity` names (nullopt when none was given).
Result<std::optional<std::string>> resolve_identity(const PoolTarget& target,
                                                    const std::string& identity) {
  if (target.topology) {
    if (!identity.empty()) {
      auto fqdn = dr::check_pool_identity(*target.topology, identity);
      if (!fqdn) return fqdn.error();
    }
    return std::optional<std::string>(target.topology->pool_fqdn);
  }
  if (identity.empty()) return std::optional<std::string>();
  auto fqdn = dr::parse_pool_identity(identity);
  if (!fqdn) return fqdn.error();
  return std::optional<std::string>(*fqdn);
}

// The store must not belong to another pool: refuse a recorded FQDN that differs
// from the one this command names, unless forced.
Status check_recorded_pool(const PoolState& before, const std::optional<std::string>& fqdn,
                           bool force) {
  if (!fqdn || !before.pool_fqdn || force) return ok_status();
  if (dr::same_hostname(*fqdn, *before.pool_fqdn)) return ok_status();
  return make_error(ErrorKind::kConflict,
                    "this store holds the state of pool service:" + *before.pool_fqdn +
                        ", not service:" + *fqdn + " (use --force/-Force to take it over)");
}

// --- Output ---------------------------------------------------------------------

json state_json(const PoolState& s) {
  return {{"pool_fqdn", s.pool_fqdn ? json(*s.pool_fqdn) : json(nullptr)},
          {"identity", s.pool_fqdn ? json("service:" + *s.pool_fqdn) : json(nullptr)},
          {"state", store::to_string(s.state)},
          {"epoch", s.epoch},
          {"primary_store", s.primary_store},
          {"active_servers", s.active_servers},
          {"updated_at", s.updated_at},
          {"updated_by", s.updated_by}};
}

json update_json(const PoolStateUpdate& u) {
  return {{"changed", u.changed()},
          {"dry_run", u.dry_run},
          {"before", state_json(u.before)},
          {"after", state_json(u.after)}};
}

void print_state(std::ostream& out, const PoolState& s) {
  out << fmt::format("{:<16}{}\n", "Pool", s.pool_fqdn ? "service:" + *s.pool_fqdn : "(not set)");
  out << fmt::format("{:<16}{}\n", "State", store::to_string(s.state));
  out << fmt::format("{:<16}{}\n", "Epoch", s.epoch);
  out << fmt::format("{:<16}{}\n", "Primary store", s.primary_store);
  out << fmt::format("{:<16}{}\n", "Active servers",
                     s.active_servers.empty() ? "(none)" : join(s.active_servers));
  out << fmt::format("{:<16}{}{}\n", "Updated", s.updated_at,
                     s.updated_by.empty() ? "" : " by " + s.updated_by);
}

// Every server of the topology with its datacenter and whether it is active, then
// active names the topology does not know; standalone, the active names.
void print_servers(std::ostream& out, const PoolState& s, const dr::Topology* topology) {
  if (topology == nullptr) {
    if (s.active_servers.empty()) {
      out << "(no active servers)\n";
      return;
    }
    out << "ACTIVE SERVERS\n";
    for (const auto& name : s.active_servers) out << name << "\n";
    return;
  }
  size_t width = 6;
  for (const auto& srv : topology->servers) width = std::max(width, srv.name.size());
  for (const auto& name : s.active_servers) width = std::max(width, name.size());
  out << fmt::format("{:<{}}  {:<10}  {}\n", "SERVER", width, "DATACENTER", "ACTIVE");
  for (const auto& srv : topology->servers) {
    out << fmt::format("{:<{}}  {:<10}  {}\n", srv.name, width, srv.datacenter,
                       store::contains_server(s.active_servers, srv.name) ? "yes" : "no");
  }
  for (const auto& name : s.active_servers) {
    if (topology->find_server(name) == nullptr) {
      out << fmt::format("{:<{}}  {:<10}  {}\n", name, width, "?", "yes (not in the topology)");
    }
  }
}

json servers_json(const PoolState& s, const dr::Topology* topology) {
  json servers = json::array();
  if (topology == nullptr) return servers;
  for (const auto& srv : topology->servers) {
    servers.push_back({{"name", srv.name},
                       {"datacenter", srv.datacenter},
                       {"active", store::contains_server(s.active_servers, srv.name)}});
  }
  return servers;
}

// --- Active-server rules --------------------------------------------------------

Status check_name_syntax(const std::string& name) {
  bool bad = name.empty() || name.size() > 253 ||
             std::any_of(name.begin(), name.end(), [](unsigned char c) {
               return c <= ' ' || c == 0x7f || c == ',' || c == ';';
             });
  if (bad) {
    return make_error(ErrorKind::kInvalidInput, "bad server name '" + name + "'");
  }
  return ok_status();
}

// With a topology: `name` spelled as the topology spells it, or an error naming it
// and listing the pool's servers.
Result<std::string> canonical_server(const dr::Topology& topology, const std::string& name) {
  if (const dr::Server* s = topology.find_server(name)) return s->name;
  std::vector<std::string> names;
  for (const auto& s : topology.servers) names.push_back(s.name);
  return make_error(ErrorKind::kNotFound, "'" + name + "' is not a server of pool " +
                                              topology.pool_fqdn + " (servers: " + join(names) +
                                              ")");
}

Status canonicalize_all(const dr::Topology* topology, std::vector<std::string>& names) {
  for (auto& name : names) {
    if (auto st = check_name_syntax(name); !st) return st;
    if (topology == nullptr) continue;
    auto c = canonical_server(*topology, name);
    if (!c) return c.error();
    name = *c;
  }
  return ok_status();
}

bool is_subset(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  return std::all_of(a.begin(), a.end(),
                     [&](const std::string& s) { return store::contains_server(b, s); });
}

// The rules of the list about to be written (see pool/commands.h).
Status check_active_list(const dr::Topology* topology, const PoolState& before,
                         const PoolState& after, bool force) {
  int max = topology ? topology->max_active_servers : dr::kDefaultMaxActiveServers;
  if (static_cast<int>(after.active_servers.size()) > max &&
      !is_subset(after.active_servers, before.active_servers)) {
    return make_error(ErrorKind::kInvalidInput,
                      fmt::format("{} active servers ({}), more than the pool allows ({}{})",
                                  after.active_servers.size(), join(after.active_servers), max,
                                  topology ? ", pool.max_active_servers" : ""));
  }
  if (topology == nullptr || force) return ok_status();
  auto role = dr::parse_store_role(after.primary_store);
  std::optional<std::string> primary_dc;
  if (role) primary_dc = topology->datacenter_of(*role);
  if (!primary_dc) {
    return make_error(ErrorKind::kInvalidInput,
                      "the pool state names primary store '" + after.primary_store +
                          "', which the topology does not declare: cannot check the active "
                          "servers' datacenters (use --force/-Force to set them anyway)");
  }
  std::vector<std::string> far;
  for (const auto& name : after.active_servers) {
    if (store::contains_server(before.active_servers, name)) continue;  // not new
    auto dc = topology->datacenter_of_server(name);
    if (dc && !topology->is_low_latency(*dc, *primary_dc)) {
      far.push_back(name + " (datacenter " + *dc + ")");
    }
  }
  if (far.empty()) return ok_status();
  return make_error(
      ErrorKind::kInvalidInput,
      "active servers must be in datacenter " + *primary_dc + " of the primary store '" +
          after.primary_store +
          "' or in one with a low-latency link to it (runbook step 7); not: " + join(far) +
          ". Declare the link in [[low_latency_links]] or use --force/-Force");
}

// --- Reporting changes ----------------------------------------------------------

void report_state_change(std::ostream& out, const PoolStateUpdate& u) {
  const PoolState& b = u.before;
  const PoolState& a = u.after;
  if (!u.changed()) {
    out << fmt::format("Pool state is already {} (epoch {}, primary store {}): nothing to change\n",
                       store::to_string(a.state), a.epoch, a.primary_store);
  } else {
    std::string what;
    if (b.state != a.state || b.primary_store != a.primary_store) {
      what = fmt::format("pool state {} -> {}, primary store {} -> {}, epoch {} -> {}",
                         store::to_string(b.state), store::to_string(a.state), b.primary_store,
                         a.primary_store, b.epoch, a.epoch);
    } else {
      what = "pool FQDN recorded: " + a.pool_fqdn.value_or("");
    }
    if (u.dry_run) {
      out << "Dry run: would set " << what << "; nothing written\n";
    } else {
      out << "Set " << what << "\n";
    }
  }
  print_state(out, a);
}

void report_servers_change(std::ostream& out, const PoolStateUpdate& u,
                           const dr::Topology* topology) {
  std::vector<std::string> added, removed;
  for (const auto& s : u.after.active_servers) {
    if (!store::contains_server(u.before.active_servers, s)) added.push_back(s);
  }
  for (const auto& s : u.before.active_servers) {
    if (!store::contains_server(u.after.active_servers, s)) removed.push_back(s);
  }
  if (!u.changed()) {
    out << "Active servers unchanged\n";
  } else {
    std::vector<std::string> parts;
    if (!added.empty()) parts.push_back("add " + join(added));
    if (!removed.empty()) parts.push_back("remove " + join(removed));
    if (parts.empty() && u.before.active_servers != u.after.active_servers) {
      parts.push_back("reorder");
    }
    if (parts.empty()) parts.push_back("record pool FQDN " + u.after.pool_fqdn.value_or(""));
    out << (u.dry_run ? "Dry run: would " : "Active servers: ") << join(parts, "; ")
        << (u.dry_run ? "; nothing written" : "") << "\n";
  }
  print_servers(out, u.after, topology);
}

}  // namespace

Status pool_state_show(const PoolCommandContext& ctx, const PoolShowArgs& args) {
  auto target = open_target(ctx);
  if (!target) return target.error();
  auto fqdn = resolve_identity(**target, args.identity);
  if (!fqdn) return fqdn.error();
  auto state = store::read_pool_state((*target)->mgc());
  if (!state) return state.error();
  if (!args.identity.empty()) {
    if (auto st = check_recorded_pool(*state, *fqdn, false); !st) return st;
  }
  if (args.json) {
    *ctx.out << state_json(*state).dump(2) << "\n";
  } else {
    print_state(*ctx.out, *state);
  }
  return ok_status();
}

// The state names the store that becomes primary (backup for FailedOver): the pool
// must already be writing there (or in its datacenter: its mirror), else the state
// would be recorded on the store being left (runbook step 5 comes after step 4).
Status check_store_in_use(const dr::Topology& topology, const std::string& in_use,
                          dr::StoreRole role, store::PoolStatus status) {
  auto used = dr::parse_store_role(in_use);
  auto want_dc = topology.datacenter_of(role);
  auto have_dc = used ? topology.datacenter_of(*used) : std::nullopt;
  if (!want_dc || !have_dc || *want_dc == *have_dc) return ok_status();
  return make_error(
      ErrorKind::kConflict,
      std::string("pool state ") + store::to_string(status) + " makes the " + dr::to_string(role) +
          " store (datacenter " + *want_dc +
          ") the primary store, but the pool's writable store "
          "is the " +
          in_use + " store (datacenter " + *have_dc + ")" +
          (status == store::PoolStatus::kFailedOver
               ? ": bring the backup database online first (runbook step 4: restore database mgc "
                 "with recovery)"
               : ": move the pool back first (pchatctl failback)") +
          ", or use --force/-Force");
}

Status pool_set_state(const PoolCommandContext& ctx, const PoolSetStateArgs& args) {
  auto status = store::parse_pool_status(args.state);
  if (!status) {
    return make_error(ErrorKind::kInvalidInput,
                      "bad pool state '" + args.state + "' (expected Normal or FailedOver)");
  }
  auto target = open_target(ctx);
  if (!target) return target.error();
  const dr::Topology* topology = (*target)->topology ? &*(*target)->topology : nullptr;
  auto fqdn = resolve_identity(**target, args.identity);
  if (!fqdn) return fqdn.error();
  dr::StoreRole role =
      *status == store::PoolStatus::kFailedOver ? dr::StoreRole::kBackup : dr::StoreRole::kPrimary;
  std::string role_name = dr::to_string(role);
  if (topology && topology->store(role) == nullptr && !args.force) {
    return make_error(ErrorKind::kInvalidInput,
                      std::string("pool state ") + store::to_string(*status) + " makes store '" +
                          role_name + "' the primary store, but the topology declares no [stores." +
                          role_name + "] (use --force/-Force to record it anyway)");
  }
  store::PoolStateWrite write{.by = operator_identity(),
                              .pool_fqdn = *fqdn,
                              .dry_run = args.dry_run,
                              .check = [&](const PoolState& before, const PoolState&) {
                                if (auto st = check_recorded_pool(before, *fqdn, args.force); !st)
                                  return st;
                                if (topology == nullptr || args.force || before.state == *status)
                                  return ok_status();
                                return check_store_in_use(*topology, (*target)->store_name, role,
                                                          *status);
                              }};
  auto update = store::set_pool_state((*target)->mgc(), *status, role_name, write);
  if (!update) return update.error();
  if (args.json) {
    *ctx.out << update_json(*update).dump(2) << "\n";
  } else {
    report_state_change(*ctx.out, *update);
  }
  // Runbook step 7 follows a failover: say when the active servers are now far away.
  if (topology && ctx.err) {
    auto dc = topology->datacenter_of(role);
    std::vector<std::string> far;
    for (const auto& name : update->after.active_servers) {
      auto sdc = topology->datacenter_of_server(name);
      if (dc && sdc && !topology->is_low_latency(*sdc, *dc)) far.push_back(name);
    }
    if (!far.empty()) {
      *ctx.err << "pchatctl: note: active servers outside datacenter " << *dc
               << " of the primary store: " << join(far)
               << "; set the active servers next (Set-CsPersistentChatActiveServer, --swap)\n";
    }
  }
  return ok_status();
}

Status pool_active_servers(const PoolCommandContext& ctx, const PoolActiveServersArgs& args) {
  store::ActiveServersEdit edit;
  edit.add = args.add;
  edit.remove = args.remove;
  edit.replace_with = args.set;
  edit.clear = args.clear;
  edit.swap = args.swap;
  // Refuse contradictions before touching the store (apply repeats the checks).
  if (edit.clear && edit.replace_with) {
    return make_error(ErrorKind::kInvalidInput,
                      "clearing the active servers and setting them at once contradict each other");
  }
  if (edit.swap && (edit.clear || edit.replace_with || !edit.add.empty() || !edit.remove.empty())) {
    return make_error(ErrorKind::kInvalidInput,
                      "swap stands alone: it cannot be combined with add, remove, set or clear");
  }
  if (edit.swap && ctx.topology_file.empty()) {
    return make_error(ErrorKind::kInvalidInput,
                      "swap needs the topology (--topology FILE) to know the datacenters");
  }
  auto target = open_target(ctx);
  if (!target) return target.error();
  const dr::Topology* topology = (*target)->topology ? &*(*target)->topology : nullptr;
  auto fqdn = resolve_identity(**target, args.identity);
  if (!fqdn) return fqdn.error();

  if (edit.empty()) {  // a query
    auto state = store::read_pool_state((*target)->mgc());
    if (!state) return state.error();
    if (!args.identity.empty()) {
      if (auto st = check_recorded_pool(*state, *fqdn, false); !st) return st;
    }
    if (args.json) {
      json j = state_json(*state);
      j["servers"] = servers_json(*state, topology);
      *ctx.out << j.dump(2) << "\n";
    } else {
      print_servers(*ctx.out, *state, topology);
    }
    return ok_status();
  }

  if (auto st = canonicalize_all(topology, edit.add); !st) return st;
  if (edit.replace_with) {
    if (auto st = canonicalize_all(topology, *edit.replace_with); !st) return st;
  }
  for (const auto& name : edit.remove) {
    if (auto st = check_name_syntax(name); !st) return st;
  }
  if (topology) {
    for (const auto& s : topology->servers) edit.sites.push_back({s.name, s.datacenter});
  }
  store::PoolStateWrite write{
      .by = operator_identity(),
      .pool_fqdn = *fqdn,
      .dry_run = args.dry_run,
      .check = [&](const PoolState& before, const PoolState& after) -> Status {
        if (auto st = check_recorded_pool(before, *fqdn, args.force); !st) return st;
        // A name to remove must be a server of the pool or on the list (a typo is an
        // error, removing an absent server is not).
        for (const auto& name : edit.remove) {
          if (topology && topology->find_server(name) == nullptr &&
              !store::contains_server(before.active_servers, name)) {
            auto c = canonical_server(*topology, name);
            return c.error();
          }
        }
        return check_active_list(topology, before, after, args.force);
      }};
  auto update = store::update_active_servers((*target)->mgc(), edit, write);
  if (!update) return update.error();
  if (args.json) {
    json j = update_json(*update);
    j["servers"] = servers_json(update->after, topology);
    *ctx.out << j.dump(2) << "\n";
  } else {
    report_servers_change(*ctx.out, *update, topology);
  }
  return ok_status();
}

}  // namespace pchat::ctl
