// ROOM (pchat's own): a room's managers change their room from IRC.
//
//   ROOM <#room>                     the room's settings, one NOTE each:
//                                    NOTE ROOM SETTING <#room> <Setting> :<value>
//                                    ... NOTE ROOM END <#room> :End of room settings
//                                    (lists only to the room's members)
//   ROOM <#room> <Setting>           one setting
//   ROOM <#room> <Setting> <value>   changes it (managers only):
//                                    NOTE ROOM UPDATED <#room> <Setting> :<new value>
//   ROOM <#room> DELETE              refused: managers disable rooms; administrators
//                                    delete them (pchatctl)
//
// Settings and values: chat/room_edit.h (Name, Description, Privacy, Type,
// Disabled, Invitations, Addin, Members, Managers, Presenters; Category is
// refused: only an administrator moves a room). Lists: "+alice,-bob" edits,
// "=alice,bob" replaces, "=" clears. A value may be given as several words.
//
// The change is stored first (one transaction, refused if the room changed since
// this server saw it); it then reaches every server of the pool as any rule change
// does (KICK of those who lost access, MODE, INVITE of new members when the room's
// invitations are on). Errors: FAIL ROOM NO_SUCH_ROOM (also for a Secret room one
// is not a member of, and a room one may not find), NOT_MANAGER, CATEGORY_FIXED,
// CANNOT_DELETE, INVALID_SETTING, INVALID_VALUE, CONFLICT, TEMPORARILY_UNAVAILABLE.
#include "chat/room_edit.h"
#include "chat/rules.h"
#include "irc/casemap.h"
#include "server/room_policy.h"
#include "server/server.h"

namespace pchat::server {

namespace {

constexpr const char* kRoomCmd = "ROOM";

void note(Server& srv, const ResponsePtr& r, std::vector<std::string> params) {
  params.insert(params.begin(), kRoomCmd);
  r->add(irc::Message{{}, srv.name(), "NOTE", std::move(params)});
}

void show(Server& srv, const ResponsePtr& r, const chat::Room& room, bool member,
          std::optional<chat::RoomSetting> only) {
  for (chat::RoomSetting setting : chat::all_room_settings()) {
    if (only && setting != *only) continue;
    const bool hidden =
        !member && (chat::is_list_setting(setting) || setting == chat::RoomSetting::kInvitations ||
                    setting == chat::RoomSetting::kAddin);
    if (hidden) continue;
    note(srv, r,
         {"SETTING", room.name, chat::to_string(setting), chat::room_setting_value(room, setting)});
  }
  note(srv, r, {"END", room.name, "End of room settings"});
}

void handle_room(Server& srv, Session& s, const irc::Message& m, const ResponsePtr& r) {
  if (m.params.empty()) {
    srv.fail(r, kRoomCmd, "NEED_MORE_PARAMS", {},
             "Usage: ROOM <#room> [<setting> [<value>]] (settings: Name, Description, "
             "Privacy, Type, Disabled, Invitations, Addin, Members, Managers, Presenters)");
    return;
  }
  const std::string& name = m.params[0];
  RoomPolicy* rp = srv.rooms();
  const chat::Room* room = rp != nullptr && rp->loaded() ? rp->room(name) : nullptr;
  const chat::Standing st = room != nullptr ? rp->standing(s, *room) : chat::Standing{};
  if (room == nullptr || !chat::may_find(*room, st)) {
    srv.fail(r, kRoomCmd, "NO_SUCH_ROOM", {name}, "No such room");
    return;
  }
  if (m.params.size() == 1) {
    show(srv, r, *room, st.is_member(), std::nullopt);
    return;
  }
  const std::string& word = m.params[1];
  const bool manager = chat::may_manage(*room, st).ok();
  if (irc::equal_folded(word, "DELETE")) {
    srv.fail(r, kRoomCmd, manager ? "CANNOT_DELETE" : "NOT_MANAGER", {room->name},
             manager ? "Managers disable a room (ROOM " + room->name +
                           " Disabled true); only an administrator deletes one"
                     : "You're not a manager of " + room->name);
    return;
  }
  auto setting = chat::parse_room_setting(word);
  if (!setting) {
    srv.fail(r, kRoomCmd, "INVALID_SETTING", {room->name, word}, setting.error().message);
    return;
  }
  if (m.params.size() == 2) {
    show(srv, r, *room, st.is_member(), *setting);
    return;
  }
  if (!manager) {
    srv.fail(r, kRoomCmd, "NOT_MANAGER", {room->name}, "You're not a manager of " + room->name);
    return;
  }
  std::string value = m.params[2];
  for (size_t i = 3; i < m.params.size(); ++i) value += " " + m.params[i];
  chat::Room after = *room;
  if (Status applied = chat::apply_room_setting(after, *setting, value); !applied) {
    srv.fail(r, kRoomCmd, "INVALID_VALUE", {room->name, chat::to_string(*setting)},
             applied.error().message);
    return;
  }
  if (const chat::Decision d = chat::may_change_room(*room, after, st); !d) {
    srv.fail(r, kRoomCmd,
             d.denial == chat::Denial::kCategoryFixed ? "CATEGORY_FIXED" : "NOT_MANAGER",
             {room->name}, d.reason);
    return;
  }
  const bool unchanged = after == *room;
  const std::string shown = chat::room_setting_value(after, *setting);
  const char* label = chat::to_string(*setting);
  rp->change_room(s, *room, std::move(after),
                  [&srv, r, name = room->name, label, shown, unchanged](Status done) {
                    if (!done) {
                      srv.fail(r, kRoomCmd, rooms::fail_code(done.error()), {name, label},
                               done.error().message);
                      return;
                    }
                    note(srv, r, {unchanged ? "UNCHANGED" : "UPDATED", name, label, shown});
                  });
}

}  // namespace

void register_room_commands(std::unordered_map<std::string, CommandSpec>& t) {
  t["ROOM"] = {0, true, handle_room};
}

}  // namespace pchat::server
