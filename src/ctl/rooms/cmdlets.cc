#include "ctl/rooms/cmdlets.h"

#include <algorithm>

#include "ctl/cmdlet/date.h"
#include "ctl/rooms/commands.h"

namespace pchat::ctl {

namespace {

using cmdlet::BoundCall;
using cmdlet::ParamSpec;
using cmdlet::Value;
using PK = cmdlet::ParamKind;

constexpr const char* kNewCategory = "New-CsPersistentChatCategory";
constexpr const char* kGetCategory = "Get-CsPersistentChatCategory";
constexpr const char* kSetCategory = "Set-CsPersistentChatCategory";
constexpr const char* kRemoveCategory = "Remove-CsPersistentChatCategory";
constexpr const char* kNewRoom = "New-CsPersistentChatRoom";
constexpr const char* kGetRoom = "Get-CsPersistentChatRoom";
constexpr const char* kSetRoom = "Set-CsPersistentChatRoom";
constexpr const char* kRemoveRoom = "Remove-CsPersistentChatRoom";
constexpr const char* kNewAddin = "New-CsPersistentChatAddin";
constexpr const char* kGetAddin = "Get-CsPersistentChatAddin";
constexpr const char* kSetAddin = "Set-CsPersistentChatAddin";
constexpr const char* kRemoveAddin = "Remove-CsPersistentChatAddin";
constexpr const char* kGetConfig = "Get-CsPersistentChatConfiguration";
constexpr const char* kSetConfig = "Set-CsPersistentChatConfiguration";
constexpr const char* kClearRoom = "Clear-CsPersistentChatRoom";
constexpr const char* kRemoveMessage = "Remove-CsPersistentChatMessage";

// A -StartDate/-EndDate (bound as kDate, so it parses) in Unix seconds.
std::optional<int64_t> opt_date(const BoundCall& call, const char* name) {
  if (!call.has(name)) return std::nullopt;
  auto t = cmdlet::parse_date(call.string_or(name));
  return t ? std::optional<int64_t>(*t) : std::nullopt;
}

const ParamSpec kPoolFqdn{"PersistentChatPoolFqdn", PK::kString};

ParamSpec list_param(const char* name) {
  return {name, PK::kStringOrHashtableOrNull};
}

// A list parameter as a ListEdit: "a","b" replaces, @{Add=..;Remove=..;Replace=..}
// edits, $null clears.
ListEdit list_edit(const BoundCall& call, const char* name) {
  ListEdit e;
  const cmdlet::BoundParam* p = call.find(name);
  if (p == nullptr) return e;
  const Value& v = p->value;
  if (v.is(Value::Kind::kNull)) {
    e.set = std::vector<std::string>{};
  } else if (v.is(Value::Kind::kHashtable)) {
    const auto& h = v.hashtable();
    if (h.replace) e.set = *h.replace;
    if (h.add) e.add = *h.add;
    if (h.remove) e.remove = *h.remove;
  } else {
    e.set = v.strings();
  }
  return e;
}

std::optional<std::string> opt_string(const BoundCall& call, const char* name) {
  const cmdlet::BoundParam* p = call.find(name);
  if (p == nullptr) return std::nullopt;
  if (p->value.is(Value::Kind::kNull)) return std::string();
  return call.string_or(name);
}

std::optional<bool> opt_bool(const BoundCall& call, const char* name) {
  const cmdlet::BoundParam* p = call.find(name);
  if (p == nullptr) return std::nullopt;
  return p->value.is(Value::Kind::kBool) ? p->value.boolean() : true;
}

std::optional<int64_t> opt_int(const BoundCall& call, const char* name) {
  const cmdlet::BoundParam* p = call.find(name);
  if (p == nullptr) return std::nullopt;
  return p->value.number();
}

Status nothing_to_change(const std::string& cmdlet) {
  return make_error(ErrorKind::kInvalidInput, cmdlet + ": nothing to change (give a parameter)");
}

}  // namespace

void add_room_cmdlet_specs(std::vector<cmdlet::CmdletSpec>& specs) {
  const std::vector<ParamSpec> category_fields = {
      {"Description", PK::kString},    list_param("AllowedMembers"),
      list_param("DeniedMembers"),     list_param("Creators"),
      {"EnableFileUpload", PK::kBool}, {"EnableInvitations", PK::kBool},
  };
  const std::vector<ParamSpec> room_fields = {
      {"Description", PK::kString}, {"Privacy", PK::kString},
      {"Type", PK::kString},        {"Addin", PK::kStringOrHashtableOrNull},
      {"Invitations", PK::kString}, {"Disabled", PK::kBool},
      list_param("Members"),        list_param("Managers"),
      list_param("Presenters"),
  };
  auto with = [](std::vector<ParamSpec> head, const std::vector<ParamSpec>& tail) {
    head.insert(head.end(), tail.begin(), tail.end());
    return head;
  };
  specs.push_back(
      {kNewCategory, with({{"Name", PK::kString, true, 0}, kPoolFqdn}, category_fields)});
  specs.push_back({kGetCategory, {{"Identity", PK::kString, false, 0}, kPoolFqdn}});
  specs.push_back({kSetCategory, with({{"Identity", PK::kString, true, 0}, {"Name", PK::kString}},
                                      category_fields)});
  specs.push_back({kRemoveCategory, {{"Identity", PK::kString, true, 0}}});
  specs.push_back(
      {kNewRoom, with({{"Name", PK::kString, true, 0}, {"Category", PK::kString, true}, kPoolFqdn},
                      room_fields)});
  specs.push_back(
      {kGetRoom, {{"Identity", PK::kString, false, 0}, {"Category", PK::kString}, kPoolFqdn}});
  specs.push_back(
      {kSetRoom,
       with({{"Identity", PK::kString, true, 0}, {"Name", PK::kString}, {"Category", PK::kString}},
            room_fields)});
  specs.push_back({kRemoveRoom, {{"Identity", PK::kString, true, 0}}});
  specs.push_back(
      {kNewAddin, {{"Name", PK::kString, true, 0}, {"Url", PK::kString, true}, kPoolFqdn}});
  specs.push_back({kGetAddin, {{"Identity", PK::kString, false, 0}, kPoolFqdn}});
  specs.push_back(
      {kSetAddin,
       {{"Identity", PK::kString, true, 0}, {"Url", PK::kString}, {"Name", PK::kString}}});
  specs.push_back({kRemoveAddin, {{"Identity", PK::kString, true, 0}}});
  specs.push_back({kGetConfig, {{"Identity", PK::kString, false, 0}}});
  specs.push_back({kClearRoom, {{"Identity", PK::kString, true, 0}, {"EndDate", PK::kDate, true}}});
  specs.push_back({kRemoveMessage,
                   {{"Identity", PK::kString, true, 0},
                    {"UserUri", PK::kString},
                    {"StartDate", PK::kDate},
                    {"EndDate", PK::kDate},
                    {"Filter", PK::kString},
                    {"MatchClause", PK::kString},
                    {"CaseSensitive", PK::kSwitch},
                    {"Remove", PK::kSwitch},
                    {"ReplaceMessage", PK::kString}}});
  specs.push_back({kSetConfig,
                   {{"Identity", PK::kString, false, 0},
                    {"DefaultChatHistory", PK::kInt},
                    {"ParticipantUpdateLimit", PK::kInt},
                    {"MaxFileSizeKB", PK::kInt}}});
}

bool is_room_cmdlet(const std::string& name) {
  static const char* const kNames[] = {kNewCategory, kGetCategory, kSetCategory, kRemoveCategory,
                                       kNewRoom,     kGetRoom,     kSetRoom,     kRemoveRoom,
                                       kNewAddin,    kGetAddin,    kSetAddin,    kRemoveAddin,
                                       kGetConfig,   kSetConfig,   kClearRoom,   kRemoveMessage};
  return std::any_of(std::begin(kNames), std::end(kNames),
                     [&](const char* n) { return name == n; });
}

// Long: one dispatch over the room cmdlets, a few lines each, read top to bottom.
Status run_room_cmdlet(const PoolCommandContext& ctx, const BoundCall& call, bool json) {
  const std::string& n = call.name;
  const bool dry_run = call.is_set("WhatIf");
  const std::string identity = call.string_or("Identity");
  if (call.has("Identity") && identity.empty()) {
    return make_error(ErrorKind::kInvalidInput, n + ": empty -Identity");
  }
  if (n == kNewCategory || n == kSetCategory) {
    CategoryArgs a;
    a.name = n == kNewCategory ? call.string_or("Name") : identity;
    if (n == kSetCategory) a.new_name = opt_string(call, "Name");
    a.description = opt_string(call, "Description");
    a.allowed = list_edit(call, "AllowedMembers");
    a.denied = list_edit(call, "DeniedMembers");
    a.creators = list_edit(call, "Creators");
    a.file_upload = opt_bool(call, "EnableFileUpload");
    a.invitations = opt_bool(call, "EnableInvitations");
    a.dry_run = dry_run;
    a.json = json;
    if (n == kNewCategory) return category_add(ctx, a);
    if (!a.new_name && !a.description && !a.allowed.given() && !a.denied.given() &&
        !a.creators.given() && !a.file_upload && !a.invitations)
      return nothing_to_change(n);
    return category_set(ctx, a);
  }
  if (n == kGetCategory) return category_list(ctx, {.name = identity, .json = json});
  if (n == kRemoveCategory) return category_remove(ctx, identity, dry_run);
  if (n == kNewRoom || n == kSetRoom) {
    RoomArgs a;
    a.name = n == kNewRoom ? call.string_or("Name") : identity;
    if (n == kSetRoom) a.new_name = opt_string(call, "Name");
    a.category = opt_string(call, "Category");
    a.description = opt_string(call, "Description");
    a.privacy = opt_string(call, "Privacy");
    a.type = opt_string(call, "Type");
    a.invitations = opt_string(call, "Invitations");
    a.addin = opt_string(call, "Addin");
    a.disabled = opt_bool(call, "Disabled");
    a.members = list_edit(call, "Members");
    a.managers = list_edit(call, "Managers");
    a.presenters = list_edit(call, "Presenters");
    a.dry_run = dry_run;
    a.json = json;
    if (n == kNewRoom) return room_add(ctx, a);
    if (!a.new_name && !a.category && !a.description && !a.privacy && !a.type && !a.invitations &&
        !a.addin && !a.disabled && !a.members.given() && !a.managers.given() &&
        !a.presenters.given())
      return nothing_to_change(n);
    return room_set(ctx, a);
  }
  if (n == kGetRoom) {
    return room_list(ctx, {.name = identity, .category = call.string_or("Category"), .json = json});
  }
  if (n == kRemoveRoom) return room_remove(ctx, identity, dry_run);
  if (n == kNewAddin || n == kSetAddin) {
    AddinArgs a;
    a.name = n == kNewAddin ? call.string_or("Name") : identity;
    if (n == kSetAddin) a.new_name = opt_string(call, "Name");
    a.url = opt_string(call, "Url");
    a.dry_run = dry_run;
    a.json = json;
    if (n == kNewAddin) return addin_add(ctx, a);
    if (!a.new_name && !a.url) return nothing_to_change(n);
    return addin_set(ctx, a);
  }
  if (n == kGetAddin) return addin_list(ctx, {.name = identity, .json = json});
  if (n == kRemoveAddin) return addin_remove(ctx, identity, dry_run);
  if (n == kGetConfig) return room_config_show(ctx, json);
  if (n == kClearRoom) return room_clear(ctx, identity, *opt_date(call, "EndDate"), dry_run);
  if (n == kRemoveMessage) {
    RemoveMessagesArgs a;
    a.room = identity;
    a.user = call.string_or("UserUri");
    a.start_unix_s = opt_date(call, "StartDate");
    a.end_unix_s = opt_date(call, "EndDate");
    a.filter = call.string_or("Filter");
    a.match = call.string_or("MatchClause", "All");
    a.case_sensitive = call.is_set("CaseSensitive");
    a.remove = call.is_set("Remove");
    if (call.has("ReplaceMessage")) a.text = call.string_or("ReplaceMessage");
    a.dry_run = dry_run;
    return messages_remove(ctx, a);
  }
  if (n == kSetConfig) {
    RoomConfigArgs a{.default_chat_history = opt_int(call, "DefaultChatHistory"),
                     .participant_update_limit = opt_int(call, "ParticipantUpdateLimit"),
                     .max_file_size_kb = opt_int(call, "MaxFileSizeKB"),
                     .dry_run = dry_run,
                     .json = json};
    if (!a.default_chat_history && !a.participant_update_limit && !a.max_file_size_kb)
      return nothing_to_change(n);
    return room_config_set(ctx, a);
  }
  return make_error(ErrorKind::kInternal, "no handler for cmdlet " + n);
}

}  // namespace pchat::ctl
