// pchatd's IRC core: who is connected, which channels exist, how a command is
// dispatched, and how a committed message reaches its recipients.
//
// Threading: everything here runs on one event-loop thread (io_context run by one
// thread). The store's threads hand results back with post(). No locks.
//
// The message path (docs/design.md#invariant-1-acknowledged-means-committed):
//   1. PRIVMSG/NOTICE/TAGMSG is validated and permission-checked here;
//   2. a row goes to the group-commit Writer; nothing is sent to anyone yet;
//   3. the committed row comes back through the store's message stream
//      (store/message_stream.h), on every server of the pool, in id order;
//      on_stream_rows() delivers it: serialized once per capability variant and
//      appended to each local recipient's output; the sender gets its echo
//      (echo-message) or ACK (labeled-response) only now;
//   4. if the commit failed, the sender gets FAIL ... MESSAGE_NOT_STORED and no one
//      sees the message.
// Either way the message is then settled (Session::message_settled): the sender's
// commands that came after it run only now, and its later replies go out only after
// this message's (see session.h, "Order").
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
#include "server/link.h"
#include "server/listener.h"
#include "server/pool_presence.h"
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
  const std::string& nick() const { return local ? local->nick_ : remote->nick; }
  const std::string& user() const { return local ? local->user_ : remote->user; }
  const std::string& host() const { return local ? local->host_ : remote->host; }
  const std::string& realname() const { return local ? local->realname_ : remote->realname; }
  const std::string& account() const { return local ? local->account_ : remote->account; }
  const std::string& away() const { return local ? local->away_ : remote->away; }
  bool invisible() const { return local != nullptr && local->invisible_; }
  std::string prefix() const { return nick() + "!" + user() + "@" + host(); }
  // Its membership in `c`, or nullptr.
  const Membership* member_of(Channel& c) const;
  const std::vector<Channel*>& channels() const {
    return local ? local->channels_ : remote->channels;
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
  // Messages submitted whose acknowledgement has not gone out yet.
  size_t pending_writes() const { return pending_.size(); }
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

  // Sends `m` to every member of `c` (except `except`), serialized per variant.
  // Members without `need_cap` (when non-zero) are skipped.
  void broadcast(Channel& c, const irc::Message& m, Session* except = nullptr,
                 uint32_t need_cap = 0);
  // Sends `m` to `s` and to everyone sharing a channel with it, once each; those
  // without `need_cap` (when non-zero) are skipped.
  void broadcast_to_peers(Session& s, const irc::Message& m, bool include_self,
                          uint32_t need_cap = 0, uint32_t exclude_cap = 0);

  // Chat messages: submit to the store; deliver after commit. Counts the message as
  // unsettled for `s` (Session::message_submitted) when the writer takes it; `r` is
  // released once it is delivered or failed.
  void submit_message(Session& s, const ResponsePtr& r, std::string command,
                      std::string target_display, std::string body,
                      std::vector<irc::Tag> client_tags);

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

  // Reports failed commits to their senders. Runs on the loop.
  void on_committed(std::vector<store::PendingWrite>&& batch, const Status& st);
  // Delivers committed messages from the message stream, in id order, inside an
  // OutputBatch. Runs on the loop.
  void on_stream_rows(std::vector<store::HistoryRow>&& rows);

  // While one lives, sessions that get output do not write at once: each writes
  // everything it got in one system call when the outermost batch ends (so a
  // recipient of k messages of a stream batch pays one write, not k).
  class OutputBatch {
   public:
    explicit OutputBatch(Server& srv) : srv_(srv) { ++srv_.output_batch_depth_; }
    ~OutputBatch();
    OutputBatch(const OutputBatch&) = delete;
    OutputBatch& operator=(const OutputBatch&) = delete;

   private:
    Server& srv_;
  };
  // Returns true iff a batch is open: `s` then flushes when it ends (queued once).
  bool defer_flush(Session& s);
  // REQUIRES: before listen(). The newest id at start-up: the stream follows from
  // there, and JOIN replays read up to what has been delivered.
  void set_delivered_upto(int64_t id) { delivered_upto_ = id; }

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

  std::string next_batch_ref();
  // "2026-11-26T04:14:17.123Z"
  static std::string format_time(int64_t unix_us);
  static int64_t now_us();

  // Registration completes when NICK+USER are in, CAP is done and SASL is not busy.
  void try_complete_registration(Session& s);
  void send_welcome(Session& s);
  void send_isupport(Session& s, const ResponsePtr& r);
  void send_motd(Session& s, const ResponsePtr& r);
  // LUSERS; the maxima (265/266) are the highest counts a LUSERS saw (every
  // registration sends one).
  void send_lusers(const ResponsePtr& r);
  void send_names(Session& s, Channel& c, const ResponsePtr& r);
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

  // Replays the last config().default_chat_history messages of `c` to `s` (for clients
  // without draft/chathistory), holding live lines until done. The rows are replies in
  // `r`, the JOIN's Response, kept until the replay is sent: the client's later
  // commands are answered after it.
  void replay_history(Session& s, Channel& c, ResponsePtr r);

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

  // ---- pool membership (docs/design.md#topology-and-pool-state) ----
  // A server without a PoolView is a pool of one: always active.
  struct PoolView {
    std::string self;                                       // this server's name in the topology
    std::vector<std::string> topology_active;               // the topology's initial active list
    std::vector<std::pair<std::string, Endpoint>> servers;  // name -> IRC listener
  };
  void set_pool(PoolView view) { pool_ = std::move(view); }
  // Re-reads pool_state off the loop and applies it on the loop. Any thread.
  void refresh_pool_state();
  // Whether this server accepts new clients (in the active list).
  bool active() const { return active_; }
  // Drain (admin API): bounce new clients and send connected ones to an active
  // server, without stopping; drain(false) ends it. Queued messages still commit.
  void drain(bool on);
  bool draining() const { return draining_; }
  int64_t epoch() const { return epoch_; }
  const std::string& pool_status() const { return pool_status_; }
  const std::vector<std::string>& active_servers() const { return active_list_; }

  // ---- pool-wide presence and nicks (server/pool_presence.h, store/presence.h) ----
  // REQUIRES: before listen(). Without a link, presence and nicks are this server's.
  void set_presence_link(store::PresenceLink* link) { link_ = link; }
  PoolPresence& presence() { return presence_; }
  // This server's name in the pool's presence events.
  const std::string& pool_self() const { return pool_ ? pool_->self : config_.server_name; }
  // The link (re)connected: hand it the whole local state. Loop.
  void announce_presence();
  // Sessions whose nick another server took during a store outage: they must go.
  void on_lost_nicks(const std::vector<uint64_t>& sids);
  // Another server asked (KICKREQ) to kick local session `sid` from `channel`.
  void kick_local(uint64_t sid, const std::string& channel, const std::string& kicker,
                  const std::string& reason);
  // Local changes, told to the pool.
  void presence_joined(Session& s, Channel& c);
  // PART (kicker empty) or KICK (kicker = the kicker's nick!user@host).
  void presence_left(Session& s, Channel& c, const std::string& reason,
                     const std::string& kicker = {});
  void presence_modes(Session& s, Channel& c);
  void presence_away(Session& s);
  void presence_realname(Session& s);
  // Asks the user's server to kick remote user `u` from `c` (it shows the KICK).
  void request_kick(const RemoteUser& u, Channel& c, Session& kicker, const std::string& reason);
  // NICK after registration: the pool decides; the change shows when it agrees.
  void change_nick(Session& s, const std::string& nick, const ResponsePtr& r);

 private:
  // A new IRC connection: a session, or a bounce when not active or draining.
  void on_accept(Link link);
  // A new TLS connection (tls_accept.cc): the handshake, bounded by
  // kTlsHandshakeTimeout, then on_accept; a failed handshake is logged and dropped.
  void on_tls_accept(tcp::socket sock);
  asio::awaitable<void> tls_handshake(tcp::socket sock);
  // Tells a client to use an active server (RPL_BOUNCE), then closes it.
  void bounce(std::shared_ptr<Session> s, const std::string& why);
  // On the loop: one pool_state read at a time, then apply_pool_state().
  void read_pool_state();
  void apply_pool_state(int64_t epoch, std::string status, std::vector<std::string> active);
  // Registration's last step: the nick is claimed in the pool, then welcome.
  void claim_and_welcome(Session& s);
  void finish_registration(Session& s);
  store::PresenceUser presence_user(const Session& s) const;
  std::string presence_event(std::string_view type, const Session& s,
                             std::vector<std::string> rest) const;
  Session* session_by_id(uint64_t id);
  // Records `s`'s nick, user, host and realname in the WHOWAS history.
  void remember_identity(const Session& s);
  void deliver(const store::HistoryRow& row);
  // Sends a JOIN replay's rows (or a NOTE when `rows` failed), then the held lines;
  // nothing when the session no longer waits for replay number `replay` of `chan`.
  void finish_replay(const std::weak_ptr<Session>& weak, Channel* chan, uint64_t replay,
                     const std::string& display, Result<std::vector<store::HistoryRow>> rows,
                     ResponsePtr r);
  // Local sessions whose DM identity (dm_identity) is `identity`.
  std::vector<Session*> sessions_of_identity(const std::string& identity);
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
  std::chrono::system_clock::time_point started_at_;

  std::unordered_map<std::string, CommandSpec> commands_;
  std::unordered_map<uint64_t, std::weak_ptr<Session>> sessions_;
  std::unordered_map<std::string, Session*> nicks_;                     // folded nick -> session
  std::unordered_map<std::string, std::unique_ptr<Channel>> channels_;  // folded name
  uint64_t next_session_id_ = 1;
  uint64_t next_batch_ = 1;
  // Local messages submitted and not yet delivered, by msgid: whom to acknowledge.
  struct PendingMessage {
    ResponsePtr response;
    std::string echo_target;  // the target as the sender named it
    std::chrono::steady_clock::time_point received;
  };
  std::unordered_map<std::string, PendingMessage> pending_;
  std::unordered_map<std::string, std::vector<Session*>> by_account_;  // folded account

  // Output coalescing while a batch is delivered (OutputBatch, defer_flush).
  int output_batch_depth_ = 0;
  std::vector<std::shared_ptr<Session>> flush_after_batch_;  // capacity kept between batches

  int64_t delivered_upto_ = 0;  // highest message id delivered from the stream
  size_t max_local_users_ = 0;  // LUSERS maxima (registered users, as counted by LUSERS)
  size_t max_global_users_ = 0;
  uint64_t replays_ = 0;  // JOIN replays started (Session::Held::replay)
  std::optional<PoolView> pool_;
  bool active_ = true;
  bool pool_read_in_flight_ = false;  // read_pool_state(): one at a time
  bool pool_read_again_ = false;
  bool draining_ = false;
  int64_t epoch_ = 0;
  std::string pool_status_ = "Normal";
  std::vector<std::string> active_list_;
  bool reading_ = true;  // false once stopping: lines from clients are ignored
  RoomPolicy* rooms_ = nullptr;
  std::string files_url_;
  store::PresenceLink* link_ = nullptr;
  PoolPresence presence_{*this};
  WhowasHistory whowas_;
  SignIn sign_in_{metrics_,
                  {.free_failures_per_account = config_.sign_in_free_failures,
                   .free_failures_per_address = config_.sign_in_free_failures_per_address}};

  Gauge& connections_;
  Counter& connections_total_;
  Counter& lines_in_;
  Counter& deliveries_;
  Histogram& delivery_seconds_;
  Counter& socket_writes_;
  Counter& bounced_;
  Gauge& active_gauge_;
  Gauge& epoch_gauge_;

  friend class Session;
};

// Command families, one file each under server/commands/.
void register_connection_commands(std::unordered_map<std::string, CommandSpec>& t);
void register_channel_commands(std::unordered_map<std::string, CommandSpec>& t);
void register_channel_admin_commands(std::unordered_map<std::string, CommandSpec>& t);
void register_messaging_commands(std::unordered_map<std::string, CommandSpec>& t);
void register_query_commands(std::unordered_map<std::string, CommandSpec>& t);
void register_chathistory_commands(std::unordered_map<std::string, CommandSpec>& t);
void register_search_commands(std::unordered_map<std::string, CommandSpec>& t);
void register_room_commands(std::unordered_map<std::string, CommandSpec>& t);

}  // namespace pchat::server
