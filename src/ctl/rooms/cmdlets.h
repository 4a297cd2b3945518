// Lync's room cmdlets, declared for the binder and run as the native commands of
// ctl/rooms/commands.h:
//
//   New-CsPersistentChatCategory -Name N [-PersistentChatPoolFqdn F] [-Description D]
//       [-AllowedMembers L] [-DeniedMembers L] [-Creators L] [-EnableFileUpload $b]
//       [-EnableInvitations $b]
//   Get-CsPersistentChatCategory [[-Identity] "pool\N"] [-PersistentChatPoolFqdn F]
//   Set-CsPersistentChatCategory [-Identity] "pool\N" [-Name N2] [-Description D]
//       [-AllowedMembers L|@{Add=..;Remove=..}|$null] [-DeniedMembers ...] [-Creators ...]
//       [-EnableFileUpload $b] [-EnableInvitations $b]
//   Remove-CsPersistentChatCategory [-Identity] "pool\N"
//   New-CsPersistentChatRoom -Name R -Category "pool\N" [-PersistentChatPoolFqdn F]
//       [-Description D] [-Privacy Open|Closed|Secret] [-Type Normal|Auditorium]
//       [-Addin A] [-Invitations False|Inherit] [-Disabled $b]
//       [-Members L] [-Managers L] [-Presenters L]           (the last three: pchat's own)
//   Get-CsPersistentChatRoom [[-Identity] "pool\R"] [-Category C] [-PersistentChatPoolFqdn F]
//   Set-CsPersistentChatRoom [-Identity] "pool\R" [-Name R2] [-Category C] [-Description D]
//       [-Privacy P] [-Type T] [-Addin A|$null] [-Invitations I] [-Disabled $b]
//       [-Members L|@{Add=..;Remove=..}|$null] [-Managers ...] [-Presenters ...]
//   Remove-CsPersistentChatRoom [-Identity] "pool\R"
//   New-CsPersistentChatAddin -Name A -Url U [-PersistentChatPoolFqdn F]
//   Get-CsPersistentChatAddin [[-Identity] "pool\A"]
//   Set-CsPersistentChatAddin [-Identity] "pool\A" [-Url U] [-Name A2]
//   Remove-CsPersistentChatAddin [-Identity] "pool\A"
//   Get-CsPersistentChatConfiguration [[-Identity] global|site:X]
//   Set-CsPersistentChatConfiguration [[-Identity] global|site:X] [-DefaultChatHistory N]
//       [-ParticipantUpdateLimit N] [-MaxFileSizeKB N]
//
// Identities "pool\Name" name the object after the last backslash (one pool per
// store). A configuration identity is accepted and ignored: a pchat pool has one
// configuration. -WhatIf is a dry run.
#pragma once

#include <vector>

#include "core/result.h"
#include "ctl/cmdlet/binder.h"
#include "ctl/pool/commands.h"

namespace pchat::ctl {

// Appends the room cmdlets' specs to `specs`.
void add_room_cmdlet_specs(std::vector<cmdlet::CmdletSpec>& specs);

// True iff `name` (the spec's spelling) is one of the room cmdlets.
bool is_room_cmdlet(const std::string& name);

// Runs a bound room cmdlet. REQUIRES: is_room_cmdlet(call.name).
Status run_room_cmdlet(const PoolCommandContext& ctx, const cmdlet::BoundCall& call, bool json);

}  // namespace pchat::ctl
