// pchatd's IRC core: who is connected, which channels exist, and how a command is
// dispatched. The Server owns its parts, each with its own contract:
//   delivery.h          chat messages after commit, fan-out, output batching
//   registration.h      registration and the welcome burst (ISUPPORT, LUSERS, MOTD)
//   join_replay.h       recent history on JOIN for clients without chathistory
//   pool_membership.h   the pool state: active or idle, epoch, drain, bounce
//   presence_bridge.h   this server's users told to the pool; nick claims
//   pool_presence.h     the pool's other users, as this server sees them
//   read_markers.h      draft/read-marker: MARKREAD, the marker at JOIN, the fan-out
//   sign_in.h, whowas.h password checks; who used a nick before
//
// Threading: everything here runs on one event-loop thread (io_context run by one
// thread). The store's threads hand results back with post(). No locks.
#pragma once

#include <utility>  // before Asio: boost 1.74 awaitable.hpp uses std::exchange

#include <boost/asio.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/metrics.h"
#include "irc/message.h"
#include "server/channel.h"
#include "server/config.h"
#include "server/delivery.h"
#include "server/join_replay.h"
#include "server/link.h"
#include "server/listener.h"
#include "server/pool_membership.h"
#include "server/pool_presence.h"
#include "server/presence_bridge.h"
#include "server/read_markers.h"
#include "server/registration.h"
#include "server/response.h"
#include "server/session.h"
#include "server/sign_in.h"
#include "server/tls.h"
#include "server/whowas.h"
#include "store/history.h"
#include "store/presence.h"
#include "store/reader.h"
#include "store/writer.h"

namespace pchat::server {

class Server;
class RoomPolicy;

// One command: name, minimum parameter count, whether registration is required.
struct CommandSpec {
  int min_params = 0;
  bool needs_registration = true;
  std::function<void(Server&, Session&, const irc::Message&, const ResponsePtr&)> handler;
};

// A registered user anywhere in the pool, as queries (WHO, WHOIS, ISON, USERHOST,
// direct messages) see it: on this server (`local`) or on another (`remote`).
struct UserRef {
  Session* local = nullptr;
  RemoteUser* remote = nullptr;

  explicit operator bool() const { return local != nullptr || remote != nullptr; }
  const std::string& nick() const { return local ? local->nick() : remote->nick; }
  const std::string& user() const { return local ? local->user() : remote->user; }
  const std::string& host() const { return local ? local->host() : remote->host; }
  const std::string& realname() const { return local ? local->realname() : remote->realname; }
  const std::string& account() const { return local ? local->account() : remote->account; }
  const std::string& away() const { return local ? local->away() : remote->away; }
  bool invisible() const { return local != nullptr && local->invisible(); }
  std::string prefix() const { return nick() + "!" + user() + "@" + host(); }
  // Its membership in `c`, or nullptr.
  const Membership* member_of(Channel& c) const;
  const std::vector<Channel*>& channels() const {
    return local ? local->channels() : remote->channels;
  }
};

class Server {
 public:
  Server(asio::io_context& io, ServerConfig config, store::Writer* writer,
         store::ReaderPool* readers, MetricsRegistry& metrics);

  // The Server a session belongs to.
  static Server& of(Session& s);

  // Opens the IRC listeners: plaintext on config.irc_listen, TLS on
  // config.irc_tls_listen (each for every address it stands for: server/listener.h),
  // those configured. Throws ListenError. REQUIRES: called once; set_tls() before
  // when irc_tls_listen is set.
  void listen();
  // The certificate for TLS connections (server/tls.h); owned by main, reloaded on
  // SIGHUP. REQUIRES: before listen().
  void set_tls(TlsCredentials* tls) { tls_ = tls; }
  // The TLS listener's port (0: none), advertised to plaintext clients (sts).
  uint16_t tls_port() const { return tls_listener_.port(); }
  // Graceful stop, first half: no new clients, no new lines read from clients.
  void stop_accepting();
  // Graceful stop, second half: send ERROR to everyone, flush, close.
  void shutdown(const std::string& reason);

  // ---- used by sessions and command handlers ----
  void dispatch(Session& s, irc::Message&& m);
  void on_line_error(Session& s, irc::LineError e);
  void on_session_closed(Session& s, const std::string& reason);

