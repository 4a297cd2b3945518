#include "ctl/dr/job.h"

#include <signal.h>

#include <atomic>

#include "dr/topology_file.h"

namespace pchat::ctl {

namespace {

std::atomic<bool> g_stop{false};
std::atomic<bool> g_reload{false};

void on_stop_signal(int) {
  g_stop.store(true);
}

void on_reload_signal(int) {
  g_reload.store(true);
}

}  // namespace

Result<dr::Topology> load_dr_topology(const std::string& file, const char* group) {
  if (file.empty()) {
    return make_error(ErrorKind::kInvalidInput, std::string(group) +
                                                    " needs the topology: --topology FILE (or "
                                                    "PCHAT_TOPOLOGY)");
  }
  return dr::load_topology(file);
}

void install_stop_handlers() {
  signal(SIGTERM, on_stop_signal);
  signal(SIGINT, on_stop_signal);
}

bool stop_requested() {
  return g_stop.load();
}

void install_reload_handler() {
  signal(SIGHUP, on_reload_signal);
}

bool take_reload_request() {
  return g_reload.exchange(false);
}

}  // namespace pchat::ctl
