#include "directory/view.h"

#include <spdlog/spdlog.h>

#include <map>
#include <set>

#include "chat/groups.h"
#include "irc/casemap.h"

namespace pchat::directory {

store::DirectoryView to_view(const Snapshot& snapshot) {
  store::DirectoryView view;
  view.url = snapshot.url;
  std::map<std::string, std::string> user_by_dn;  // group_key(dn) -> name
  std::set<std::string> names;                    // folded
  for (const auto& u : snapshot.users) {
    if (!irc::is_valid_account_name(u.name)) {
      spdlog::warn("directory: user {} is named '{}', not a valid account name: left out", u.dn,
                   u.name);
      continue;
    }
    user_by_dn[chat::group_key(u.dn)] = u.name;
    names.insert(irc::fold(u.name));
    view.users.push_back(u.name);
  }
  std::map<std::string, std::string> group_by_dn;  // group_key(dn) -> canonical name
  for (const auto& g : snapshot.groups) {
    auto name = chat::parse_group_name(g.dn);
    if (!name || name->find('=') == std::string::npos) {
      spdlog::warn("directory: group {} is not a valid group name: left out", g.dn);
      continue;
    }
    group_by_dn[chat::group_key(*name)] = *name;
  }
  for (const auto& g : snapshot.groups) {
    const auto self = group_by_dn.find(chat::group_key(g.dn));
    if (self == group_by_dn.end()) continue;
    chat::Group out{self->second, "from the directory", {}};
    for (const auto& m : g.members) {
      if (m.find('=') == std::string::npos) {
        if (names.count(irc::fold(m)) > 0) {
          out.members.push_back({chat::PrincipalKind::kAccount, irc::fold(m)});
        }
        continue;
      }
      const std::string key = chat::group_key(m);
      if (auto u = user_by_dn.find(key); u != user_by_dn.end()) {
        out.members.push_back({chat::PrincipalKind::kAccount, irc::fold(u->second)});
      } else if (auto n = group_by_dn.find(key); n != group_by_dn.end() && n != self) {
        out.members.push_back({chat::PrincipalKind::kGroup, n->second});
      }
    }
    view.groups.push_back(std::move(out));
  }
  return view;
}

}  // namespace pchat::directory