  const std::string& name() const { return config_.server_name; }
  const ServerConfig& config() const { return config_; }
  // SIGHUP: takes the live keys of `next` (server/reload.h); new clients and every
  // later check see them. On the loop.
  void reconfigure(const ServerConfig& next);
  asio::io_context& io() { return io_; }
  store::Writer* writer() { return writer_; }
  store::ReaderPool* readers() { return readers_; }
  MetricsRegistry& metrics() { return metrics_; }

  // Numeric reply to `s`: ":server NNN <nick> params..."
  void numeric(const ResponsePtr& r, const char* code, std::vector<std::string> params);
  irc::Message make_numeric(Session& s, const char* code, std::vector<std::string> params) const;
  // FAIL/WARN/NOTE standard reply.
  void fail(const ResponsePtr& r, const std::string& command, const std::string& code,
            std::vector<std::string> context, const std::string& description);

  Session* find_nick(std::string_view nick);
  // A registered user of the pool by nick (local first).
  UserRef find_user(std::string_view nick);
  Channel* find_channel(std::string_view name);
  Channel& create_channel(const std::string& name);
  void remove_channel_if_empty(Channel& c);
  // Renames `s`; REQUIRES: the new nick is free. Returns false if taken.
  bool rename(Session& s, const std::string& nick);
  void unregister_nick(Session& s);

  // ---- compliance capture (compliance_capture.cc) ----
  bool compliance_capture() const;
  // The CHAT event to attach to a message for room `room_name`; nullopt for a DM or
  // when capture is off.
  std::optional<store::OutboxEvent> chat_event(const Session& s,
                                               const std::string& room_name) const;
  // Records a JOIN, PART or BACKCHAT event of `s` in room `room_name`; `then` (may be
  // empty) runs on the loop with the commit's outcome, at once with ok when capture
  // is off. The caller completes the action only on ok.
  void record_room_event(Session& s, const std::string& type, const std::string& room_name,
                         std::string content, std::function<void(const Status&)> then);
  // The same for a user who is not a session here (the file host's FILEDOWNLOAD).
  void record_room_event(const std::optional<std::string>& account, const std::string& nick,
                         const std::string& type, const std::string& room_name, std::string content,
                         std::function<void(const Status&)> then);

  // Runs `fn` on the loop (for store threads).
  template <typename F>
  void post(F&& fn) {
    asio::post(io_, std::forward<F>(fn));
  }

  // A user's identity in direct-message conversation keys (store::dm_key): the
  // casefolded account, or "~" + casefolded nick for a guest ('~' is in no account
  // name, so guests never share an account's conversations).
  static std::string dm_identity(const Session& s);
  // The same identity for the sender of a stored message (account, or "~" + nick).
  static std::string dm_identity(const store::HistoryRow& row);
  static std::string dm_identity(const UserRef& u);
  // Local sessions whose DM identity (dm_identity) is `identity`.
  std::vector<Session*> sessions_of_identity(const std::string& identity);
  // A local session by id, unless it is closing.
  Session* session_by_id(uint64_t id);

  std::string next_batch_ref();

  // RPL_NAMREPLY lines of `c` for `s`, then RPL_ENDOFNAMES unless !end (the caller
  // sends it: server/read_markers.h).
  void send_names(Session& s, Channel& c, const ResponsePtr& r, bool end = true);
  // Removes `s` from `c` (no PART sent; see release_held).
  void part_channel(Session& s, Channel& c);
  // Abandons the JOIN replay of `c` still loading for `s`, if any: the live lines held
  // for it go out now, in order (they happened while `s` was a member), so that what
  // follows (its KICK, its PART) comes after them and nothing is held back.
  void release_held(Session& s, Channel& c);

  // Accounts: logs `s` in (900 as a reply in `r`, the AUTHENTICATE's Response;
  // account-notify to peers).
  void login(Session& s, const std::string& account, const ResponsePtr& r);
  // Password checks: their own pool, the throttle, their metrics (sign_in.h).
  SignIn& sign_in() { return sign_in_; }
  // Who used a nick before (whowas.h): local users are recorded by on_session_closed
  // and rename, other servers' by PoolPresence.
  WhowasHistory& whowas() { return whowas_; }

  // ---- the Server's parts (see the top of this file) ----
  Delivery& delivery() { return delivery_; }
  Registration& registration() { return registration_; }
  JoinReplay& join_replay() { return join_replay_; }
  PoolMembership& pool() { return pool_; }
  const PoolMembership& pool() const { return pool_; }
  PresenceBridge& bridge() { return bridge_; }
  PoolPresence& presence() { return presence_; }
  ReadMarkers& read_markers() { return read_markers_; }

