// pchatctl: the pchat management shell. This file only wires the command line
// (CLI11) to the commands; see README.md beside it.
//
// Exit codes: 0 success, 1 operational error ("pchatctl: error: ..." on stderr),
// 2 usage error.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <functional>
#include <iostream>
#include <stdexcept>

#include "core/log.h"
#include "ctl/topology_commands.h"
#include "ctl/user_commands.h"

namespace {

constexpr int kExitError = 1;
constexpr int kExitUsage = 2;

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "pchatctl: manage a pchat server and its store.\n"
      "Commands work on the data directory's store: the running one (pchatd's), or, when\n"
      "nothing runs there, a temporary PostgreSQL started for the command's duration.",
      "pchatctl"};
  app.set_version_flag("--version", "pchatctl " PCHAT_VERSION);
  app.require_subcommand(1);

  std::string data_dir = "./pchat-data";
  std::string log_level = "warn";
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
      "echo. If DIR does not exist, it is created and a new store initialized in it.");
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

  try {
    app.parse(argc, argv);
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

  pchat::ctl::UserCommandContext ctx{.data_dir = data_dir, .out = &std::cout};
  if (!command) return kExitUsage;  // unreachable: a subcommand is required
  auto st = command(ctx);
  std::cout.flush();
  if (!st) {
    std::cerr << "pchatctl: error: " << st.error().message << "\n";
    return kExitError;
  }
  return 0;
}
