// The mirroring and log-shipping figures that `pchatctl status` adds to the pool's
// (the same as `mirror status` and `logship status`, summarized).
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>

#include "dr/monitor/pool_status.h"
#include "dr/topology.h"

namespace pchat::ctl {

// {"mirroring": ..., "log_shipping": ...} (dr/monitor/pool_status.h).
using dr::dr_status;

// Two summary lines (mirroring state; per-stage lags and alerts).
void print_dr_summary(const nlohmann::json& dr, std::ostream& out);

}  // namespace pchat::ctl
