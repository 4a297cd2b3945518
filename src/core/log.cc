#include "core/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <stdexcept>

namespace pchat {

spdlog::level::level_enum parse_log_level(const std::string& level) {
  auto lvl = spdlog::level::from_str(level);
  if (lvl == spdlog::level::off && level != "off") {
    throw std::invalid_argument("unknown log level '" + level +
                                "' (use trace, debug, info, warn, error or off)");
  }
  return lvl;
}

void set_log_level(const std::string& level) {
  spdlog::default_logger()->set_level(parse_log_level(level));
}

void init_logging(const std::string& level) {
  auto lvl = parse_log_level(level);
  auto logger = spdlog::stderr_color_mt("pchat");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
  logger->set_level(lvl);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace pchat
