// `pchatctl group list|add|set|remove`: pchat's directory of groups (src/chat/groups.h),
// stored in `mgc` (store/groups.h) on the store PoolCommandContext names
// (ctl/target/pool.h). Groups resolve the `group:NAME` and `OU=...` entries of
// categories' and rooms' lists; a group whose name is a directory name
// (`OU=Legal,DC=litwareinc,DC=com`) is how an operator maps an OU list.
//
// Every command parses and checks all of its input first (the name, each member with
// chat::parse_principal, no `*`, nested groups that exist), then writes in one
// transaction: a refused command changes nothing. `dry_run` runs the same checks in
// a transaction that is rolled back. A committed change reaches every running server
// within a second (NOTIFY pchat_rooms): those a change takes out of a room are kicked.
//
// Output: a confirmation line and the group as a table; with `json`, one JSON object
// (an array for list). Failures come back as values for main() to print.
#pragma once

#include <optional>
#include <string>

#include "core/result.h"
#include "ctl/pool/commands.h"
#include "ctl/rooms/commands.h"

namespace pchat::ctl {

struct GroupArgs {
  std::string name;  // "legal", "group:legal" or "OU=Legal,DC=litwareinc,DC=com"
  std::optional<std::string> description;
  ListEdit members;  // accounts and groups, never "*"
  bool dry_run = false;
  bool json = false;
};

struct GroupListArgs {
  std::string name;     // one group (empty: all)
  bool expand = false;  // also the accounts each group reaches through nested groups
  bool json = false;
};

Status group_list(const PoolCommandContext& ctx, const GroupListArgs& a);
Status group_add(const PoolCommandContext& ctx, const GroupArgs& a);
Status group_set(const PoolCommandContext& ctx, const GroupArgs& a);
// Refuses a group that a category, room or group lists unless `force`.
Status group_remove(const PoolCommandContext& ctx, const std::string& name, bool force,
                    bool dry_run);

}  // namespace pchat::ctl
