// `pchatctl compliance config|set|drain|status` (compliance/commands.h): Lync's
// Get-/Set-CsPersistentChatComplianceConfiguration under their native names, and the
// pipeline's state.
#include <optional>

#include "ctl/cli.h"
#include "ctl/compliance/commands.h"

namespace pchat::ctl {

namespace {

struct ComplianceOptions {
  ComplianceSetArgs set;
  ComplianceDrainArgs drain;
  std::string interval;
  std::optional<std::string> dir, type, name;
  std::optional<bool> per_room, users, rooms;
  bool dry_run = false;
  bool json = false;
};

void add_set(Cli& cli, ComplianceOptions& o, CLI::App* comp) {
  auto* set = comp->add_subcommand(
      "set", "change the compliance configuration (Set-CsPersistentChatComplianceConfiguration)");
  set->add_option("--adapter-type", o.type, "AdapterType (XmlAdapter)");
  set->add_option("--adapter-name", o.name, "AdapterName");
  set->add_option("--output-dir", o.dir, "AdapterOutputDirectory (absolute)");
  set->add_option("--one-room-per-file", o.per_room, "OneChatRoomPerOutputFile (true|false)");
  set->add_option("--user-details", o.users, "AddUserDetails (true|false)");
  set->add_option("--room-details", o.rooms, "AddChatRoomDetails (true|false)");
  set->add_option("--run-interval", o.interval,
                  "RunInterval: HH:MM:SS or 90s, 15m, 1h (minimum 00:01:00)");
  set->add_flag("--dry-run", o.dry_run, "show what would change; change nothing");
  set->add_flag("--json", o.json, "print {changed, dry_run, before, after}");
  set->callback([&cli, &o] {
    cli.set_command([&cli, &o]() -> Status {
      auto& e = o.set.edit;
      e.adapter_type = o.type;
      e.adapter_name = o.name;
      e.output_directory = o.dir;
      e.one_chat_room_per_output_file = o.per_room;
      e.add_user_details = o.users;
      e.add_chat_room_details = o.rooms;
      if (!o.interval.empty()) {
        auto seconds = compliance::parse_run_interval(o.interval);
        if (!seconds) return seconds.error();
        e.run_interval_s = *seconds;
      }
      o.set.dry_run = o.dry_run;
      o.set.json = o.json;
      return compliance_config_set(cli.pool_ctx(), o.set);
    });
  });
}

}  // namespace

void add_compliance_commands(Cli& cli) {
  auto& o = cli.keep<ComplianceOptions>();
  auto* comp = cli.app.add_subcommand("compliance", "compliance configuration and pipeline status");
  comp->require_subcommand(1);
  auto* show = comp->add_subcommand(
      "config", "print the compliance configuration (Get-CsPersistentChatComplianceConfiguration)");
  show->add_flag("--json", o.json, "print one JSON object");
  show->callback([&cli, &o] {
    cli.set_command([&cli, &o] { return compliance_config_show(cli.pool_ctx(), o.json); });
  });
  add_set(cli, o, comp);
  auto* drain = comp->add_subcommand(
      "drain", "after a failover: write out the events left in a datacenter's compliance store");
  drain->add_option("--from", o.drain.from, "the datacenter (topology name)")->required();
  drain->add_flag("--dry-run", o.dry_run, "count what would be written; change nothing");
  drain->add_flag("--json", o.json, "print one JSON object");
  drain->callback([&cli, &o] {
    cli.set_command([&cli, &o] {
      o.drain.dry_run = o.dry_run;
      o.drain.json = o.json;
      return compliance_drain(cli.pool_ctx(), o.drain);
    });
  });
  auto* status = comp->add_subcommand(
      "status", "events waiting in the outbox and in mgccomp, last run, last file, errors");
  status->add_flag("--json", o.json, "print one JSON object");
  status->callback([&cli, &o] {
    cli.set_command([&cli, &o] { return compliance_status(cli.pool_ctx(), o.json); });
  });
}

}  // namespace pchat::ctl
