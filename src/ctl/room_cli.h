// The CLI11 wiring of `pchatctl category|room|addin|group|config ...` (the native
// names of ctl/room_commands.h), kept out of main.cc.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

#include "core/result.h"
#include "ctl/pool_commands.h"

namespace pchat::ctl {

// Adds the subcommands to `app`. When one is parsed, `command` is set to run it with
// the context `ctx()` gives (called after parsing, so global options are known).
void add_room_subcommands(CLI::App& app, std::function<PoolCommandContext()> ctx,
                          std::function<void(std::function<Status()>)> set_command);

}  // namespace pchat::ctl
