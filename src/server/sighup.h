// pchatd's SIGHUP handler: reloads what can change live (server/reload.h) from the
// --config file and the command-line flags, logs what changed and names every
// changed key that needs a restart; then runs the extra reload hooks (secrets read
// from files). Without --config it logs that there is nothing to reload. A SIGHUP
// never stops pchatd. Runs on the event loop.
#pragma once

#include <utility>  // before Asio: boost 1.74 awaitable.hpp uses std::exchange

#include <boost/asio.hpp>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "server/config.h"

namespace pchat::server {

class Server;

class SighupHandler {
 public:
  // Builds the configuration again from the file and the flags; throws
  // std::exception with the reason when the file is now invalid.
  using Build = std::function<ServerConfig()>;
  // `loaded`: the configuration built at start-up (before pool mode filled in its
  // topology values). `config_file` empty: no --config.
  SighupHandler(boost::asio::io_context& io, Server& server, std::filesystem::path config_file,
                Build build, ServerConfig loaded);
  // Another thing to reload on SIGHUP (runs after the configuration, even without
  // --config). REQUIRES: before start().
  void add_hook(std::function<void()> hook) { hooks_.push_back(std::move(hook)); }
  // Starts waiting for SIGHUP. stop() ends it (shutdown).
  void start();
  void stop();
  // What SIGHUP does; public for the loop's own use.
  void reload();

 private:
  void wait();

  boost::asio::signal_set signals_;
  Server& server_;
  std::filesystem::path config_file_;
  Build build_;
  ServerConfig loaded_;
  std::vector<std::function<void()>> hooks_;
};

}  // namespace pchat::server
