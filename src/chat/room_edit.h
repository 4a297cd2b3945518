// Edits of a room's settings, shared by every path that changes rooms: pchatctl
// (native options and Lync's cmdlets) and the ROOM command a room's managers
// send over IRC (src/server/commands/room.cc).
//
// ListEdit is a change of a principal list (members, managers, presenters, a
// category's lists). RoomSetting names one setting of a room and
// apply_room_setting changes it from the text a manager types:
//
//   setting       value
//   Name          a channel name ("#new")
//   Description   any text (may be empty)
//   Privacy       Open | Closed | Secret
//   Type          Normal | Auditorium
//   Disabled      true | false (also on/off, yes/no, 1/0, $true/$false)
//   Invitations   False | Inherit
//   Addin         an add-in name; "" or "none" removes it
//   Members, Managers, Presenters
//                 "+a,-b,c" adds a and c and removes b; "=a,b" replaces the
//                 list; "=" clears it (entries as chat::parse_principal reads them)
//   Category      a category name (the rules refuse it to managers:
//                 may_change_room, kCategoryFixed)
//
// Pure functions, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chat/model.h"
#include "core/result.h"

namespace pchat::chat {

// A change to a principal list: replace it (`set`, possibly empty: cleared), then
// remove, then add (appended unless present).
struct ListEdit {
  std::optional<std::vector<std::string>> set;
  std::vector<std::string> add;
  std::vector<std::string> remove;
  bool given() const { return set || !add.empty() || !remove.empty(); }
};

// Applies `edit` to `list`, parsing every entry first (nothing changes when one is
// bad). `what` names the list in errors ("Members: ...").
Status apply_list_edit(std::vector<Principal>& list, const ListEdit& edit, const std::string& what);

// Parses the IRC form of a list change (see the header comment). Errors: an empty
// entry ("+a,,b"), an empty value.
Result<ListEdit> parse_list_edit(std::string_view text);

enum class RoomSetting {
  kName,
  kDescription,
  kPrivacy,
  kType,
  kDisabled,
  kInvitations,
  kAddin,
  kMembers,
  kManagers,
  kPresenters,
  kCategory,
};

// Every setting, in the order ROOM shows them.
const std::vector<RoomSetting>& all_room_settings();
// "Name", "Description", ... (Lync's parameter names).
const char* to_string(RoomSetting s);
// Case-insensitive; an error names the valid settings.
Result<RoomSetting> parse_room_setting(std::string_view text);
bool is_list_setting(RoomSetting s);

// Parses a boolean as an operator types one: true/false, on/off, yes/no, 1/0,
// $true/$false (case-insensitive).
Result<bool> parse_flag(std::string_view text);

// Sets `setting` of `room` from `value`. Errors (kInvalidInput) name the setting
// and quote the value; `room` is unchanged then. The result is not validated
// against its category (validate_room) nor against the rules (may_change_room):
// the caller does both.
Status apply_room_setting(Room& room, RoomSetting setting, std::string_view value);

// The setting's value as ROOM shows it ("Closed", "alice, group:legal", "" ...).
std::string room_setting_value(const Room& room, RoomSetting setting);

}  // namespace pchat::chat
