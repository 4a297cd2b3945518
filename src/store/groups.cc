#include "store/groups.h"

#include <algorithm>
#include <map>

#include "irc/casemap.h"
#include "store/principal_lists.h"
#include "store/transaction.h"

namespace pchat::store {

namespace {

constexpr const char* kGroupColumns = "id, name, description, to_json(members)::text";

Result<chat::Group> decode_group(const pg::ResultSet& r, int row) {
  chat::Group g;
  g.name = r.str(row, 1);
  g.description = r.str(row, 2);
  auto members = decode_principals(r.get(row, 3), "group '" + g.name + "'");
  if (!members) return members.error();
  g.members = std::move(*members);
  return g;
}

Error no_group(const std::string& name) {
  return make_error(ErrorKind::kNotFound, "no group '" + name + "'");
}

// Commits, or in a dry run leaves the transaction to roll back.
Status finish(Transaction& tx, bool dry_run) {
  return dry_run ? ok_status() : tx.commit();
}

// Validates `g` and checks that every nested group exists, locking those FOR SHARE
// (they cannot be removed before this transaction ends).
Status check_group(pg::Connection& conn, const chat::Group& g) {
  if (auto st = chat::validate_group(g); !st) return st;
  std::vector<std::optional<std::string>> keys;
  for (const auto& m : g.members) {
    if (m.kind == chat::PrincipalKind::kGroup) keys.emplace_back(chat::group_key(m.name));
  }
  if (keys.empty()) return ok_status();
  auto r = conn.exec(
      "SELECT name_key FROM groups WHERE name_key = ANY($1::text[]) ORDER BY id FOR SHARE",
      {pg::make_text_array(keys)});
  if (!r) return r.error();
  std::vector<std::string> found;
  for (int i = 0; i < r->rows(); ++i) found.push_back(r->str(i, 0));
  for (const auto& m : g.members) {
    if (m.kind != chat::PrincipalKind::kGroup) continue;
    if (std::find(found.begin(), found.end(), chat::group_key(m.name)) == found.end()) {
      return make_error(ErrorKind::kInvalidInput, "group '" + g.name + "': member '" +
                                                      chat::to_string(m) +
                                                      "' names no group (create it first)");
    }
  }
  return ok_status();
}

Status write_group(pg::Connection& conn, const chat::Group& g, std::optional<int64_t> id) {
  if (auto st = check_group(conn, g); !st) return st;
  pg::Params p = {g.name, chat::group_key(g.name), g.description, principals_array(g.members)};
  Result<pg::ResultSet> r = make_error(ErrorKind::kInternal, "unreachable");
  if (!id) {
    r = conn.exec(
        "INSERT INTO groups (name, name_key, description, members) VALUES ($1, $2, $3, $4)", p);
  } else {
    p.push_back(std::to_string(*id));
    r = conn.exec(
        "UPDATE groups SET name = $1, name_key = $2, description = $3, members = $4,"
        " updated_at = now() WHERE id = $5",
        p);
  }
  if (!r && r.error().kind == ErrorKind::kConflict) {
    return make_error(ErrorKind::kConflict, "group '" + g.name + "' already exists");
  }
  if (!r) return r.error();
  return ok_status();
}

// Every list entry that names the group of `key`. Entries are compared as
// principals (chat::group_key), so "group:Legal" finds "legal".
Result<std::vector<GroupUse>> uses_of(pg::Connection& conn, const std::string& key) {
  auto r = conn.exec(
      "SELECT 'category', c.name, l.list, l.p FROM categories c,"
      "  LATERAL (SELECT 'AllowedMembers', unnest(c.allowed_members)"
      "           UNION ALL SELECT 'DeniedMembers', unnest(c.denied_members)"
      "           UNION ALL SELECT 'Creators', unnest(c.creators)) AS l(list, p)"
      " UNION ALL SELECT 'room', r.name, initcap(rr.role) || 's', rr.principal"
      "  FROM room_roles rr JOIN rooms r ON r.id = rr.room_id"
      " UNION ALL SELECT 'group', g.name, 'Members', m FROM groups g, unnest(g.members) AS m"
      " ORDER BY 1, 2, 3");
  if (!r) return r.error();
  std::vector<GroupUse> out;
  for (int i = 0; i < r->rows(); ++i) {
    auto p = chat::parse_principal(r->get(i, 3));
    if (!p || p->kind != chat::PrincipalKind::kGroup || chat::group_key(p->name) != key) continue;
    out.push_back({r->str(i, 0), r->str(i, 1), r->str(i, 2)});
  }
  return out;
}

// "category 'Legal' (AllowedMembers, Creators)", "room '#x' (Members)" or
// "2 rooms (#a Members; #b Managers)".
std::string describe_uses(const std::vector<GroupUse>& uses) {
  std::map<std::string, std::map<std::string, std::vector<std::string>>> by_kind;
  for (const auto& u : uses) by_kind[u.kind][u.name].push_back(u.list);
  auto join = [](const std::vector<std::string>& v, const char* sep) {
    std::string s;
    for (const auto& e : v) s += (s.empty() ? "" : sep) + e;
    return s;
  };
  std::vector<std::string> parts;
  for (const char* kind : {"category", "room", "group"}) {
    const auto& objects = by_kind[kind];
    if (objects.empty()) continue;
    if (objects.size() == 1 || std::string(kind) == "category") {
      for (const auto& [name, lists] : objects) {
        parts.push_back(std::string(kind) + " '" + name + "' (" + join(lists, ", ") + ")");
      }
      continue;
    }
    std::vector<std::string> each;
    for (const auto& [name, lists] : objects) each.push_back(name + " " + join(lists, ", "));
    const std::string plural = std::string(kind) == "group" ? "groups" : "rooms";
    parts.push_back(std::to_string(objects.size()) + " " + plural + " (" + join(each, "; ") + ")");
  }
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    out += (i == 0 ? "" : i + 1 == parts.size() ? " and " : ", ") + parts[i];
  }
  return out;
}

// The group's id and value, its row locked FOR UPDATE. kNotFound; kConflict for a
// directory group (store/directory.h).
Result<std::pair<int64_t, chat::Group>> lock_group(pg::Connection& conn, const std::string& name) {
  auto parsed = chat::parse_group_name(name);
  if (!parsed) return no_group(name);
  auto r = conn.exec(std::string("SELECT ") + kGroupColumns +
                         ", source = 'directory' FROM groups WHERE name_key = $1 FOR UPDATE",
                     {chat::group_key(*parsed)});
  if (!r) return r.error();
  if (r->rows() == 0) return no_group(*parsed);
  if (r->str(0, 4) == "t") {  // store/directory.h: each refresh replaces it
    return make_error(ErrorKind::kConflict, "group '" + r->str(0, 1) +
                                                "' comes from the directory: change it there "
                                                "(pchatctl group sync refreshes it)");
  }
  auto g = decode_group(*r, 0);
  if (!g) return g.error();
  return std::make_pair(r->i64(0, 0), std::move(*g));
}

}  // namespace

