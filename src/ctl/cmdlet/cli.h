// The command-line side of Lync's cmdlets in pchatctl (the subcommand itself is
// added by add_cmdlet_commands, ctl/cli.h).
#pragma once

#include <string>
#include <vector>

namespace pchat::ctl {

// Lync's cmdlets typed straight after pchatctl (`pchatctl Set-CsPersistentChatState
// -Identity ... –PoolState FailedOver`), and the words after `pchatctl cmdlet`, are
// not options for CLI11: returns argv with them rewritten as
// `cmdlet [--json] --line=LINE`, LINE being the one word as given, or several joined
// again (join_cmdlet_args). Global options before them stay as they are; any other
// command line comes back unchanged.
std::vector<std::string> rewrite_cmdlet_args(int argc, char** argv);

}  // namespace pchat::ctl
