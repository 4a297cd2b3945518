// Wires the disaster-recovery command groups (lab, logship, mirror) into pchatctl's
// command line, so main.cc adds one call. See lab_commands.h, logship_commands.h,
// mirror_commands.h.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>

#include "core/result.h"

namespace pchat::ctl {

// Adds the subcommands to `app`. `topology_file` is pchatctl's --topology value (read
// when the command runs); `set_command` receives the command to run once parsing
// succeeded. The returned object holds the parsed values: keep it alive until then.
std::shared_ptr<void> add_dr_commands(CLI::App& app, const std::string& topology_file,
                                      std::function<void(std::function<Status()>)> set_command);

}  // namespace pchat::ctl
