// The log-shipping monitor's figures (pchatctl logship status): last file backed
// up / copied / restored, lag in seconds and bytes per stage, thresholds and alerts.
// Read-only: the share and the copy destination (manifests, copy job report), the primary and the
// backup store (libpq).
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>

#include "dr/topology.h"

namespace pchat::dr {

// Every figure as one JSON object (the --json output; docs/lab.md lists the fields).
nlohmann::json collect_logship_status(const Topology& t);

// The same, as a table for people.
void print_logship_status(const nlohmann::json& status, std::ostream& out);

}  // namespace pchat::dr
