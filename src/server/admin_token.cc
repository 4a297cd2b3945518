#include "server/admin_token.h"

#include <spdlog/spdlog.h>

#include <memory>
#include <stdexcept>

#include "core/secret_file.h"
#include "server/http.h"

namespace pchat::server {

std::filesystem::path admin_token_path(const ServerConfig& config,
                                       const std::filesystem::path& topology_token_file) {
  if (!config.admin_token_file.empty()) return config.admin_token_file;
  if (!config.topology_file.empty() && !topology_token_file.empty()) return topology_token_file;
  return config.data_dir / "admin-token";
}

std::string load_admin_token(const std::filesystem::path& file) {
  auto token = read_secret_file(file, /*create_if_missing=*/true);
  if (!token) throw std::runtime_error("admin token: " + token.error().message);
  if (secret_file_too_open(file)) {
    spdlog::warn("admin token file {} may be read by group or others: chmod 600 it", file.string());
  }
  spdlog::info("http: admin API token from {}", file.string());
  return *token;
}

std::function<void()> admin_token_reloader(AdminHttp& http, std::filesystem::path file,
                                           std::string current) {
  auto now = std::make_shared<std::string>(std::move(current));
  return [&http, file = std::move(file), now] {
    auto token = read_secret_file(file, /*create_if_missing=*/false);
    if (!token) {
      spdlog::error("SIGHUP: admin token not reloaded, the running one stays: {}",
                    token.error().message);
      return;
    }
    if (*token == *now) {
      spdlog::info("SIGHUP: admin token in {} unchanged", file.string());
      return;
    }
    *now = *token;
    http.set_token(std::move(*token));
    spdlog::info("SIGHUP: admin token rotated (new token from {})", file.string());
  };
}

}  // namespace pchat::server
