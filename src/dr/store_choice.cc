#include "dr/store_choice.h"

#include <algorithm>

namespace pchat::dr {

StoreChoice choose_store(const std::vector<StoreProbe>& probes, const std::string& current,
                         int64_t seen_epoch) {
  StoreChoice out;
  out.epoch = seen_epoch;
  std::string named_primary;
  for (const auto& p : probes) {
    if (!p.reachable) continue;
    if (p.epoch > out.epoch) out.epoch = p.epoch;
  }
  for (const auto& p : probes) {
    if (p.reachable && p.epoch == out.epoch && !p.primary_store.empty()) {
      named_primary = p.primary_store;
      if (p.writable) break;  // the writable store's own record wins
    }
  }
  // A store without pool state is new: used (and so migrated) only when the whole
  // topology answered without any pool state, i.e. the pool is being created. A store
  // that did not answer could be the pool's, at any epoch.
  std::string silent, stateless;
  for (const auto& p : probes) {
    if (!p.reachable && silent.empty()) silent = p.name;
    if (p.reachable && p.writable && !p.fenced && !p.has_state && stateless.empty()) {
      stateless = p.name;
    }
  }
  const bool new_pool = silent.empty() && out.epoch == 0;
  std::vector<const StoreProbe*> candidates;
  for (const auto& p : probes) {
    if (!p.reachable || !p.writable || p.fenced) continue;
    if (!p.has_state) {
      if (new_pool) candidates.push_back(&p);
    } else if (p.epoch == out.epoch) {
      candidates.push_back(&p);
    } else if (p.epoch < out.epoch) {
      out.fence.push_back(p.name);
    }
  }
  auto pick = [&](const std::string& name) -> bool {
    auto it = std::find_if(candidates.begin(), candidates.end(),
                           [&](const StoreProbe* p) { return p->name == name; });
    if (it == candidates.end()) return false;
    out.use = (*it)->name;
    return true;
  };
  if (candidates.empty() && !stateless.empty() && out.epoch == 0) {
    out.why = "store " + stateless + " has no pool state yet and store " + silent +
              " does not answer: a new store is created only when every store of the "
              "topology answers (the silent one may hold the pool)";
  } else if (candidates.empty()) {
    out.why = "no writable store carries epoch " + std::to_string(out.epoch);
  } else if (pick(current)) {
    out.why = "store " + current + " carries epoch " + std::to_string(out.epoch);
  } else if (pick(named_primary)) {
    out.why =
        "the pool state names " + named_primary + " (epoch " + std::to_string(out.epoch) + ")";
  } else {
    out.use = candidates.front()->name;
    out.why = "store " + *out.use + " is the first writable store with epoch " +
              std::to_string(out.epoch);
  }
  return out;
}

}  // namespace pchat::dr