Result<std::vector<chat::Group>> load_groups(pg::Connection& conn) {
  auto r = conn.exec(std::string("SELECT ") + kGroupColumns + " FROM groups ORDER BY name_key");
  if (!r) return r.error();
  std::vector<chat::Group> out;
  for (int i = 0; i < r->rows(); ++i) {
    auto g = decode_group(*r, i);
    if (!g) return g.error();
    out.push_back(std::move(*g));
  }
  return out;
}

Status create_group(pg::Connection& conn, const chat::Group& group, bool dry_run) {
  Transaction tx(conn);
  if (auto st = tx.begin(); !st) return st;
  if (dry_run) {
    // The INSERT's unique violation would end the transaction: ask first.
    auto r = conn.exec("SELECT 1 FROM groups WHERE name_key = $1", {chat::group_key(group.name)});
    if (!r) return r.error();
    if (r->rows() > 0) {
      return make_error(ErrorKind::kConflict, "group '" + group.name + "' already exists");
    }
  }
  if (auto st = write_group(conn, group, std::nullopt); !st) return st;
  return finish(tx, dry_run);
}

Result<chat::Group> update_group(pg::Connection& conn, const std::string& name,
                                 const GroupEdit& edit, bool dry_run) {
  Transaction tx(conn);
  if (auto st = tx.begin(); !st) return st.error();
  auto locked = lock_group(conn, name);
  if (!locked) return locked.error();
  auto& [id, g] = *locked;
  const std::string key = chat::group_key(g.name);
  if (auto st = edit(g); !st) return st.error();
  if (chat::group_key(g.name) != key) {
    return make_error(ErrorKind::kInvalidInput,
                      "group '" + name +
                          "': a group cannot be renamed (lists name it): create "
                          "the new one, move the entries, remove the old one");
  }
  if (auto st = write_group(conn, g, id); !st) return st.error();
  if (auto st = finish(tx, dry_run); !st) return st.error();
  return g;
}

Result<std::vector<GroupUse>> remove_group(pg::Connection& conn, const std::string& name,
                                           bool force, bool dry_run) {
  Transaction tx(conn);
  if (auto st = tx.begin(); !st) return st.error();
  auto locked = lock_group(conn, name);
  if (!locked) return locked.error();
  const auto& [id, g] = *locked;
  auto uses = uses_of(conn, chat::group_key(g.name));
  if (!uses) return uses.error();
  if (!uses->empty() && !force) {
    return make_error(ErrorKind::kConflict, "group '" + g.name + "' is listed by " +
                                                describe_uses(*uses) +
                                                ": remove it from them first, or force "
                                                "(the entries then match nobody)");
  }
  auto del = conn.exec("DELETE FROM groups WHERE id = $1", {std::to_string(id)});
  if (!del) return del.error();
  if (auto st = finish(tx, dry_run); !st) return st.error();
  return std::move(*uses);
}

}  // namespace pchat::store
