// `pchatctl category|room|addin|config ...` and Lync's room cmdlets
// (New-/Get-/Set-/Remove-CsPersistentChatCategory, ...Room, ...Addin,
// Get-/Set-CsPersistentChatConfiguration): the room model of src/chat, stored in
// `mgc` (store/rooms.h), on the store PoolCommandContext names (ctl/target/pool.h).
//
// Every command parses and checks all of its input first (principals, privacy,
// type, ranges), then writes in one transaction: a refused command changes nothing.
// A committed change reaches every running server within a second (NOTIFY
// pchat_rooms). Administrators are not subject to the room rules (src/chat): they
// may change a room's category and delete rooms.
//
// Output: a confirmation line and the object as a table; with `json`, one JSON
// object (or an array for the list commands). Failures come back as values for
// main() to print as "pchatctl: error: ...".
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "chat/principal.h"
#include "chat/room_edit.h"
#include "core/result.h"
#include "ctl/pool/commands.h"

namespace pchat::ctl {

// A change to a principal list (chat/room_edit.h).
using chat::ListEdit;

struct CategoryArgs {
  std::string name;  // the category (an identity "pool\Name" is accepted)
  std::optional<std::string> new_name;
  std::optional<std::string> description;
  ListEdit allowed, denied, creators;
  std::optional<bool> file_upload, invitations;
  bool dry_run = false;
  bool json = false;
};

struct RoomArgs {
  std::string name;  // "#room"; a name without '#' gets one; "pool\room" accepted
  std::optional<std::string> new_name;
  std::optional<std::string> category;  // required to create
  std::optional<std::string> description;
  std::optional<std::string> privacy;      // Open | Closed | Secret
  std::optional<std::string> type;         // Normal | Auditorium
  std::optional<std::string> invitations;  // False | Inherit
  std::optional<std::string> addin;        // "" removes it
  std::optional<bool> disabled;
  ListEdit members, managers, presenters;
  bool dry_run = false;
  bool json = false;
};

struct AddinArgs {
  std::string name;
  std::optional<std::string> new_name;
  std::optional<std::string> url;
  bool dry_run = false;
  bool json = false;
};

struct RoomConfigArgs {
  std::optional<int64_t> default_chat_history;
  std::optional<int64_t> participant_update_limit;
  std::optional<int64_t> max_file_size_kb;
  bool dry_run = false;
  bool json = false;
};

struct ListFilter {
  std::string name;      // one object by name (empty: all)
  std::string category;  // rooms: only this category's
  bool json = false;
};

// Clear-CsPersistentChatRoom: removes the room's messages older than
// `end_unix_s`.
Status room_clear(const PoolCommandContext& ctx, const std::string& room, int64_t end_unix_s,
                  bool dry_run);

struct RemoveMessagesArgs {
  std::string room;
  std::string user;  // a principal naming an account ("sip:alice@x"); empty: anyone
  std::optional<int64_t> start_unix_s, end_unix_s;
  std::string filter;
  std::string match = "All";  // All | Or | Exact
  bool case_sensitive = false;
  bool remove = false;              // delete instead of replacing the text
  std::optional<std::string> text;  // the replacement (default: store::kDefaultReplacement)
  bool dry_run = false;
};
// Remove-CsPersistentChatMessage.
Status messages_remove(const PoolCommandContext& ctx, const RemoveMessagesArgs& a);

// The name an identity names: "atl-cs-001.litwareinc.com\Legal" -> "Legal".
std::string object_name(const std::string& identity);
// A room's name from its identity: object_name, with a '#' added when missing.
std::string room_name(const std::string& identity);

// ---- helpers shared by the object commands (rooms, groups) ----

// One "Name            value" line of an object's table.
void field(std::ostream& out, const char* name, const std::string& value);
// "a, sip:b@x, group:c", or "(none)".
std::string principals_text(const std::vector<chat::Principal>& list);
// Prints "what" (or "Dry run: would what; nothing written"), then `print`s the
// object; with `json_out`, {"dry_run", "result": object} instead.
void report(const PoolCommandContext& ctx, bool dry_run, bool json_out, const std::string& what,
            const nlohmann::json& object, const std::function<void()>& print);

Status category_list(const PoolCommandContext& ctx, const ListFilter& f);
Status category_add(const PoolCommandContext& ctx, const CategoryArgs& a);
Status category_set(const PoolCommandContext& ctx, const CategoryArgs& a);
Status category_remove(const PoolCommandContext& ctx, const std::string& name, bool dry_run);

Status room_list(const PoolCommandContext& ctx, const ListFilter& f);
Status room_add(const PoolCommandContext& ctx, const RoomArgs& a);
Status room_set(const PoolCommandContext& ctx, const RoomArgs& a);
Status room_remove(const PoolCommandContext& ctx, const std::string& name, bool dry_run);

Status addin_list(const PoolCommandContext& ctx, const ListFilter& f);
Status addin_add(const PoolCommandContext& ctx, const AddinArgs& a);
Status addin_set(const PoolCommandContext& ctx, const AddinArgs& a);
Status addin_remove(const PoolCommandContext& ctx, const std::string& name, bool dry_run);

Status room_config_show(const PoolCommandContext& ctx, bool json);
Status room_config_set(const PoolCommandContext& ctx, const RoomConfigArgs& a);

}  // namespace pchat::ctl
