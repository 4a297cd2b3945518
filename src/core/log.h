// Structured logging for every pchat binary.
//
// One line per event: time, level, component, message, then key=value fields.
// Set up once at start-up (init_logging); after that spdlog's default logger is
// thread-safe and may be used from any thread.
#pragma once

#include <spdlog/spdlog.h>

#include <string>

namespace pchat {

// Sets spdlog's default logger to stderr with pchat's pattern. `level` is one of
// trace, debug, info, warn, error, off. Throws std::invalid_argument on an unknown level.
void init_logging(const std::string& level);

// Checks `level` (trace, debug, info, warn, error or off); throws
// std::invalid_argument naming it and the accepted values otherwise.
spdlog::level::level_enum parse_log_level(const std::string& level);

// Changes the level of the logger init_logging set up (SIGHUP reload). Throws like
// parse_log_level. Thread-safe.
void set_log_level(const std::string& level);

}  // namespace pchat
