#include "server/sighup.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <csignal>

#include "core/log.h"
#include "server/reload.h"
#include "server/server.h"

namespace pchat::server {

SighupHandler::SighupHandler(boost::asio::io_context& io, Server& server,
                             std::filesystem::path config_file, Build build, ServerConfig loaded)
    : signals_(io, SIGHUP),
      server_(server),
      config_file_(std::move(config_file)),
      build_(std::move(build)),
      loaded_(std::move(loaded)) {}

void SighupHandler::start() {
  wait();
}

void SighupHandler::stop() {
  boost::system::error_code ec;
  signals_.cancel(ec);
}

void SighupHandler::wait() {
  signals_.async_wait([this](boost::system::error_code ec, int) {
    if (ec) return;
    reload();
    wait();
  });
}

void SighupHandler::reload() {
  if (config_file_.empty()) {
    spdlog::info("SIGHUP: no --config file: no configuration to reload");
  } else {
    try {
      ServerConfig fresh = build_();
      parse_log_level(fresh.log_level);  // refuse before changing anything
      ReloadPlan plan = plan_reload(loaded_, fresh);
      if (plan.next.log_level != loaded_.log_level) set_log_level(plan.next.log_level);
      server_.reconfigure(plan.next);
      loaded_ = std::move(plan.next);
      if (plan.applied.empty()) {
        spdlog::info("SIGHUP: reloaded {}: no live setting changed", config_file_.string());
      } else {
        spdlog::info("SIGHUP: reloaded {}: applied {}", config_file_.string(),
                     fmt::join(plan.applied, ", "));
      }
      for (const auto& k : plan.need_restart) {
        spdlog::warn("SIGHUP: {}: {} changed but needs a restart; the running value stays",
                     config_file_.string(), k);
      }
    } catch (const std::exception& e) {
      spdlog::error("SIGHUP: {} not reloaded, the running configuration stays: {}",
                    config_file_.string(), e.what());
    }
  }
  for (auto& hook : hooks_) hook();
}

}  // namespace pchat::server
