// pchatctl: the pchat management shell. This file only holds the global options and
// runs the command; each command family wires its own subcommands (FAMILY/cli.cc,
// declared in cli.h). See README.md beside it.
//
// Exit codes: 0 success, 1 operational error ("pchatctl: error: ..." on stderr),
// 2 usage error.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/log.h"
#include "ctl/cli.h"
#include "ctl/cmdlet/cli.h"

namespace {

constexpr int kExitError = 1;
constexpr int kExitUsage = 2;

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
  std::string topology_file;
  auto* data_dir_opt =
      app.add_option("--data-dir", data_dir, "pchat data directory (default ./pchat-data)")
          ->option_text("DIR");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")
      ->capture_default_str();
  app.add_option("--topology", topology_file, "the pool's topology file (TOML)")
      ->option_text("FILE")
      ->envname("PCHAT_TOPOLOGY");

  std::function<pchat::Status()> command;  // the one to run once parsing succeeded
  pchat::ctl::Cli cli{
      .app = app,
      .data_dir = data_dir,
      .topology_file = topology_file,
      .set_command = [&](std::function<pchat::Status()> f) { command = std::move(f); }};
  pchat::ctl::add_account_commands(cli);
  pchat::ctl::add_pool_commands(cli);
  pchat::ctl::add_room_commands(cli);
  pchat::ctl::add_runbook_commands(cli);
  pchat::ctl::add_compliance_commands(cli);
  pchat::ctl::add_cmdlet_commands(cli);
  pchat::ctl::add_lab_commands(cli);
  pchat::ctl::add_dr_commands(cli);

  std::vector<std::string> args = pchat::ctl::rewrite_cmdlet_args(argc, argv);
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
  if (app.get_subcommand("user")->parsed() && data_dir_opt->count() > 0 && !topology_file.empty()) {
    std::cerr << "pchatctl: error: --data-dir (a standalone server's store) and --topology "
                 "or PCHAT_TOPOLOGY (a pool's stores) are both given: give one of them\n";
    return kExitUsage;
  }
  if (!command) return kExitUsage;  // unreachable: a subcommand is required
  auto st = command();
  std::cout.flush();
  if (!st) {
    std::cerr << "pchatctl: error: " << st.error().message << "\n";
    return kExitError;
  }
  return 0;
}
