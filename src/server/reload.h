// SIGHUP: what a configuration reload changes in a running pchatd.
//
// pchatd keeps the configuration it last built from its --config file and its
// command-line flags (flags still win). On SIGHUP it builds it again and compares
// key by key (plan_reload):
//   - live keys (kLiveKeys: motd, flood_burst, flood_rate, log_level, ping_interval,
//     max_channels_per_client, sendq_bytes, allow_guests, tls_cert_file,
//     tls_key_file, sts_duration) take effect at once: new clients see the new MOTD
//     and certificate, every client the new flood limits (the certificate files are
//     read again on every SIGHUP, changed names or not: a reload hook);
//   - every other key needs a restart: it is named in the log on each SIGHUP until
//     pchatd is restarted, never silently ignored.
// A file that no longer parses changes nothing (the error is logged). Pure code.
#pragma once

#include <string>
#include <vector>

#include "server/config.h"

namespace pchat::server {

struct ReloadPlan {
  // "motd", "flood_burst 400 -> 10", ... for the live keys that changed.
  std::vector<std::string> applied;
  // Keys that differ from the running configuration but need a restart:
  // "reader_threads (running 2, file 3)".
  std::vector<std::string> need_restart;
  // `running` with the live changes applied: the configuration to keep.
  ServerConfig next;
};

// Compares the configuration last built (`running`) with a fresh build (`fresh`).
ReloadPlan plan_reload(const ServerConfig& running, const ServerConfig& fresh);

// The keys that change without a restart.
const std::vector<std::string>& live_config_keys();

// Copies the live keys of `from` into `into`, leaving every other key as it is (a
// running server's own values: pool mode fills in its name and listeners).
void copy_live_keys(ServerConfig& into, const ServerConfig& from);

}  // namespace pchat::server
