#include "server/ban_list.h"

#include <algorithm>

#include "irc/casemap.h"

namespace pchat::server {

namespace {

// "account:NAME" or "a:NAME": the NAME part; nullopt for any other mask.
std::optional<std::string_view> account_part(std::string_view mask) {
  for (std::string_view prefix : {"account:", "a:"}) {
    if (mask.size() >= prefix.size() && irc::equal_folded(mask.substr(0, prefix.size()), prefix)) {
      return mask.substr(prefix.size());
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> normalize_mask(std::string_view typed) {
  if (typed.empty() || typed.find_first_of(" ,\r\n") != std::string_view::npos) {
    return std::nullopt;
  }
  if (auto account = account_part(typed)) {
    if (account->empty()) return std::nullopt;
    return "account:" + std::string(*account);
  }
  std::string m(typed);
  const auto bang = m.find('!'), at = m.find('@');
  if (bang == std::string::npos && at == std::string::npos) return m + "!*@*";
  if (bang == std::string::npos) return "*!" + m;
  if (at == std::string::npos) return m + "@*";
  return m;
}

bool mask_matches(const std::string& mask, const MaskSubject& who) {
  if (auto account = account_part(mask)) {
    return !who.account.empty() && irc::glob_match(irc::fold(*account), irc::fold(who.account));
  }
  const std::string full = who.nick + "!" + who.user + "@" + who.host;
  return irc::glob_match(irc::fold(mask), irc::fold(full));
}

MaskList::Added MaskList::add(const std::string& mask, std::string set_by, int64_t set_at) {
  const std::string key = irc::fold(mask);
  for (const auto& e : entries_) {
    if (irc::fold(e.mask) == key) return Added::kAlreadyThere;
  }
  if (entries_.size() >= kMaxListEntries) return Added::kFull;
  entries_.push_back({mask, std::move(set_by), set_at});
  return Added::kAdded;
}

bool MaskList::remove(const std::string& mask) {
  const std::string key = irc::fold(mask);
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&](const Entry& e) { return irc::fold(e.mask) == key; });
  if (it == entries_.end()) return false;
  entries_.erase(it);
  return true;
}

bool MaskList::matches(const MaskSubject& who) const {
  return std::any_of(entries_.begin(), entries_.end(),
                     [&](const Entry& e) { return mask_matches(e.mask, who); });
}

}  // namespace pchat::server
