#include "server/config.h"

#include <toml++/toml.h>

#include "dr/host_port.h"
#include "dr/suggest.h"

#include <algorithm>
#include <functional>
#include <stdexcept>
#include <type_traits>

namespace pchat::server {

std::string Endpoint::to_string() const {
  return dr::HostPort{host, port}.to_string();
}

Endpoint parse_endpoint(const std::string& s, const std::string& what) {
  auto hp = dr::parse_host_port(s, /*min_port=*/0);
  if (!hp) throw std::invalid_argument(what + ": " + hp.error().message);
  return Endpoint{std::move(hp->host), hp->port};
}

std::optional<Endpoint> parse_optional_endpoint(const std::string& s, const std::string& what) {
  if (s == "off") return std::nullopt;
  return parse_endpoint(s, what);
}

void check_tls(const ServerConfig& c) {
  const bool wants_tls = c.irc_tls_listen || c.http_tls || c.files_tls || c.web_tls;
  if (wants_tls && (c.tls_cert_file.empty() || c.tls_key_file.empty())) {
    throw std::invalid_argument(
        "TLS (irc_tls_listen, http_tls, files_tls or web_tls) needs tls_cert_file and "
        "tls_key_file");
  }
  if (c.files_tls && !c.files_listen) throw std::invalid_argument("files_tls needs files_listen");
  if (c.web_tls && !c.web_listen) throw std::invalid_argument("web_tls needs web_listen");
  if (!c.irc_listen && !c.irc_tls_listen) {
    throw std::invalid_argument(
        "irc_listen is off and there is no irc_tls_listen: no IRC listener");
  }
}

namespace {

namespace fs = std::filesystem;

// What a key's parser throws: the message after "FILE:LINE: KEY: ".
struct BadValue : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

const char* type_name(toml::node_type t) {
  switch (t) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::floating_point:
      return "a floating-point number";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    default:
      return "a date or time";
  }
}

template <typename T>
T value_of(const toml::node& n, const char* expected) {
  auto v = n.value_exact<T>();
  if (!v)
    throw BadValue(std::string("wrong type: expected ") + expected + ", got " +
                   type_name(n.type()));
  return *v;
}

std::string quoted(const std::string& s) {
  return "\"" + s + "\"";
}

struct KeyDef {
  ConfigKeyInfo info;
  // Reads the node into the config; throws BadValue saying what is wrong.
  std::function<void(const toml::node&, ServerConfig&)> apply;
};

const ServerConfig kDefaults{};

template <auto M>
KeyDef text(const char* name, const char* meaning) {
  return {
      {name, "string", quoted(kDefaults.*M), meaning},
      [](const toml::node& n, ServerConfig& c) { c.*M = value_of<std::string>(n, "a string"); }};
}

template <auto M>
KeyDef path(const char* name, const char* meaning) {
  const std::string def = (kDefaults.*M).empty() ? "(none)" : quoted((kDefaults.*M).string());
  return {{name, "path", def, meaning}, [](const toml::node& n, ServerConfig& c) {
            auto p = value_of<std::string>(n, "a string");
            if (p.empty()) throw BadValue("empty path");
            c.*M = p;
          }};
}

template <auto M>
KeyDef flag(const char* name, const char* meaning) {
  return {{name, "boolean", kDefaults.*M ? "true" : "false", meaning},
          [](const toml::node& n, ServerConfig& c) { c.*M = value_of<bool>(n, "a boolean"); }};
}

template <auto M>
KeyDef number(const char* name, int64_t lo, int64_t hi, const char* meaning) {
  return {{name, "integer, " + std::to_string(lo) + " to " + std::to_string(hi),
           std::to_string(kDefaults.*M), meaning},
          [lo, hi](const toml::node& n, ServerConfig& c) {
            auto v = value_of<int64_t>(n, "an integer");
            if (v < lo || v > hi) {
              throw BadValue(std::to_string(v) + " is out of range: must be between " +
                             std::to_string(lo) + " and " + std::to_string(hi));
            }
            c.*M = static_cast<std::remove_reference_t<decltype(c.*M)>>(v);
          }};
}

// An Endpoint or an optional one ("(off)" when unset by default).
template <auto M>
KeyDef endpoint(const char* name, const char* meaning) {
  std::string def = "(off)";
  if constexpr (std::is_same_v<std::remove_cvref_t<decltype(kDefaults.*M)>, Endpoint>) {
    def = quoted((kDefaults.*M).to_string());
  }
  return {{name, "HOST:PORT", def, meaning}, [](const toml::node& n, ServerConfig& c) {
            c.*M = parse_endpoint(value_of<std::string>(n, "a string"), "bad HOST:PORT");
          }};
}

// An IRC listener that may be "off".
template <auto M>
KeyDef listener(const char* name, const char* meaning) {
  const auto& d = kDefaults.*M;
  return {{name, "HOST:PORT or \"off\"", d ? quoted(d->to_string()) : "(off)", meaning},
          [](const toml::node& n, ServerConfig& c) {
            c.*M = parse_optional_endpoint(value_of<std::string>(n, "a string"), "bad HOST:PORT");
          }};
}

// A list of strings.
template <auto M>
KeyDef texts(const char* name, const char* meaning) {
  return {{name, "array of strings", "[]", meaning}, [](const toml::node& n, ServerConfig& c) {
            const toml::array* list = n.as_array();
            if (list == nullptr) throw BadValue("must be an array of strings");
            std::vector<std::string> out;
            for (const toml::node& item : *list)
              out.push_back(value_of<std::string>(item, "a string"));
            c.*M = std::move(out);
          }};
}

// [directory] (directory/config.h): read by check_config_file itself, which knows the
// file (relative paths are the file's); listed here for the reference.
KeyDef directory_table(const char* name, const char* meaning) {
  return {{name, "table", "(none)", meaning}, [](const toml::node&, ServerConfig&) {}};
}

template <auto M>
KeyDef choice(const char* name, std::vector<std::string> allowed, const char* meaning) {
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  return {{name, "one of " + list, quoted(kDefaults.*M), meaning},
          [allowed, list](const toml::node& n, ServerConfig& c) {
            auto v = value_of<std::string>(n, "a string");
            if (std::find(allowed.begin(), allowed.end(), v) == allowed.end()) {
              throw BadValue("'" + v + "' is not one of " + list);
            }
            c.*M = v;
          }};
}

// A problem inside a key's value, at its own line and field ("operator.name").
struct BadValueAt : BadValue {
  BadValueAt(const toml::node& at, std::string field, const std::string& what)
      : BadValue(what), line(at.source().begin.line), key(std::move(field)) {}
  uint32_t line;
  std::string key;
};

// One [[operator]] table (server/operators.h): name and password_hash required.
OperatorBlock operator_block(const toml::node& item) {
  const toml::table* t = item.as_table();
  if (t == nullptr) throw BadValueAt(item, "operator", "not a table");
  OperatorBlock b;
  for (auto&& [k, v] : *t) {
    const std::string key = "operator." + std::string(k.str());
    std::string* field = k == "name"            ? &b.name
                         : k == "password_hash" ? &b.password_hash
                         : k == "account"       ? &b.account
                         : k == "group"         ? &b.group
                                                : nullptr;
    if (field == nullptr) {
      std::string near = dr::nearest(k.str(), {"name", "password_hash", "account", "group"});
      throw BadValueAt(v, key,
                       "unknown key" + (near.empty() ? "" : " (did you mean '" + near + "'?)"));
    }
    auto text = v.value_exact<std::string>();
    if (!text)
      throw BadValueAt(v, key,
                       std::string("wrong type: expected a string, got ") + type_name(v.type()));
    *field = *text;
  }
  if (b.name.empty() || b.name.find(' ') != std::string::npos) {
    throw BadValueAt(item, "operator.name", "required, one word (what OPER gives)");
  }
  if (b.password_hash.empty() && b.account.empty() && b.group.empty()) {
    throw BadValueAt(item, "operator.password_hash",
                     "required unless `account` or `group` grants the block: an argon2id hash "
                     "(`pchatctl operator hash` makes one)");
  }
  if (!b.password_hash.empty() && !b.password_hash.starts_with("$argon2")) {
    throw BadValueAt(item, "operator.password_hash",
                     "an argon2id hash (`pchatctl operator hash` makes one); a password in "
                     "clear is refused");
  }
  return b;
}

template <auto M>
KeyDef operator_tables(const char* name, const char* meaning) {
  return {{name, "array of tables", "(none)", meaning}, [](const toml::node& n, ServerConfig& c) {
            const toml::array* list = n.as_array();
            if (list == nullptr) {
              throw BadValue("must be tables ([[operator]] with name and password_hash)");
            }
            std::vector<OperatorBlock> out;
            for (const toml::node& item : *list) out.push_back(operator_block(item));
            c.*M = std::move(out);
          }};
}

// Also records that the file gave the value.
KeyDef given(KeyDef def, bool ServerConfig::*given_flag) {
  auto apply = std::move(def.apply);
  def.apply = [apply, given_flag](const toml::node& n, ServerConfig& c) {
    apply(n, c);
    c.*given_flag = true;
  };
  return def;
}

// Every key of pchatd.toml: the parser, `--check-config`, docs/configuration.md and
// pchatd.toml(5) all come from here. Flags of the same name override them.
// A new key: one line here, and server/reload.cc (live or restart-only).
// Long: the one table of pchatd.toml's keys, one entry each (the reference is made from it).
const std::vector<KeyDef>& keys() {
  using C = ServerConfig;
  static const std::vector<KeyDef> all = {
      path<&C::data_dir>("data_dir",
                         "Standalone: the data directory (the private PostgreSQL in DIR/pg, its "
                         "socket in DIR/run)."),
      listener<&C::irc_listen>("irc_listen",
                               "The plaintext IRC listener (`*` for every address, `[v6]:PORT` "
                               "for IPv6); \"off\" leaves only TLS."),
      listener<&C::irc_tls_listen>("irc_tls_listen",
                                   "The IRC listener over TLS (6697 by convention); needs "
                                   "tls_cert_file and tls_key_file."),
      path<&C::tls_cert_file>("tls_cert_file",
                              "PEM certificate (with its chain) for every TLS listener; read "
                              "again on SIGHUP."),
      path<&C::tls_key_file>("tls_key_file", "PEM private key of tls_cert_file."),
      number<&C::sts_duration>("sts_duration", 0, 400 * 86400,
                               "Seconds clients keep to TLS once told (IRCv3 sts)."),
      flag<&C::http_tls>("http_tls", "The admin API serves HTTPS (same certificate)."),
      flag<&C::files_tls>("files_tls", "The file host serves HTTPS (same certificate)."),
      endpoint<&C::http_listen>("http_listen",
                                "The admin HTTP listener: /healthz and /metrics are open, the rest "
                                "needs the admin token."),
      text<&C::server_name>(
          "server_name",
          "The server name shown to clients (in a pool: the topology's server name)."),
      text<&C::network_name>("network_name", "The network name (ISUPPORT NETWORK)."),
      text<&C::motd>("motd", "The message of the day."),
      choice<&C::log_level>("log_level",
                            {"trace", "debug", "info", "warn", "error", "critical", "off"},
                            "Log level (stderr, or the journal under systemd)."),
      flag<&C::allow_guests>("allow_guests", "Clients without an account may join rooms and post."),
      flag<&C::compliance>("compliance",
                           "Standalone: record compliance events and run the compliance service."),
      given(number<&C::default_chat_history>(
                "default_chat_history", 1, 500,
                "Messages replayed on JOIN to clients without chathistory; given here, it wins "
                "over the pool's DefaultChatHistory."),
            &C::default_chat_history_given),
      text<&C::new_room_category>("new_room_category",
                                  "JOIN of a name that is no room yet creates a room in this "
                                  "category, if the joiner is one of its creators."),
      choice<&C::new_room_privacy>("new_room_privacy", {"Open", "Closed", "Secret"},
                                   "Privacy of the rooms JOIN creates."),
      number<&C::flood_burst>(
          "flood_burst", 0, 1000000,
          "Lines a client may send in a burst before Excess Flood (0: no limit)."),
      number<&C::flood_rate>("flood_rate", 0, 1000000,
                             "Lines per second refilled into a client's burst (0: no limit)."),
      number<&C::sendq_bytes>(
          "sendq_bytes", 65536, 1 << 30,
          "Unsent output after which a client is disconnected (SendQ exceeded)."),
      number<&C::ping_interval>(
          "ping_interval", 5, 3600,
          "Seconds of client silence before a PING, and again before the client is dropped."),
      number<&C::max_channels_per_client>("max_channels_per_client", 1, 10000,
                                          "Rooms a client may be in at once (ISUPPORT CHANLIMIT)."),
      endpoint<&C::files_listen>("files_listen",
                                 "The file host for rooms (soju.im/FILEHOST), an HTTP listener."),
      text<&C::files_url>("files_url",
                          "The file host's public URL advertised to clients (empty: "
                          "http://HOST:PORT of files_listen)."),
      endpoint<&C::web_listen>(
          "web_listen",
          "The public web listener: IRC over WebSocket for anyone (text.ircv3.net, "
          "binary.ircv3.net) and the web client's files (docs/web.md)."),
      flag<&C::web_tls>("web_tls", "The web listener serves HTTPS and WSS (same certificate)."),
      path<&C::web_root>("web_root",
                         "The web client's files (default: ../share/pchat/web beside the "
                         "pchatd binary)."),
      texts<&C::web_origins>(
          "web_origins",
          "Browser origins (\"https://chat.example.org\") that may open a WebSocket on the web "
          "listener and use the file host, beside the web listener's own."),
      path<&C::admin_token_file>(
          "admin_token_file",
          "The admin API's bearer token file, read again on SIGHUP (default: the topology's, or "
          "DATA_DIR/admin-token; created when absent)."),
      number<&C::reader_threads>("reader_threads", 1, 64,
                                 "Threads that read history and search from the store."),
      number<&C::sign_in_threads>("sign_in_threads", 1, 64, "Threads that check passwords."),
      number<&C::sign_in_free_failures>(
          "sign_in_free_failures", 0, 1000,
          "Failed sign-ins allowed per name before each further attempt must wait (0: no limit)."),
      number<&C::sign_in_free_failures_per_address>(
          "sign_in_free_failures_per_address", 0, 100000,
          "Failed sign-ins allowed per client address before each further attempt must wait (0: no "
          "limit)."),
      operator_tables<&C::operators>(
          "operator",
          "IRC operators, one `[[operator]]` table each: `name` (one word, what OPER gives), "
          "`password_hash` (argon2id, `pchatctl operator hash` makes one), `account` (the block "
          "serves only a client signed in as that account), `group` (only an account in that "
          "group of the room model: a directory group's DN or a pchat group). A block with "
          "`account` or `group` may leave out `password_hash`: the sign-in is the proof."),
      directory_table("directory",
                      "Sign-in and groups from an LDAP directory (docs/identity.md); in a pool, "
                      "the topology's [directory] instead."),
  };
  return all;
}

std::string where(const fs::path& file, const toml::source_region& at, const std::string& key) {
  return file.string() + ":" + std::to_string(at.begin.line) + ": " + key + ": ";
}

}  // namespace

