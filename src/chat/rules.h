// The room rules: who may find, join, read, post to, manage and create rooms.
//
// The rules are implemented in this way:
//  1) standing_of() matches one user against a category and a room once,
//     giving a Standing: is the user within the category's scope (allowed
//     and not denied), and which of the room's lists name them.
//  2) Each rule is a small function of (room, standing) returning a Decision.
//     Callers compute the standing once per (user, room) and ask as many
//     rules as the command needs.
//
// The scope: a user is in scope iff they match the category's allowed
// members and do not match its denied members. Denied wins (the ethical
// wall): a denied user is outside the scope even if the room lists them as a
// member, presenter or manager, and every role below needs the scope.
//
//   effective member    = in scope and listed as member, presenter or manager
//   effective presenter = in scope and listed as presenter
//   effective manager   = in scope and listed as manager
//   participant-eligible = effective member, or in scope for an Open room
//
// The table (README.md has it with every privacy and role):
//   exists_for: not Secret, or an effective member
//   may_find:   Open/Closed: in scope; Secret: effective member
//   may_join:   participant-eligible and not disabled
//   may_read:   participant-eligible (disabled rooms stay readable)
//   may_post:   participant-eligible, not disabled, and for an Auditorium an
//               effective presenter or manager
//   may_manage: effective manager (disabled or not)
//
// Pure functions, thread-safe. Decisions never reveal a Secret room to
// someone it does not exist for: their reason is then the generic
// "No such channel".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "chat/model.h"
#include "chat/pool_config.h"
#include "chat/principal.h"

namespace pchat::chat {

// How one user stands with one room. Computed by standing_of(); plain
// booleans so that tests and callers can build one directly.
struct Standing {
  bool allowed = false;    // matches the category's allowed members
  bool denied = false;     // matches the category's denied members (ethical wall)
  bool member = false;     // matches the room's members
  bool presenter = false;  // matches the room's presenters
  bool manager = false;    // matches the room's managers

  bool in_scope() const { return allowed && !denied; }
  bool is_member() const { return in_scope() && (member || presenter || manager); }
  bool is_presenter() const { return in_scope() && presenter; }
  bool is_manager() const { return in_scope() && manager; }
};

// Returns how `user` stands with `room` in `category`.
// REQUIRES: room.category names category.
Standing standing_of(const Category& category, const Room& room, const User& user,
                     const GroupResolver& groups);

// Why a rule said no. The server maps each to its reply (README.md).
enum class Denial {
  kNone,             // allowed
  kNoSuchRoom,       // the room does not exist for this user (Secret, not a member)
  kNotAllowed,       // outside the category's scope: not allowed, or behind the wall
  kNotMember,        // Closed or Secret room and not a member
  kDisabled,         // the room is disabled
  kNotPresenter,     // Auditorium: only presenters and managers post
  kNotManager,       // only the room's managers may do this
  kNotCreator,       // not a creator in the category
  kCategoryFixed,    // managers may change everything but the room's category
  kManagerNoDelete,  // managers may disable a room, not delete it
  kNoFileUpload,     // the category does not allow file upload
  kFileTooLarge,     // larger than MaxFileSizeKB
};

const char* to_string(Denial d);

// A rule's answer: allowed, or a Denial with a sentence for the user (the
// text of ERR_CANNOTSENDTOCHAN, ERR_INVITEONLYCHAN, a FAIL, a KICK reason).
struct Decision {
  Denial denial = Denial::kNone;
  std::string reason;  // empty when allowed

  bool ok() const { return denial == Denial::kNone; }
  explicit operator bool() const { return ok(); }

