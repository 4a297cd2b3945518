#include "chat/diff.h"

namespace pchat::chat {
namespace {

// The KICK reason for someone whom may_join() now refuses.
std::string removal_reason(const Room& room, const Decision& d) {
  switch (d.denial) {
    case Denial::kDisabled:
      return room.name + " has been disabled";
    case Denial::kNotAllowed:
      return "You are no longer allowed in the rooms of category '" + room.category + "'";
    case Denial::kNotMember:
    case Denial::kNoSuchRoom:
      return "You are no longer a member of " + room.name;
    default:
      return d.reason;
  }
}

}  // namespace

AccessDiff diff_access(const Category& old_category, const Room& old_room,
                       const Category& new_category, const Room& new_room,
                       std::span<const Participant> participants, const GroupResolver& old_groups,
                       const GroupResolver& new_groups) {
  AccessDiff diff;
  diff.modes_before = channel_modes(old_room);
  diff.modes_after = channel_modes(new_room);
  for (const Participant& p : participants) {
    const Standing after = standing_of(new_category, new_room, p.user, new_groups);
    if (Decision d = may_join(new_room, after); !d) {
      diff.removals.push_back(Removal{p.nick, d.denial, removal_reason(new_room, d)});
      continue;
    }
    const Prefix was = prefix_of(standing_of(old_category, old_room, p.user, old_groups));
    const Prefix now = prefix_of(after);
    if (!(was == now)) diff.prefix_changes.push_back(PrefixChange{p.nick, was, now});
  }
  return diff;
}

AccessDiff diff_access(const Category& old_category, const Room& old_room,
                       const Category& new_category, const Room& new_room,
                       std::span<const Participant> participants, const GroupResolver& groups) {
  return diff_access(old_category, old_room, new_category, new_room, participants, groups, groups);
}

}  // namespace pchat::chat
