// Rooms in `mgc` (migration 4): categories, rooms with their role lists, add-ins and
// the pool-wide room configuration, loaded into and saved from the pure model of
// src/chat (chat::Category, chat::Room, chat::PoolConfig).
//
// Names (categories, rooms, add-ins) are unique case-insensitively: each row keeps
// the name as given and irc::fold(name) in `name_key`. A room's messages are stored
// under the same key (messages.target). Principal lists are stored as their canonical
// text (chat::to_string), so every list read back parses.
//
// Every committed change NOTIFYs `pchat_rooms` (a statement trigger, payload: the
// table), so every server of the pool reloads its catalog (load_room_catalog) within
// a second.
//
// Edits (update_*) run in one transaction holding the row lock (SELECT ... FOR
// UPDATE): the edit function sees the current value, its result is validated
// (chat::validate_*), and a failure of either writes nothing. Concurrent edits of one
// object serialize. Errors name the object and the reason ("no category 'Legal'",
// "category 'Legal' still has 3 rooms").
//
// All functions block on the store: never call them on the event loop.
#pragma once

#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "chat/groups.h"
#include "chat/model.h"
#include "chat/pool_config.h"
#include "core/result.h"
#include "store/pg.h"

namespace pchat::store {

struct Addin {
  std::string name;
  std::string url;
};

// Everything the rules need, as one consistent snapshot (one REPEATABLE READ
// transaction).
struct RoomCatalog {
  std::vector<chat::Category> categories;  // sorted by folded name
  // Sorted by folded name when loaded; category = its name. Change it only through
  // add_room/remove_room (they keep the index room() answers from).
  std::vector<chat::Room> rooms;
  std::vector<Addin> addins;  // sorted by folded name
  chat::PoolConfig config;
  std::vector<chat::Group> groups;  // sorted by chat::group_key (store/groups.h)
  // Directory accounts a refresh no longer found (store/directory.h), casefolded,
  // sorted: their sessions are closed.
  std::vector<std::string> disabled_accounts;

  // The entry named `name` (ASCII case ignored), or nullptr. room() is a hash
  // lookup (servers ask it for every message posted).
  const chat::Category* category(std::string_view name) const;
  const chat::Room* room(std::string_view name) const;
  const Addin* addin(std::string_view name) const;
  // Rooms whose category is `category`.
  size_t rooms_in(std::string_view category) const;

  // Appends `room` (its name must not be in the catalog yet).
  void add_room(chat::Room room);
  // Removes the room named `name`, if any.
  void remove_room(std::string_view name);

 private:
  std::unordered_map<std::string, size_t> room_index_;  // folded name -> index in rooms
  void index_rooms();
};

Result<RoomCatalog> load_room_catalog(pg::Connection& conn);

// ---- categories ----
// kInvalidInput (validate_category), kConflict "category 'X' already exists".
Status create_category(pg::Connection& conn, const chat::Category& category);
// Applies `edit` to the category named `name` (renames allowed). kNotFound "no
// category 'X'"; kConflict when renamed onto another; the edit's own error.
using CategoryEdit = std::function<Status(chat::Category&)>;
Result<chat::Category> update_category(pg::Connection& conn, const std::string& name,
                                       const CategoryEdit& edit);
// kNotFound; kConflict "category 'X' still has N rooms" (rooms are never removed
// implicitly).
Status remove_category(pg::Connection& conn, const std::string& name);

// ---- rooms ----
// kInvalidInput (validate_room; an add-in that does not exist), kNotFound "no
// category 'X'", kConflict "room '#x' already exists".
Status create_room(pg::Connection& conn, const chat::Room& room);
// As create_room, but an existing room of that name is not an error: returns true iff
// this call created it (JOIN of a new name, which may race with a peer server).
Result<bool> create_room_if_absent(pg::Connection& conn, const chat::Room& room);
// Applies `edit` to the room named `name` (its category and name may change: the
// caller decides who may do that). kNotFound "no room '#x'"; as create_room.
using RoomEdit = std::function<Status(chat::Room&)>;
Result<chat::Room> update_room(pg::Connection& conn, const std::string& name, const RoomEdit& edit);
// Removes the room, its roles and its messages (deletion is complete: a new room of
// the same name starts empty). kNotFound. Returns the number of messages removed.
Result<int64_t> remove_room(pg::Connection& conn, const std::string& name);

// ---- add-ins ----
// kInvalidInput (empty name or URL, control characters, a URL that is not http(s)),
// kConflict when it exists.
Status create_addin(pg::Connection& conn, const Addin& addin);
using AddinEdit = std::function<Status(Addin&)>;
Result<Addin> update_addin(pg::Connection& conn, const std::string& name, const AddinEdit& edit);
// kNotFound; kConflict "add-in 'X' is used by N rooms".
Status remove_addin(pg::Connection& conn, const std::string& name);
Status validate_addin(const Addin& addin);

// ---- configuration ----
Result<chat::PoolConfig> read_room_config(pg::Connection& conn);
// kInvalidInput (chat::validate_pool_config): nothing written.
Status write_room_config(pg::Connection& conn, const chat::PoolConfig& config);

}  // namespace pchat::store
