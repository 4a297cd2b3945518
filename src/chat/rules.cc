#include "chat/rules.h"

#include "irc/casemap.h"

namespace pchat::chat {
namespace {

Decision no_such_room() {
  return Decision::deny(Denial::kNoSuchRoom, "No such channel");
}

Decision not_allowed(const Room& room) {
  return Decision::deny(Denial::kNotAllowed,
                        "You are not allowed in the rooms of category '" + room.category + "'");
}

// The common prefix of join/read/post: exists, in scope, member if needed.
// `what` completes "only its members may ...".
Decision check_participant(const Room& room, const Standing& s, const char* what) {
  if (!exists_for(room, s)) return no_such_room();
  if (!s.in_scope()) return not_allowed(room);
  if (room.privacy != Privacy::kOpen && !s.is_member()) {
    // A Secret room's non-members were answered above: this room is Closed.
    return Decision::deny(Denial::kNotMember,
                          room.name + " is closed: only its members may " + what);
  }
  return Decision::allow();
}

Decision disabled(const Room& room) {
  return Decision::deny(Denial::kDisabled, room.name + " is disabled");
}

}  // namespace

Standing standing_of(const Category& category, const Room& room, const User& user,
                     const GroupResolver& groups) {
  Standing s;
  s.allowed = matches_any(category.allowed_members, user, groups);
  s.denied = matches_any(category.denied_members, user, groups);
  s.member = matches_any(room.members, user, groups);
  s.presenter = matches_any(room.presenters, user, groups);
  s.manager = matches_any(room.managers, user, groups);
  return s;
}

const char* to_string(Denial d) {
  switch (d) {
    case Denial::kNone:
      return "none";
    case Denial::kNoSuchRoom:
      return "no such room";
    case Denial::kNotAllowed:
      return "not allowed in the category";
    case Denial::kNotMember:
      return "not a member";
    case Denial::kDisabled:
      return "disabled";
    case Denial::kNotPresenter:
      return "not a presenter";
    case Denial::kNotManager:
      return "not a manager";
    case Denial::kNotCreator:
      return "not a creator";
    case Denial::kCategoryFixed:
      return "category cannot change";
    case Denial::kManagerNoDelete:
      return "managers cannot delete";
    case Denial::kNoFileUpload:
      return "no file upload";
    case Denial::kFileTooLarge:
      return "file too large";
  }
  return "?";
}

bool exists_for(const Room& room, const Standing& s) {
  return room.privacy != Privacy::kSecret || s.is_member();
}

Decision may_find(const Room& room, const Standing& s) {
  if (!exists_for(room, s)) return no_such_room();
  if (!s.in_scope()) return not_allowed(room);
  return Decision::allow();
}

Decision may_join(const Room& room, const Standing& s) {
  if (Decision d = check_participant(room, s, "join"); !d) return d;
  if (room.disabled) return disabled(room);
  return Decision::allow();
}

Decision may_read(const Room& room, const Standing& s) {
  return check_participant(room, s, "read it");
}

Decision may_post(const Room& room, const Standing& s) {
  if (Decision d = check_participant(room, s, "post"); !d) return d;
  if (room.disabled) return disabled(room);
  if (room.type == RoomType::kAuditorium && !s.is_presenter() && !s.is_manager()) {
    return Decision::deny(Denial::kNotPresenter,
                          room.name + " is an auditorium: only presenters and managers may post");
  }
  return Decision::allow();
}

Decision may_manage(const Room& room, const Standing& s) {
  if (!exists_for(room, s)) return no_such_room();
  if (!s.is_manager()) {
    return Decision::deny(Denial::kNotManager, "You are not a manager of " + room.name);
  }
  return Decision::allow();
}

Decision may_change_room(const Room& before, const Room& after, const Standing& s) {
  if (Decision d = may_manage(before, s); !d) return d;
  if (!irc::equal_folded(before.category, after.category)) {
    return Decision::deny(Denial::kCategoryFixed,
                          "Only an administrator may move " + before.name + " to another category");
  }
  return Decision::allow();
}

Decision may_delete_room(const Room& room, const Standing& s) {
  if (Decision d = may_manage(room, s); !d) return d;
  return Decision::deny(Denial::kManagerNoDelete, "Managers may disable " + room.name +
                                                      " but not delete it; ask an administrator");
}

Decision may_create_room_in(const Category& category, const User& user,
                            const GroupResolver& groups) {
  if (!matches_any(category.allowed_members, user, groups) ||
      matches_any(category.denied_members, user, groups)) {
    return Decision::deny(Denial::kNotAllowed,
                          "You are not allowed in the rooms of category '" + category.name + "'");
  }
  if (!matches_any(category.creators, user, groups)) {
    return Decision::deny(Denial::kNotCreator,
                          "You may not create rooms in category '" + category.name + "'");
  }
  return Decision::allow();
}

Decision may_upload_file(const Category& category, const Room& room, const Standing& s,
                         std::int64_t size_kb, const PoolConfig& config) {
  if (Decision d = may_post(room, s); !d) return d;
  if (!category.file_upload) {
    return Decision::deny(Denial::kNoFileUpload,
                          "File upload is off in category '" + category.name + "'");
  }
  if (size_kb > config.max_file_size_kb) {
    return Decision::deny(
        Denial::kFileTooLarge,
        "Files are limited to " + std::to_string(config.max_file_size_kb) + " KB");
  }
  return Decision::allow();
}

std::string Prefix::symbols() const {
  std::string out;
  if (op) out += '@';
  if (voice) out += '+';
  return out;
}

Prefix prefix_of(const Standing& s) {
  return Prefix{s.is_manager(), s.is_presenter()};
}

std::string ChannelModes::letters() const {
  std::string out;
  if (invite_only) out += 'i';
  if (moderated) out += 'm';
  if (secret) out += 's';
  return out;
}

ChannelModes channel_modes(const Room& room) {
  ChannelModes m;
  m.invite_only = room.privacy != Privacy::kOpen;
  m.secret = room.privacy == Privacy::kSecret;
  m.moderated = room.type == RoomType::kAuditorium;
  return m;
}

bool sends_participant_updates(std::size_t participants, const PoolConfig& config) {
  return config.participant_update_limit >= 0 &&
         participants <= static_cast<std::size_t>(config.participant_update_limit);
}

bool invitations_enabled(const Category& category, const Room& room) {
  return room.invitations == Invitations::kInherit && category.invitations;
}

}  // namespace pchat::chat
