// JOIN under the room model, as pure logic: what the rules of src/chat say about a
// user joining a channel name, given the room catalog. RoomPolicy::check_join
// (server/room_policy.h) asks here, then carries out the side effects (a room JOIN
// creates is added to the catalog and stored). Pure: no I/O, not thread-safe.
#pragma once

#include <optional>
#include <string>

#include "chat/groups.h"
#include "chat/model.h"
#include "chat/rules.h"
#include "store/rooms.h"

namespace pchat::server {

struct JoinVerdict {
  const char* numeric = nullptr;  // refused: the numeric, with `reason`
  std::string reason;
  bool room = false;          // the rules apply (else plain IRC)
  bool creates = false;       // this JOIN creates the room
  bool members_only = false;  // Closed/Secret: the rules replace +i
  chat::Prefix prefix;        // what the joiner gets
  // The room has no managers and is in the category JOIN creates rooms in (a guest
  // created it): whoever brings its channel to life gets a transient '@', as on any
  // IRC server.
  bool unmanaged = false;
};

// Where JOIN creates rooms (ServerConfig::new_room_category, new_room_privacy).
struct NewRoomRules {
  std::string category;
  std::string privacy;  // Open, Closed or Secret
};

// How `user` stands with `room` under `catalog` (nobody stands in a room whose category
// is missing: a room always has one).
chat::Standing standing_in(const store::RoomCatalog& catalog, const chat::GroupResolver& groups,
                           const chat::User& user, const chat::Room& room);

// `user` joining `name` under `catalog` (groups resolved by `groups`). A name that is
// no room yet: created (verdict.creates, the room in `*created`) when `user` is one of
// the new-room category's creators, else refused exactly as a Secret room is (403),
// so that JOIN never tells a Secret room from a free name.
JoinVerdict decide_join(const store::RoomCatalog& catalog, const chat::GroupResolver& groups,
                        const chat::User& user, const std::string& name, const NewRoomRules& rules,
                        std::optional<chat::Room>* created);

}  // namespace pchat::server
