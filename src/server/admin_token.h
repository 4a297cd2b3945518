// The admin API's bearer token (server/http.h): where it lives, reading it at start
// (creating it when absent) and again on SIGHUP (rotation).
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "server/config.h"

namespace pchat::server {

class AdminHttp;

// config.admin_token_file when set; else `topology_token_file` in pool mode (the
// topology's [pool] admin_token_file); else DATA_DIR/admin-token.
std::filesystem::path admin_token_path(const ServerConfig& config,
                                       const std::filesystem::path& topology_token_file);

// The token in `file`, created (64 hex characters, mode 0600) when absent. Warns when
// the file is readable by group or others. Throws std::runtime_error naming the
// file and the reason.
std::string load_admin_token(const std::filesystem::path& file);

// A SIGHUP hook (server/sighup.h): reads `file` again and gives `http` the token
// when it changed; an unreadable or empty file keeps the running token (logged).
std::function<void()> admin_token_reloader(AdminHttp& http, std::filesystem::path file,
                                           std::string current);

}  // namespace pchat::server
