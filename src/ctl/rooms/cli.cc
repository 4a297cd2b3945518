#include <memory>

#include "ctl/cli.h"

#include "chat/principal.h"
#include "chat/room_edit.h"
#include "ctl/rooms/commands.h"
#include "ctl/rooms/groups.h"

namespace pchat::ctl {

namespace {

// Options shared by the commands of one subcommand tree; one instance per tree, kept
// alive by the callbacks.
struct Options {
  std::string name;
  std::string new_name;
  std::string description;
  std::string category;
  std::string privacy, type, invitations, addin, url;
  std::vector<std::string> lists[3], adds[3], removes[3];
  bool clear[3] = {false, false, false};
  std::string file_upload, invitations_on, disabled;  // "true"/"false"
  int64_t dch = 0, pul = 0, mfs = 0;
  bool json = false;
  bool dry_run = false;
  bool force = false, expand = false;
};

// --NAME LIST (replace), --add-NAME LIST, --remove-NAME LIST, --clear-NAME. A LIST is
// comma-separated (chat::split_principal_list: a directory name's commas stay in it).
void add_list_options(CLI::App* cmd, Options& o, int i, const std::string& flag,
                      const std::string& what, bool edits) {
  cmd->add_option("--" + flag, o.lists[i], what + " (comma-separated; replaces the list)")
      ->option_text("A,B");
  if (!edits) return;
  cmd->add_option("--add-" + flag, o.adds[i], "add to " + what)->option_text("A,B");
  cmd->add_option("--remove-" + flag, o.removes[i], "remove from " + what)->option_text("A,B");
  cmd->add_flag("--clear-" + flag, o.clear[i], "empty " + what);
}

// Every entry of the (possibly repeated) option's values.
std::vector<std::string> entries(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& v : values) {
    for (auto& e : chat::split_principal_list(v)) out.push_back(std::move(e));
  }
  return out;
}

ListEdit list_edit(CLI::App* cmd, const Options& o, int i, const std::string& flag) {
  ListEdit e;
  if (cmd->count("--" + flag) > 0) e.set = entries(o.lists[i]);
  if (o.clear[i]) e.set = std::vector<std::string>{};
  e.add = entries(o.adds[i]);
  e.remove = entries(o.removes[i]);
  return e;
}

std::optional<std::string> opt(CLI::App* cmd, const std::string& flag, const std::string& v) {
  if (cmd->count(flag) == 0) return std::nullopt;
  return v;
}

std::optional<bool> opt_bool(CLI::App* cmd, const std::string& flag, const std::string& v) {
  if (cmd->count(flag) == 0) return std::nullopt;
  auto on = chat::parse_flag(v);  // bool_text() let only its spellings through
  return on && *on;
}

CLI::Validator bool_text() {
  return CLI::IsMember({"true", "false", "on", "off", "yes", "no", "1", "0"}, CLI::ignore_case);
}

using Ctx = std::function<PoolCommandContext()>;
using SetCommand = std::function<void(std::function<Status()>)>;

void add_categories(CLI::App& app, const Ctx& ctx, const SetCommand& set_command,
                    const char* where) {
  auto co = std::make_shared<Options>();
  auto* category = app.add_subcommand("category", "room categories (who may be in, create, ...)");
  category->require_subcommand(1);
  category->footer(where);
  auto* clist = category->add_subcommand("list", "list categories, or show one");
  clist->add_option("NAME", co->name, "show this category only");
  clist->add_flag("--json", co->json, "print a JSON array");
  clist->callback([=] {
    set_command([=] { return category_list(ctx(), {.name = co->name, .json = co->json}); });
  });
  const char* list_names[3] = {"allowed-members", "denied-members", "creators"};
  const char* list_what[3] = {"who may be in the category's rooms",
                              "who is walled off (wins over everything)",
                              "who may create rooms in it"};
  for (const char* verb : {"add", "set"}) {
    const bool set = std::string(verb) == "set";
    auto* c = category->add_subcommand(verb, set ? "change a category" : "create a category");
    c->add_option("NAME", co->name, "the category")->required();
    if (set) c->add_option("--name", co->new_name, "rename it");
    c->add_option("--description", co->description, "free text");
    for (int i = 0; i < 3; ++i) add_list_options(c, *co, i, list_names[i], list_what[i], set);
    c->add_option("--file-upload", co->file_upload, "allow file upload")->check(bool_text());
    c->add_option("--invitations", co->invitations_on, "allow invitations")->check(bool_text());
    c->add_flag("--dry-run", co->dry_run, "check and show; change nothing");
    c->add_flag("--json", co->json, "print JSON");
    c->footer(
        "Members are accounts (alice, sip:alice@example.com), group:NAME, OU=... or * "
        "(everyone).");
    c->callback([=] {
      CategoryArgs a;
      a.name = co->name;
      if (set) a.new_name = opt(c, "--name", co->new_name);
      a.description = opt(c, "--description", co->description);
      a.allowed = list_edit(c, *co, 0, list_names[0]);
      a.denied = list_edit(c, *co, 1, list_names[1]);
      a.creators = list_edit(c, *co, 2, list_names[2]);
      a.file_upload = opt_bool(c, "--file-upload", co->file_upload);
      a.invitations = opt_bool(c, "--invitations", co->invitations_on);
      a.dry_run = co->dry_run;
      a.json = co->json;
      set_command([=] { return set ? category_set(ctx(), a) : category_add(ctx(), a); });
    });
  }
  auto* cremove = category->add_subcommand("remove", "remove a category that has no rooms");
  cremove->add_option("NAME", co->name, "the category")->required();
  cremove->add_flag("--dry-run", co->dry_run, "check; change nothing");
  cremove->callback(
      [=] { set_command([=] { return category_remove(ctx(), co->name, co->dry_run); }); });
}

void add_rooms(CLI::App& app, const Ctx& ctx, const SetCommand& set_command, const char* where) {
  auto ro = std::make_shared<Options>();
  auto* room = app.add_subcommand("room", "rooms: privacy, type, roles, disabled");
  room->require_subcommand(1);
  room->footer(where);
  auto* rlist = room->add_subcommand("list", "list rooms, or show one");
  rlist->add_option("NAME", ro->name, "show this room only");
  rlist->add_option("--category", ro->category, "only this category's rooms");
  rlist->add_flag("--json", ro->json, "print a JSON array");
  rlist->callback([=] {
    set_command([=] {
      return room_list(ctx(), {.name = ro->name, .category = ro->category, .json = ro->json});
    });
  });
  const char* role_names[3] = {"members", "managers", "presenters"};
  const char* role_what[3] = {"who may join a Closed or Secret room",
                              "channel operators: manage the room",
                              "voiced: post in an auditorium"};
  for (const char* verb : {"add", "set"}) {
    const bool set = std::string(verb) == "set";
    auto* c = room->add_subcommand(verb, set ? "change a room" : "create a room");
    c->add_option("NAME", ro->name, "the room (#name)")->required();
    if (set) c->add_option("--name", ro->new_name, "rename it (its history follows)");
    auto* cat = c->add_option("--category", ro->category, "its category");
    if (!set) cat->required();
    c->add_option("--description", ro->description, "free text");
    c->add_option("--privacy", ro->privacy, "Open, Closed (default) or Secret");
    c->add_option("--type", ro->type, "Normal (default) or Auditorium");
    c->add_option("--invitations", ro->invitations, "False or Inherit (default)");
    c->add_option("--addin", ro->addin, "an add-in's name (\"\" for none)");
    c->add_option("--disabled", ro->disabled, "disable (true) or enable (false)")
        ->check(bool_text());
    for (int i = 0; i < 3; ++i) add_list_options(c, *ro, i, role_names[i], role_what[i], set);
    c->add_flag("--dry-run", ro->dry_run, "check and show; change nothing");
    c->add_flag("--json", ro->json, "print JSON");
    c->callback([=] {
      RoomArgs a;
      a.name = ro->name;
      if (set) a.new_name = opt(c, "--name", ro->new_name);
      a.category = opt(c, "--category", ro->category);
      a.description = opt(c, "--description", ro->description);
      a.privacy = opt(c, "--privacy", ro->privacy);
      a.type = opt(c, "--type", ro->type);
      a.invitations = opt(c, "--invitations", ro->invitations);
      a.addin = opt(c, "--addin", ro->addin);
      a.disabled = opt_bool(c, "--disabled", ro->disabled);
      a.members = list_edit(c, *ro, 0, role_names[0]);
      a.managers = list_edit(c, *ro, 1, role_names[1]);
      a.presenters = list_edit(c, *ro, 2, role_names[2]);
      a.dry_run = ro->dry_run;
      a.json = ro->json;
      set_command([=] { return set ? room_set(ctx(), a) : room_add(ctx(), a); });
    });
  }
  auto* rremove = room->add_subcommand("remove", "remove a room and its messages");
  rremove->add_option("NAME", ro->name, "the room")->required();
  rremove->add_flag("--dry-run", ro->dry_run, "check; change nothing");
  rremove->callback(
      [=] { set_command([=] { return room_remove(ctx(), ro->name, ro->dry_run); }); });
}

void add_addins(CLI::App& app, const Ctx& ctx, const SetCommand& set_command,
                [[maybe_unused]] const char* where) {
  auto ao = std::make_shared<Options>();
  auto* addin = app.add_subcommand("addin", "room add-ins (a name and a URL)");
  addin->require_subcommand(1);
  auto* alist = addin->add_subcommand("list", "list add-ins");
  alist->add_option("NAME", ao->name, "show this add-in only");
  alist->add_flag("--json", ao->json, "print a JSON array");
  alist->callback([=] {
    set_command([=] { return addin_list(ctx(), {.name = ao->name, .json = ao->json}); });
  });
  for (const char* verb : {"add", "set"}) {
    const bool set = std::string(verb) == "set";
    auto* c = addin->add_subcommand(verb, set ? "change an add-in" : "create an add-in");
    c->add_option("NAME", ao->name, "the add-in")->required();
    auto* url = c->add_option("--url", ao->url, "http:// or https:// URL");
    if (!set) url->required();
    if (set) c->add_option("--name", ao->new_name, "rename it");
    c->add_flag("--dry-run", ao->dry_run, "check and show; change nothing");
    c->add_flag("--json", ao->json, "print JSON");
    c->callback([=] {
      AddinArgs a{.name = ao->name,
                  .new_name = set ? opt(c, "--name", ao->new_name) : std::nullopt,
                  .url = opt(c, "--url", ao->url),
                  .dry_run = ao->dry_run,
                  .json = ao->json};
      set_command([=] { return set ? addin_set(ctx(), a) : addin_add(ctx(), a); });
    });
  }
  auto* aremove = addin->add_subcommand("remove", "remove an add-in no room uses");
  aremove->add_option("NAME", ao->name, "the add-in")->required();
  aremove->add_flag("--dry-run", ao->dry_run, "check; change nothing");
  aremove->callback(
      [=] { set_command([=] { return addin_remove(ctx(), ao->name, ao->dry_run); }); });
}

void add_groups(CLI::App& app, const Ctx& ctx, const SetCommand& set_command, const char* where) {
  auto grp = std::make_shared<Options>();
  auto* group = app.add_subcommand(
      "group", "groups: who group:NAME and OU=... entries of category and room lists name");
  group->require_subcommand(1);
  group->footer(
      std::string("A group's name is a plain name (listed as group:NAME) or a directory name\n"
                  "(OU=Legal,DC=litwareinc,DC=com, listed as is). Members are accounts\n"
                  "(alice, sip:alice@example.com) and other groups (group:NAME, OU=...),\n"
                  "never *.\n") +
      where);
  auto* glist = group->add_subcommand("list", "list groups, or show one with its accounts");
  glist->add_option("NAME", grp->name, "show this group only");
  glist->add_flag("--expand", grp->expand,
                  "show the accounts each group reaches through nested groups");
  glist->add_flag("--json", grp->json, "print a JSON array");
  glist->callback([=] {
    set_command([=] {
      return group_list(ctx(), {.name = grp->name, .expand = grp->expand, .json = grp->json});
    });
  });
  for (const char* verb : {"add", "set"}) {
    const bool set = std::string(verb) == "set";
    auto* c = group->add_subcommand(verb, set ? "change a group" : "create a group");
    c->add_option("NAME", grp->name, "the group (legal, group:legal or OU=...)")->required();
    c->add_option("--description", grp->description, "free text");
    add_list_options(c, *grp, 0, "members", "the group's members (accounts and groups)", set);
    c->add_flag("--dry-run", grp->dry_run, "check and show; change nothing");
    c->add_flag("--json", grp->json, "print JSON");
    c->callback([=] {
      GroupArgs a;
      a.name = grp->name;
      a.description = opt(c, "--description", grp->description);
      a.members = list_edit(c, *grp, 0, "members");
      a.dry_run = grp->dry_run;
      a.json = grp->json;
      set_command([=] { return set ? group_set(ctx(), a) : group_add(ctx(), a); });
    });
  }
  auto* gremove = group->add_subcommand("remove", "remove a group no list names");
  gremove->add_option("NAME", grp->name, "the group")->required();
  gremove->add_flag("--force", grp->force,
                    "remove it even if categories, rooms or groups list it (those entries "
                    "then match nobody)");
  gremove->add_flag("--dry-run", grp->dry_run, "check; change nothing");
  gremove->callback([=] {
    set_command([=] { return group_remove(ctx(), grp->name, grp->force, grp->dry_run); });
  });
}

void add_config(CLI::App& app, const Ctx& ctx, const SetCommand& set_command,
                [[maybe_unused]] const char* where) {
  auto go = std::make_shared<Options>();
  auto* config = app.add_subcommand(
      "config", "the pool's room settings (Get-/Set-CsPersistentChatConfiguration)");
  config->require_subcommand(1);
  auto* gshow = config->add_subcommand("show",
                                       "print DefaultChatHistory, ParticipantUpdateLimit, "
                                       "MaxFileSizeKB");
  gshow->add_flag("--json", go->json, "print JSON");
  gshow->callback([=] { set_command([=] { return room_config_show(ctx(), go->json); }); });
  auto* gset = config->add_subcommand("set", "change room settings");
  gset->add_option("--default-chat-history", go->dch, "messages replayed on JOIN (1-500)");
  gset->add_option("--participant-update-limit", go->pul,
                   "rooms with more participants send no JOIN/PART/QUIT updates (1-100000)");
  gset->add_option("--max-file-size-kb", go->mfs, "largest upload in KiB (1-1048576)");
  gset->add_flag("--dry-run", go->dry_run, "check and show; change nothing");
  gset->add_flag("--json", go->json, "print JSON");
  gset->callback([=] {
    RoomConfigArgs a;
    if (gset->count("--default-chat-history") > 0) a.default_chat_history = go->dch;
    if (gset->count("--participant-update-limit") > 0) a.participant_update_limit = go->pul;
    if (gset->count("--max-file-size-kb") > 0) a.max_file_size_kb = go->mfs;
    a.dry_run = go->dry_run;
    a.json = go->json;
    set_command([=]() -> Status {
      if (!a.default_chat_history && !a.participant_update_limit && !a.max_file_size_kb) {
        return make_error(ErrorKind::kInvalidInput, "config set: nothing to change");
      }
      return room_config_set(ctx(), a);
    });
  });
}

}  // namespace

void add_room_commands(Cli& cli) {
  auto ctx = [&cli] { return cli.pool_ctx(); };
  const char* where =
      "Changes reach every running server within a second. With --topology FILE, the\n"
      "topology's primary store; otherwise the --data-dir store.";
  for (auto add : {add_categories, add_rooms, add_addins, add_groups, add_config}) {
    add(cli.app, ctx, cli.set_command, where);
  }
}

}  // namespace pchat::ctl
