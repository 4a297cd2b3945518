// `pchatctl cmdlet 'LINE'`, `pchatctl CMDLET ARGS...` and `pchatctl cmdlet --file FILE`:
// Lync's cmdlets as written (cmdlet/commands.h).
#include "ctl/cmdlet/cli.h"

#include "ctl/cli.h"
#include "ctl/cmdlet/commands.h"

namespace pchat::ctl {

namespace {

struct CmdletOptions {
  std::string line;
  std::string file;
  bool json = false;
};

}  // namespace

std::vector<std::string> rewrite_cmdlet_args(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  size_t i = 1;
  while (i < args.size()) {
    const std::string& a = args[i];
    if (a == "--data-dir" || a == "--log-level" || a == "--topology") {
      i += 2;
    } else if (a.starts_with("-")) {
      ++i;
    } else {
      break;
    }
  }
  if (i >= args.size()) return args;
  bool explicit_cmdlet = args[i] == "cmdlet";
  if (!explicit_cmdlet && !looks_like_cmdlet(args[i])) return args;
  std::vector<std::string> out(args.begin(), args.begin() + static_cast<long>(i));
  out.push_back("cmdlet");
  std::vector<std::string> words;
  size_t j = explicit_cmdlet ? i + 1 : i;
  for (; j < args.size(); ++j) {
    if (args[j] == "--json") {
      out.push_back("--json");
    } else {
      words.push_back(args[j]);
    }
  }
  if (explicit_cmdlet && !words.empty() && words[0].starts_with("--")) {
    out.insert(out.end(), words.begin(), words.end());  // --file F, --help
  } else if (words.size() == 1) {
    out.push_back("--line=" + words[0]);  // the whole line as one argument: verbatim
  } else if (!words.empty()) {
    out.push_back("--line=" + join_cmdlet_args(words));
  }
  return out;
}

void add_cmdlet_commands(Cli& cli) {
  auto& o = cli.keep<CmdletOptions>();
  auto* cmdlet = cli.app.add_subcommand(
      "cmdlet", "run one of Lync's cmdlets as written, or a script of them (--file)");
  cmdlet->add_option("--line", o.line, "the cmdlet line")->option_text("LINE");
  cmdlet->add_option("--file", o.file, "a script: one cmdlet per line")->option_text("FILE");
  cmdlet->add_flag("--json", o.json, "JSON output");
  cmdlet->footer(
      "Usage: pchatctl [OPTIONS] cmdlet 'LINE' | pchatctl [OPTIONS] CMDLET ARGS... |\n"
      "       pchatctl [OPTIONS] cmdlet --file FILE\n"
      "Supported: Get-CsPersistentChatState, Set-CsPersistentChatState,\n"
      "Get-CsPersistentChatActiveServer, Set-CsPersistentChatActiveServer,\n"
      "New-/Get-/Set-/Remove-CsPersistentChatCategory, ...Room, ...Addin,\n"
      "Get-/Set-CsPersistentChatConfiguration,\n"
      "Get-CsPersistentChatComplianceConfiguration, Set-CsPersistentChatComplianceConfiguration,\n"
      "Install-CsMirrorDatabase.\n"
      "-WhatIf is a dry run. In a POSIX shell quote $null ('$null').");
  cmdlet->callback([&cli, &o] {
    cli.set_command([&cli, &o]() -> Status {
      if (!o.file.empty() && !o.line.empty()) {
        return make_error(ErrorKind::kInvalidInput, "give a cmdlet line or --file, not both");
      }
      if (!o.file.empty()) return run_cmdlet_script(cli.pool_ctx(), o.file, o.json);
      if (o.line.empty()) {
        return make_error(ErrorKind::kInvalidInput,
                          "no cmdlet given (pchatctl cmdlet 'LINE' or --file FILE)");
      }
      return run_cmdlet_line(cli.pool_ctx(), o.line, o.json);
    });
  });
}

}  // namespace pchat::ctl