  static Decision allow() { return {}; }
  static Decision deny(Denial d, std::string reason) { return {d, std::move(reason)}; }
};

// Returns true iff `room` exists for this user: false only for a Secret room
// and a user who is not an effective member. When false, every command
// (LIST, WHOIS, NAMES, JOIN, MODE, TOPIC, CHATHISTORY, search) answers as for
// a missing room.
bool exists_for(const Room& room, const Standing& s);

// LIST, search across rooms, WHOIS channel lists, NAMES of a room one is not
// in: may the user see that the room exists and who is in it?
// Denials: kNoSuchRoom (Secret), kNotAllowed.
Decision may_find(const Room& room, const Standing& s);

// JOIN. Denials, in this order: kNoSuchRoom, kNotAllowed, kNotMember,
// kDisabled (so a disabled room is only revealed as disabled to those who
// could otherwise join).
Decision may_join(const Room& room, const Standing& s);

// CHATHISTORY, history replay, search within the room. Disabled rooms stay
// readable. Denials: kNoSuchRoom, kNotAllowed, kNotMember.
Decision may_read(const Room& room, const Standing& s);

// PRIVMSG, NOTICE, TAGMSG (the server adds its own checks, e.g. +n).
// Denials: kNoSuchRoom, kNotAllowed, kNotMember, kDisabled, kNotPresenter
// (reason: "<room> is an auditorium: only presenters and managers may post").
Decision may_post(const Room& room, const Standing& s);

// MODE/TOPIC changes, KICK, editing the room's lists, disabling and
// re-enabling it. Disabled rooms stay manageable (so a manager can re-enable
// one). Denials: kNoSuchRoom, kNotManager.
Decision may_manage(const Room& room, const Standing& s);

// A manager's edit of `before` into `after`: may_manage(before, s), and the
// category is unchanged (kCategoryFixed). Everything else may change.
// REQUIRES: s = standing_of(the category of before, before, user, ...).
Decision may_change_room(const Room& before, const Room& after, const Standing& s);

// Deleting a room through the user paths: never allowed (only administrators
// delete, through the admin API or pchatctl, which do not ask the rules).
// Denials: kNoSuchRoom, kNotManager, kManagerNoDelete.
Decision may_delete_room(const Room& room, const Standing& s);

// Creating a room in `category`: the user is in its scope and matches its
// creators. Denials: kNotAllowed, kNotCreator.
Decision may_create_room_in(const Category& category, const User& user,
                            const GroupResolver& groups);

// Uploading a file of `size_kb` KiB: may_post, the category allows file
// upload, and size_kb <= config.max_file_size_kb. Denials: those of may_post,
// kNoFileUpload, kFileTooLarge.
Decision may_upload_file(const Category& category, const Room& room, const Standing& s,
                         std::int64_t size_kb, const PoolConfig& config);

// The IRC channel prefix a participant gets: managers are operators ('@'),
// presenters are voiced ('+'); a manager who is also a presenter has both.
struct Prefix {
  bool op = false;
  bool voice = false;
  // "@+", "@", "+" or "" (multi-prefix order; the first char is the
  // highest prefix for clients without multi-prefix).
  std::string symbols() const;
  friend bool operator==(const Prefix&, const Prefix&) = default;
};
Prefix prefix_of(const Standing& s);

// The channel modes a room implies, for RPL_CHANNELMODEIS and MODE changes:
// Closed and Secret are invite-only (+i: only members join), Secret is +s,
// an Auditorium is moderated (+m: only '@' and '+' post).
struct ChannelModes {
  bool invite_only = false;
  bool secret = false;
  bool moderated = false;
  std::string letters() const;  // e.g. "ims"; in alphabetical order
  friend bool operator==(const ChannelModes&, const ChannelModes&) = default;
};
ChannelModes channel_modes(const Room& room);

// Returns true iff the room sends participant updates (JOIN/PART/QUIT/NICK
// of others) with `participants` in it: participants <=
// config.participant_update_limit (75 by default: 75 yes, 76 no).
bool sends_participant_updates(std::size_t participants, const PoolConfig& config);

// Returns true iff invitations are on for the room: Inherit and the category
// has them on.
bool invitations_enabled(const Category& category, const Room& room);

}  // namespace pchat::chat