std::vector<std::string> check_config_file(const fs::path& file, ServerConfig& c) {
  toml::table t;
  try {
    t = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    return {file.string() + ":" + std::to_string(e.source().begin.line) + ": " +
            std::string(e.description())};
  }
  std::vector<std::string_view> names;
  for (const auto& k : keys()) names.push_back(k.info.name);
  // A table iterates in key order: the problems are sorted back into file order.
  std::vector<std::pair<uint32_t, std::string>> found;
  for (auto&& [k, node] : t) {
    const std::string key(k.str());
    auto def = std::find_if(keys().begin(), keys().end(),
                            [&](const KeyDef& d) { return d.info.name == key; });
    if (def == keys().end()) {
      std::string near = dr::nearest(key, names);
      found.emplace_back(k.source().begin.line,
                         where(file, k.source(), key) + "unknown key" +
                             (near.empty() ? "" : " (did you mean '" + near + "'?)"));
      continue;
    }
    try {
      if (key == "directory") {
        if (!node.is_table()) throw BadValue("must be a table");
        auto d = directory::parse_config(
            *node.as_table(), file.parent_path(),
            file.string() + ":" + std::to_string(node.source().begin.line) + ": directory");
        if (!d) {
          found.emplace_back(node.source().begin.line, d.error().message);
        } else {
          c.directory = std::move(*d);
        }
        continue;
      }
      def->apply(node, c);
    } catch (const BadValueAt& e) {
      found.emplace_back(
          e.line, file.string() + ":" + std::to_string(e.line) + ": " + e.key + ": " + e.what());
    } catch (const std::invalid_argument& e) {
      found.emplace_back(node.source().begin.line, where(file, node.source(), key) + e.what());
    }
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> problems;
  for (auto& f : found) problems.push_back(std::move(f.second));
  return problems;
}

void load_config_file(const fs::path& file, ServerConfig& c) {
  auto problems = check_config_file(file, c);
  if (problems.empty()) return;
  std::string all;
  for (const auto& p : problems) all += (all.empty() ? "" : "\n") + p;
  throw std::runtime_error(all);
}

const std::vector<ConfigKeyInfo>& config_key_reference() {
  static const std::vector<ConfigKeyInfo> infos = [] {
    std::vector<ConfigKeyInfo> out;
    for (const auto& k : keys()) out.push_back(k.info);
    return out;
  }();
  return infos;
}

std::string config_reference_markdown() {
  std::string out = "| Key | Type | Default | Meaning |\n|---|---|---|---|\n";
  for (const auto& k : config_key_reference()) {
    out +=
        "| `" + k.name + "` | " + k.type + " | `" + k.default_value + "` | " + k.meaning + " |\n";
  }
  return out;
}

}  // namespace pchat::server
