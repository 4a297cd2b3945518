#include "ctl/compliance/commands.h"

#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>

#include "compliance/service/drain.h"
#include "compliance/service/service.h"
#include "core/time.h"
#include "ctl/target/pool.h"
#include "ctl/target/standalone.h"
#include "dr/topology_file.h"
#include "store/instance.h"
#include "store/migrations.h"

namespace pchat::ctl {

namespace {

using compliance::ComplianceConfig;
using nlohmann::json;

// mgc (the data directory's, or the topology's primary) and how to reach mgccomp.
struct Stores {
  std::unique_ptr<StoreAccess> standalone;
  pg::Connection pool_mgc;
  std::string comp_conninfo;  // empty: no compliance store declared
  std::string comp_role = "compliance";
  std::optional<dr::Topology> topology;
  pg::Connection& mgc() { return standalone ? standalone->mgc() : pool_mgc; }
};

Result<std::unique_ptr<Stores>> open_stores(const PoolCommandContext& ctx) {
  auto s = std::make_unique<Stores>();
  if (ctx.topology_file.empty()) {
    auto access = open_store({.data_dir = ctx.data_dir, .create_if_missing = false});
    if (!access) return access.error();
    s->standalone = std::move(*access);
    s->comp_conninfo =
        store::standalone_conninfo(std::filesystem::absolute(ctx.data_dir), "mgccomp");
    return s;
  }
  auto topology = dr::load_topology(ctx.topology_file);
  if (!topology) return topology.error();
  // mgc: the store the pool's servers use (ctl/target/pool.h: writable, unfenced, the
  // pool's epoch; after a failover, the promoted backup).
  auto in_use = connect_store_in_use(*topology);
  if (!in_use) return in_use.error();
  s->pool_mgc = std::move(in_use->conn);
  if (auto st = store::migrate(s->pool_mgc); !st) return st.error();
  // The compliance store of the primary store's datacenter (as the service picks it).
  const dr::Store* cs = topology->store(dr::StoreRole::kCompliance);
  if (const dr::Store* cb = topology->store(dr::StoreRole::kComplianceBackup)) {
    auto ps = s->pool_mgc.exec("SELECT primary_store FROM pool_state WHERE id = 1");
    if (!ps) return ps.error();
    if (ps->rows() == 1 && ps->get(0, 0) == "backup") {
      cs = cb;
      s->comp_role = "compliance_backup";
    }
  }
  if (cs != nullptr) s->comp_conninfo = cs->libpq_conninfo();
  s->topology = std::move(*topology);
  return s;
}

json to_json(const ComplianceConfig& c) {
  return {{"AdapterType", c.adapter_type},
          {"AdapterName", c.adapter_name},
          {"AdapterOutputDirectory", c.output_directory},
          {"OneChatRoomPerOutputFile", c.one_chat_room_per_output_file},
          {"AddUserDetails", c.add_user_details},
          {"AddChatRoomDetails", c.add_chat_room_details},
          {"RunInterval", compliance::format_run_interval(c.run_interval_s)},
          {"RunIntervalSeconds", c.run_interval_s},
          {"UpdatedAt", c.updated_at},
          {"UpdatedBy", c.updated_by}};
}

void print_config(std::ostream& out, const ComplianceConfig& c) {
  auto b = [](bool v) { return v ? "True" : "False"; };
  out << "Identity                 : Global\n"
      << "AdapterType              : " << c.adapter_type << "\n"
      << "AdapterName              : " << c.adapter_name << "\n"
      << "AdapterOutputDirectory   : " << c.output_directory << "\n"
      << "OneChatRoomPerOutputFile : " << b(c.one_chat_room_per_output_file) << "\n"
      << "AddUserDetails           : " << b(c.add_user_details) << "\n"
      << "AddChatRoomDetails       : " << b(c.add_chat_room_details) << "\n"
      << "RunInterval              : " << compliance::format_run_interval(c.run_interval_s) << "\n";
  if (!c.updated_by.empty()) {
    out << "UpdatedAt                : " << c.updated_at << " by " << c.updated_by << "\n";
  }
}

}  // namespace

Status compliance_config_show(const PoolCommandContext& ctx, bool json_out) {
  auto stores = open_stores(ctx);
  if (!stores) return stores.error();
  auto c = compliance::load_config((*stores)->mgc());
  if (!c) return c.error();
  if (json_out) {
    *ctx.out << to_json(*c).dump(2) << "\n";
  } else {
    print_config(*ctx.out, *c);
  }
  return ok_status();
}

Status compliance_config_set(const PoolCommandContext& ctx, const ComplianceSetArgs& args) {
  if (args.edit.empty()) {
    return make_error(ErrorKind::kInvalidInput,
                      "nothing to change: give at least one of -AdapterType, -AdapterName, "
                      "-AdapterOutputDirectory, -OneChatRoomPerOutputFile, -AddUserDetails, "
                      "-AddChatRoomDetails, -RunInterval");
  }
  auto stores = open_stores(ctx);
  if (!stores) return stores.error();
  pg::Connection& mgc = (*stores)->mgc();
  auto before = compliance::load_config(mgc);
  if (!before) return before.error();
  ComplianceConfig after = *before;
  compliance::apply(args.edit, after);
  if (auto st = compliance::validate(after); !st) return st;
  const bool changed = to_json(after) != to_json(*before);
  if (changed && !args.dry_run) {
    if (auto st = compliance::save_config(mgc, after, operator_identity()); !st) return st;
    auto reread = compliance::load_config(mgc);
    if (!reread) return reread.error();
    after = *reread;
  }
  if (args.json) {
    *ctx.out << json{{"changed", changed},
                     {"dry_run", args.dry_run},
                     {"before", to_json(*before)},
                     {"after", to_json(after)}}
                    .dump(2)
             << "\n";
    return ok_status();
  }
  if (!changed) {
    *ctx.out << "No change: the compliance configuration already says so.\n";
  } else if (args.dry_run) {
    *ctx.out << "Dry run: would set the compliance configuration to:\n";
  } else {
    *ctx.out << "Compliance configuration updated; the compliance service applies it at once "
                "(next run: its last run + RunInterval).\n";
  }
  print_config(*ctx.out, after);
  return ok_status();
}

namespace {

// The figures of mgccomp (events waiting, open and completed runs) into `j`, or
// `j["mgccomp_error"]` when it cannot be read.
void add_mgccomp_figures(const std::string& ci, json& j) {
  if (ci.empty()) {
    j["mgccomp_error"] = "the topology declares no compliance store";
  } else if (auto comp = pg::Connection::connect(ci, "pchatctl"); !comp) {
    j["mgccomp_error"] = "cannot reach mgccomp: " + comp.error().message;
  } else {
    // Tables are made by the service on its first run: absent means nothing moved yet.
    auto has = comp->exec("SELECT to_regclass('runs') IS NOT NULL");
    Result<pg::ResultSet> c =
        has ? comp->exec(has->get(0, 0) == "t" ? "SELECT (SELECT count(*) FROM events), "
                                                 "count(*) FILTER (WHERE completed_at IS NULL), "
                                                 "count(*) FILTER (WHERE completed_at IS NOT "
                                                 "NULL) FROM runs"
                                               : "SELECT 0, 0, 0")
            : Result<pg::ResultSet>(has.error());
    if (!c) {
      j["mgccomp_error"] = c.error().message;
    } else {
      j["mgccomp_events"] = c->i64(0, 0);
      j["open_runs"] = c->i64(0, 1);
      j["runs_completed"] = c->i64(0, 2);
    }
  }
}

}  // namespace

Status compliance_status(const PoolCommandContext& ctx, bool json_out) {
  auto stores = open_stores(ctx);
  if (!stores) return stores.error();
  pg::Connection& mgc = (*stores)->mgc();
  auto config = compliance::load_config(mgc);
  if (!config) return config.error();
  auto ob =
      mgc.exec("SELECT count(*), " + time::sql_iso8601("min(ts)") + " FROM compliance_outbox");
  if (!ob) return ob.error();
  auto st =
      mgc.exec("SELECT holder, " + time::sql_iso8601("last_run_at") +
               ", last_run_events, last_file, last_error, " + time::sql_iso8601("last_error_at") +
               ", source_id FROM compliance_status WHERE id = 1");
  if (!st) return st.error();
  if (st->rows() != 1) return make_error(ErrorKind::kInternal, "no compliance_status row");
  json j{{"outbox_events", ob->i64(0, 0)},
         {"outbox_oldest", ob->str(0, 1)},
         {"holder", st->str(0, 0)},
         {"last_run_at", st->str(0, 1)},
         {"last_run_events", st->i64(0, 2)},
         {"last_file", st->str(0, 3)},
         {"last_error", st->str(0, 4)},
         {"last_error_at", st->str(0, 5)},
         {"source_id", st->str(0, 6)},
         {"mgccomp_events", nullptr},
         {"open_runs", nullptr},
         {"runs_completed", nullptr},
         {"mgccomp_error", ""},
         {"mgccomp_store", (*stores)->comp_role},
         {"config", to_json(*config)}};
  add_mgccomp_figures((*stores)->comp_conninfo, j);
  if (json_out) {
    *ctx.out << j.dump(2) << "\n";
    return ok_status();
  }
  auto or_dash = [](const json& v) {
    if (v.is_null()) return std::string("-");
    if (v.is_string()) return v.get<std::string>().empty() ? "-" : v.get<std::string>();
    return v.dump();
  };
  std::ostream& out = *ctx.out;
  out << "Outbox (mgc)      : " << j["outbox_events"].get<int64_t>() << " events waiting"
      << (ob->str(0, 1).empty() ? "" : ", oldest " + ob->str(0, 1)) << "\n"
      << "mgccomp           : " << or_dash(j["mgccomp_events"]) << " events waiting, "
      << or_dash(j["open_runs"]) << " open run(s), " << or_dash(j["runs_completed"])
      << " completed (" << (*stores)->comp_role << " store)\n";
  if (!j["mgccomp_error"].get<std::string>().empty()) {
    out << "mgccomp error     : " << j["mgccomp_error"].get<std::string>() << "\n";
  }
  out << "Service holder    : " << or_dash(j["holder"]) << "\n"
      << "Last run          : " << or_dash(j["last_run_at"]) << " ("
      << j["last_run_events"].get<int64_t>() << " events written)\n"
      << "Last file         : " << or_dash(j["last_file"]) << "\n"
      << "Last error        : " << or_dash(j["last_error"])
      << (st->str(0, 5).empty() ? "" : " at " + st->str(0, 5)) << "\n"
      << "Output directory  : " << or_dash(j["config"]["AdapterOutputDirectory"]) << "\n"
      << "RunInterval       : " << j["config"]["RunInterval"].get<std::string>() << "\n";
  return ok_status();
}

Status compliance_drain(const PoolCommandContext& ctx, const ComplianceDrainArgs& args) {
  if (ctx.topology_file.empty()) {
    return make_error(ErrorKind::kInvalidInput,
                      "compliance drain works on a pool: give --topology FILE (a standalone "
                      "server has one compliance store, which its service writes out itself)");
  }
  auto stores = open_stores(ctx);
  if (!stores) return stores.error();
  Stores& s = **stores;
  const dr::Store* from = nullptr;
  for (dr::StoreRole role : {dr::StoreRole::kCompliance, dr::StoreRole::kComplianceBackup}) {
    const dr::Store* st = s.topology->store(role);
    if (st != nullptr && st->datacenter == args.from) from = st;
  }
  if (from == nullptr) {
    return make_error(
        ErrorKind::kNotFound,
        "the topology declares no compliance store in datacenter '" + args.from + "'");
  }
  if (from->libpq_conninfo() == s.comp_conninfo) {
    return make_error(ErrorKind::kConflict,
                      "datacenter " + args.from +
                          "'s compliance store is the one in use: the compliance service writes "
                          "it out itself; nothing to drain");
  }
  auto a = pg::Connection::connect(from->libpq_conninfo(), "pchatctl");
  if (!a) {
    return make_error(ErrorKind::kUnavailable,
                      "datacenter " + args.from + "'s compliance store is unreachable (" +
                          a.error().message + "); run the drain again when it is back");
  }
  auto in_use = pg::Connection::connect(s.comp_conninfo, "pchatctl");
  if (!in_use) {
    return make_error(ErrorKind::kUnavailable,
                      "the compliance store in use is unreachable: " + in_use.error().message);
  }
  auto lock =
      a->exec("SELECT pg_try_advisory_lock($1)", {std::to_string(compliance::kServiceLockKey)});
  if (!lock) return lock.error();
  if (lock->get(0, 0) != "t") {
    return make_error(ErrorKind::kConflict,
                      "a compliance service or another drain holds datacenter " + args.from +
                          "'s compliance store; try again later");
  }
  compliance::CycleReport report;
  Result<compliance::DrainPlan> plan = args.dry_run
                                           ? compliance::plan_drain(s.mgc(), *a, *in_use)
                                           : compliance::drain(s.mgc(), *a, *in_use,
                                                               {.domain = s.topology->pool_fqdn,
                                                                .server = operator_identity(),
                                                                .origin = "from-" + args.from},
                                                               report);
  if (!plan) return plan.error();
  if (args.json) {
    *ctx.out << json{{"from", args.from},
                     {"dry_run", args.dry_run},
                     {"events", plan->events},
                     {"to_write", plan->to_write},
                     {"delivered_by_store_in_use", plan->delivered},
                     {"open_runs", plan->open_runs},
                     {"first_time", plan->first_time},
                     {"last_time", plan->last_time},
                     {"written", report.written},
                     {"files", report.files}}
                    .dump(2)
             << "\n";
    return ok_status();
  }
  std::ostream& out = *ctx.out;
  out << (args.dry_run ? "Dry run: would drain " : "Drained ") << "datacenter " << args.from
      << "'s compliance store: " << plan->events << " events, " << plan->to_write << " to write";
  if (!plan->first_time.empty())
    out << " (" << plan->first_time << " .. " << plan->last_time << ")";
  out << ", " << plan->delivered << " delivered by the store in use\n";
  if (!args.dry_run) {
    out << "Written: " << report.written << " events in " << report.files.size() << " file(s)\n";
    for (const auto& f : report.files) out << "  " << f << "\n";
  }
  return ok_status();
}

}  // namespace pchat::ctl
