#include "store/active_servers.h"

#include <algorithm>
#include <set>

namespace pchat::store {

namespace {

std::string_view strip_dot(std::string_view s) {
  if (!s.empty() && s.back() == '.') s.remove_suffix(1);
  return s;
}

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string join(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& s : list) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

}  // namespace

bool same_server_name(std::string_view a, std::string_view b) {
  a = strip_dot(a);
  b = strip_dot(b);
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool contains_server(const std::vector<std::string>& list, std::string_view name) {
  return std::any_of(list.begin(), list.end(),
                     [&](const std::string& s) { return same_server_name(s, name); });
}

std::vector<std::string> dedupe_servers(const std::vector<std::string>& list) {
  std::vector<std::string> out;
  for (const auto& s : list) {
    if (!contains_server(out, s)) out.push_back(s);
  }
  return out;
}

Result<std::vector<std::string>> apply_active_servers_edit(const std::vector<std::string>& current,
                                                           const ActiveServersEdit& edit) {
  if (edit.clear && edit.replace_with) {
    return make_error(ErrorKind::kInvalidInput,
                      "clearing the active servers and setting them at once contradict each other");
  }
  if (edit.swap) {
    if (edit.clear || edit.replace_with || !edit.add.empty() || !edit.remove.empty()) {
      return make_error(ErrorKind::kInvalidInput,
                        "swap stands alone: it cannot be combined with add, remove, set or clear");
    }
    return swap_active_servers(current, edit.sites);
  }
  std::vector<std::string> out = dedupe_servers(current);
  if (edit.clear) out.clear();
  if (edit.replace_with) out = dedupe_servers(*edit.replace_with);
  std::erase_if(out, [&](const std::string& s) { return contains_server(edit.remove, s); });
  for (const auto& s : edit.add) {
    if (!contains_server(out, s)) out.push_back(s);
  }
  return out;
}

Result<std::vector<std::string>> swap_active_servers(const std::vector<std::string>& current,
                                                     const std::vector<ServerSite>& sites) {
  if (current.empty()) {
    return make_error(ErrorKind::kInvalidInput,
                      "nothing to swap: the active-server list is empty (set it instead)");
  }
  std::set<std::string> active_dcs;
  for (const auto& name : current) {
    auto it = std::find_if(sites.begin(), sites.end(),
                           [&](const ServerSite& s) { return same_server_name(s.name, name); });
    if (it == sites.end()) {
      return make_error(ErrorKind::kInvalidInput,
                        "cannot swap: active server '" + name + "' is not a server of the pool");
    }
    active_dcs.insert(it->datacenter);
  }
  std::vector<std::string> out;
  for (const auto& s : sites) {
    if (!active_dcs.contains(s.datacenter)) out.push_back(s.name);
  }
  if (out.empty()) {
    std::vector<std::string> dcs(active_dcs.begin(), active_dcs.end());
    return make_error(
        ErrorKind::kInvalidInput,
        "cannot swap: no server outside the active servers' datacenter (" + join(dcs) + ")");
  }
  return out;
}

}  // namespace pchat::store
