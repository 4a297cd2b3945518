#include "ctl/runbook/sql.h"

#include <fmt/format.h>

#include <iostream>
#include <iterator>
#include <memory>
#include <optional>

#include "ctl/cmdlet/sql.h"
#include "ctl/target/standalone.h"
#include "dr/runbook/steps.h"
#include "dr/topology_file.h"

namespace pchat::ctl {

namespace {

using cmdlet::SqlStatement;

// Connection to the store the command addresses, owning what keeps it open.
struct SqlTarget {
  std::unique_ptr<StoreAccess> standalone;
  pg::Connection conn;
  std::string name;
  std::optional<dr::Topology> topology;  // --topology
  std::optional<dr::StoreRole> role;
  bool is_backup() const { return topology && role == dr::StoreRole::kBackup; }
  pg::Connection& mgc() { return standalone ? standalone->mgc() : conn; }
};

Result<std::unique_ptr<SqlTarget>> open_sql_target(const SqlArgs& args) {
  auto t = std::make_unique<SqlTarget>();
  if (args.topology_file.empty()) {
    auto a = open_store({.data_dir = args.data_dir, .create_if_missing = false});
    if (!a) return a.error();
    t->standalone = std::move(*a);
    t->name = "the store at " + args.data_dir.string();
    return t;
  }
  auto topo = dr::load_topology(args.topology_file);
  if (!topo) return topo.error();
  auto role = dr::parse_store_role(args.store_role);
  if (!role) {
    return make_error(ErrorKind::kInvalidInput,
                      "unknown store role '" + args.store_role +
                          "' (primary, mirror, backup, backup_mirror, compliance, "
                          "compliance_backup)");
  }
  const dr::Store* s = topo->store(*role);
  if (s == nullptr) {
    return make_error(ErrorKind::kNotFound,
                      "the topology declares no '" + args.store_role + "' store");
  }
  auto c = pg::Connection::connect(s->libpq_conninfo(), "pchatctl");
  if (!c) {
    return make_error(c.error().kind,
                      "cannot reach the " + args.store_role + " store: " + c.error().message);
  }
  t->conn = std::move(*c);
  t->name = "the " + args.store_role + " store";
  t->role = *role;
  t->topology = std::move(*topo);
  return t;
}

Status check_database(const SqlStatement& st) {
  if (st.database == "mgc" || st.database == "master") return ok_status();
  return make_error(ErrorKind::kNotFound, fmt::format("line {}: no database '{}' here (mgc is the "
                                                      "chat store)",
                                                      st.line, st.database));
}

Status who(pg::Connection& c, const SqlStatement& st, std::ostream& out) {
  auto r = c.exec(
      "SELECT pid, coalesce(state, ''), coalesce(usename, ''),"
      " coalesce(host(client_addr), 'local'), coalesce(array_to_string("
      "   pg_blocking_pids(pid), ','), ''), coalesce(datname, ''), backend_type,"
      " coalesce(to_char(query_start AT TIME ZONE 'UTC', 'MM/DD HH24:MI:SS'), ''),"
      " coalesce(application_name, ''), pid = pg_backend_pid()"
      " FROM pg_stat_activity"
      " WHERE ($1::int = 0 OR pid = $1::int) AND (NOT $2::bool OR state = 'active')"
      " ORDER BY pid",
      {std::to_string(st.spid), st.active_only ? "true" : "false"});
  if (!r) return r.error();
  out << fmt::format("{:<8} {:<20} {:<12} {:<10} {:<6} {:<8} {:<28} {:<15} {}\n", "SPID", "Status",
                     "Login", "HostName", "BlkBy", "DBName", "Command", "LastBatch", "ProgramName");
  for (int i = 0; i < r->rows(); ++i) {
    std::string status = r->str(i, 1).empty() ? "background" : r->str(i, 1);
    if (r->get(i, 9) == "t") status += " (this)";
    std::string blk = r->str(i, 4).empty() ? "." : r->str(i, 4);
    out << fmt::format("{:<8} {:<20} {:<12} {:<10} {:<6} {:<8} {:<28} {:<15} {}\n", r->str(i, 0),
                       status, r->str(i, 2), r->str(i, 3), blk, r->str(i, 5), r->str(i, 6),
                       r->str(i, 7), r->str(i, 8));
  }
  out << fmt::format("({} session{})\n", r->rows(), r->rows() == 1 ? "" : "s");
  return ok_status();
}

Status kill(pg::Connection& c, const SqlStatement& st, std::ostream& out) {
  auto r = c.exec(
      "SELECT pid = pg_backend_pid(), backend_type FROM pg_stat_activity WHERE pid = $1::int",
      {std::to_string(st.spid)});
  if (!r) return r.error();
  if (r->rows() == 0) {
    return make_error(ErrorKind::kNotFound,
                      fmt::format("line {}: no session with SPID {} (exec sp_who2 lists them)",
                                  st.line, st.spid));
  }
  if (r->get(0, 0) == "t") {
    return make_error(
        ErrorKind::kInvalidInput,
        fmt::format("line {}: SPID {} is this command's own session", st.line, st.spid));
  }
  auto k = c.exec("SELECT pg_terminate_backend($1::int)", {std::to_string(st.spid)});
  if (!k) return k.error();
  if (k->get(0, 0) != "t") {
    return make_error(ErrorKind::kDenied,
                      fmt::format("line {}: session {} could not be ended", st.line, st.spid));
  }
  out << fmt::format("ended session {} ({})\n", st.spid, r->str(0, 1));
  return ok_status();
}

Status restore_with_recovery(pg::Connection& c, const SqlStatement& st, std::ostream& out) {
  if (st.database != "mgc") return check_database(st);
  auto r = c.exec("SELECT pg_is_in_recovery()");
  if (!r) return r.error();
  if (r->get(0, 0) != "t") {
    out << "database mgc is online already (not restoring): nothing to do\n";
    return ok_status();
  }
  auto p = c.exec("SELECT pg_promote(true, 60)");
  if (!p) return p.error();
  if (p->get(0, 0) != "t") {
    return make_error(ErrorKind::kUnavailable, "the promotion did not finish within 60 s");
  }
  out << "database mgc is online: the standby was promoted and accepts writes\n";
  return ok_status();
}

}  // namespace

Status run_sql(const SqlArgs& args, std::istream& in, std::ostream& out) {
  std::string text = args.text;
  if (text.empty()) text.assign(std::istreambuf_iterator<char>(in), {});
  auto statements = cmdlet::parse_sql(text);
  if (!statements) return statements.error();
  if (statements->empty()) {
    return make_error(ErrorKind::kInvalidInput,
                      std::string("no statement given. Supported statements: ") +
                          std::string(cmdlet::supported_sql_statements()));
  }
  auto target = open_sql_target(args);
  if (!target) return target.error();
  pg::Connection& c = (*target)->mgc();
  for (const auto& st : *statements) {
    Status done = ok_status();
    switch (st.kind) {
      case SqlStatement::kUse:
        done = check_database(st);
        if (done) out << "Changed database context to '" << st.database << "'.\n";
        break;
      case SqlStatement::kWho:
        done = who(c, st, out);
        break;
      case SqlStatement::kKill:
        done = kill(c, st, out);
        break;
      case SqlStatement::kRestoreWithRecovery:
        if ((*target)->is_backup() && st.database == "mgc") {
          done = dr::runbook::bring_online(*(*target)->topology, {.force = args.force}, out);
        } else {
          done = restore_with_recovery(c, st, out);
        }
        break;
      case SqlStatement::kRemoveLogShippingSecondary:
        done = check_database(st);
        if (done && (*target)->is_backup()) {
          done = dr::runbook::remove_secondary(*(*target)->topology, {.force = args.force}, out);
        } else if (done) {
          out << "no log-shipping secondary configuration for mgc on " << (*target)->name
              << ": nothing to remove\n";
        }
        break;
    }
    if (!done) return done;
  }
  return ok_status();
}

}  // namespace pchat::ctl
