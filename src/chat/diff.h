// Live rule changes: what the server must do to the people in a room when
// its category or the room itself changes.
//
// Rule changes reach connected clients within a second. The server, on
// learning that a category or room changed (its own admin command, or a
// NOTIFY from another pool server), calls diff_access() once per affected
// room with the room's current participants and applies the result:
//  1) KICK (or PART, for clients that prefer it) every removal, with its
//     reason; for a room that no longer exists for them (Secret) the kick is
//     the last they hear of it.
//  2) MODE +o/-o/+v/-v for every prefix change, batched per MODE line.
//  3) MODE for the channel's modes when modes_before != modes_after.
//
// Pure functions, thread-safe.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "chat/model.h"
#include "chat/principal.h"
#include "chat/rules.h"

namespace pchat::chat {

// Someone now in the room. `nick` is the caller's handle for them (returned
// as is); only `user` is matched.
struct Participant {
  std::string nick;
  User user;
};

struct Removal {
  std::string nick;
  Denial denial = Denial::kNone;  // why may_join now says no
  std::string reason;             // a KICK reason, e.g. "#legal is now closed to you"
};

struct PrefixChange {
  std::string nick;
  Prefix before;
  Prefix after;
};

struct AccessDiff {
  std::vector<Removal> removals;             // participants who lost access, in input order
  std::vector<PrefixChange> prefix_changes;  // participants who stay, whose prefix changed
  ChannelModes modes_before;
  ChannelModes modes_after;

  bool modes_changed() const { return !(modes_before == modes_after); }
  bool empty() const { return removals.empty() && prefix_changes.empty() && !modes_changed(); }
};

// Returns what changes for `participants` when (old_category, old_room)
// becomes (new_category, new_room).
//
// A participant is removed iff may_join(new_room, their new standing) says
// no: they left the scope (allowed list, ethical wall), lost membership of a
// Closed or Secret room, or the room was disabled (managers too: a disabled
// room has no participants; managers re-enable it through the admin path).
// A participant who stays appears in prefix_changes iff prefix_of() differs
// between the old and the new standing. Nobody appears in both lists.
// The old standing is computed with `old_groups`, the new one with `new_groups`:
// when group memberships change, pass the directory before and after the change
// (with one directory for both, a prefix granted or taken by a group change would
// look unchanged).
// REQUIRES: old_room.category names old_category, new_room.category names
// new_category. Renames are not diffed (the caller handles a new name).
AccessDiff diff_access(const Category& old_category, const Room& old_room,
                       const Category& new_category, const Room& new_room,
                       std::span<const Participant> participants, const GroupResolver& old_groups,
                       const GroupResolver& new_groups);

// The same with one resolver for both sides (groups did not change).
AccessDiff diff_access(const Category& old_category, const Room& old_room,
                       const Category& new_category, const Room& new_room,
                       std::span<const Participant> participants, const GroupResolver& groups);

}  // namespace pchat::chat
