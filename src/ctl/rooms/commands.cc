#include "ctl/rooms/commands.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <ostream>

#include "chat/model.h"
#include "chat/pool_config.h"
#include "chat/principal.h"
#include "ctl/target/pool.h"
#include "irc/casemap.h"
#include "store/message_admin.h"
#include "store/rooms.h"
#include "store/transaction.h"

namespace pchat::ctl {

using nlohmann::json;

// ---- shared with the other object commands (rooms/commands.h) ----

void field(std::ostream& out, const char* name, const std::string& value) {
  out << fmt::format("{:<16}{}\n", name, value);
}

std::string principals_text(const std::vector<chat::Principal>& list) {
  std::string out;
  for (const auto& p : list) {
    if (!out.empty()) out += ", ";
    out += chat::to_string(p);
  }
  return out.empty() ? "(none)" : out;
}

void report(const PoolCommandContext& ctx, bool dry_run, bool json_out, const std::string& what,
            const json& object, const std::function<void()>& print) {
  if (json_out) {
    *ctx.out << json{{"dry_run", dry_run}, {"result", object}}.dump(2) << "\n";
    return;
  }
  *ctx.out << (dry_run ? "Dry run: would " + what + "; nothing written" : what) << "\n";
  if (print) print();
}

namespace {

// ---- input ----

Status edit_category(chat::Category& c, const CategoryArgs& a) {
  if (a.new_name) c.name = object_name(*a.new_name);
  if (a.description) c.description = *a.description;
  if (auto st = chat::apply_list_edit(c.allowed_members, a.allowed, "AllowedMembers"); !st)
    return st;
  if (auto st = chat::apply_list_edit(c.denied_members, a.denied, "DeniedMembers"); !st) return st;
  if (auto st = chat::apply_list_edit(c.creators, a.creators, "Creators"); !st) return st;
  if (a.file_upload) c.file_upload = *a.file_upload;
  if (a.invitations) c.invitations = *a.invitations;
  return chat::validate_category(c);
}

Status edit_room(chat::Room& r, const RoomArgs& a) {
  if (a.new_name) r.name = room_name(*a.new_name);
  if (a.category) r.category = object_name(*a.category);
  if (a.description) r.description = *a.description;
  if (a.privacy) {
    auto p = chat::parse_privacy(*a.privacy);
    if (!p) return make_error(ErrorKind::kInvalidInput, "Privacy: " + p.error().message);
    r.privacy = *p;
  }
  if (a.type) {
    auto t = chat::parse_room_type(*a.type);
    if (!t) return make_error(ErrorKind::kInvalidInput, "Type: " + t.error().message);
    r.type = *t;
  }
  if (a.invitations) {
    auto i = chat::parse_invitations(*a.invitations);
    if (!i) return make_error(ErrorKind::kInvalidInput, "Invitations: " + i.error().message);
    r.invitations = *i;
  }
  if (a.addin) r.addin = object_name(*a.addin);
  if (a.disabled) r.disabled = *a.disabled;
  if (auto st = chat::apply_list_edit(r.members, a.members, "Members"); !st) return st;
  if (auto st = chat::apply_list_edit(r.managers, a.managers, "Managers"); !st) return st;
  if (auto st = chat::apply_list_edit(r.presenters, a.presenters, "Presenters"); !st) return st;
  if (!irc::is_valid_channel_name(r.name)) {
    return make_error(ErrorKind::kInvalidInput,
                      "room '" + r.name +
                          "': not a valid channel name ('#' and 1-64 characters "
                          "without blanks, commas or control characters)");
  }
  return ok_status();
}

// ---- output ----

json principals_json(const std::vector<chat::Principal>& list) {
  json a = json::array();
  for (const auto& p : list) a.push_back(chat::to_string(p));
  return a;
}

json category_json(const chat::Category& c, size_t rooms) {
  return {{"name", c.name},
          {"description", c.description},
          {"allowed_members", principals_json(c.allowed_members)},
          {"denied_members", principals_json(c.denied_members)},
          {"creators", principals_json(c.creators)},
          {"file_upload", c.file_upload},
          {"invitations", c.invitations},
          {"rooms", rooms}};
}

json room_json(const chat::Room& r) {
  return {{"name", r.name},
          {"category", r.category},
          {"description", r.description},
          {"privacy", chat::to_string(r.privacy)},
          {"type", chat::to_string(r.type)},
          {"disabled", r.disabled},
          {"invitations", chat::to_string(r.invitations)},
          {"addin", r.addin.empty() ? json(nullptr) : json(r.addin)},
          {"members", principals_json(r.members)},
          {"managers", principals_json(r.managers)},
          {"presenters", principals_json(r.presenters)}};
}

json addin_json(const store::Addin& a) {
  return {{"name", a.name}, {"url", a.url}};
}

json config_json(const chat::PoolConfig& c) {
  return {{"default_chat_history", c.default_chat_history},
          {"participant_update_limit", c.participant_update_limit},
          {"max_file_size_kb", c.max_file_size_kb}};
}

void print_category(std::ostream& out, const chat::Category& c, size_t rooms) {
  field(out, "Name", c.name);
  field(out, "Description", c.description);
  field(out, "AllowedMembers", principals_text(c.allowed_members));
  field(out, "DeniedMembers", principals_text(c.denied_members));
  field(out, "Creators", principals_text(c.creators));
  field(out, "FileUpload", c.file_upload ? "True" : "False");
  field(out, "Invitations", c.invitations ? "True" : "False");
  field(out, "Rooms", std::to_string(rooms));
}

void print_room(std::ostream& out, const chat::Room& r) {
  field(out, "Name", r.name);
  field(out, "Category", r.category);
  field(out, "Description", r.description);
  field(out, "Privacy", chat::to_string(r.privacy));
  field(out, "Type", chat::to_string(r.type));
  field(out, "Disabled", r.disabled ? "True" : "False");
  field(out, "Invitations", chat::to_string(r.invitations));
  field(out, "Addin", r.addin.empty() ? "(none)" : r.addin);
  field(out, "Members", principals_text(r.members));
  field(out, "Managers", principals_text(r.managers));
  field(out, "Presenters", principals_text(r.presenters));
}

void print_config(std::ostream& out, const chat::PoolConfig& c) {
  field(out, "DefaultChatHistory", std::to_string(c.default_chat_history));
  field(out, "ParticipantUpdateLimit", std::to_string(c.participant_update_limit));
  field(out, "MaxFileSizeKB", std::to_string(c.max_file_size_kb));
}

std::string capitalized(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

Result<store::RoomCatalog> load(PoolTarget& t) {
  return store::load_room_catalog(t.mgc());
}

Error missing(const char* what, const std::string& name) {
  return make_error(ErrorKind::kNotFound, std::string("no ") + what + " '" + name + "'");
}

Error exists(const char* what, const std::string& name) {
  return make_error(ErrorKind::kConflict, std::string(what) + " '" + name + "' already exists");
}

// Opens the store, then `write`s; in a dry run, `check`s the current catalog instead.
Status check_or_write(const PoolCommandContext& ctx, bool dry_run,
                      const std::function<Status(const store::RoomCatalog&)>& check,
                      const std::function<Status(pg::Connection&)>& write) {
  auto t = open_target(ctx);
  if (!t) return t.error();
  if (!dry_run) return write((*t)->mgc());
  auto cat = load(**t);
  if (!cat) return cat.error();
  return check(*cat);
}

}  // namespace

std::string object_name(const std::string& identity) {
  auto slash = identity.find_last_of('\\');
  return slash == std::string::npos ? identity : identity.substr(slash + 1);
}

std::string room_name(const std::string& identity) {
  std::string n = object_name(identity);
  if (!n.empty() && n[0] != '#') n.insert(n.begin(), '#');
  return n;
}

// ---- categories ----

Status category_list(const PoolCommandContext& ctx, const ListFilter& f) {
  auto t = open_target(ctx);
  if (!t) return t.error();
  auto cat = load(**t);
  if (!cat) return cat.error();
  std::vector<const chat::Category*> shown;
  const std::string name = object_name(f.name);
  for (const auto& c : cat->categories) {
    if (name.empty() || irc::equal_folded(c.name, name)) shown.push_back(&c);
  }
  if (!name.empty() && shown.empty()) {
    return missing("category", name);
  }
  if (f.json) {
    json a = json::array();
    for (auto* c : shown) a.push_back(category_json(*c, cat->rooms_in(c->name)));
    *ctx.out << a.dump(2) << "\n";
    return ok_status();
  }
  if (!name.empty()) {
    print_category(*ctx.out, *shown[0], cat->rooms_in(shown[0]->name));
    return ok_status();
  }
  *ctx.out << fmt::format("{:<24} {:>5}  {:<24} {:<24} {}\n", "NAME", "ROOMS", "ALLOWED", "DENIED",
                          "CREATORS");
  for (auto* c : shown) {
    *ctx.out << fmt::format("{:<24} {:>5}  {:<24} {:<24} {}\n", c->name, cat->rooms_in(c->name),
                            principals_text(c->allowed_members), principals_text(c->denied_members),
                            principals_text(c->creators));
  }
  return ok_status();
}

Status category_add(const PoolCommandContext& ctx, const CategoryArgs& a) {
  chat::Category c;
  c.name = object_name(a.name);
  if (auto st = edit_category(c, a); !st) return st;
  auto st = check_or_write(
      ctx, a.dry_run,
      [&](const store::RoomCatalog& cat) -> Status {
        if (cat.category(c.name) != nullptr) return exists("category", c.name);
        return ok_status();
      },
      [&](pg::Connection& conn) { return store::create_category(conn, c); });
  if (!st) return st;
  report(ctx, a.dry_run, a.json, "Created category '" + c.name + "'", category_json(c, 0),
         [&] { print_category(*ctx.out, c, 0); });
  return ok_status();
}

Status category_set(const PoolCommandContext& ctx, const CategoryArgs& a) {
  const std::string name = object_name(a.name);
  auto t = open_target(ctx);
  if (!t) return t.error();
  Result<chat::Category> c = make_error(ErrorKind::kInternal, "unreachable");
  size_t rooms = 0;
  {
    auto cat = load(**t);
    if (!cat) return cat.error();
    rooms = cat->rooms_in(name);
    if (a.dry_run) {
      const chat::Category* cur = cat->category(name);
      if (cur == nullptr) return missing("category", name);
      chat::Category copy = *cur;
      if (auto st = edit_category(copy, a); !st) return st.error();
      c = copy;
    }
  }
  if (!a.dry_run) {
    c = store::update_category((*t)->mgc(), name,
                               [&](chat::Category& cur) { return edit_category(cur, a); });
  }
  if (!c) return c.error();
  report(ctx, a.dry_run, a.json, "Updated category '" + c->name + "'", category_json(*c, rooms),
         [&] { print_category(*ctx.out, *c, rooms); });
  return ok_status();
}

Status category_remove(const PoolCommandContext& ctx, const std::string& identity, bool dry_run) {
  const std::string name = object_name(identity);
  auto st = check_or_write(
      ctx, dry_run,
      [&](const store::RoomCatalog& cat) -> Status {
        if (cat.category(name) == nullptr) return missing("category", name);
        if (size_t n = cat.rooms_in(name); n > 0) {
          return make_error(ErrorKind::kConflict, "category '" + name + "' still has " +
                                                      std::to_string(n) +
                                                      (n == 1 ? " room" : " rooms"));
        }
        return ok_status();
      },
      [&](pg::Connection& conn) { return store::remove_category(conn, name); });
  if (!st) return st;
  report(ctx, dry_run, false, "Removed category '" + name + "'", json{{"name", name}}, nullptr);
  return ok_status();
}

// ---- rooms ----

Status room_list(const PoolCommandContext& ctx, const ListFilter& f) {
  auto t = open_target(ctx);
  if (!t) return t.error();
  auto cat = load(**t);
  if (!cat) return cat.error();
  const std::string name = f.name.empty() ? std::string() : room_name(f.name);
  const std::string category = object_name(f.category);
  if (!category.empty() && cat->category(category) == nullptr) {
    return missing("category", category);
  }
  std::vector<const chat::Room*> shown;
  for (const auto& r : cat->rooms) {
    if (!name.empty() && !irc::equal_folded(r.name, name)) continue;
    if (!category.empty() && !irc::equal_folded(r.category, category)) continue;
    shown.push_back(&r);
  }
  if (!name.empty() && shown.empty()) {
    return missing("room", name);
  }
  if (f.json) {
    json a = json::array();
    for (auto* r : shown) a.push_back(room_json(*r));
    *ctx.out << a.dump(2) << "\n";
    return ok_status();
  }
  if (!name.empty()) {
    print_room(*ctx.out, *shown[0]);
    return ok_status();
  }
  *ctx.out << fmt::format("{:<24} {:<16} {:<8} {:<11} {:<9} {}\n", "NAME", "CATEGORY", "PRIVACY",
                          "TYPE", "DISABLED", "MANAGERS");
  for (auto* r : shown) {
    *ctx.out << fmt::format("{:<24} {:<16} {:<8} {:<11} {:<9} {}\n", r->name, r->category,
                            chat::to_string(r->privacy), chat::to_string(r->type),
                            r->disabled ? "True" : "False", principals_text(r->managers));
  }
  return ok_status();
}

Status room_add(const PoolCommandContext& ctx, const RoomArgs& a) {
  if (!a.category || object_name(*a.category).empty()) {
    return make_error(ErrorKind::kInvalidInput,
                      "room '" + room_name(a.name) + "': a category is required (-Category)");
  }
  chat::Room r;
  r.name = room_name(a.name);
  if (auto st = edit_room(r, a); !st) return st;
  auto st = check_or_write(
      ctx, a.dry_run,
      [&](const store::RoomCatalog& cat) -> Status {
        const chat::Category* c = cat.category(r.category);
        if (c == nullptr) return missing("category", r.category);
        if (cat.room(r.name) != nullptr) return exists("room", r.name);
        r.category = c->name;
        return chat::validate_room(r, *c);
      },
      [&](pg::Connection& conn) { return store::create_room(conn, r); });
  if (!st) return st;
  report(ctx, a.dry_run, a.json, "Created room '" + r.name + "'", room_json(r),
         [&] { print_room(*ctx.out, r); });
  return ok_status();
}

Status room_set(const PoolCommandContext& ctx, const RoomArgs& a) {
  const std::string name = room_name(a.name);
  auto t = open_target(ctx);
  if (!t) return t.error();
  Result<chat::Room> r = make_error(ErrorKind::kInternal, "unreachable");
  if (a.dry_run) {
    auto cat = load(**t);
    if (!cat) return cat.error();
    const chat::Room* cur = cat->room(name);
    if (cur == nullptr) return missing("room", name);
    chat::Room copy = *cur;
    if (auto st = edit_room(copy, a); !st) return st;
    const chat::Category* c = cat->category(copy.category);
    if (c == nullptr) return missing("category", copy.category);
    copy.category = c->name;
    if (auto st = chat::validate_room(copy, *c); !st) return st;
    r = copy;
  } else {
    r = store::update_room((*t)->mgc(), name, [&](chat::Room& cur) { return edit_room(cur, a); });
  }
  if (!r) return r.error();
  report(ctx, a.dry_run, a.json, "Updated room '" + r->name + "'", room_json(*r),
         [&] { print_room(*ctx.out, *r); });
  return ok_status();
}

Status room_remove(const PoolCommandContext& ctx, const std::string& identity, bool dry_run) {
  const std::string name = room_name(identity);
  int64_t removed = 0;
  auto st = check_or_write(
      ctx, dry_run,
      [&](const store::RoomCatalog& cat) -> Status {
        if (cat.room(name) == nullptr) return missing("room", name);
        return ok_status();
      },
      [&](pg::Connection& conn) -> Status {
        auto n = store::remove_room(conn, name);
        if (!n) return n.error();
        removed = *n;
        return ok_status();
      });
  if (!st) return st;
  report(ctx, dry_run, false,
         "Removed room '" + name + "' and its " + std::to_string(removed) + " messages",
         json{{"name", name}}, nullptr);
  return ok_status();
}

// ---- add-ins ----

Status addin_list(const PoolCommandContext& ctx, const ListFilter& f) {
  auto t = open_target(ctx);
  if (!t) return t.error();
  auto cat = load(**t);
  if (!cat) return cat.error();
  const std::string name = object_name(f.name);
  std::vector<const store::Addin*> shown;
  for (const auto& a : cat->addins) {
    if (name.empty() || irc::equal_folded(a.name, name)) shown.push_back(&a);
  }
  if (!name.empty() && shown.empty()) {
    return missing("add-in", name);
  }
  if (f.json) {
    json arr = json::array();
    for (auto* a : shown) arr.push_back(addin_json(*a));
    *ctx.out << arr.dump(2) << "\n";
    return ok_status();
  }
  *ctx.out << fmt::format("{:<32} {}\n", "NAME", "URL");
  for (auto* a : shown) *ctx.out << fmt::format("{:<32} {}\n", a->name, a->url);
  return ok_status();
}

Status addin_add(const PoolCommandContext& ctx, const AddinArgs& a) {
  store::Addin addin{object_name(a.name), a.url.value_or("")};
  if (auto st = store::validate_addin(addin); !st) return st;
  auto st = check_or_write(
      ctx, a.dry_run,
      [&](const store::RoomCatalog& cat) -> Status {
        if (cat.addin(addin.name) != nullptr) return exists("add-in", addin.name);
        return ok_status();
      },
      [&](pg::Connection& conn) { return store::create_addin(conn, addin); });
  if (!st) return st;
  report(ctx, a.dry_run, a.json, "Created add-in '" + addin.name + "'", addin_json(addin),
         [&] { field(*ctx.out, "Url", addin.url); });
  return ok_status();
}

Status addin_set(const PoolCommandContext& ctx, const AddinArgs& a) {
  const std::string name = object_name(a.name);
  auto edit = [&](store::Addin& cur) {
    if (a.new_name) cur.name = object_name(*a.new_name);
    if (a.url) cur.url = *a.url;
    return store::validate_addin(cur);
  };
  auto t = open_target(ctx);
  if (!t) return t.error();
  Result<store::Addin> r = make_error(ErrorKind::kInternal, "unreachable");
  if (a.dry_run) {
    auto cat = load(**t);
    if (!cat) return cat.error();
    const store::Addin* cur = cat->addin(name);
    if (cur == nullptr) return missing("add-in", name);
    store::Addin copy = *cur;
    if (auto st = edit(copy); !st) return st;
    r = copy;
  } else {
    r = store::update_addin((*t)->mgc(), name, edit);
  }
  if (!r) return r.error();
  report(ctx, a.dry_run, a.json, "Updated add-in '" + r->name + "'", addin_json(*r),
         [&] { field(*ctx.out, "Url", r->url); });
  return ok_status();
}

Status addin_remove(const PoolCommandContext& ctx, const std::string& identity, bool dry_run) {
  const std::string name = object_name(identity);
  auto st = check_or_write(
      ctx, dry_run,
      [&](const store::RoomCatalog& cat) -> Status {
        if (cat.addin(name) == nullptr) return missing("add-in", name);
        return ok_status();
      },
      [&](pg::Connection& conn) { return store::remove_addin(conn, name); });
  if (!st) return st;
  report(ctx, dry_run, false, "Removed add-in '" + name + "'", json{{"name", name}}, nullptr);
  return ok_status();
}

// ---- configuration ----

Status room_config_show(const PoolCommandContext& ctx, bool json_out) {
  auto t = open_target(ctx);
  if (!t) return t.error();
  auto c = store::read_room_config((*t)->mgc());
  if (!c) return c.error();
  if (json_out) {
    *ctx.out << config_json(*c).dump(2) << "\n";
  } else {
    print_config(*ctx.out, *c);
  }
  return ok_status();
}

Status room_config_set(const PoolCommandContext& ctx, const RoomConfigArgs& a) {
  auto t = open_target(ctx);
  if (!t) return t.error();
  auto c = store::read_room_config((*t)->mgc());
  if (!c) return c.error();
  auto narrow = [](int64_t v) {
    return static_cast<int>(std::clamp<int64_t>(v, INT32_MIN, INT32_MAX));
  };
  if (a.default_chat_history) c->default_chat_history = narrow(*a.default_chat_history);
  if (a.participant_update_limit) c->participant_update_limit = narrow(*a.participant_update_limit);
  if (a.max_file_size_kb) c->max_file_size_kb = *a.max_file_size_kb;
  if (auto st = chat::validate_pool_config(*c); !st) return st;
  if (!a.dry_run) {
    if (auto st = store::write_room_config((*t)->mgc(), *c); !st) return st;
  }
  report(ctx, a.dry_run, a.json, capitalized("updated the room configuration"), config_json(*c),
         [&] { print_config(*ctx.out, *c); });
  return ok_status();
}

}  // namespace pchat::ctl
