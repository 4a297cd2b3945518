#include "ctl/cmdlet/specs.h"

#include <vector>

#include "ctl/rooms/cmdlets.h"

namespace pchat::ctl {

using cmdlet::CmdletSpec;
using PK = cmdlet::ParamKind;

std::span<const CmdletSpec> supported_cmdlets() {
  static const std::vector<CmdletSpec> specs = [] {
    std::vector<CmdletSpec> all = {
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
        {kGetComplianceCmdlet, {{"Identity", PK::kString, false, 0}}},
        {kSetComplianceCmdlet,
         {{"Identity", PK::kString, false, 0},
          {"AdapterType", PK::kString},
          {"AdapterName", PK::kString},
          {"AdapterOutputDirectory", PK::kString},
          {"OneChatRoomPerOutputFile", PK::kBool},
          {"AddUserDetails", PK::kBool},
          {"AddChatRoomDetails", PK::kBool},
          {"RunInterval", PK::kString},
          {"Force", PK::kSwitch}}},
        // Runbook step 6. SQL Server's placement parameters are accepted and ignored (the
        // topology places the stores); PrimaryStore/MirrorStore (role names) are pchat's.
        {kInstallMirrorCmdlet,
         {{"DatabaseType", PK::kString},
          {"SqlServerFqdn", PK::kString},
          {"SqlInstanceName", PK::kString},
          {"FileShare", PK::kString},
          {"ForDefaultInstance", PK::kSwitch},
          {"ConfiguredDatabases", PK::kSwitch},
          {"DropExistingDatabasesOnMirror", PK::kSwitch},
          {"Update", PK::kSwitch},
          {"PrimaryStore", PK::kString},
          {"MirrorStore", PK::kString}}},
    };
    add_room_cmdlet_specs(all);
    return all;
  }();
  return specs;
}

}  // namespace pchat::ctl
