// One client connection.
//
// Threading: every Session lives on the server's single event-loop thread; all
// members are touched only there (no locks). Work done elsewhere (store, hashing)
// comes back through asio::post.
//
// Output: lines are appended to `out_`; one async_write is in flight at a time,
// taking everything appended so far (so many lines go out in one syscall). While
// the server delivers a batch of committed messages (Delivery::OutputBatch), the
// first line does not start a write either: every recipient's share of the batch
// goes out in one write when the batch ends. When
// more than ServerConfig::sendq_bytes wait, the client is dropped (SendQ exceeded):
// memory per client is bounded and a slow reader cannot stall anyone else.
//
// Input: lines up to irc::kMaxWireLineBytes; a longer one gets ERR_INPUTTOOLONG and
// is skipped. A token bucket limits lines per second (flood control).
//
// Order (what a client can rely on, e.g. PING as a barrier):
//   - Replies go out in the order of the commands that caused them: a Response's
//     lines wait until every earlier Response of this session has gone out
//     (`replies_`, response.h).
//   - A command runs only after the chat messages of earlier commands are settled
//     (delivered from the message stream to everyone, echo included, or failed to
//     commit): while `unsettled_` > 0, lines are queued (`queued_`) and run in order
//     once it is 0. Consecutive PRIVMSG/NOTICE/TAGMSG are not held back by each
//     other, so they still share a commit. The queue is bounded: past
//     kMaxQueuedLines, reading from the socket pauses until it drains (flood control
//     still counts every line). A failed commit settles its message, so a store
//     outage does not wedge the session; EOF with lines queued closes the session
//     once they ran (a QUIT among them keeps its reason).
#pragma once

#include <utility>  // before Asio: boost 1.74 awaitable.hpp uses std::exchange

#include <boost/asio.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "irc/message.h"
#include "server/caps.h"
#include "server/link.h"

namespace pchat::auth {
class ServerExchange;
}  // namespace pchat::auth

