// pchatd's configuration: command-line flags, optionally a TOML file
// (--config FILE), flags winning over the file. Invalid values are refused at
// start-up with the field and the reason.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "directory/config.h"

namespace pchat::server {

// A listen address as written: HOST is an IPv4 address, an IPv6 address (without
// the brackets), a host name (resolved when binding: server/listen_address.h) or
// "*" (every address of both families). Port 0: any free port.
struct Endpoint {
  std::string host;
  uint16_t port = 0;

  // "host:port", or "[v6]:port" when host contains ':'.
  std::string to_string() const;
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

// Parses "1.2.3.4:PORT", "[V6]:PORT", "NAME:PORT" or "*:PORT" (port 0-65535).
// Throws std::invalid_argument starting with `what` and saying what is wrong (an
// unbracketed IPv6 address, a malformed host name, a bad port).
Endpoint parse_endpoint(const std::string& s, const std::string& what);
// The same, or nullopt for "off" (a listener turned off).
std::optional<Endpoint> parse_optional_endpoint(const std::string& s, const std::string& what);

// An [[operator]] table (server/operators.h): OPER NAME PASSWORD makes a client an
// IRC operator when the password matches the argon2id hash, and, if `account` is
// set, the client is signed in as that account.
struct OperatorBlock {
  std::string name;
  std::string password_hash;  // empty: the block is granted by `account` and/or `group`
  std::string account;
  std::string group;  // a group of the room model (a directory group's DN, or a pchat group)
  friend bool operator==(const OperatorBlock&, const OperatorBlock&) = default;
};

// A new key must also be listed in server/reload.cc (live or restart-only), so that
// SIGHUP never ignores a change to it silently.
struct ServerConfig {
  std::filesystem::path data_dir = "pchat-data";
  // The plaintext IRC listener; off ("off" in the file or the flag) when only TLS
  // is served.
  std::optional<Endpoint> irc_listen = Endpoint{"127.0.0.1", 6667};
  // TLS (server/tls.h, docs/security.md): the IRC TLS listener (6697 by convention;
  // off when unset), the certificate chain and key files (PEM) it and the HTTPS
  // listeners serve, read again on SIGHUP. With a TLS listener, plaintext clients
  // are told to move (IRCv3 sts: port, and this policy duration in seconds).
  std::optional<Endpoint> irc_tls_listen;
  std::filesystem::path tls_cert_file;
  std::filesystem::path tls_key_file;
  int sts_duration = 2592000;  // 30 days
  // The admin API and the file host serve HTTPS instead of HTTP (same certificate).
  bool http_tls = false;
  bool files_tls = false;
  Endpoint http_listen{"127.0.0.1", 8080};
  std::string server_name = "pchat.local";
  std::string network_name = "pchat";
  std::string motd = "Welcome to pchat: every message you see here is stored durably.";
  std::string log_level = "info";
  // Clients without an account may join rooms and post (off by default:
  // docs/design.md#plain-irc-keeps-working).
  bool allow_guests = false;
  // Messages replayed on JOIN to clients without draft/chathistory (DefaultChatHistory).
  int default_chat_history = 30;
  // Given by flag or file: it wins over the pool's DefaultChatHistory (room_config).
  bool default_chat_history_given = false;
  // JOIN of a name that is no room yet creates one in this category, with this
  // privacy, if the joiner is one of its creators (docs/design.md#plain-irc-keeps-working;
  // server/room_policy.h).
  std::string new_room_category = "default";
  std::string new_room_privacy = "Open";
  // Flood control: a token bucket of `flood_burst` lines refilled at `flood_rate`
  // lines per second; a client that overdraws it is disconnected (Excess Flood).
  // 0 disables.
  int flood_burst = 400;
  int flood_rate = 200;
  // A client whose unsent output exceeds this is disconnected (SendQ exceeded).
  size_t sendq_bytes = 4 * 1024 * 1024;
  // Seconds of silence before we PING a client, and again before we drop it.
  int ping_interval = 120;
  int max_channels_per_client = 100;
  int reader_threads = 2;
  // Threads that check passwords (server/sign_in.h), apart from the reader threads.
  int sign_in_threads = 1;
  // Failed sign-ins allowed per name and per client address before each further
  // attempt must wait (server/sign_in_throttle.h); 0 turns that limit off (behind a
  // proxy every client has the proxy's address).
  int sign_in_free_failures = 5;
  int sign_in_free_failures_per_address = 20;
  // Compliance (docs/compliance.md): standalone, `--compliance` / `compliance = true`
  // records events and runs the compliance service with mgccomp in the private
  // instance; in a pool, a topology with a compliance store turns it on.
  bool compliance = false;
  // Test-only: RunInterval in milliseconds, below the 1 minute minimum (0: off).
  int compliance_run_interval_ms = 0;
  // Pool mode (--topology FILE --server NAME): listeners and stores come from the
  // topology unless the listen flags are given; no private PostgreSQL.
  std::filesystem::path topology_file;
  std::string pool_server;
  bool irc_listen_given = false;
  bool http_listen_given = false;
  // Files in rooms (server/file_host.h): the user-facing HTTP listener for files
  // (off when unset) and the public URL clients reach it by, advertised as
  // soju.im/FILEHOST (default: http://HOST:PORT of the listener).
  std::optional<Endpoint> files_listen;
  std::string files_url;
  // The web listener (server/web_host.h; off when unset): public, for browsers: IRC
  // over WebSocket and the web client's static files from `web_root` (empty: the
  // running pchatd's ../share/pchat/web). `web_origins`: the browser origins, beside
  // the listener's own, that may open a WebSocket there and use the file host (CORS).
  // `web_tls`: HTTPS and WSS with the TLS certificate.
  std::optional<Endpoint> web_listen;
  bool web_tls = false;
  std::filesystem::path web_root;
  std::vector<std::string> web_origins;
  // The admin API's bearer token (server/http.h): this file's first line, read at
  // start and again on SIGHUP. Empty: the topology's [pool] admin_token_file in pool
  // mode, DATA_DIR/admin-token standalone; created (0600) when absent.
  std::filesystem::path admin_token_file;
  // Directory sign-in and groups (directory/config.h): the file's [directory] table.
  // In a pool the topology's [directory] is used; both at once is a start-up error.
  std::optional<directory::Config> directory;
  // IRC operators ([[operator]] tables; server/operators.h). Live on SIGHUP.
  std::vector<OperatorBlock> operators;
};

// Applies a TOML file's keys (same names as the fields) onto `config`. Throws
// std::runtime_error holding every problem of the file, one per line, each naming
// the file, line and key (check_config_file()).
void load_config_file(const std::filesystem::path& file, ServerConfig& config);

// Throws std::invalid_argument when the TLS keys do not go together (a TLS listener
// without certificate or key files, files_tls without files_listen, web_tls without
// web_listen) or no IRC
// listener is left.
void check_tls(const ServerConfig& c);

// Applies the file's valid keys onto `config` and returns every problem, one
// "FILE:LINE: KEY: MESSAGE" each (empty: the file is good): wrong types, values out
// of range, unknown keys (with the nearest known key). A TOML syntax error stops
// the parser: it is then the only problem reported.
std::vector<std::string> check_config_file(const std::filesystem::path& file, ServerConfig& config);

// One key of pchatd.toml, as the parser reads it (config.cc holds the one table of
// keys: adding a key there is one line, and the reference follows).
struct ConfigKeyInfo {
  std::string name;
  std::string type;           // "string", "path", "boolean", "integer, 1 to 500", ...
  std::string default_value;  // as written in TOML; "(none)" or "(off)" when unset
  std::string meaning;
};
const std::vector<ConfigKeyInfo>& config_key_reference();

// The reference as a Markdown table (`pchatd --config-reference`), the text
// docs/configuration.md holds between its "pchatd.toml keys" markers (a unit test
// compares them), from which the pchatd.toml(5) manual page is built.
std::string config_reference_markdown();

}  // namespace pchat::server
