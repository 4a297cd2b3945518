// The room model of Lync Server 2013 Persistent Chat: categories and rooms, as plain values.
//
// A category is a scope (who may be in its rooms, who is walled off, who may
// create rooms); a room is an IRC channel whose name is Room::name ("#legal")
// and whose rules come from its category and its own lists. The stores
// (mgc), the admin API and pchatctl persist and edit these values; the rules
// (rules.h) read them. Names compare ASCII-case-insensitively (irc::fold).
//
// Pure values and functions, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "chat/principal.h"
#include "core/result.h"

namespace pchat::chat {

// Who can find and join a room. The order is from most to least visible.
enum class Privacy {
  kOpen,    // everyone the category allows finds, joins, reads and posts
  kClosed,  // everyone the category allows finds it; only members join (the default)
  kSecret,  // only members find it; to anyone else it does not exist
};

enum class RoomType {
  kNormal,      // every participant posts (the default)
  kAuditorium,  // only presenters and managers post
};

// Room::invitations: whether the room uses the category's invitations setting.
enum class Invitations {
  kFalse,    // no invitations for this room
  kInherit,  // as the category says (the default)
};

// Names as Lync's cmdlets write them: "Open", "Closed", "Secret",
// "Normal", "Auditorium", "False", "Inherit".
const char* to_string(Privacy p);
const char* to_string(RoomType t);
const char* to_string(Invitations i);

// Parse the names above, case-insensitively. Errors: kInvalidInput naming the
// accepted values.
Result<Privacy> parse_privacy(std::string_view text);
Result<RoomType> parse_room_type(std::string_view text);
Result<Invitations> parse_invitations(std::string_view text);

struct Category {
  std::string name;  // unique in the pool (case-insensitive)
  std::string description;
  std::vector<Principal> allowed_members;  // who may be in its rooms at all
  std::vector<Principal> denied_members;   // the ethical wall: denied wins over everything
  std::vector<Principal> creators;         // who may create rooms in it
  bool file_upload = false;
  bool invitations = false;
};

struct Room {
  std::string name;      // the IRC channel name, '#' included
  std::string category;  // Category::name; must exist
  std::string description;
  Privacy privacy = Privacy::kClosed;
  RoomType type = RoomType::kNormal;
  bool disabled = false;
  Invitations invitations = Invitations::kInherit;
  std::string addin;  // add-in name, empty for none
  std::vector<Principal> members;
  std::vector<Principal> managers;    // implicitly members; channel operators ('@')
  std::vector<Principal> presenters;  // implicitly members; voiced ('+')

  // Every field equal: strings exactly, principals by their operator==.
  friend bool operator==(const Room&, const Room&) = default;
};

inline constexpr std::size_t kMaxCategoryNameLen = 256;
inline constexpr std::size_t kMaxDescriptionLen = 1024;

// Returns OK iff `c` can be stored: a name of 1..kMaxCategoryNameLen bytes
// without control characters, a description of at most kMaxDescriptionLen
// bytes without control characters. Errors: kInvalidInput naming the category
// and the field.
Status validate_category(const Category& c);

// Returns OK iff `r` can be stored in `category`: r.name is a valid channel
// name (irc::is_valid_channel_name), r.category names `category`, the
// description is at most kMaxDescriptionLen bytes, description and addin have
// no control characters. Errors: kInvalidInput naming the room and the field.
// It does not check that the lists fall within the category's allowed members
// (groups may change): the rules apply the category at every decision.
Status validate_room(const Room& r, const Category& category);

// Plain IRC keeps working (docs/design.md#plain-irc-keeps-working): the category that ad-hoc
// channels belong to. Everyone ("*") is allowed and a creator; nobody is denied; invitations and
// file upload on. Its name is kDefaultCategoryName.
inline constexpr char kDefaultCategoryName[] = "default";
Category default_category();

// Returns a new room named `name` in `category`, created by `creator`: the
// creator is its only manager (a guest creator leaves it without managers,
// since a guest has no lasting identity), type Normal, not disabled,
// invitations Inherit, no members or presenters.
// REQUIRES: the caller checked may_create_room_in(category, creator, ...).
// Errors: kInvalidInput when `name` is not a valid channel name.
Result<Room> new_room(const Category& category, std::string_view name, const User& creator,
                      Privacy privacy);

// new_room(default_category(), name, creator, Privacy::kOpen): what JOIN of a
// new channel name creates in the default configuration.
Result<Room> new_adhoc_room(std::string_view name, const User& creator);

}  // namespace pchat::chat
