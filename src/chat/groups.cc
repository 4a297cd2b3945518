#include "chat/groups.h"

#include <algorithm>

#include "chat/model.h"
#include "irc/casemap.h"

namespace pchat::chat {
namespace {

Error invalid_group(std::string_view name, std::string_view why) {
  return make_error(ErrorKind::kInvalidInput,
                    "group '" + std::string(name) + "': " + std::string(why));
}

}  // namespace

std::string group_key(std::string_view name) {
  std::string key = irc::fold(name);
  if (key.find('=') == std::string::npos) return key;
  // A directory name: blanks around the separators do not count.
  std::string out;
  out.reserve(key.size());
  for (std::size_t i = 0; i < key.size(); ++i) {
    const char c = key[i];
    if (c == ' ' || c == '\t') {
      std::size_t j = key.find_first_not_of(" \t", i);
      const bool before_sep = j == std::string::npos || key[j] == ',' || key[j] == '=';
      const bool after_sep = out.empty() || out.back() == ',' || out.back() == '=';
      if (before_sep || after_sep) continue;
    }
    out.push_back(c);
  }
  return out;
}

Result<std::string> parse_group_name(std::string_view text) {
  std::string_view t = text;
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  if (t.size() > kMaxGroupNameLen) {
    return invalid_group(std::string(t.substr(0, 32)) + "...", "the name is too long");
  }
  const bool prefixed = t.size() >= 6 && irc::equal_folded(t.substr(0, 6), "group:");
  const bool directory = t.find('=') != std::string_view::npos;
  Result<Principal> p =
      parse_principal(prefixed || directory ? std::string(t) : "group:" + std::string(t));
  if (!p) return make_error(ErrorKind::kInvalidInput, "group name: " + p.error().message);
  if (p->kind != PrincipalKind::kGroup) {
    return make_error(ErrorKind::kInvalidInput,
                      "group name: '" + std::string(t) + "' does not name a group");
  }
  return p->name;
}

Principal group_principal(std::string_view name) {
  return Principal{PrincipalKind::kGroup, std::string(name)};
}

Status validate_group(const Group& g) {
  Result<std::string> name = parse_group_name(g.name);
  if (!name) return name.error();
  if (*name != g.name) return invalid_group(g.name, "the name has surrounding blanks");
  if (g.description.size() > kMaxDescriptionLen) {
    return invalid_group(g.name, "the description is too long");
  }
  if (has_control(g.description)) {
    return invalid_group(g.name, "the description has a control character");
  }
  const std::string self = group_key(g.name);
  for (const Principal& m : g.members) {
    if (m.kind == PrincipalKind::kEveryone) {
      return invalid_group(g.name, "'*' (everyone) cannot be a member of a group");
    }
    if (m.kind == PrincipalKind::kGroup && group_key(m.name) == self) {
      return invalid_group(g.name, "a group cannot be a member of itself");
    }
  }
  return ok_status();
}

Directory::Directory(std::span<const Group> groups) {
  // Direct members by key; a later duplicate key (which the store forbids) adds to it.
  std::map<std::string, std::pair<std::set<std::string>, std::vector<std::string>>> direct;
  for (const Group& g : groups) {
    auto& [accounts, nested] = direct[group_key(g.name)];
    for (const Principal& m : g.members) {
      if (m.kind == PrincipalKind::kAccount) accounts.insert(irc::fold(m.name));
      if (m.kind == PrincipalKind::kGroup) nested.push_back(group_key(m.name));
    }
  }
  // Flatten each group by a walk over the nested groups it reaches, each visited
  // once: cycles end, missing groups add nothing.
  for (const auto& [key, entry] : direct) {
    std::set<std::string>& out = flat_[key];
    std::set<std::string> seen{key};
    std::vector<const std::string*> todo;
    out.insert(entry.first.begin(), entry.first.end());
    for (const auto& n : entry.second) todo.push_back(&n);
    while (!todo.empty()) {
      const std::string& next = *todo.back();
      todo.pop_back();
      if (!seen.insert(next).second) continue;
      const auto it = direct.find(next);
      if (it == direct.end()) continue;
      out.insert(it->second.first.begin(), it->second.first.end());
      for (const auto& n : it->second.second) todo.push_back(&n);
    }
  }
}

bool Directory::is_member(std::string_view account, std::string_view group) const {
  const auto it = flat_.find(group_key(group));
  return it != flat_.end() && it->second.count(irc::fold(account)) != 0;
}

bool Directory::contains(std::string_view group) const {
  return flat_.count(group_key(group)) != 0;
}

std::vector<std::string> Directory::accounts(std::string_view group) const {
  const auto it = flat_.find(group_key(group));
  if (it == flat_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

}  // namespace pchat::chat
