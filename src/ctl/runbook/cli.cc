// `pchatctl sessions|recover|failover|failback` (runbook/steps.h) and `pchatctl sql`
// (runbook/sql.h): the failover runbook's steps and Lync's query-window statements.
#include <iostream>

#include "ctl/cli.h"
#include "ctl/runbook/sql.h"
#include "ctl/runbook/steps.h"

namespace pchat::ctl {

namespace {

void add_sql(Cli& cli) {
  auto& sql_args = cli.keep<SqlArgs>();
  auto* sql = cli.app.add_subcommand(
      "sql",
      "Lync's query-window statements (exec sp_who2, kill <spid>, restore database "
      "mgc with recovery, ...)");
  sql->add_option("STATEMENTS", sql_args.text,
                  "one or more statements; none: read them from stdin (GO lines allowed)");
  sql->add_option("--store", sql_args.store_role,
                  "with --topology: the store's role (default primary)");
  sql->add_flag("--force", sql_args.force,
                "runbook statements: go on although the step's precondition fails");
  sql->footer(
      "Every statement is checked before any runs. SPIDs are PostgreSQL backend pids.\n"
      "Example: pchatctl --topology pool.toml sql --store backup 'exec sp_who2'");
  sql->callback([&cli, &sql_args] {
    cli.set_command([&cli, &sql_args] {
      sql_args.data_dir = cli.data_dir;
      sql_args.topology_file = cli.topology_file;
      return run_sql(sql_args, std::cin, std::cout);
    });
  });
}

}  // namespace

void add_runbook_commands(Cli& cli) {
  RunbookArgs* s = &cli.keep<RunbookArgs>();
  auto rtopo = [s, &cli](auto fn) {
    return [s, &cli, fn] {
      s->topology_file = cli.topology_file;
      return fn(*s, std::cout);
    };
  };
  auto add_step_flags = [s](CLI::App* c) {
    c->add_flag("--dry-run", s->dry_run, "say what would happen; change nothing");
    c->add_flag("--force", s->force, "go on although the precondition fails");
  };
  // -- the failover runbook (steps 4a, 4b, and all seven) --
  auto* sessions = cli.app.add_subcommand(
      "sessions", "runbook step 4a: list the sessions on mgc of a store (--end: end them)");
  sessions->add_option("--store", s->store, "store role (default backup)");
  sessions->add_flag("--end", s->end, "end them (kill)");
  sessions->add_flag("--dry-run", s->dry_run, "say what would happen; change nothing");
  sessions->callback([=, &cli] { cli.set_command(rtopo(runbook_sessions)); });
  auto* recover = cli.app.add_subcommand(
      "recover",
      "runbook step 4b: bring the backup database online (restore database mgc with recovery)");
  add_step_flags(recover);
  recover->callback([=, &cli] { cli.set_command(rtopo(runbook_recover)); });
  auto* failover = cli.app.add_subcommand(
      "failover",
      "the whole failover runbook to datacenter B (runbook steps 1-7): preflight, steps, report; "
      "re-run to resume");
  add_step_flags(failover);
  failover->callback([=, &cli] { cli.set_command(rtopo(runbook_failover)); });
  auto* failback = cli.app.add_subcommand(
      "failback",
      "back to datacenter A once it is back: rebuild A from B, switch over with no loss, "
      "Normal, log shipping A -> B; re-run to resume");
  failback->add_flag("--dry-run", s->dry_run, "say what would happen; change nothing");
  failback->callback([=, &cli] { cli.set_command(rtopo(runbook_failback)); });
  add_sql(cli);
}

}  // namespace pchat::ctl
