// pchatctl: the pchat management shell. This file only wires the command line
// (CLI11) to the commands; see README.md beside it.
//
// Exit codes: 0 success, 1 operational error ("pchatctl: error: ..." on stderr),
// 2 usage error.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <cstdlib>

#include "core/log.h"
#include "ctl/cmdlet_commands.h"
#include "ctl/compliance_commands.h"
#include "ctl/dr_cli.h"
#include "ctl/pool_commands.h"
#include "ctl/room_cli.h"
#include "ctl/sql_commands.h"
#include "ctl/status_command.h"
#include "ctl/topology_commands.h"
#include "ctl/user_commands.h"

namespace {

constexpr int kExitError = 1;
constexpr int kExitUsage = 2;

// Lync's cmdlets typed straight after pchatctl (`pchatctl Set-CsPersistentChatState
// -Identity ... –PoolState FailedOver`), and the words after `pchatctl cmdlet`, are not
// options for CLI11: rewrite them as `cmdlet [--json] --line=LINE`, LINE being the
// one word as given, or several joined again (join_cmdlet_args). Global options before them stay as
// they are.
std::vector<std::string> rewrite_cmdlet_args(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  size_t i = 1;
  while (i < args.size()) {
    const std::string& a = args[i];
    if (a == "--data-dir" || a == "--log-level" || a == "--topology") {
      i += 2;
    } else if (a.starts_with("-")) {
      ++i;
    } else {
      break;
    }
  }
  if (i >= args.size()) return args;
  bool explicit_cmdlet = args[i] == "cmdlet";
  if (!explicit_cmdlet && !pchat::ctl::looks_like_cmdlet(args[i])) return args;
  std::vector<std::string> out(args.begin(), args.begin() + static_cast<long>(i));
  out.push_back("cmdlet");
  std::vector<std::string> words;
  size_t j = explicit_cmdlet ? i + 1 : i;
  for (; j < args.size(); ++j) {
    if (args[j] == "--json") {
      out.push_back("--json");
    } else {
      words.push_back(args[j]);
    }
  }
  if (explicit_cmdlet && !words.empty() && words[0].starts_with("--")) {
    out.insert(out.end(), words.begin(), words.end());  // --file F, --help
  } else if (words.size() == 1) {
    out.push_back("--line=" + words[0]);  // the whole line as one argument: verbatim
  } else if (!words.empty()) {
    out.push_back("--line=" + pchat::ctl::join_cmdlet_args(words));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  // A store that does not answer (a datacenter gone dark) costs seconds, not TCP's
  // minutes of retries; an explicit PGCONNECT_TIMEOUT or connect_timeout wins.
  setenv("PGCONNECT_TIMEOUT", "3", /*overwrite=*/0);
  CLI::App app{
      "pchatctl: manage a pchat server and its store.\n"
      "Commands work on the data directory's store: the running one (pchatd's), or, when\n"
      "nothing runs there, a temporary PostgreSQL started for the command's duration.",
      "pchatctl"};
  app.set_version_flag("--version", "pchatctl " PCHAT_VERSION);
  app.require_subcommand(1);

  std::string data_dir = "./pchat-data";
  std::string log_level = "warn";
  auto* data_dir_opt =
      app.add_option("--data-dir", data_dir, "pchat data directory (default ./pchat-data)")
          ->option_text("DIR");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")
      ->capture_default_str();
  std::string topology_file;
  app.add_option("--topology", topology_file, "the pool's topology file (TOML)")
      ->option_text("FILE")
      ->envname("PCHAT_TOPOLOGY");

  // The command to run once parsing succeeded.
  std::function<pchat::Status(const pchat::ctl::UserCommandContext&)> command;
  std::string name;
  bool json = false;

  auto* user = app.add_subcommand("user", "manage accounts");
  user->require_subcommand(1);
  auto* add = user->add_subcommand("add", "create an account");
  add->footer(
      "The password is the first line of stdin; on a terminal it is asked twice, without\n"
      "echo. If DIR does not exist, it is created and a new store initialized in it.\n"
      "With --topology, the account is created in the store the pool uses now, and signs\n"
      "in on every server of the pool.");
  add->add_option("NAME", name, "account name")->required();
  add->callback(
      [&] { command = [&](const auto& ctx) { return pchat::ctl::user_add(ctx, name); }; });

  auto* passwd = user->add_subcommand("passwd", "set an account's password");
  passwd->footer(
      "The password is the first line of stdin; on a terminal it is asked twice, without\n"
      "echo.");
  passwd->add_option("NAME", name, "account name")->required();
  passwd->callback(
      [&] { command = [&](const auto& ctx) { return pchat::ctl::user_passwd(ctx, name); }; });

  auto* remove = user->add_subcommand("remove", "remove an account (its messages stay)");
  remove->add_option("NAME", name, "account name")->required();
  remove->callback(
      [&] { command = [&](const auto& ctx) { return pchat::ctl::user_remove(ctx, name); }; });

  auto* list = user->add_subcommand("list", "list accounts: name and creation time (UTC)");
  list->add_flag("--json", json, "print a JSON array of {name, display_name, created_at}");
  list->callback(
      [&] { command = [&](const auto& ctx) { return pchat::ctl::user_list(ctx, json); }; });

  std::string fingerprint;
  auto* cert =
      user->add_subcommand("cert", "client certificates an account signs in with (SASL EXTERNAL)");
  cert->require_subcommand(1);
  cert->footer(
      "FINGERPRINT: the certificate's SHA-256, 64 hex digits, colons allowed, as printed by\n"
      "  openssl x509 -in client.pem -noout -fingerprint -sha256");
  auto* cert_add = cert->add_subcommand("add", "register a certificate fingerprint for NAME");
  cert_add->add_option("NAME", name, "account name")->required();
  cert_add->add_option("FINGERPRINT", fingerprint, "SHA-256 fingerprint")->required();
  cert_add->callback([&] {
    command = [&](const auto& ctx) { return pchat::ctl::user_cert_add(ctx, name, fingerprint); };
  });
  auto* cert_remove = cert->add_subcommand("remove", "forget one of NAME's certificates");
  cert_remove->add_option("NAME", name, "account name")->required();
  cert_remove->add_option("FINGERPRINT", fingerprint, "SHA-256 fingerprint")->required();
  cert_remove->callback([&] {
    command = [&](const auto& ctx) { return pchat::ctl::user_cert_remove(ctx, name, fingerprint); };
  });
  auto* cert_list = cert->add_subcommand("list", "list registered certificates (NAME's, or all)");
  cert_list->add_option("NAME", name, "account name (default: every account)");
  cert_list->add_flag("--json", json, "print a JSON array of {account, fingerprint, added_at}");
  cert_list->callback([&] {
    command = [&](const auto& ctx) { return pchat::ctl::user_cert_list(ctx, name, json); };
  });

  auto* topology = app.add_subcommand("topology", "check and print the topology file (--topology)");
  topology->require_subcommand(1);
  auto topology_ctx = [&] {
    return pchat::ctl::TopologyCommandContext{topology_file, &std::cout, &std::cerr};
  };
  auto* validate = topology->add_subcommand(
      "validate", "report every error and warning in the topology file, with its line");
  validate->add_flag("--json", json, "print {file, valid, errors, warnings, diagnostics}");
  validate->footer("Exit code 0 when the file has no error (warnings allowed), 1 otherwise.");
  validate->callback([&] {
    command = [&](const auto&) { return pchat::ctl::topology_validate(topology_ctx(), json); };
  });
  auto* show = topology->add_subcommand("show", "print the parsed topology, defaults filled in");
  show->add_flag("--json", json, "print the whole model as one JSON object");
  show->callback([&] {
    command = [&](const auto&) { return pchat::ctl::topology_show(topology_ctx(), json); };
  });

  auto pool_ctx = [&] {
    return pchat::ctl::PoolCommandContext{data_dir, topology_file, &std::cout, &std::cerr};
  };
  std::string identity;
  bool dry_run = false;
  bool force = false;

  auto* pool = app.add_subcommand(
      "pool", "pool state (Normal/FailedOver, epoch) and active servers, in the store");
  pool->require_subcommand(1);
  pool->footer(
      "With --topology FILE, the topology's primary store; otherwise the --data-dir store.");
  auto* state = pool->add_subcommand("state",
                                     "print the pool state, epoch, primary store and "
                                     "active servers (Get-CsPersistentChatState)");
  state->add_option("--identity", identity, "check that the store is this pool's")
      ->option_text("service:FQDN");
  state->add_flag("--json", json, "print one JSON object");
  state->callback([&] {
    command = [&](const auto&) {
      return pchat::ctl::pool_state_show(pool_ctx(), {.identity = identity, .json = json});
    };
  });

  std::string new_state;
  auto* set_state = pool->add_subcommand(
      "set-state", "set the pool state (Set-CsPersistentChatState); epoch+1 when it changes");
  set_state->add_option("STATE", new_state, "Normal or FailedOver")->required();
  set_state->add_option("--identity", identity, "the pool (with a topology: must be its pool)")
      ->option_text("service:FQDN");
  set_state->add_flag("--force", force,
                      "record the new primary store even if the topology does not declare it");
  set_state->add_flag("--dry-run", dry_run, "show what would change; change nothing");
  set_state->add_flag("--json", json, "print {changed, dry_run, before, after}");
  set_state->footer("FailedOver makes the 'backup' store primary, Normal the 'primary' store.");
  set_state->callback([&] {
    command = [&](const auto&) {
      return pchat::ctl::pool_set_state(pool_ctx(), {.identity = identity,
                                                     .state = new_state,
                                                     .force = force,
                                                     .dry_run = dry_run,
                                                     .json = json});
    };
  });

  pchat::ctl::PoolActiveServersArgs active_args;
  std::vector<std::string> set_list;
  auto* active = pool->add_subcommand(
      "active-servers",
      "print or change the active-server list (Get-/Set-CsPersistentChatActiveServer)");
  active->add_option("--add", active_args.add, "add servers (comma-separated)")
      ->delimiter(',')
      ->option_text("A,B");
  active->add_option("--remove", active_args.remove, "remove servers (comma-separated)")
      ->delimiter(',')
      ->option_text("A,B");
  auto* set_opt = active->add_option("--set", set_list, "replace the whole list")
                      ->delimiter(',')
                      ->option_text("A,B");
  active->add_flag("--clear", active_args.clear, "make no server active");
  active->add_flag("--swap", active_args.swap,
                   "active servers trade places with the other datacenter's servers");
  active->add_option("--identity", identity, "the pool (with a topology: must be its pool)")
      ->option_text("service:FQDN");
  active->add_flag("--force", force,
                   "allow servers outside the primary store's datacenter (no low-latency link)");
  active->add_flag("--dry-run", dry_run, "show what would change; change nothing");
  active->add_flag("--json", json, "print JSON");
  active->footer(
      "With no change given, prints the list. Order of a change: --clear or --set,\n"
      "then --remove, then --add.");
  active->callback([&] {
    if (set_opt->count() > 0) active_args.set = set_list;
    command = [&](const auto&) {
      active_args.identity = identity;
      active_args.force = force;
      active_args.dry_run = dry_run;
      active_args.json = json;
      return pchat::ctl::pool_active_servers(pool_ctx(), active_args);
    };
  });

  pchat::ctl::add_room_subcommands(app, pool_ctx, [&](std::function<pchat::Status()> run) {
    command = [run](const auto&) { return run(); };
  });

  pchat::ctl::StatusArgs status_args;
  auto* status = app.add_subcommand(
      "status", "the pool at a glance: pool state, and each server's role, clients, store, epoch");
  status
      ->add_option("--server-http", status_args.server_http,
                   "without a topology: a server's admin API to ask (repeatable)")
      ->option_text("HOST:PORT");
  status->add_flag("--json", json, "print one JSON object");
  status->callback([&] {
    command = [&](const auto&) {
      status_args.data_dir = data_dir;
      status_args.topology_file = topology_file;
      status_args.json = json;
      return pchat::ctl::pool_status(status_args, std::cout);
    };
  });

  pchat::ctl::SqlArgs sql_args;
  auto* sql = app.add_subcommand(
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
  sql->callback([&] {
    command = [&](const auto&) {
      sql_args.data_dir = data_dir;
      sql_args.topology_file = topology_file;
      return pchat::ctl::run_sql(sql_args, std::cin, std::cout);
    };
  });

  // compliance: Get-/Set-CsPersistentChatComplianceConfiguration's native names, status.
  pchat::ctl::ComplianceSetArgs comp_args;
  std::string comp_interval;
  std::optional<std::string> comp_dir, comp_type, comp_name;
  std::optional<bool> comp_per_room, comp_users, comp_rooms;
  auto* comp = app.add_subcommand("compliance", "compliance configuration and pipeline status");
  comp->require_subcommand(1);
  auto* comp_show = comp->add_subcommand(
      "config", "print the compliance configuration (Get-CsPersistentChatComplianceConfiguration)");
  comp_show->add_flag("--json", json, "print one JSON object");
  comp_show->callback([&] {
    command = [&](const auto&) { return pchat::ctl::compliance_config_show(pool_ctx(), json); };
  });
  auto* comp_set = comp->add_subcommand(
      "set", "change the compliance configuration (Set-CsPersistentChatComplianceConfiguration)");
  comp_set->add_option("--adapter-type", comp_type, "AdapterType (XmlAdapter)");
  comp_set->add_option("--adapter-name", comp_name, "AdapterName");
  comp_set->add_option("--output-dir", comp_dir, "AdapterOutputDirectory (absolute)");
  comp_set->add_option("--one-room-per-file", comp_per_room,
                       "OneChatRoomPerOutputFile (true|false)");
  comp_set->add_option("--user-details", comp_users, "AddUserDetails (true|false)");
  comp_set->add_option("--room-details", comp_rooms, "AddChatRoomDetails (true|false)");
  comp_set->add_option("--run-interval", comp_interval,
                       "RunInterval: HH:MM:SS or 90s, 15m, 1h (minimum 00:01:00)");
  comp_set->add_flag("--dry-run", dry_run, "show what would change; change nothing");
  comp_set->add_flag("--json", json, "print {changed, dry_run, before, after}");
  comp_set->callback([&] {
    command = [&](const auto&) -> pchat::Status {
      auto& e = comp_args.edit;
      e.adapter_type = comp_type;
      e.adapter_name = comp_name;
      e.output_directory = comp_dir;
      e.one_chat_room_per_output_file = comp_per_room;
      e.add_user_details = comp_users;
      e.add_chat_room_details = comp_rooms;
      if (!comp_interval.empty()) {
        auto seconds = pchat::compliance::parse_run_interval(comp_interval);
        if (!seconds) return seconds.error();
        e.run_interval_s = *seconds;
      }
      comp_args.dry_run = dry_run;
      comp_args.json = json;
      return pchat::ctl::compliance_config_set(pool_ctx(), comp_args);
    };
  });
  pchat::ctl::ComplianceDrainArgs drain_args;
  auto* comp_drain = comp->add_subcommand(
      "drain", "after a failover: write out the events left in a datacenter's compliance store");
  comp_drain->add_option("--from", drain_args.from, "the datacenter (topology name)")->required();
  comp_drain->add_flag("--dry-run", dry_run, "count what would be written; change nothing");
  comp_drain->add_flag("--json", json, "print one JSON object");
  comp_drain->callback([&] {
    command = [&](const auto&) {
      drain_args.dry_run = dry_run;
      drain_args.json = json;
      return pchat::ctl::compliance_drain(pool_ctx(), drain_args);
    };
  });
  auto* comp_status = comp->add_subcommand(
      "status", "events waiting in the outbox and in mgccomp, last run, last file, errors");
  comp_status->add_flag("--json", json, "print one JSON object");
  comp_status->callback([&] {
    command = [&](const auto&) { return pchat::ctl::compliance_status(pool_ctx(), json); };
  });

  std::string cmdlet_line;
  std::string cmdlet_file;
  auto* cmdlet = app.add_subcommand(
      "cmdlet", "run one of Lync's cmdlets as written, or a script of them (--file)");
  cmdlet->add_option("--line", cmdlet_line, "the cmdlet line")->option_text("LINE");
  cmdlet->add_option("--file", cmdlet_file, "a script: one cmdlet per line")->option_text("FILE");
  cmdlet->add_flag("--json", json, "JSON output");
  cmdlet->footer(
      "Usage: pchatctl [OPTIONS] cmdlet 'LINE' | pchatctl [OPTIONS] CMDLET ARGS... |\n"
      "       pchatctl [OPTIONS] cmdlet --file FILE\n"
      "Supported: Get-CsPersistentChatState, Set-CsPersistentChatState,\n"
      "Get-CsPersistentChatActiveServer, Set-CsPersistentChatActiveServer,\n"
      "New-/Get-/Set-/Remove-CsPersistentChatCategory, ...Room, ...Addin,\n"
      "Get-/Set-CsPersistentChatConfiguration,\n"
      "Get-CsPersistentChatComplianceConfiguration, Set-CsPersistentChatComplianceConfiguration,\n"
      "Install-CsMirrorDatabase.\n"
      "-WhatIf is a dry run. In a POSIX shell quote $null ('$null').");
  cmdlet->callback([&] {
    command = [&](const auto&) -> pchat::Status {
      if (!cmdlet_file.empty() && !cmdlet_line.empty()) {
        return pchat::make_error(pchat::ErrorKind::kInvalidInput,
                                 "give a cmdlet line or --file, not both");
      }
      if (!cmdlet_file.empty()) {
        return pchat::ctl::run_cmdlet_script(pool_ctx(), cmdlet_file, json);
      }
      if (cmdlet_line.empty()) {
        return pchat::make_error(pchat::ErrorKind::kInvalidInput,
                                 "no cmdlet given (pchatctl cmdlet 'LINE' or --file FILE)");
      }
      return pchat::ctl::run_cmdlet_line(pool_ctx(), cmdlet_line, json);
    };
  });

  auto dr_cli = pchat::ctl::add_dr_commands(
      app, topology_file,
      [&](std::function<pchat::Status()> f) { command = [f](const auto&) { return f(); }; });

  std::vector<std::string> args = rewrite_cmdlet_args(argc, argv);
  std::vector<char*> arg_ptrs;
  for (auto& a : args) arg_ptrs.push_back(a.data());
  try {
    app.parse(static_cast<int>(arg_ptrs.size()), arg_ptrs.data());
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);  // prints help/version (code 0) or the usage error
    return code == 0 ? 0 : kExitUsage;
  }

  try {
    pchat::init_logging(log_level);
  } catch (const std::invalid_argument& e) {
    std::cerr << "pchatctl: error: " << e.what() << "\n";
    return kExitUsage;
  }

  // Account commands with a topology never touch a data directory (`user add` would
  // create one): naming both is a mistake, and guessing which one was meant could
  // create an account where no server reads it. (Other commands use the topology.)
  if (user->parsed() && data_dir_opt->count() > 0 && !topology_file.empty()) {
    std::cerr << "pchatctl: error: --data-dir (a standalone server's store) and --topology "
                 "or PCHAT_TOPOLOGY (a pool's stores) are both given: give one of them\n";
    return kExitUsage;
  }
  pchat::ctl::UserCommandContext ctx{
      .data_dir = data_dir, .topology_file = topology_file, .out = &std::cout, .err = &std::cerr};
  if (!command) return kExitUsage;  // unreachable: a subcommand is required
  auto st = command(ctx);
  std::cout.flush();
  if (!st) {
    std::cerr << "pchatctl: error: " << st.error().message << "\n";
    return kExitError;
  }
  return 0;
}
