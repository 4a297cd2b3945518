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

  // ---- state, owned by the event loop ----
  const uint64_t id_;
  std::string nick_;  // as chosen; empty before NICK
  std::string user_;  // ident from USER (prefixed '~')
  std::string host_;  // numeric peer address
  std::string realname_;
  std::string account_;  // display form; empty when not logged in
  std::string away_;     // empty when not away
  std::string pass_;     // PASS given before registration
  bool got_user_ = false;
  bool registered_ = false;
  bool claiming_ = false;         // registration waits for the pool to accept the nick
  bool announced_ = false;        // the pool knows this user (its nick is claimed)
  bool cap_negotiating_ = false;  // CAP LS/REQ seen and no CAP END yet
  int cap_version_ = 0;           // 302 when the client sent CAP LS 302
  uint32_t caps_ = 0;
  bool invisible_ = false;  // user mode +i
  bool oper_ = false;       // user mode +o: an IRC operator (OPER; server/operators.h)
  bool wallops_ = false;    // user mode +w: receives WALLOPS
  std::vector<Channel*> channels_;
  // draft/read-marker for a guest (no account): this session's own markers,
  // casefolded target -> unix microseconds (server/read_markers.h).
  std::unordered_map<std::string, int64_t> guest_markers_;
  std::chrono::system_clock::time_point signon_;
  std::chrono::steady_clock::time_point last_active_;  // last PRIVMSG/NOTICE (WHOIS idle)

  // SASL exchange in progress.
  std::string sasl_mech_;
  std::string sasl_buffer_;
  bool sasl_busy_ = false;  // a verification is running off-loop
  // SCRAM-SHA-256 between its steps (commands/sasl_scram.cc): the exchange once the
  // server-first message went out; the account whose verifier runs it (empty: a
  // decoy); verified once the proof was right (the client's last "+" then completes
  // the sign-in).
  std::shared_ptr<auth::ServerExchange> scram_;
  std::string scram_account_;
  bool scram_verified_ = false;

  // JOIN replays in flight: live channel lines held until the replay is sent. `replay`
  // names the JOIN it is for: a replay abandoned (KICK, PART) and come back after a
  // new JOIN is not that JOIN's.
  struct Held {
    uint64_t replay = 0;
    std::vector<std::string> lines;
  };
  std::unordered_map<Channel*, Held> held_;

  // Replies of this session's commands still open, in command order (response.h):
  // `live` is the Response still being built; a slot whose Response ended while an
  // earlier one was open keeps its lines (and label) here until its turn.
  struct ReplySlot {
    Response* live = nullptr;
    std::string label;
    std::vector<irc::Message> lines;
  };
  std::deque<ReplySlot> replies_;

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
