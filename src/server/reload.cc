#include "server/reload.h"

#include <fmt/format.h>

#include <filesystem>
#include <functional>
#include <optional>
#include <type_traits>

namespace pchat::server {

namespace {

std::string show(const std::string& v) {
  return "'" + v + "'";
}
std::string show(bool v) {
  return v ? "true" : "false";
}
template <typename N>
requires std::is_arithmetic_v<N> std::string show(N v) {
  return std::to_string(v);
}
std::string show(const Endpoint& e) {
  return e.to_string();
}
std::string show(const std::optional<Endpoint>& e) {
  return e ? e->to_string() : "off";
}
std::string show(const std::optional<directory::Config>& d) {
  return d ? directory::describe(*d) : "off";
}
std::string show(const std::filesystem::path& p) {
  return show(p.string());
}
std::string show(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& x : v) out += (out.empty() ? "" : ", ") + x;
  return "[" + out + "]";
}
std::string show(const std::vector<OperatorBlock>& v) {
  return std::to_string(v.size()) + " operator(s)";
}

struct Key {
  const char* name;
  bool live;
  // Says how `a` and `b` differ ("" when they do not); copies b's value into a.
  std::function<std::string(const ServerConfig&, const ServerConfig&)> diff;
  std::function<void(ServerConfig&, const ServerConfig&)> copy;
};

template <auto Member>
Key key(const char* name, bool live, bool show_values = true) {
  return Key{name, live,
             [show_values](const ServerConfig& a, const ServerConfig& b) -> std::string {
               if (a.*Member == b.*Member) return "";
               return show_values ? show(a.*Member) + " -> " + show(b.*Member) : "changed";
             },
             [](ServerConfig& a, const ServerConfig& b) { a.*Member = b.*Member; }};
}

const std::vector<Key>& keys() {
  constexpr bool kLive = true;
  constexpr bool kRestart = false;
  static const std::vector<Key> all = {
      key<&ServerConfig::motd>("motd", kLive, /*show_values=*/false),
      key<&ServerConfig::flood_burst>("flood_burst", kLive),
      key<&ServerConfig::flood_rate>("flood_rate", kLive),
      key<&ServerConfig::log_level>("log_level", kLive),
      key<&ServerConfig::ping_interval>("ping_interval", kLive),
      key<&ServerConfig::max_channels_per_client>("max_channels_per_client", kLive),
      key<&ServerConfig::sendq_bytes>("sendq_bytes", kLive),
      key<&ServerConfig::allow_guests>("allow_guests", kLive),
      key<&ServerConfig::tls_cert_file>("tls_cert_file", kLive),
      key<&ServerConfig::tls_key_file>("tls_key_file", kLive),
      key<&ServerConfig::sts_duration>("sts_duration", kLive),
      key<&ServerConfig::irc_tls_listen>("irc_tls_listen", kRestart),
      key<&ServerConfig::http_tls>("http_tls", kRestart),
      key<&ServerConfig::files_tls>("files_tls", kRestart),
      key<&ServerConfig::operators>("operator", kLive),
      key<&ServerConfig::data_dir>("data_dir", kRestart),
      key<&ServerConfig::irc_listen>("irc_listen", kRestart),
      key<&ServerConfig::http_listen>("http_listen", kRestart),
      key<&ServerConfig::server_name>("server_name", kRestart),
      key<&ServerConfig::network_name>("network_name", kRestart),
      key<&ServerConfig::default_chat_history>("default_chat_history", kRestart),
      key<&ServerConfig::new_room_category>("new_room_category", kRestart),
      key<&ServerConfig::new_room_privacy>("new_room_privacy", kRestart),
      key<&ServerConfig::reader_threads>("reader_threads", kRestart),
      key<&ServerConfig::sign_in_threads>("sign_in_threads", kRestart),
      key<&ServerConfig::sign_in_free_failures>("sign_in_free_failures", kRestart),
      key<&ServerConfig::sign_in_free_failures_per_address>("sign_in_free_failures_per_address",
                                                            kRestart),
      key<&ServerConfig::compliance>("compliance", kRestart),
      key<&ServerConfig::files_listen>("files_listen", kRestart),
      key<&ServerConfig::files_url>("files_url", kRestart),
      key<&ServerConfig::web_listen>("web_listen", kRestart),
      key<&ServerConfig::web_tls>("web_tls", kRestart),
      key<&ServerConfig::web_root>("web_root", kRestart),
      key<&ServerConfig::web_origins>("web_origins", kRestart),
      key<&ServerConfig::admin_token_file>("admin_token_file", kRestart),
      key<&ServerConfig::directory>("directory", kRestart, /*show_values=*/false),
  };
  return all;
}

}  // namespace

ReloadPlan plan_reload(const ServerConfig& running, const ServerConfig& fresh) {
  ReloadPlan plan{{}, {}, running};
  for (const Key& k : keys()) {
    const std::string d = k.diff(running, fresh);
    if (d.empty()) continue;
    if (k.live) {
      plan.applied.push_back(d == "changed" ? std::string(k.name)
                                            : fmt::format("{} {}", k.name, d));
      k.copy(plan.next, fresh);
    } else {
      plan.need_restart.push_back(fmt::format("{} ({})", k.name, d));
    }
  }
  return plan;
}

void copy_live_keys(ServerConfig& into, const ServerConfig& from) {
  for (const Key& k : keys()) {
    if (k.live) k.copy(into, from);
  }
}

const std::vector<std::string>& live_config_keys() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const Key& k : keys()) {
      if (k.live) out.emplace_back(k.name);
    }
    return out;
  }();
  return names;
}

}  // namespace pchat::server
