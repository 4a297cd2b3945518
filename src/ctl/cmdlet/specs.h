// Lync's cmdlets pchatctl runs, declared for the binder (ctl/cmdlet/binder.h):
// names and parameters as Lync Server 2013 Persistent Chat documents them, plus pchat's own
// additions (marked). One table for every front end: `pchatctl <Cmdlet> ...`,
// `pchatctl cmdlet '<line>'` and `pchatctl cmdlet --file script.ps1`.
#pragma once

#include <span>

#include "ctl/cmdlet/binder.h"

namespace pchat::ctl {

inline constexpr const char* kGetPoolStateCmdlet = "Get-CsPersistentChatState";
inline constexpr const char* kSetPoolStateCmdlet = "Set-CsPersistentChatState";
inline constexpr const char* kGetActiveServerCmdlet = "Get-CsPersistentChatActiveServer";
inline constexpr const char* kSetActiveServerCmdlet = "Set-CsPersistentChatActiveServer";
inline constexpr const char* kGetComplianceCmdlet = "Get-CsPersistentChatComplianceConfiguration";
inline constexpr const char* kSetComplianceCmdlet = "Set-CsPersistentChatComplianceConfiguration";
inline constexpr const char* kInstallMirrorCmdlet = "Install-CsMirrorDatabase";

// Every supported cmdlet, in documentation order:
//   Get-CsPersistentChatState [-Identity] <service:fqdn>
//   Set-CsPersistentChatState [-Identity] <service:fqdn> -PoolState Normal|FailedOver [-Force]
//   Get-CsPersistentChatActiveServer [-Identity] <service:fqdn>
//   Set-CsPersistentChatActiveServer [-Identity] <service:fqdn>
//       [-ActiveServers @{Add=..}|@{Remove=..}|@{Replace=..}|$null|"a","b"] [-Swap] [-Force]
//   Get-CsPersistentChatComplianceConfiguration [[-Identity] Global]
//   Set-CsPersistentChatComplianceConfiguration [[-Identity] Global] [-AdapterType T]
//       [-AdapterName N] [-AdapterOutputDirectory DIR] [-OneChatRoomPerOutputFile $true]
//       [-AddUserDetails $true] [-AddChatRoomDetails $true] [-RunInterval 00:15:00]
// -Swap is pchat's own. The common -WhatIf means a dry run; -Confirm is accepted and
// ignored (pchatctl never prompts).
std::span<const cmdlet::CmdletSpec> supported_cmdlets();

}  // namespace pchat::ctl
