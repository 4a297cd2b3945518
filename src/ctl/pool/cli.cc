// `pchatctl topology ...`, `pool ...` and `status` (pool/topology.h, pool/commands.h,
// pool/status.h).
#include <iostream>

#include "ctl/cli.h"
#include "ctl/pool/commands.h"
#include "ctl/pool/status.h"
#include "ctl/pool/topology.h"

namespace pchat::ctl {

namespace {

struct PoolOptions {
  std::string identity;
  std::string new_state;
  std::vector<std::string> set_list;
  PoolActiveServersArgs active;
  StatusArgs status;
  bool dry_run = false;
  bool force = false;
  bool json = false;
};

void add_topology(Cli& cli, PoolOptions& o) {
  auto* topology =
      cli.app.add_subcommand("topology", "check and print the topology file (--topology)");
  topology->require_subcommand(1);
  auto ctx = [&cli] { return TopologyCommandContext{cli.topology_file, &std::cout, &std::cerr}; };
  auto* validate = topology->add_subcommand(
      "validate", "report every error and warning in the topology file, with its line");
  validate->add_flag("--json", o.json, "print {file, valid, errors, warnings, diagnostics}");
  validate->footer("Exit code 0 when the file has no error (warnings allowed), 1 otherwise.");
  validate->callback(
      [&cli, &o, ctx] { cli.set_command([&o, ctx] { return topology_validate(ctx(), o.json); }); });
  auto* show = topology->add_subcommand("show", "print the parsed topology, defaults filled in");
  show->add_flag("--json", o.json, "print the whole model as one JSON object");
  show->callback(
      [&cli, &o, ctx] { cli.set_command([&o, ctx] { return topology_show(ctx(), o.json); }); });
}

void add_state(Cli& cli, PoolOptions& o, CLI::App* pool) {
  auto* state = pool->add_subcommand("state",
                                     "print the pool state, epoch, primary store and "
                                     "active servers (Get-CsPersistentChatState)");
  state->add_option("--identity", o.identity, "check that the store is this pool's")
      ->option_text("service:FQDN");
  state->add_flag("--json", o.json, "print one JSON object");
  state->callback([&cli, &o] {
    cli.set_command([&cli, &o] {
      return pool_state_show(cli.pool_ctx(), {.identity = o.identity, .json = o.json});
    });
  });

  auto* set_state = pool->add_subcommand(
      "set-state", "set the pool state (Set-CsPersistentChatState); epoch+1 when it changes");
  set_state->add_option("STATE", o.new_state, "Normal or FailedOver")->required();
  set_state->add_option("--identity", o.identity, "the pool (with a topology: must be its pool)")
      ->option_text("service:FQDN");
  set_state->add_flag("--force", o.force,
                      "record the new primary store even if the topology does not declare it");
  set_state->add_flag("--dry-run", o.dry_run, "show what would change; change nothing");
  set_state->add_flag("--json", o.json, "print {changed, dry_run, before, after}");
  set_state->footer("FailedOver makes the 'backup' store primary, Normal the 'primary' store.");
  set_state->callback([&cli, &o] {
    cli.set_command([&cli, &o] {
      return pool_set_state(cli.pool_ctx(), {.identity = o.identity,
                                             .state = o.new_state,
                                             .force = o.force,
                                             .dry_run = o.dry_run,
                                             .json = o.json});
    });
  });
}

void add_active_servers(Cli& cli, PoolOptions& o, CLI::App* pool) {
  auto* active = pool->add_subcommand(
      "active-servers",
      "print or change the active-server list (Get-/Set-CsPersistentChatActiveServer)");
  active->add_option("--add", o.active.add, "add servers (comma-separated)")
      ->delimiter(',')
      ->option_text("A,B");
  active->add_option("--remove", o.active.remove, "remove servers (comma-separated)")
      ->delimiter(',')
      ->option_text("A,B");
  auto* set_opt = active->add_option("--set", o.set_list, "replace the whole list")
                      ->delimiter(',')
                      ->option_text("A,B");
  active->add_flag("--clear", o.active.clear, "make no server active");
  active->add_flag("--swap", o.active.swap,
                   "active servers trade places with the other datacenter's servers");
  active->add_option("--identity", o.identity, "the pool (with a topology: must be its pool)")
      ->option_text("service:FQDN");
  active->add_flag("--force", o.force,
                   "allow servers outside the primary store's datacenter (no low-latency link)");
  active->add_flag("--dry-run", o.dry_run, "show what would change; change nothing");
  active->add_flag("--json", o.json, "print JSON");
  active->footer(
      "With no change given, prints the list. Order of a change: --clear or --set,\n"
      "then --remove, then --add.");
  active->callback([&cli, &o, set_opt] {
    if (set_opt->count() > 0) o.active.set = o.set_list;
    cli.set_command([&cli, &o] {
      o.active.identity = o.identity;
      o.active.force = o.force;
      o.active.dry_run = o.dry_run;
      o.active.json = o.json;
      return pool_active_servers(cli.pool_ctx(), o.active);
    });
  });
}

void add_status(Cli& cli, PoolOptions& o) {
  auto* status = cli.app.add_subcommand(
      "status", "the pool at a glance: pool state, and each server's role, clients, store, epoch");
  status
      ->add_option("--server-http", o.status.server_http,
                   "without a topology: a server's admin API to ask (repeatable)")
      ->option_text("HOST:PORT");
  status->add_flag("--json", o.json, "print one JSON object");
  status->callback([&cli, &o] {
    cli.set_command([&cli, &o] {
      o.status.data_dir = cli.data_dir;
      o.status.topology_file = cli.topology_file;
      o.status.json = o.json;
      return pool_status(o.status, std::cout);
    });
  });
}

}  // namespace

void add_pool_commands(Cli& cli) {
  auto& o = cli.keep<PoolOptions>();
  add_topology(cli, o);
  auto* pool = cli.app.add_subcommand(
      "pool", "pool state (Normal/FailedOver, epoch) and active servers, in the store");
  pool->require_subcommand(1);
  pool->footer(
      "With --topology FILE, the topology's primary store; otherwise the --data-dir store.");
  add_state(cli, o, pool);
  add_active_servers(cli, o, pool);
  add_status(cli, o);
}

}  // namespace pchat::ctl
