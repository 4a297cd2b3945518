#include "ctl/cmdlet_specs.h"

#include <vector>

namespace pchat::ctl {

using cmdlet::CmdletSpec;
using PK = cmdlet::ParamKind;

std::span<const CmdletSpec> supported_cmdlets() {
  static const std::vector<CmdletSpec> specs = {
      {kGetPoolStateCmdlet, {{"Identity", PK::kString, false, 0}}},
      {kSetPoolStateCmdlet,
       {{"Identity", PK::kString, true, 0},
        {"PoolState", PK::kString, true},
        {"Force", PK::kSwitch}}},
      {kGetActiveServerCmdlet, {{"Identity", PK::kString, false, 0}}},
      {kSetActiveServerCmdlet,
       {{"Identity", PK::kString, true, 0},
        {"ActiveServers", PK::kStringOrHashtableOrNull},
        {"Swap", PK::kSwitch},  // pchat's own
        {"Force", PK::kSwitch}}},
  };
  return specs;
}

}  // namespace pchat::ctl
