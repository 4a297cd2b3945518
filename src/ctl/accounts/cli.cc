// `pchatctl user add|passwd|remove|list` (accounts/commands.h).
#include <iostream>

#include "ctl/accounts/commands.h"
#include "ctl/cli.h"

namespace pchat::ctl {

namespace {

struct AccountOptions {
  std::string name;
  bool json = false;
};

}  // namespace

void add_account_commands(Cli& cli) {
  auto& o = cli.keep<AccountOptions>();
  auto ctx = [&cli] {
    return UserCommandContext{.data_dir = cli.data_dir,
                              .topology_file = cli.topology_file,
                              .out = &std::cout,
                              .err = &std::cerr};
  };
  auto* user = cli.app.add_subcommand("user", "manage accounts");
  user->require_subcommand(1);
  auto* add = user->add_subcommand("add", "create an account");
  add->footer(
      "The password is the first line of stdin; on a terminal it is asked twice, without\n"
      "echo. If DIR does not exist, it is created and a new store initialized in it.\n"
      "With --topology, the account is created in the store the pool uses now, and signs\n"
      "in on every server of the pool.");
  add->add_option("NAME", o.name, "account name")->required();
  add->callback(
      [&cli, &o, ctx] { cli.set_command([&o, ctx] { return user_add(ctx(), o.name); }); });

  auto* passwd = user->add_subcommand("passwd", "set an account's password");
  passwd->footer(
      "The password is the first line of stdin; on a terminal it is asked twice, without\n"
      "echo.");
  passwd->add_option("NAME", o.name, "account name")->required();
  passwd->callback(
      [&cli, &o, ctx] { cli.set_command([&o, ctx] { return user_passwd(ctx(), o.name); }); });

  auto* remove = user->add_subcommand("remove", "remove an account (its messages stay)");
  remove->add_option("NAME", o.name, "account name")->required();
  remove->callback(
      [&cli, &o, ctx] { cli.set_command([&o, ctx] { return user_remove(ctx(), o.name); }); });

  auto* oper = cli.app.add_subcommand("operator", "IRC operators ([[operator]] in pchatd.toml)");
  oper->require_subcommand(1);
  auto* hash = oper->add_subcommand("hash", "print the argon2id hash of a password");
  hash->footer(
      "The password is the first line of stdin; on a terminal it is asked twice, without\n"
      "echo. Put the hash in pchatd.toml:\n"
      "  [[operator]]\n  name = \"admin\"\n  password_hash = \"$argon2id$...\"\n"
      "and send pchatd SIGHUP. No store is touched.");
  hash->callback([&cli] { cli.set_command([] { return operator_hash(std::cout); }); });

  auto* list = user->add_subcommand("list", "list accounts: name and creation time (UTC)");
  list->add_flag("--json", o.json, "print a JSON array of {name, display_name, created_at}");
  list->callback(
      [&cli, &o, ctx] { cli.set_command([&o, ctx] { return user_list(ctx(), o.json); }); });
}

}  // namespace pchat::ctl
