// Lync's cmdlets typed as written (docs/design.md#failover-step-by-step): `pchatctl <Cmdlet> ...`,
// `pchatctl cmdlet '<line>'`, `pchatctl cmdlet --file script.ps1`. Each line is
// parsed and bound (ctl/cmdlet) against supported_cmdlets() (ctl/cmdlet/specs.h),
// then runs the native command it names (ctl/pool/commands.h). -WhatIf is a dry run.
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "core/result.h"
#include "ctl/pool/commands.h"

namespace pchat::ctl {

// True when `arg`, up to its first blank, is a cmdlet name (Verb-Noun, any accepted
// dash), so main() can tell `pchatctl Set-CsPersistentChatState ...` (or the whole
// line as one argument) from its own subcommands.
bool looks_like_cmdlet(std::string_view arg);

// The command line the shell split into `args`, joined with spaces again; an
// argument holding a blank (or empty) is re-quoted ('...', '' for a quote inside),
// as the shell had received it quoted.
std::string join_cmdlet_args(std::span<const std::string> args);

// Parses, binds and runs one cmdlet line. Errors: kInvalidInput for a line that does
// not parse or bind (nothing runs), kNotFound for an unknown cmdlet (listing the
// supported ones), or the command's own.
Status run_cmdlet_line(const PoolCommandContext& ctx, std::string_view line, bool json);

// Runs every command of a script (split_cmdlet_lines()). All lines are parsed and
// bound first: a script with a bad line runs nothing. Then they run in order, each
// echoed as "> LINE" (unless `json`); the first failure stops the script and is
// returned as "command N (LINE): MESSAGE".
Status run_cmdlet_script(const PoolCommandContext& ctx, const std::filesystem::path& file,
                         bool json);

}  // namespace pchat::ctl
