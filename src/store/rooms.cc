#include "store/rooms.h"

#include <algorithm>

#include "irc/casemap.h"
#include "store/groups.h"
#include "store/principal_lists.h"
#include "store/transaction.h"

namespace pchat::store {

namespace {

// ---- encoding ----

std::string bool_text(bool b) {
  return b ? "true" : "false";
}

bool is_true(std::string_view v) {
  return v == "t";
}

// ---- reading ----

constexpr const char* kCategoryColumns =
    "c.id, c.name, c.description, to_json(c.allowed_members)::text,"
    " to_json(c.denied_members)::text, to_json(c.creators)::text, c.file_upload, c.invitations";

Result<chat::Category> decode_category(const pg::ResultSet& r, int row) {
  chat::Category c;
  c.name = r.str(row, 1);
  c.description = r.str(row, 2);
  const std::string owner = "category '" + c.name + "'";
  auto allowed = decode_principals(r.get(row, 3), owner);
  if (!allowed) return allowed.error();
  auto denied = decode_principals(r.get(row, 4), owner);
  if (!denied) return denied.error();
  auto creators = decode_principals(r.get(row, 5), owner);
  if (!creators) return creators.error();
  c.allowed_members = std::move(*allowed);
  c.denied_members = std::move(*denied);
  c.creators = std::move(*creators);
  c.file_upload = is_true(r.get(row, 6));
  c.invitations = is_true(r.get(row, 7));
  return c;
}

constexpr const char* kRoomColumns =
    "r.id, r.name, c.name, r.description, r.privacy, r.type, r.disabled, r.invitations,"
    " coalesce(a.name, ''),"
    " coalesce((SELECT json_agg(principal ORDER BY principal) FROM room_roles"
    "           WHERE room_id = r.id AND role = 'member'), '[]')::text,"
    " coalesce((SELECT json_agg(principal ORDER BY principal) FROM room_roles"
    "           WHERE room_id = r.id AND role = 'manager'), '[]')::text,"
    " coalesce((SELECT json_agg(principal ORDER BY principal) FROM room_roles"
    "           WHERE room_id = r.id AND role = 'presenter'), '[]')::text";
constexpr const char* kRoomFrom =
    " FROM rooms r JOIN categories c ON c.id = r.category_id"
    " LEFT JOIN addins a ON a.id = r.addin_id";

Result<chat::Room> decode_room(const pg::ResultSet& r, int row) {
  chat::Room room;
  room.name = r.str(row, 1);
  room.category = r.str(row, 2);
  room.description = r.str(row, 3);
  const std::string owner = "room '" + room.name + "'";
  auto privacy = chat::parse_privacy(r.get(row, 4));
  auto type = chat::parse_room_type(r.get(row, 5));
  auto inv = chat::parse_invitations(r.get(row, 7));
  if (!privacy || !type || !inv) {
    return make_error(ErrorKind::kInternal, owner + ": a stored value is not understood");
  }
  room.privacy = *privacy;
  room.type = *type;
  room.disabled = is_true(r.get(row, 6));
  room.invitations = *inv;
  room.addin = r.str(row, 8);
  auto members = decode_principals(r.get(row, 9), owner);
  if (!members) return members.error();
  auto managers = decode_principals(r.get(row, 10), owner);
  if (!managers) return managers.error();
  auto presenters = decode_principals(r.get(row, 11), owner);
  if (!presenters) return presenters.error();
  room.members = std::move(*members);
  room.managers = std::move(*managers);
  room.presenters = std::move(*presenters);
  return room;
}

Result<chat::PoolConfig> read_config_row(pg::Connection& conn, bool for_update) {
  auto r = conn.exec(
      std::string("SELECT default_chat_history, participant_update_limit, max_file_size_kb"
                  " FROM room_config WHERE id = 1") +
      (for_update ? " FOR UPDATE" : ""));
  if (!r) return r.error();
  if (r->rows() != 1) {
    return make_error(ErrorKind::kInternal, "table room_config has no row (damaged schema)");
  }
  chat::PoolConfig c;
  c.default_chat_history = static_cast<int>(r->i64(0, 0));
  c.participant_update_limit = static_cast<int>(r->i64(0, 1));
  c.max_file_size_kb = r->i64(0, 2);
  return c;
}

template <typename T>
const T* find_named(const std::vector<T>& v, std::string_view name) {
  for (const auto& e : v) {
    if (irc::equal_folded(e.name, name)) return &e;
  }
  return nullptr;
}

// ---- writing ----

// The category's id, locking its row when `lock` (FOR SHARE: it cannot be removed
// before this transaction ends). kNotFound "no category 'X'".
Result<int64_t> category_id(pg::Connection& conn, std::string_view name, const char* lock) {
  auto r = conn.exec(std::string("SELECT id FROM categories WHERE name_key = $1 ") + lock,
                     {irc::fold(name)});
  if (!r) return r.error();
  if (r->rows() == 0) {
    return make_error(ErrorKind::kNotFound, "no category '" + std::string(name) + "'");
  }
  return r->i64(0, 0);
}

// The add-in's id (locked FOR SHARE), nullopt for "". kInvalidInput "no add-in 'X'".
Result<std::optional<std::string>> addin_id(pg::Connection& conn, const std::string& name) {
  if (name.empty()) return std::optional<std::string>();
  auto r = conn.exec("SELECT id FROM addins WHERE name_key = $1 FOR SHARE", {irc::fold(name)});
  if (!r) return r.error();
  if (r->rows() == 0) return make_error(ErrorKind::kInvalidInput, "no add-in '" + name + "'");
  return std::optional<std::string>(r->str(0, 0));
}

Result<chat::Category> load_category(pg::Connection& conn, std::string_view name) {
  auto id = category_id(conn, name, "");
  if (!id) return id.error();
  auto r = conn.exec(std::string("SELECT ") + kCategoryColumns + " FROM categories c WHERE id = $1",
                     {std::to_string(*id)});
  if (!r) return r.error();
  return decode_category(*r, 0);
}

Status write_roles(pg::Connection& conn, int64_t room_id, const chat::Room& room) {
  auto del = conn.exec("DELETE FROM room_roles WHERE room_id = $1", {std::to_string(room_id)});
  if (!del) return del.error();
  const std::pair<const char*, const std::vector<chat::Principal>*> lists[] = {
      {"member", &room.members}, {"manager", &room.managers}, {"presenter", &room.presenters}};
  for (const auto& [role, list] : lists) {
    if (list->empty()) continue;
    auto ins = conn.exec(
        "INSERT INTO room_roles (room_id, role, principal)"
        " SELECT $1, $2, p FROM unnest($3::text[]) AS p ON CONFLICT DO NOTHING",
        {std::to_string(room_id), std::string(role), principals_array(*list)});
    if (!ins) return ins.error();
  }
  return ok_status();
}

// Checks `room` against its category (which must exist) and add-in, then writes the
// row (insert when `id` is empty) and its roles. Runs inside the caller's
// transaction. Returns the room's id, or nullopt when `if_absent` and a room of that
// name exists already.
Result<std::optional<int64_t>> write_room(pg::Connection& conn, const chat::Room& room,
                                          std::optional<int64_t> id, bool if_absent) {
  auto cat = load_category(conn, room.category);
  if (!cat) return cat.error();
  auto cid = category_id(conn, room.category, "FOR SHARE");
  if (!cid) return cid.error();
  if (auto st = chat::validate_room(room, *cat); !st) return st.error();
  auto aid = addin_id(conn, room.addin);
  if (!aid) return aid.error();
  pg::Params p = {room.name,
                  irc::fold(room.name),
                  std::to_string(*cid),
                  room.description,
                  std::string(chat::to_string(room.privacy)),
                  std::string(chat::to_string(room.type)),
                  bool_text(room.disabled),
                  std::string(chat::to_string(room.invitations)),
                  *aid};
  Result<pg::ResultSet> r = make_error(ErrorKind::kInternal, "unreachable");
  if (!id) {
    r = conn.exec(std::string("INSERT INTO rooms (name, name_key, category_id, description, "
                              "privacy, type, disabled, invitations, addin_id)"
                              " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)") +
                      (if_absent ? " ON CONFLICT (name_key) DO NOTHING" : "") + " RETURNING id",
                  p);
  } else {
    p.push_back(std::to_string(*id));
    r = conn.exec(
        "UPDATE rooms SET name = $1, name_key = $2, category_id = $3, description = $4,"
        " privacy = $5, type = $6, disabled = $7, invitations = $8, addin_id = $9,"
        " updated_at = now() WHERE id = $10 RETURNING id",
        p);
  }
  if (!r) {
    if (r.error().kind == ErrorKind::kConflict) {
      return make_error(ErrorKind::kConflict, "room '" + room.name + "' already exists");
    }
    return r.error();
  }
  if (r->rows() == 0) return std::optional<int64_t>();  // if_absent and it exists
  const int64_t room_id = r->i64(0, 0);
  if (auto st = write_roles(conn, room_id, room); !st) return st.error();
  return std::optional<int64_t>(room_id);
}

Status insert_category(pg::Connection& conn, const chat::Category& c, std::optional<int64_t> id) {
  if (auto st = chat::validate_category(c); !st) return st;
  pg::Params p = {c.name,
                  irc::fold(c.name),
                  c.description,
                  principals_array(c.allowed_members),
                  principals_array(c.denied_members),
                  principals_array(c.creators),
                  bool_text(c.file_upload),
                  bool_text(c.invitations)};
  Result<pg::ResultSet> r = make_error(ErrorKind::kInternal, "unreachable");
  if (!id) {
    r = conn.exec(
        "INSERT INTO categories (name, name_key, description, allowed_members, denied_members,"
        " creators, file_upload, invitations) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        p);
  } else {
    p.push_back(std::to_string(*id));
    r = conn.exec(
        "UPDATE categories SET name = $1, name_key = $2, description = $3, allowed_members = $4,"
        " denied_members = $5, creators = $6, file_upload = $7, invitations = $8,"
        " updated_at = now() WHERE id = $9",
        p);
  }
  if (!r) {
    if (r.error().kind == ErrorKind::kConflict) {
      return make_error(ErrorKind::kConflict, "category '" + c.name + "' already exists");
    }
    return r.error();
  }
  return ok_status();
}

bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

Result<int64_t> count(pg::Connection& conn, const std::string& sql, const std::string& arg) {
  auto r = conn.exec(sql, {arg});
  if (!r) return r.error();
  return r->i64(0, 0);
}

}  // namespace

const chat::Category* RoomCatalog::category(std::string_view name) const {
  return find_named(categories, name);
}

const chat::Room* RoomCatalog::room(std::string_view name) const {
  auto it = room_index_.find(irc::fold(name));
  return it == room_index_.end() ? nullptr : &rooms[it->second];
}

void RoomCatalog::add_room(chat::Room room) {
  room_index_[irc::fold(room.name)] = rooms.size();
  rooms.push_back(std::move(room));
}

void RoomCatalog::remove_room(std::string_view name) {
  const std::string key = irc::fold(name);
  if (room_index_.count(key) == 0) return;
  std::erase_if(rooms, [&](const chat::Room& r) { return irc::fold(r.name) == key; });
  index_rooms();
}

void RoomCatalog::index_rooms() {
  room_index_.clear();
  for (size_t i = 0; i < rooms.size(); ++i) room_index_[irc::fold(rooms[i].name)] = i;
}

const Addin* RoomCatalog::addin(std::string_view name) const {
  return find_named(addins, name);
}

size_t RoomCatalog::rooms_in(std::string_view category_name) const {
  return static_cast<size_t>(std::count_if(rooms.begin(), rooms.end(), [&](const chat::Room& r) {
    return irc::equal_folded(r.category, category_name);
  }));
}

Result<RoomCatalog> load_room_catalog(pg::Connection& conn) {
  Transaction tx(conn);
  if (auto st = tx.begin(); !st) return st.error();
  if (auto r = conn.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"); !r) {
    return r.error();
  }
  RoomCatalog cat;
  auto cats = conn.exec(std::string("SELECT ") + kCategoryColumns +
                        " FROM categories c ORDER BY c.name_key");
  if (!cats) return cats.error();
  for (int i = 0; i < cats->rows(); ++i) {
    auto c = decode_category(*cats, i);
    if (!c) return c.error();
    cat.categories.push_back(std::move(*c));
  }
  auto rooms =
      conn.exec(std::string("SELECT ") + kRoomColumns + kRoomFrom + " ORDER BY r.name_key");
  if (!rooms) return rooms.error();
  for (int i = 0; i < rooms->rows(); ++i) {
    auto r = decode_room(*rooms, i);
    if (!r) return r.error();
    cat.add_room(std::move(*r));
  }
  auto addins = conn.exec("SELECT name, url FROM addins ORDER BY name_key");
  if (!addins) return addins.error();
  for (int i = 0; i < addins->rows(); ++i) {
    cat.addins.push_back({addins->str(i, 0), addins->str(i, 1)});
  }
  auto config = read_config_row(conn, false);
  if (!config) return config.error();
  cat.config = *config;
  auto groups = load_groups(conn);
  if (!groups) return groups.error();
  cat.groups = std::move(*groups);
  auto disabled =
      conn.exec("SELECT name FROM accounts WHERE disabled_at IS NOT NULL ORDER BY name");
  if (!disabled) return disabled.error();
  for (int i = 0; i < disabled->rows(); ++i) cat.disabled_accounts.push_back(disabled->str(i, 0));
  if (auto st = tx.commit(); !st) return st.error();
  return cat;
}

// ---- categories ----

Status create_category(pg::Connection& conn, const chat::Category& category) {
  return insert_category(conn, category, std::nullopt);
}

Result<chat::Category> update_category(pg::Connection& conn, const std::string& name,
                                       const CategoryEdit& edit) {
  Transaction tx(conn);
  if (auto st = tx.begin(); !st) return st.error();
  auto id = category_id(conn, name, "FOR UPDATE");
  if (!id) return id.error();
  auto c = load_category(conn, name);
  if (!c) return c.error();
  if (auto st = edit(*c); !st) return st.error();
  if (auto st = insert_category(conn, *c, *id); !st) return st.error();
  if (auto st = tx.commit(); !st) return st.error();
  return c;
}

Status remove_category(pg::Connection& conn, const std::string& name) {
  Transaction tx(conn);
  if (auto st = tx.begin(); !st) return st;
  auto id = category_id(conn, name, "FOR UPDATE");
  if (!id) return id.error();
  auto n = count(conn, "SELECT count(*) FROM rooms WHERE category_id = $1", std::to_string(*id));
  if (!n) return n.error();
  if (*n > 0) {
    return make_error(ErrorKind::kConflict,
                      "category '" + name + "' still has " + std::to_string(*n) +
                          (*n == 1 ? " room" : " rooms") + ": move or remove them first");
  }
  auto del = conn.exec("DELETE FROM categories WHERE id = $1", {std::to_string(*id)});
  if (!del) return del.error();
  return tx.commit();
}

// ---- rooms ----

Status create_room(pg::Connection& conn, const chat::Room& room) {
  Transaction tx(conn);
  if (auto st = tx.begin(); !st) return st;
  auto id = write_room(conn, room, std::nullopt, false);
  if (!id) return id.error();
  return tx.commit();
}

Result<bool> create_room_if_absent(pg::Connection& conn, const chat::Room& room) {
  Transaction tx(conn);
  if (auto st = tx.begin(); !st) return st.error();
  auto id = write_room(conn, room, std::nullopt, true);
  if (!id) return id.error();
  if (auto st = tx.commit(); !st) return st.error();
  return id->has_value();
}

Result<chat::Room> update_room(pg::Connection& conn, const std::string& name,
                               const RoomEdit& edit) {
  Transaction tx(conn);
  if (auto st = tx.begin(); !st) return st.error();
  auto r = conn.exec(
      std::string("SELECT ") + kRoomColumns + kRoomFrom + " WHERE r.name_key = $1 FOR UPDATE OF r",
      {irc::fold(name)});
  if (!r) return r.error();
  if (r->rows() == 0) return make_error(ErrorKind::kNotFound, "no room '" + name + "'");
  const int64_t id = r->i64(0, 0);
  auto room = decode_room(*r, 0);
  if (!room) return room.error();
  const std::string old_key = irc::fold(room->name);
  if (auto st = edit(*room); !st) return st.error();
  auto written = write_room(conn, *room, id, false);
  if (!written) return written.error();
  if (irc::fold(room->name) != old_key) {
    // A renamed room keeps its history: messages follow the key.
    auto mv = conn.exec("UPDATE messages SET target = $1 WHERE target = $2",
                        {irc::fold(room->name), old_key});
    if (!mv) return mv.error();
  }
  if (auto st = tx.commit(); !st) return st.error();
  return room;
}

Result<int64_t> remove_room(pg::Connection& conn, const std::string& name) {
  Transaction tx(conn);
  if (auto st = tx.begin(); !st) return st.error();
  auto r = conn.exec("DELETE FROM rooms WHERE name_key = $1 RETURNING name_key", {irc::fold(name)});
  if (!r) return r.error();
  if (r->rows() == 0) return make_error(ErrorKind::kNotFound, "no room '" + name + "'");
  auto msgs = conn.exec("DELETE FROM messages WHERE target = $1", {irc::fold(name)});
  if (!msgs) return msgs.error();
  if (auto st = tx.commit(); !st) return st.error();
  return msgs->affected();
}

// ---- add-ins ----

Status validate_addin(const Addin& a) {
  if (a.name.empty()) return make_error(ErrorKind::kInvalidInput, "add-in: the name is empty");
  if (a.name.size() > chat::kMaxCategoryNameLen || has_control(a.name)) {
    return make_error(ErrorKind::kInvalidInput,
                      "add-in '" + a.name + "': the name is too long or has a control character");
  }
  if (a.url.empty() || a.url.size() > 2048 || has_control(a.url) ||
      a.url.find(' ') != std::string::npos ||
      !(a.url.starts_with("http://") || a.url.starts_with("https://"))) {
    return make_error(ErrorKind::kInvalidInput,
                      "add-in '" + a.name + "': the URL '" + a.url +
                          "' is not an http:// or https:// URL without blanks");
  }
  return ok_status();
}

Status create_addin(pg::Connection& conn, const Addin& addin) {
  if (auto st = validate_addin(addin); !st) return st;
  auto r = conn.exec("INSERT INTO addins (name, name_key, url) VALUES ($1, $2, $3)",
                     {addin.name, irc::fold(addin.name), addin.url});
  if (!r && r.error().kind == ErrorKind::kConflict) {
    return make_error(ErrorKind::kConflict, "add-in '" + addin.name + "' already exists");
  }
  if (!r) return r.error();
  return ok_status();
}

Result<Addin> update_addin(pg::Connection& conn, const std::string& name, const AddinEdit& edit) {
  Transaction tx(conn);
  if (auto st = tx.begin(); !st) return st.error();
  auto r = conn.exec("SELECT id, name, url FROM addins WHERE name_key = $1 FOR UPDATE",
                     {irc::fold(name)});
  if (!r) return r.error();
  if (r->rows() == 0) return make_error(ErrorKind::kNotFound, "no add-in '" + name + "'");
  Addin a{r->str(0, 1), r->str(0, 2)};
  if (auto st = edit(a); !st) return st.error();
  if (auto st = validate_addin(a); !st) return st.error();
  auto u = conn.exec("UPDATE addins SET name = $1, name_key = $2, url = $3 WHERE id = $4",
                     {a.name, irc::fold(a.name), a.url, r->str(0, 0)});
  if (!u && u.error().kind == ErrorKind::kConflict) {
    return make_error(ErrorKind::kConflict, "add-in '" + a.name + "' already exists");
  }
  if (!u) return u.error();
  if (auto st = tx.commit(); !st) return st.error();
  return a;
}

Status remove_addin(pg::Connection& conn, const std::string& name) {
  Transaction tx(conn);
  if (auto st = tx.begin(); !st) return st;
  auto r = conn.exec("SELECT id FROM addins WHERE name_key = $1 FOR UPDATE", {irc::fold(name)});
  if (!r) return r.error();
  if (r->rows() == 0) return make_error(ErrorKind::kNotFound, "no add-in '" + name + "'");
  auto n = count(conn, "SELECT count(*) FROM rooms WHERE addin_id = $1", r->str(0, 0));
  if (!n) return n.error();
  if (*n > 0) {
    return make_error(
        ErrorKind::kConflict,
        "add-in '" + name + "' is used by " + std::to_string(*n) + (*n == 1 ? " room" : " rooms"));
  }
  auto del = conn.exec("DELETE FROM addins WHERE id = $1", {r->str(0, 0)});
  if (!del) return del.error();
  return tx.commit();
}

// ---- configuration ----

Result<chat::PoolConfig> read_room_config(pg::Connection& conn) {
  return read_config_row(conn, false);
}

Status write_room_config(pg::Connection& conn, const chat::PoolConfig& c) {
  if (auto st = chat::validate_pool_config(c); !st) return st;
  auto r = conn.exec(
      "UPDATE room_config SET default_chat_history = $1, participant_update_limit = $2,"
      " max_file_size_kb = $3, updated_at = now() WHERE id = 1",
      {std::to_string(c.default_chat_history), std::to_string(c.participant_update_limit),
       std::to_string(c.max_file_size_kb)});
  if (!r) return r.error();
  return ok_status();
}

}  // namespace pchat::store
