// The pool's active-server list as a value: the pure edits behind
// Set-CsPersistentChatActiveServer (add, remove, replace, clear, swap). No I/O;
// pool_state.h applies them to the stored row under a lock.
//
// Server names compare as host names do: ASCII case ignored, one trailing dot
// ignored (the same rule as dr::Topology::find_server). Lists keep their order and
// hold each name once, spelled as first given. Whether a name is a server of the
// topology, and the pool's limits, are the caller's to check.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace pchat::store {

// True when `a` and `b` name the same server (see above).
bool same_server_name(std::string_view a, std::string_view b);

// True when `list` holds `name` (same_server_name).
bool contains_server(const std::vector<std::string>& list, std::string_view name);

// `list` without later duplicates (first spelling and position kept).
std::vector<std::string> dedupe_servers(const std::vector<std::string>& list);

// A server and its datacenter, as swap needs them (from the topology).
struct ServerSite {
  std::string name;
  std::string datacenter;
};

// One edit of the active list. Applied in this order: `clear` or `replace_with`
// (at most one of them), then `remove`, then `add` (appended, in order, when not
// already there). `swap` stands alone (see swap_active_servers()).
struct ActiveServersEdit {
  std::vector<std::string> add;
  std::vector<std::string> remove;
  std::optional<std::vector<std::string>> replace_with;
  bool clear = false;
  bool swap = false;
  std::vector<ServerSite> sites;  // the pool's servers, file order; needed by swap

  bool empty() const { return add.empty() && remove.empty() && !replace_with && !clear && !swap; }
};

// The list after `edit`. kInvalidInput when the edit contradicts itself (clear with
// replace_with, swap with anything else) or when swap fails (below).
Result<std::vector<std::string>> apply_active_servers_edit(const std::vector<std::string>& current,
                                                           const ActiveServersEdit& edit);

// Swap: active and inactive trade places across datacenters. The result is every
// server of `sites` (in their order) that sits in a datacenter holding none of the
// currently active servers. kInvalidInput when `current` is empty (nothing to swap
// from), names a server missing from `sites`, or when no other datacenter has servers.
Result<std::vector<std::string>> swap_active_servers(const std::vector<std::string>& current,
                                                     const std::vector<ServerSite>& sites);

}  // namespace pchat::store
