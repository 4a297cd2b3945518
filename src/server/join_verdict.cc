#include "server/join_verdict.h"

#include "irc/casemap.h"
#include "irc/numerics.h"

namespace pchat::server {

namespace {

// The numeric a JOIN denial gets (src/chat/README.md, "What the server must call where").
const char* join_numeric(chat::Denial d) {
  switch (d) {
    case chat::Denial::kNoSuchRoom:
      return irc::kErrNoSuchChannel;
    case chat::Denial::kNotMember:
      return irc::kErrInviteOnlyChan;
    default:
      return irc::kErrBannedFromChan;
  }
}

}  // namespace

chat::Standing standing_in(const store::RoomCatalog& catalog, const chat::GroupResolver& groups,
                           const chat::User& user, const chat::Room& room) {
  const chat::Category* cat = catalog.category(room.category);
  return cat != nullptr ? chat::standing_of(*cat, room, user, groups) : chat::Standing{};
}

JoinVerdict decide_join(const store::RoomCatalog& catalog, const chat::GroupResolver& groups,
                        const chat::User& user, const std::string& name, const NewRoomRules& rules,
                        std::optional<chat::Room>* created) {
  JoinVerdict v;
  v.room = true;
  if (const chat::Room* r = catalog.room(name)) {
    const chat::Standing st = standing_in(catalog, groups, user, *r);
    const chat::Decision d = chat::may_join(*r, st);
    if (!d) {
      v.numeric = join_numeric(d.denial);
      v.reason = d.reason;
      return v;
    }
    v.members_only = r->privacy != chat::Privacy::kOpen;
    v.prefix = chat::prefix_of(st);
    // Only plain-IRC rooms (those JOIN creates) are "unmanaged"; a room an
    // administrator set up without managers gives nobody '@'.
    v.unmanaged = r->managers.empty() && irc::equal_folded(r->category, rules.category);
    return v;
  }
  const chat::Category* cat = catalog.category(rules.category);
  const chat::Decision d = cat != nullptr ? chat::may_create_room_in(*cat, user, groups)
                                          : chat::Decision::deny(chat::Denial::kNotCreator, "");
  auto privacy = chat::parse_privacy(rules.privacy);
  Result<chat::Room> room = d && privacy ? chat::new_room(*cat, name, user, *privacy)
                                         : Result<chat::Room>(make_error(ErrorKind::kDenied, ""));
  if (!room) {
    v.numeric = irc::kErrNoSuchChannel;
    v.reason = "No such channel";
    return v;
  }
  v.creates = true;
  v.members_only = room->privacy != chat::Privacy::kOpen;
  // The creator manages it; a guest creator (no lasting identity) gets a transient '@'.
  v.prefix = chat::prefix_of(chat::standing_of(*cat, *room, user, groups));
  v.unmanaged = room->managers.empty();
  if (created != nullptr) *created = std::move(*room);
  return v;
}

}  // namespace pchat::server