  // Counts for LUSERS and metrics.
  size_t user_count() const { return sessions_.size(); }
  size_t channel_count() const { return channels_.size(); }
  std::chrono::system_clock::time_point started_at() const { return started_at_; }
  const std::unordered_map<uint64_t, std::weak_ptr<Session>>& sessions() const { return sessions_; }
  const std::unordered_map<std::string, std::unique_ptr<Channel>>& channels() const {
    return channels_;
  }
  bool accepting() const { return accepting_; }

  // ---- rooms (server/room_policy.h); null: plain IRC ----
  RoomPolicy* rooms() const { return rooms_; }
  void set_rooms(RoomPolicy* rooms) { rooms_ = rooms; }
  // The file host's URL (server/file_host.h), advertised as soju.im/FILEHOST; empty:
  // no file host. REQUIRES: before listen().
  void set_files_url(std::string url) { files_url_ = std::move(url); }
  const std::string& files_url() const { return files_url_; }

  // A new IRC connection from another listener (the web listener's WebSockets,
  // server/web_host.h): the same as the IRC listener's. Loop.
  void accept_link(Link link) { on_accept(std::move(link)); }

 private:
  // A new IRC connection: a session, or a bounce when not active or draining.
  void on_accept(Link link);
  // A new TLS connection (tls_accept.cc): the handshake, bounded by
  // kTlsHandshakeTimeout, then on_accept; a failed handshake is logged and dropped.
  void on_tls_accept(tcp::socket sock);
  asio::awaitable<void> tls_handshake(tcp::socket sock);
  // Records `s`'s nick, user, host and realname in the WHOWAS history.
  void remember_identity(const Session& s);
  void register_commands();

  asio::io_context& io_;
  ServerConfig config_;  // live keys change on SIGHUP (reconfigure)
  store::Writer* writer_;
  store::ReaderPool* readers_;
  MetricsRegistry& metrics_;
  Listener listener_;
  Listener tls_listener_;
  TlsCredentials* tls_ = nullptr;
  bool accepting_ = false;
  bool reading_ = true;  // false once stopping: lines from clients are ignored
  std::chrono::system_clock::time_point started_at_;

  std::unordered_map<std::string, CommandSpec> commands_;
  std::unordered_map<uint64_t, std::weak_ptr<Session>> sessions_;
  std::unordered_map<std::string, Session*> nicks_;                     // folded nick -> session
  std::unordered_map<std::string, std::unique_ptr<Channel>> channels_;  // folded name
  std::unordered_map<std::string, std::vector<Session*>> by_account_;   // folded account
  uint64_t next_session_id_ = 1;
  uint64_t next_batch_ = 1;
  RoomPolicy* rooms_ = nullptr;
  std::string files_url_;

  Delivery delivery_{*this, metrics_};
  Registration registration_{*this};
  JoinReplay join_replay_{*this};
  PoolMembership pool_{*this, metrics_};
  PresenceBridge bridge_{*this};
  PoolPresence presence_{*this};
  ReadMarkers read_markers_{*this};
  WhowasHistory whowas_;
  SignIn sign_in_{metrics_,
                  {.free_failures_per_account = config_.sign_in_free_failures,
                   .free_failures_per_address = config_.sign_in_free_failures_per_address}};

  Gauge& connections_;
  Counter& connections_total_;
  Counter& lines_in_;

  friend class Session;
};

// Command families, one file each under server/commands/.
void register_connection_commands(std::unordered_map<std::string, CommandSpec>& t);
void register_channel_commands(std::unordered_map<std::string, CommandSpec>& t);
void register_channel_admin_commands(std::unordered_map<std::string, CommandSpec>& t);
void register_messaging_commands(std::unordered_map<std::string, CommandSpec>& t);
void register_query_commands(std::unordered_map<std::string, CommandSpec>& t);
// Commands a capability brings (caps.cc names them in its table).
void register_chathistory_commands(std::unordered_map<std::string, CommandSpec>& t);
void register_sasl_commands(std::unordered_map<std::string, CommandSpec>& t);
void register_setname_commands(std::unordered_map<std::string, CommandSpec>& t);
void register_read_marker_commands(std::unordered_map<std::string, CommandSpec>& t);
void register_search_commands(std::unordered_map<std::string, CommandSpec>& t);
void register_room_commands(std::unordered_map<std::string, CommandSpec>& t);
void register_operator_commands(std::unordered_map<std::string, CommandSpec>& t);

}  // namespace pchat::server
