#include "chat/room_edit.h"

#include <algorithm>

#include "irc/casemap.h"
#include "irc/split.h"

namespace pchat::chat {

namespace {

struct SettingName {
  RoomSetting setting;
  const char* name;
};

constexpr SettingName kSettings[] = {
    {RoomSetting::kName, "Name"},
    {RoomSetting::kCategory, "Category"},
    {RoomSetting::kDescription, "Description"},
    {RoomSetting::kPrivacy, "Privacy"},
    {RoomSetting::kType, "Type"},
    {RoomSetting::kDisabled, "Disabled"},
    {RoomSetting::kInvitations, "Invitations"},
    {RoomSetting::kAddin, "Addin"},
    {RoomSetting::kMembers, "Members"},
    {RoomSetting::kManagers, "Managers"},
    {RoomSetting::kPresenters, "Presenters"},
};

// The list a list setting names (nullptr for the others); R is Room or const Room.
template <typename R>
auto list_of(R& room, RoomSetting s) -> decltype(&room.members) {
  switch (s) {
    case RoomSetting::kMembers:
      return &room.members;
    case RoomSetting::kManagers:
      return &room.managers;
    case RoomSetting::kPresenters:
      return &room.presenters;
    default:
      return nullptr;
  }
}

Error bad_value(RoomSetting s, std::string_view value, const std::string& why) {
  return make_error(ErrorKind::kInvalidInput,
                    std::string(to_string(s)) + ": '" + std::string(value) + "' " + why);
}

}  // namespace

Status apply_list_edit(std::vector<Principal>& list, const ListEdit& edit,
                       const std::string& what) {
  auto parse = [&](const std::vector<std::string>& texts) -> Result<std::vector<Principal>> {
    auto r = parse_principals(texts);
    if (!r) return make_error(ErrorKind::kInvalidInput, what + ": " + r.error().message);
    return r;
  };
  std::optional<std::vector<Principal>> set;
  if (edit.set) {
    auto s = parse(*edit.set);
    if (!s) return s.error();
    set = std::move(*s);
  }
  auto add = parse(edit.add);
  if (!add) return add.error();
  auto remove = parse(edit.remove);
  if (!remove) return remove.error();
  if (set) list = std::move(*set);
  std::erase_if(list, [&](const Principal& p) {
    return std::find(remove->begin(), remove->end(), p) != remove->end();
  });
  for (auto& p : *add) {
    if (std::find(list.begin(), list.end(), p) == list.end()) list.push_back(std::move(p));
  }
  return ok_status();
}

Result<ListEdit> parse_list_edit(std::string_view text) {
  ListEdit edit;
  if (text.empty()) {
    return make_error(ErrorKind::kInvalidInput,
                      "an empty list change (use +name to add, -name to remove, =a,b to "
                      "replace, = to clear)");
  }
  if (text[0] == '=') {
    std::vector<std::string> entries;
    if (text.size() > 1) entries = irc::split_commas(text.substr(1), irc::Empties::kKeep);
    for (const auto& e : entries) {
      if (e.empty())
        return make_error(ErrorKind::kInvalidInput,
                          "an empty entry in '" + std::string(text) + "'");
    }
    edit.set = std::move(entries);
    return edit;
  }
  for (auto& e : irc::split_commas(text, irc::Empties::kKeep)) {
    const bool remove = !e.empty() && e[0] == '-';
    if (!e.empty() && (e[0] == '+' || e[0] == '-')) e.erase(0, 1);
    if (e.empty()) {
      return make_error(ErrorKind::kInvalidInput, "an empty entry in '" + std::string(text) + "'");
    }
    (remove ? edit.remove : edit.add).push_back(std::move(e));
  }
  return edit;
}

const std::vector<RoomSetting>& all_room_settings() {
  static const std::vector<RoomSetting> all = [] {
    std::vector<RoomSetting> v;
    for (const auto& s : kSettings) v.push_back(s.setting);
    return v;
  }();
  return all;
}

const char* to_string(RoomSetting s) {
  for (const auto& x : kSettings) {
    if (x.setting == s) return x.name;
  }
  return "?";
}

Result<RoomSetting> parse_room_setting(std::string_view text) {
  std::string names;
  for (const auto& x : kSettings) {
    if (irc::equal_folded(text, x.name)) return x.setting;
    if (!names.empty()) names += ", ";
    names += x.name;
  }
  return make_error(ErrorKind::kInvalidInput,
                    "'" + std::string(text) + "' is not a room setting (use " + names + ")");
}

bool is_list_setting(RoomSetting s) {
  return s == RoomSetting::kMembers || s == RoomSetting::kManagers || s == RoomSetting::kPresenters;
}

Result<bool> parse_flag(std::string_view text) {
  for (const char* yes : {"true", "$true", "on", "yes", "1"}) {
    if (irc::equal_folded(text, yes)) return true;
  }
  for (const char* no : {"false", "$false", "off", "no", "0"}) {
    if (irc::equal_folded(text, no)) return false;
  }
  return make_error(ErrorKind::kInvalidInput,
                    "'" + std::string(text) + "' is not true or false (also on/off, yes/no, 1/0)");
}

Status apply_room_setting(Room& room, RoomSetting setting, std::string_view value) {
  switch (setting) {
    case RoomSetting::kName:
      if (!irc::is_valid_channel_name(value)) {
        return bad_value(setting, value, "is not a valid channel name (#name, at most 64 bytes)");
      }
      room.name = std::string(value);
      return ok_status();
    case RoomSetting::kCategory:
      if (value.empty()) return bad_value(setting, value, "is not a category name");
      room.category = std::string(value);
      return ok_status();
    case RoomSetting::kDescription:
      room.description = std::string(value);
      return ok_status();
    case RoomSetting::kPrivacy: {
      auto p = parse_privacy(value);
      if (!p) return make_error(ErrorKind::kInvalidInput, "Privacy: " + p.error().message);
      room.privacy = *p;
      return ok_status();
    }
    case RoomSetting::kType: {
      auto t = parse_room_type(value);
      if (!t) return make_error(ErrorKind::kInvalidInput, "Type: " + t.error().message);
      room.type = *t;
      return ok_status();
    }
    case RoomSetting::kDisabled: {
      auto f = parse_flag(value);
      if (!f) return make_error(ErrorKind::kInvalidInput, "Disabled: " + f.error().message);
      room.disabled = *f;
      return ok_status();
    }
    case RoomSetting::kInvitations: {
      auto i = parse_invitations(value);
      if (!i) return make_error(ErrorKind::kInvalidInput, "Invitations: " + i.error().message);
      room.invitations = *i;
      return ok_status();
    }
    case RoomSetting::kAddin:
      room.addin = irc::equal_folded(value, "none") ? std::string() : std::string(value);
      return ok_status();
    case RoomSetting::kMembers:
    case RoomSetting::kManagers:
    case RoomSetting::kPresenters: {
      auto edit = parse_list_edit(value);
      if (!edit) {
        return make_error(ErrorKind::kInvalidInput,
                          std::string(to_string(setting)) + ": " + edit.error().message);
      }
      return apply_list_edit(*list_of(room, setting), *edit, to_string(setting));
    }
  }
  return make_error(ErrorKind::kInvalidInput, "unknown room setting");
}

std::string room_setting_value(const Room& room, RoomSetting setting) {
  switch (setting) {
    case RoomSetting::kName:
      return room.name;
    case RoomSetting::kCategory:
      return room.category;
    case RoomSetting::kDescription:
      return room.description;
    case RoomSetting::kPrivacy:
      return to_string(room.privacy);
    case RoomSetting::kType:
      return to_string(room.type);
    case RoomSetting::kDisabled:
      return room.disabled ? "true" : "false";
    case RoomSetting::kInvitations:
      return to_string(room.invitations);
    case RoomSetting::kAddin:
      return room.addin;
    case RoomSetting::kMembers:
    case RoomSetting::kManagers:
    case RoomSetting::kPresenters: {
      std::string out;
      for (const auto& p : *list_of(room, setting)) {
        if (!out.empty()) out += ", ";
        out += to_string(p);
      }
      return out;
    }
  }
  return {};
}

}  // namespace pchat::chat
