// `pchatctl group sync` and `pchatctl directory status` (directory/commands.h).
#include "ctl/cli.h"
#include "ctl/directory/commands.h"

namespace pchat::ctl {

namespace {

struct DirectoryOptions {
  int wait = 30;
  bool json = false;
};

}  // namespace

void add_directory_commands(Cli& cli) {
  auto& o = cli.keep<DirectoryOptions>();
  CLI::App* group = cli.app.get_subcommand("group");  // add_room_commands made it
  auto* sync = group->add_subcommand(
      "sync", "refresh the directory's groups and disabled users now, on a server of the pool");
  sync->add_option("--wait", o.wait, "seconds to wait for a server to refresh (1-600)")
      ->check(CLI::Range(1, 600));
  sync->add_flag("--json", o.json, "print JSON");
  sync->callback([&cli, &o] {
    cli.set_command([&cli, &o] { return group_sync(cli.pool_ctx(), o.wait, o.json); });
  });

  auto* dir = cli.app.add_subcommand("directory", "directory sign-in (LDAP): refreshes and state");
  dir->require_subcommand(1);
  auto* status = dir->add_subcommand("status", "the last refresh and the directory's accounts");
  status->add_flag("--json", o.json, "print JSON");
  status->callback([&cli, &o] {
    cli.set_command([&cli, &o] { return directory_status(cli.pool_ctx(), o.json); });
  });
}

}  // namespace pchat::ctl
