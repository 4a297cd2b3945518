#include "ctl/rooms/groups.h"

#include <fmt/format.h>

#include "chat/groups.h"
#include "ctl/target/pool.h"
#include "store/groups.h"

namespace pchat::ctl {

namespace {

using nlohmann::json;

std::string accounts_text(const std::vector<std::string>& accounts) {
  std::string out;
  for (const auto& a : accounts) out += (out.empty() ? "" : ", ") + a;
  return out.empty() ? "(none)" : out;
}

json group_json(const chat::Group& g, const chat::Directory* expanded) {
  json members = json::array();
  for (const auto& p : g.members) members.push_back(chat::to_string(p));
  json j = {{"name", g.name}, {"description", g.description}, {"members", members}};
  if (expanded != nullptr) j["accounts"] = expanded->accounts(g.name);
  return j;
}

void print_group(std::ostream& out, const chat::Group& g, const chat::Directory* expanded) {
  field(out, "Name", g.name);
  field(out, "Description", g.description);
  field(out, "Members", principals_text(g.members));
  if (expanded != nullptr) field(out, "Accounts", accounts_text(expanded->accounts(g.name)));
}

// "Created group 'x'", or in a dry run what report() puts after "would".
std::string done(bool dry_run, const char* verb, const char* past, const std::string& name) {
  return std::string(dry_run ? verb : past) + " group '" + name + "'";
}

Status edit_group(chat::Group& g, const GroupArgs& a) {
  if (a.description) g.description = *a.description;
  if (auto st = chat::apply_list_edit(g.members, a.members, "Members"); !st) return st;
  return chat::validate_group(g);
}

}  // namespace

Status group_list(const PoolCommandContext& ctx, const GroupListArgs& a) {
  std::string name;
  if (!a.name.empty()) {
    auto parsed = chat::parse_group_name(a.name);
    if (!parsed) return parsed.error();
    name = *parsed;
  }
  auto t = open_target(ctx);
  if (!t) return t.error();
  auto groups = store::load_groups((*t)->mgc());
  if (!groups) return groups.error();
  const chat::Directory dir(*groups);
  const chat::Directory* expanded = a.expand ? &dir : nullptr;
  std::vector<const chat::Group*> shown;
  for (const auto& g : *groups) {
    if (name.empty() || chat::group_key(g.name) == chat::group_key(name)) shown.push_back(&g);
  }
  if (!name.empty() && shown.empty()) {
    return make_error(ErrorKind::kNotFound, "no group '" + name + "'");
  }
  if (a.json) {
    json arr = json::array();
    for (auto* g : shown) arr.push_back(group_json(*g, expanded));
    *ctx.out << arr.dump(2) << "\n";
    return ok_status();
  }
  if (!name.empty()) {
    print_group(*ctx.out, *shown[0], &dir);  // one group: its accounts too
    return ok_status();
  }
  constexpr const char* fmt_line = "{:<40} {:<40} {}\n";
  *ctx.out << fmt::format(fmt_line, "NAME", "MEMBERS", a.expand ? "ACCOUNTS" : "DESCRIPTION");
  for (auto* g : shown) {
    *ctx.out << fmt::format(fmt_line, g->name, principals_text(g->members),
                            a.expand ? accounts_text(dir.accounts(g->name)) : g->description);
  }
  return ok_status();
}

Status group_add(const PoolCommandContext& ctx, const GroupArgs& a) {
  auto name = chat::parse_group_name(a.name);
  if (!name) return name.error();
  chat::Group g;
  g.name = *name;
  if (auto st = edit_group(g, a); !st) return st;
  auto t = open_target(ctx);
  if (!t) return t.error();
  if (auto st = store::create_group((*t)->mgc(), g, a.dry_run); !st) return st;
  report(ctx, a.dry_run, a.json, done(a.dry_run, "create", "Created", g.name),
         group_json(g, nullptr), [&] { print_group(*ctx.out, g, nullptr); });
  return ok_status();
}

Status group_set(const PoolCommandContext& ctx, const GroupArgs& a) {
  if (!a.description && !a.members.given()) {
    return make_error(ErrorKind::kInvalidInput,
                      "group '" + a.name +
                          "': nothing to change (give --members, --add-members, "
                          "--remove-members, --clear-members or --description)");
  }
  auto t = open_target(ctx);
  if (!t) return t.error();
  auto g = store::update_group((*t)->mgc(), a.name,
                               [&](chat::Group& cur) { return edit_group(cur, a); }, a.dry_run);
  if (!g) return g.error();
  report(ctx, a.dry_run, a.json, done(a.dry_run, "update", "Updated", g->name),
         group_json(*g, nullptr), [&] { print_group(*ctx.out, *g, nullptr); });
  return ok_status();
}

Status group_remove(const PoolCommandContext& ctx, const std::string& name, bool force,
                    bool dry_run) {
  auto t = open_target(ctx);
  if (!t) return t.error();
  auto uses = store::remove_group((*t)->mgc(), name, force, dry_run);
  if (!uses) return uses.error();
  auto parsed = chat::parse_group_name(name);
  const std::string shown = parsed ? *parsed : name;
  json left = json::array();
  std::string what = done(dry_run, "remove", "Removed", shown);
  for (const auto& u : *uses) {
    left.push_back({{"kind", u.kind}, {"name", u.name}, {"list", u.list}});
  }
  if (!uses->empty()) {
    what += fmt::format("; {} list {} naming it {} match nobody", uses->size(),
                        uses->size() == 1 ? "entry" : "entries", dry_run ? "would" : "now");
  }
  report(ctx, dry_run, false, what, json{{"name", shown}, {"still_listed_by", left}}, nullptr);
  return ok_status();
}

}  // namespace pchat::ctl
