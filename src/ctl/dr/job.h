// What the disaster-recovery commands (logship, mirror) share: loading the topology
// they need, and the stop flag of their long-running jobs (copy job, mirror monitor).
#pragma once

#include <string>

#include "core/result.h"
#include "dr/topology.h"

namespace pchat::ctl {

// load_topology(file), or a clear error naming `group` when no --topology was given.
Result<dr::Topology> load_dr_topology(const std::string& file, const char* group);

// Makes SIGTERM and SIGINT set the stop flag (a job then finishes its round and exits).
void install_stop_handlers();
bool stop_requested();

// Makes SIGHUP set a reload flag (the witness reads its admin token again);
// take_reload_request() returns it and clears it.
void install_reload_handler();
bool take_reload_request();

}  // namespace pchat::ctl
