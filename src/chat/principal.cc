#include "chat/principal.h"

#include <algorithm>
#include <cctype>

#include "core/text.h"
#include "irc/casemap.h"

namespace pchat::chat {
namespace {

constexpr std::string_view kHint =
    ": use an account name, sip:NAME@domain, irc:NAME, group:NAME, a directory name "
    "(OU=...,DC=...) or *";

// Returns true iff `s` starts with `prefix`, ASCII-case-insensitively.
bool starts_with_folded(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && irc::equal_folded(s.substr(0, prefix.size()), prefix);
}

Error invalid(std::string_view text, std::string_view why) {
  return make_error(ErrorKind::kInvalidInput,
                    "'" + std::string(text) + "' is not a valid principal: " + std::string(why));
}

Result<Principal> account_principal(std::string_view text, std::string_view name) {
  if (!irc::is_valid_account_name(name)) {
    return invalid(text, "'" + std::string(name) + "' is not a valid pchat account name");
  }
  return Principal{PrincipalKind::kAccount, irc::fold(name)};
}

// A directory name: comma-separated KEY=VALUE components, none empty.
bool is_directory_name(std::string_view s) {
  while (true) {
    const std::size_t comma = s.find(',');
    std::string_view part = text::trim_blanks(s.substr(0, comma));
    const std::size_t eq = part.find('=');
    if (eq == std::string_view::npos || eq == 0 || eq + 1 == part.size()) return false;
    if (comma == std::string_view::npos) return true;
    s.remove_prefix(comma + 1);
  }
}

}  // namespace

bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

bool operator==(const Principal& a, const Principal& b) {
  return a.kind == b.kind && irc::equal_folded(a.name, b.name);
}

Result<Principal> parse_principal(std::string_view raw) {
  const std::string_view text = text::trim_blanks(raw);
  if (text.empty()) return invalid(raw, "it is empty");
  if (has_control(text)) return invalid(text, "it contains a control character");
  if (text == "*") return Principal{PrincipalKind::kEveryone, ""};
  if (starts_with_folded(text, "sip:")) {
    std::string_view user = text.substr(4);
    user = user.substr(0, user.find('@'));
    return account_principal(text, user);
  }
  if (starts_with_folded(text, "irc:")) return account_principal(text, text.substr(4));
  if (starts_with_folded(text, "group:")) {
    const std::string_view group = text::trim_blanks(text.substr(6));
    if (group.empty()) return invalid(text, "the group name is empty");
    return Principal{PrincipalKind::kGroup, std::string(group)};
  }
  if (text.find('=') != std::string_view::npos) {
    if (!is_directory_name(text)) {
      return invalid(text, "a directory name is a comma-separated list of KEY=VALUE");
    }
    return Principal{PrincipalKind::kGroup, std::string(text)};
  }
  if (irc::is_valid_account_name(text)) return Principal{PrincipalKind::kAccount, irc::fold(text)};
  return invalid(
      text, std::string("it is neither an account name nor a known form") + std::string(kHint));
}

Result<std::vector<Principal>> parse_principals(std::span<const std::string> texts) {
  std::vector<Principal> out;
  out.reserve(texts.size());
  for (const std::string& t : texts) {
    Result<Principal> p = parse_principal(t);
    if (!p) return p.error();
    if (std::find(out.begin(), out.end(), *p) == out.end()) out.push_back(std::move(*p));
  }
  return out;
}

namespace {

// The KEY of a "KEY=VALUE" directory-name part (folded, blanks trimmed), or "" when
// `part` is not one (no '=', or a KEY that is not letters, digits and '-').
std::string directory_key(std::string_view part) {
  const std::size_t eq = part.find('=');
  if (eq == std::string_view::npos) return "";
  const std::string_view key = text::trim_blanks(part.substr(0, eq));
  const bool word = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
  });
  return word ? irc::fold(key) : "";
}

}  // namespace

std::vector<std::string> split_principal_list(std::string_view text) {
  std::vector<std::string> out;
  if (text::trim_blanks(text).empty()) return out;
  std::string last_key;  // the key of out.back()'s last part while it is a directory name
  while (true) {
    const std::size_t comma = text.find(',');
    const std::string_view part = text.substr(0, comma);
    const std::string key = directory_key(part);
    if (!last_key.empty() && !key.empty() && !(last_key == "dc" && key != "dc")) {
      out.back() += ",";
      out.back() += part;
      last_key = key;
    } else {
      out.emplace_back(part);
      std::string_view body = text::trim_blanks(part);
      if (starts_with_folded(body, "group:")) body.remove_prefix(6);
      last_key = directory_key(body);
    }
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

std::string to_string(const Principal& p) {
  switch (p.kind) {
    case PrincipalKind::kEveryone:
      return "*";
    case PrincipalKind::kAccount:
      return p.name;
    case PrincipalKind::kGroup:
      return is_directory_name(p.name) ? p.name : "group:" + p.name;
  }
  return p.name;
}

void StaticGroups::add(std::string_view group, std::string_view account) {
  groups_[irc::fold(group)].insert(irc::fold(account));
}

bool StaticGroups::is_member(std::string_view account, std::string_view group) const {
  const auto it = groups_.find(irc::fold(group));
  return it != groups_.end() && it->second.count(irc::fold(account)) != 0;
}

bool matches(const Principal& p, const User& user, const GroupResolver& groups) {
  switch (p.kind) {
    case PrincipalKind::kEveryone:
      return true;
    case PrincipalKind::kAccount:
      return !user.is_guest() && irc::equal_folded(p.name, user.account);
    case PrincipalKind::kGroup:
      return !user.is_guest() && groups.is_member(user.account, p.name);
  }
  return false;
}

bool matches_any(std::span<const Principal> list, const User& user, const GroupResolver& groups) {
  return std::any_of(list.begin(), list.end(),
                     [&](const Principal& p) { return matches(p, user, groups); });
}

}  // namespace pchat::chat