namespace pchat::server {

class Server;
class Channel;
class Response;

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Server& server, Link link, uint64_t id);
  ~Session();

  // Starts the read loop. REQUIRES: called once, on the event loop.
  void start();

  // Appends one wire line (with CR LF) to the output. Drops the client if the
  // output limit is exceeded. No-op once closing.
  void send_line(std::string_view line);
  // Serializes `m` for this client (strips tags it cannot take) and sends it.
  void send(const irc::Message& m);
  // The same, but behind the live lines held for this client (a JOIN replay or a read
  // marker loading, held_ below) in the first of `shared` that has any, so that it
  // never overtakes them: a QUIT behind its sender's last message.
  void send_after_held(const std::vector<Channel*>& shared, const irc::Message& m);

  // Sends ERROR :reason, flushes, closes. Runs the server's quit handling once.
  void close(const std::string& reason);
  bool closing() const { return closing_; }

  bool has_cap(Cap c) const { return (caps_ & c) != 0; }
  // Over TLS (irc_tls_listen), and the client certificate's SHA-256 fingerprint
  // ("" without TLS or without a certificate): SASL EXTERNAL, WHOIS 276.
  bool is_tls() const { return link_.is_tls(); }
  // Over the web listener's WebSocket (server/web_host.h).
  bool is_websocket() const { return link_.is_websocket(); }
  const std::string& cert_fingerprint() const { return link_.client_fingerprint(); }

  // One chat message of this session was submitted to the store
  // (Delivery::submit): commands after it wait until it is settled.
  void message_submitted() { ++unsettled_; }
  // A message counted by message_submitted() was delivered (its row came back from
  // the message stream and went to every local recipient, echo included) or failed to
  // commit. At zero, the queued lines run (posted to the loop, in order).
  void message_settled();
  // Lines queued behind unsettled messages (for tests and metrics).
  size_t queued_lines() const { return queued_.size(); }

  // "nick!user@host"
  std::string prefix() const { return nick_ + "!" + user_ + "@" + host_; }
  const std::string& nick_or_star() const { return nick_.empty() ? kStar : nick_; }

  // ---- who the client is: what WHO, WHOIS, prefixes and the pool show ----
  // Every setter: REQUIRES on the event loop. The setters change this session only;
  // telling others (the nick index, the pool's presence, channel members) is the
  // caller's part (Server::rename, PresenceBridge).
  uint64_t id() const { return id_; }
  const std::string& nick() const { return nick_; }          // as chosen; "" before NICK
  const std::string& user() const { return user_; }          // ident from USER ('~' first)
  const std::string& host() const { return host_; }          // numeric peer address
  const std::string& realname() const { return realname_; }  // USER, SETNAME
  const std::string& account() const { return account_; }    // display form; "": no account
  const std::string& away() const { return away_; }          // "": not away
  std::chrono::system_clock::time_point signon() const { return signon_; }
  // The last PRIVMSG/NOTICE (WHOIS idle).
  std::chrono::steady_clock::time_point last_active() const { return last_active_; }
  // REQUIRES: `nick` valid (irc/nick rules), or "" to forget an unregistered choice.
  void set_nick(std::string nick) { nick_ = std::move(nick); }
  // USER: `user` already has its '~'. Registration may complete once a nick is set too.
  void set_user(std::string user, std::string realname);
  void set_realname(std::string realname) { realname_ = std::move(realname); }
  void set_account(std::string account) { account_ = std::move(account); }
  void set_away(std::string text) { away_ = std::move(text); }
  void touch_active() { last_active_ = std::chrono::steady_clock::now(); }

  // ---- registration (server/registration.h) ----
  bool registered() const { return registered_; }
  // REQUIRES: nick set and USER given. Irreversible.
  void mark_registered() { registered_ = true; }
  bool got_user() const { return got_user_; }
  const std::string& pass() const { return pass_; }  // PASS given before registration
  void set_pass(std::string pass) { pass_ = std::move(pass); }
  // Registration waits for the pool to accept the nick (server/presence_bridge.h).
  bool claiming() const { return claiming_; }
  void set_claiming(bool on) { claiming_ = on; }
  // The pool knows this user: its nick is claimed and must be released on QUIT.
  bool announced() const { return announced_; }
  void set_announced(bool on) { announced_ = on; }

  // ---- capabilities (server/caps.h) ----
  uint32_t caps() const { return caps_; }
  void set_caps(uint32_t caps) { caps_ = caps; }
  // CAP LS/REQ seen and no CAP END yet: registration waits.
  bool cap_negotiating() const { return cap_negotiating_; }
  void set_cap_negotiating(bool on) { cap_negotiating_ = on; }
  int cap_version() const { return cap_version_; }  // 302 after CAP LS 302, else 0
  void set_cap_version(int v) { cap_version_ = v; }

  // ---- user modes ----
  bool invisible() const { return invisible_; }  // +i
  bool oper() const { return oper_; }            // +o: an IRC operator (server/operators.h)
  bool wallops() const { return wallops_; }      // +w: receives WALLOPS
  void set_invisible(bool on) { invisible_ = on; }
  void set_oper(bool on) { oper_ = on; }
  void set_wallops(bool on) { wallops_ = on; }

  // ---- channels this client is in, in the order joined ----
  const std::vector<Channel*>& channels() const { return channels_; }
  // REQUIRES: not already in `c` (Channel keeps the member side).
  void joined(Channel* c) { channels_.push_back(c); }
  void left(const Channel* c) { std::erase(channels_, c); }

  // ---- state that one part of the server owns, each documented there ----
  // A SASL exchange in progress (commands/sasl.h, sasl_scram.h, sasl_external.h).
  struct SaslState {
    std::string mech;
    std::string buffer;
    bool busy = false;  // a verification is running off-loop
    // SCRAM-SHA-256 between its steps: the exchange once the server-first message went
    // out; the account whose verifier runs it (empty: a decoy); verified once the
    // proof was right (the client's last "+" then completes the sign-in).
    std::shared_ptr<auth::ServerExchange> scram;
    std::string scram_account;
    bool scram_verified = false;
  };
  SaslState& sasl() { return sasl_; }

  // draft/read-marker for a guest (no account): this session's own markers,
  // casefolded target -> unix microseconds (server/read_markers.h).
  using GuestMarkers = std::unordered_map<std::string, int64_t>;
  GuestMarkers& guest_markers() { return guest_markers_; }

  // JOIN replays in flight (server/join_replay.h): live channel lines held until the
  // replay is sent. `replay` names the JOIN it is for: a replay abandoned (KICK, PART)
  // and come back after a new JOIN is not that JOIN's.
  struct Held {
    uint64_t replay = 0;
    std::vector<std::string> lines;
  };
  using HeldLines = std::unordered_map<Channel*, Held>;
  HeldLines& held() { return held_; }

  // Replies of this session's commands still open, in command order (response.h):
  // `live` is the Response still being built; a slot whose Response ended while an
  // earlier one was open keeps its lines (and label) here until its turn.
  struct ReplySlot {
    Response* live = nullptr;
    std::string label;
    std::vector<irc::Message> lines;
  };
  std::deque<ReplySlot>& replies() { return replies_; }

 private:
  friend class Server;
  friend class Delivery;  // output batching: flush_deferred_, flush()
  static const std::string kStar;
  // `m` serialized for this client: the tags it cannot take stripped, CR LF added.
  std::string line_of(const irc::Message& m) const;
  // A line read, parsed or not, waiting for earlier messages to settle.
  struct InputLine {
    std::optional<irc::Message> message;
    irc::LineError error = irc::LineError::kEmpty;
  };
  static constexpr size_t kMaxQueuedLines = 64;
  // Runs `line` now, or queues it (see "Order" above).
  void take_line(InputLine&& line);
  void run_line(InputLine&& line);
  // Runs queued lines while they may run; wakes a paused reader.
  void drain_input();
  asio::awaitable<void> read_loop();
  void flush();
  void arm_ping_timer();
  bool take_flood_token();

  const uint64_t id_;
  std::string nick_;
  std::string user_;
  std::string host_;
  std::string realname_;
  std::string account_;
  std::string away_;
  std::string pass_;
  bool got_user_ = false;
  bool registered_ = false;
  bool claiming_ = false;
  bool announced_ = false;
  bool cap_negotiating_ = false;
  int cap_version_ = 0;
  uint32_t caps_ = 0;
  bool invisible_ = false;
  bool oper_ = false;
  bool wallops_ = false;
  std::vector<Channel*> channels_;
  GuestMarkers guest_markers_;
  std::chrono::system_clock::time_point signon_;
  std::chrono::steady_clock::time_point last_active_;
  SaslState sasl_;
  HeldLines held_;
  std::deque<ReplySlot> replies_;

  Server& server_;
  Link link_;
  std::string out_;      // waiting to be written
  std::string writing_;  // in flight
  bool write_in_flight_ = false;
  bool flush_deferred_ = false;  // queued in the server's output batch
  bool closing_ = false;
  bool quit_handled_ = false;
  asio::steady_timer ping_timer_;
  bool ping_outstanding_ = false;
  std::chrono::steady_clock::time_point last_input_;
  double flood_tokens_ = 0;
  int unsettled_ = 0;             // messages submitted and not yet delivered or failed
  std::deque<InputLine> queued_;  // lines waiting for unsettled_ == 0
  bool drain_posted_ = false;
  bool input_ended_ = false;   // EOF read while lines were queued
  asio::steady_timer resume_;  // a paused reader waits on it; drain_input cancels it
  std::chrono::steady_clock::time_point flood_refill_at_;
};

}  // namespace pchat::server
