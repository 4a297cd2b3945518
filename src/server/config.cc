#include "server/config.h"

#include <toml++/toml.h>

#include "dr/host_port.h"

#include <set>
#include <stdexcept>

namespace pchat::server {

std::string Endpoint::to_string() const {
  return dr::HostPort{host, port}.to_string();
}

Endpoint parse_endpoint(const std::string& s, const std::string& what) {
  auto hp = dr::parse_host_port(s, /*min_port=*/0);
  if (!hp) throw std::invalid_argument(what + ": " + hp.error().message);
  return Endpoint{std::move(hp->host), hp->port};
}

namespace {

std::string where(const std::filesystem::path& file, const toml::node& n, const std::string& key) {
  return file.string() + ":" + std::to_string(n.source().begin.line) + ": " + key;
}

template <typename T>
T get(const std::filesystem::path& file, const toml::node& n, const std::string& key) {
  auto v = n.value_exact<T>();
  if (!v) throw std::runtime_error(where(file, n, key) + ": wrong type");
  return *v;
}

int get_int(const std::filesystem::path& file, const toml::node& n, const std::string& key, int lo,
            int hi) {
  auto v = get<int64_t>(file, n, key);
  if (v < lo || v > hi) {
    throw std::runtime_error(where(file, n, key) + ": must be between " + std::to_string(lo) +
                             " and " + std::to_string(hi));
  }
  return static_cast<int>(v);
}

// [[operator]] tables: name and password_hash required, account optional.
std::vector<OperatorBlock> parse_operators(const std::filesystem::path& file,
                                           const toml::node& node) {
  const toml::array* list = node.as_array();
  if (list == nullptr) {
    throw std::runtime_error(where(file, node, "operator") +
                             ": must be tables ([[operator]] with name and password_hash)");
  }
  std::vector<OperatorBlock> out;
  for (const toml::node& item : *list) {
    const toml::table* t = item.as_table();
    if (t == nullptr) throw std::runtime_error(where(file, item, "operator") + ": not a table");
    OperatorBlock b;
    for (auto&& [k, v] : *t) {
      const std::string key = "operator." + std::string(k.str());
      if (k == "name") {
        b.name = get<std::string>(file, v, key);
      } else if (k == "password_hash") {
        b.password_hash = get<std::string>(file, v, key);
      } else if (k == "account") {
        b.account = get<std::string>(file, v, key);
      } else {
        throw std::runtime_error(where(file, v, key) + ": unknown key");
      }
    }
    if (b.name.empty() || b.name.find(' ') != std::string::npos) {
      throw std::runtime_error(where(file, item, "operator.name") +
                               ": required, one word (what OPER gives)");
    }
    if (!b.password_hash.starts_with("$argon2")) {
      throw std::runtime_error(where(file, item, "operator.password_hash") +
                               ": required, an argon2id hash (`pchatctl operator hash` makes "
                               "one); a password in clear is refused");
    }
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace

void load_config_file(const std::filesystem::path& file, ServerConfig& c) {
  toml::table t;
  try {
    t = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    throw std::runtime_error(file.string() + ":" + std::to_string(e.source().begin.line) + ": " +
                             std::string(e.description()));
  }
  for (auto&& [k, node] : t) {
    const std::string key(k.str());
    if (key == "data_dir") {
      c.data_dir = get<std::string>(file, node, key);
    } else if (key == "irc_listen") {
      c.irc_listen = parse_endpoint(get<std::string>(file, node, key), where(file, node, key));
    } else if (key == "http_listen") {
      c.http_listen = parse_endpoint(get<std::string>(file, node, key), where(file, node, key));
    } else if (key == "server_name") {
      c.server_name = get<std::string>(file, node, key);
    } else if (key == "network_name") {
      c.network_name = get<std::string>(file, node, key);
    } else if (key == "motd") {
      c.motd = get<std::string>(file, node, key);
    } else if (key == "log_level") {
      c.log_level = get<std::string>(file, node, key);
    } else if (key == "allow_guests") {
      c.allow_guests = get<bool>(file, node, key);
    } else if (key == "compliance") {
      c.compliance = get<bool>(file, node, key);
    } else if (key == "default_chat_history") {
      c.default_chat_history = get_int(file, node, key, 1, 500);
      c.default_chat_history_given = true;
    } else if (key == "new_room_category") {
      c.new_room_category = get<std::string>(file, node, key);
    } else if (key == "new_room_privacy") {
      c.new_room_privacy = get<std::string>(file, node, key);
      if (c.new_room_privacy != "Open" && c.new_room_privacy != "Closed" &&
          c.new_room_privacy != "Secret") {
        throw std::runtime_error(where(file, node, key) + ": must be Open, Closed or Secret");
      }
    } else if (key == "flood_burst") {
      c.flood_burst = get_int(file, node, key, 0, 1000000);
    } else if (key == "flood_rate") {
      c.flood_rate = get_int(file, node, key, 0, 1000000);
    } else if (key == "sendq_bytes") {
      c.sendq_bytes = static_cast<size_t>(get_int(file, node, key, 65536, 1 << 30));
    } else if (key == "ping_interval") {
      c.ping_interval = get_int(file, node, key, 5, 3600);
    } else if (key == "max_channels_per_client") {
      c.max_channels_per_client = get_int(file, node, key, 1, 10000);
    } else if (key == "files_listen") {
      c.files_listen = parse_endpoint(get<std::string>(file, node, key), where(file, node, key));
    } else if (key == "admin_token_file") {
      c.admin_token_file = get<std::string>(file, node, key);
    } else if (key == "files_url") {
      c.files_url = get<std::string>(file, node, key);
    } else if (key == "reader_threads") {
      c.reader_threads = get_int(file, node, key, 1, 64);
    } else if (key == "sign_in_threads") {
      c.sign_in_threads = get_int(file, node, key, 1, 64);
    } else if (key == "sign_in_free_failures") {
      c.sign_in_free_failures = get_int(file, node, key, 0, 1000);
    } else if (key == "sign_in_free_failures_per_address") {
      c.sign_in_free_failures_per_address = get_int(file, node, key, 0, 100000);
    } else if (key == "operator") {
      c.operators = parse_operators(file, node);
    } else {
      throw std::runtime_error(where(file, node, key) + ": unknown key");
    }
  }
}

}  // namespace pchat::server
