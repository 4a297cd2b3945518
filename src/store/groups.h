// Groups in `mgc` (migration 7): pchat's directory of group principals, the
// chat::Group values that chat::Directory resolves (src/chat/groups.h).
//
// A group's name is kept as given ("legal", "OU=Legal,DC=litwareinc,DC=com") and is
// unique by chat::group_key (`name_key`). Members are stored as their canonical
// principal texts (chat::to_string): accounts and other groups. Every committed
// change NOTIFYs `pchat_rooms`, so every server reloads its room catalog, groups
// included (load_room_catalog reads them in the same snapshot), within a second.
//
// Integrity, checked inside the writing transaction:
//  - a nested group must exist when it is written (kInvalidInput "group 'staff':
//    member 'group:legl' names no group"); it is locked FOR SHARE until commit;
//  - a group that a category, a room or another group lists is not removed unless
//    forced (kConflict naming where it is used); forced, those entries stay and
//    match nobody (a missing group is empty).
// A group that disappears later through a forced removal leaves nested entries that
// match nobody; resolution tolerates that and cycles (chat::Directory).
//
// Edits (update_group) run in one transaction holding the row lock (SELECT ... FOR
// UPDATE): the edit function sees the current value, the result is validated
// (chat::validate_group and the nesting check), and a failure writes nothing.
// Groups taken from the directory (source 'directory', store/directory.h) are
// written only by its refreshes: update_group and remove_group refuse them
// (kConflict "group 'CN=...' comes from the directory: change it there").
//
// Every writing function takes `dry_run`: all checks run in the transaction, which
// is then rolled back instead of committed.
//
// All functions block on the store: never call them on the event loop.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "chat/groups.h"
#include "core/result.h"
#include "store/pg.h"

namespace pchat::store {

// Every group, sorted by key. Runs in the caller's transaction if one is open
// (load_room_catalog's snapshot).
Result<std::vector<chat::Group>> load_groups(pg::Connection& conn);

// kInvalidInput (validate_group, an unknown nested group), kConflict "group 'X'
// already exists".
Status create_group(pg::Connection& conn, const chat::Group& group, bool dry_run = false);

// Applies `edit` to the group named `name` (any spelling: "legal", "group:Legal",
// "OU=..."). The name cannot change (lists name groups by name): kInvalidInput.
// kNotFound "no group 'X'"; as create_group. Returns the group as written.
using GroupEdit = std::function<Status(chat::Group&)>;
Result<chat::Group> update_group(pg::Connection& conn, const std::string& name,
                                 const GroupEdit& edit, bool dry_run = false);

// Where a group is listed: "category 'Legal' (AllowedMembers)", "room '#x'
// (Members)", "group 'staff' (Members)".
struct GroupUse {
  std::string kind;  // "category", "room" or "group"
  std::string name;
  std::string list;  // AllowedMembers, DeniedMembers, Creators, Members, Managers, Presenters
};

// Removes the group. kNotFound; unless `force`, kConflict when it is in use:
// "group 'legal' is listed by category 'Legal' (AllowedMembers) and 2 rooms
// (#a Members, #b Managers): ...". Returns where it was listed (what `force` left
// matching nobody).
Result<std::vector<GroupUse>> remove_group(pg::Connection& conn, const std::string& name,
                                           bool force, bool dry_run = false);

}  // namespace pchat::store
