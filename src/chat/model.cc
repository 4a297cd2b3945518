#include "chat/model.h"

#include <algorithm>

#include "irc/casemap.h"

namespace pchat::chat {

namespace {

template <typename E, std::size_t N>
Result<E> parse_enum(std::string_view text, const E (&values)[N], std::string_view what) {
  std::string accepted;
  for (E v : values) {
    if (irc::equal_folded(text, to_string(v))) return v;
    if (!accepted.empty()) accepted += ", ";
    accepted += to_string(v);
  }
  return make_error(ErrorKind::kInvalidInput, "'" + std::string(text) + "' is not a valid " +
                                                  std::string(what) + " (use " + accepted + ")");
}

Error invalid(std::string_view kind, std::string_view name, std::string_view why) {
  return make_error(ErrorKind::kInvalidInput,
                    std::string(kind) + " '" + std::string(name) + "': " + std::string(why));
}

}  // namespace

const char* to_string(Privacy p) {
  switch (p) {
    case Privacy::kOpen:
      return "Open";
    case Privacy::kClosed:
      return "Closed";
    case Privacy::kSecret:
      return "Secret";
  }
  return "?";
}

const char* to_string(RoomType t) {
  switch (t) {
    case RoomType::kNormal:
      return "Normal";
    case RoomType::kAuditorium:
      return "Auditorium";
  }
  return "?";
}

const char* to_string(Invitations i) {
  switch (i) {
    case Invitations::kFalse:
      return "False";
    case Invitations::kInherit:
      return "Inherit";
  }
  return "?";
}

Result<Privacy> parse_privacy(std::string_view text) {
  static constexpr Privacy kAll[] = {Privacy::kOpen, Privacy::kClosed, Privacy::kSecret};
  return parse_enum(text, kAll, "privacy");
}

Result<RoomType> parse_room_type(std::string_view text) {
  static constexpr RoomType kAll[] = {RoomType::kNormal, RoomType::kAuditorium};
  return parse_enum(text, kAll, "room type");
}

Result<Invitations> parse_invitations(std::string_view text) {
  static constexpr Invitations kAll[] = {Invitations::kFalse, Invitations::kInherit};
  return parse_enum(text, kAll, "invitations setting");
}

Status validate_category(const Category& c) {
  if (c.name.empty()) return invalid("category", c.name, "the name is empty");
  if (c.name.size() > kMaxCategoryNameLen) {
    return invalid("category", c.name.substr(0, 32) + "...", "the name is too long");
  }
  if (has_control(c.name)) return invalid("category", c.name, "the name has a control character");
  if (c.description.size() > kMaxDescriptionLen) {
    return invalid("category", c.name, "the description is too long");
  }
  if (has_control(c.description)) {
    return invalid("category", c.name, "the description has a control character");
  }
  return ok_status();
}

Status validate_room(const Room& r, const Category& category) {
  if (!irc::is_valid_channel_name(r.name)) {
    return invalid("room", r.name, "not a valid channel name (#name, at most 64 bytes)");
  }
  if (!irc::equal_folded(r.category, category.name)) {
    return invalid("room", r.name,
                   "its category '" + r.category + "' is not '" + category.name + "'");
  }
  if (r.description.size() > kMaxDescriptionLen) {
    return invalid("room", r.name, "the description is too long");
  }
  if (has_control(r.description)) {
    return invalid("room", r.name, "the description has a control character");
  }
  if (has_control(r.addin)) return invalid("room", r.name, "the add-in has a control character");
  return ok_status();
}

Category default_category() {
  const Principal everyone{PrincipalKind::kEveryone, ""};
  Category c;
  c.name = kDefaultCategoryName;
  c.description = "Ad-hoc IRC channels: everyone may create, find and join them";
  c.allowed_members = {everyone};
  c.creators = {everyone};
  c.file_upload = true;
  c.invitations = true;
  return c;
}

Result<Room> new_room(const Category& category, std::string_view name, const User& creator,
                      Privacy privacy) {
  if (!irc::is_valid_channel_name(name)) {
    return invalid("room", name, "not a valid channel name (#name, at most 64 bytes)");
  }
  Room r;
  r.name = std::string(name);
  r.category = category.name;
  r.privacy = privacy;
  if (!creator.is_guest()) {
    r.managers.push_back(Principal{PrincipalKind::kAccount, irc::fold(creator.account)});
  }
  return r;
}

Result<Room> new_adhoc_room(std::string_view name, const User& creator) {
  return new_room(default_category(), name, creator, Privacy::kOpen);
}

}  // namespace pchat::chat
