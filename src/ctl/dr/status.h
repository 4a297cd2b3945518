// The mirroring and log-shipping figures that `pchatctl status` adds to the pool's
// (the same as `mirror status` and `logship status`, summarized).
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>

#include "dr/topology.h"

namespace pchat::ctl {

// {"mirroring": probe_mirror(), "log_shipping": collect_logship_status()}, each only
// when the topology has a mirror / a backup store with log shipping.
nlohmann::json dr_status(const dr::Topology& t);

// Two summary lines (mirroring state; per-stage lags and alerts).
void print_dr_summary(const nlohmann::json& dr, std::ostream& out);

}  // namespace pchat::ctl
