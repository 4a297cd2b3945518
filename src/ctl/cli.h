// What each command family's command-line wiring (FAMILY/cli.h) needs from
// pchatctl's main(): the CLI11 app, the global options, and where to put the command
// to run once parsing succeeded. Global options are read when the command runs
// (after parsing), never when the subcommands are added.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "ctl/pool/commands.h"

namespace pchat::ctl {

struct Cli {
  CLI::App& app;
  const std::string& data_dir;       // --data-dir DIR
  const std::string& topology_file;  // --topology FILE or PCHAT_TOPOLOGY
  // Sets the command to run once parsing succeeded (one subcommand is run).
  std::function<void(std::function<Status()>)> set_command;
  // Keeps a family's parsed values alive until its command ran.
  std::vector<std::shared_ptr<void>> kept;

  // The store context most commands take: the global options, stdout and stderr.
  PoolCommandContext pool_ctx() const;
  // A family's parsed values, kept alive until the command ran.
  template <typename T>
  T& keep() {
    auto p = std::make_shared<T>();
    kept.push_back(p);
    return *p;
  }
};

// Each family adds its subcommands (FAMILY/cli.cc).
void add_account_commands(Cli& cli);     // user ...
void add_pool_commands(Cli& cli);        // topology, pool, status
void add_room_commands(Cli& cli);        // category, room, addin, group, config, messages
void add_compliance_commands(Cli& cli);  // compliance ...
void add_cmdlet_commands(Cli& cli);      // cmdlet (Lync's cmdlets as written)
void add_lab_commands(Cli& cli);         // lab ...
void add_dr_commands(Cli& cli);          // logship ..., mirror ...
void add_runbook_commands(Cli& cli);     // sql, sessions, recover, failover, failback

}  // namespace pchat::ctl
