// How lines reach clients: chat messages after they commit, and fan-out to a channel's
// members or a user's peers (docs/design.md#invariant-1-acknowledged-means-committed).
//
// The message path:
//   1. a command handler validated PRIVMSG/NOTICE/TAGMSG and calls submit(): a row
//      goes to the group-commit Writer and the sender's Response waits here, by
//      msgid; nobody sees anything yet;
//   2. the committed row comes back through the store's message stream
//      (store/message_stream.h), on every server of the pool, in id order:
//      on_stream_rows() delivers it, serialized once per capability variant and
//      appended to each local recipient's output; the sender gets its echo
//      (echo-message) or ACK (labeled-response) only now;
//   3. if the commit failed (on_committed), the sender gets FAIL ...
//      MESSAGE_NOT_STORED and no one sees the message.
// Either way the message is then settled (Session::message_settled): the sender's
// commands that came after it run only now (session.h, "Order").
//
// Output batching: while an OutputBatch lives, sessions that get output do not write
// at once; each writes everything it got in one system call when the outermost batch
// ends (a recipient of k messages of one stream batch pays one write, not k).
//
// Runs on the event loop, like the Server.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/metrics.h"
#include "core/result.h"
#include "irc/message.h"
#include "server/response.h"
#include "store/history.h"
#include "store/writer.h"

namespace pchat::server {

class Server;
class Session;
class Channel;

class Delivery {
 public:
  Delivery(Server& srv, MetricsRegistry& metrics);

  // Submits a chat message of `s` to the store; delivered after commit. Counts it as
  // unsettled for `s` (Session::message_submitted) when the writer takes it; `r` is
  // released once it is delivered or failed. REQUIRES: a DM's target exists (the
  // caller checked).
  void submit(Session& s, const ResponsePtr& r, std::string command, std::string target_display,
              std::string body, std::vector<irc::Tag> client_tags);
  // Messages submitted whose acknowledgement has not gone out yet.
  size_t pending() const { return pending_.size(); }
  // Forgets `s`'s messages in flight (it closed: it cannot be told).
  void forget(const Session& s);

  // Reports failed commits to their senders. Runs on the loop.
  void on_committed(std::vector<store::PendingWrite>&& batch, const Status& st);
  // Delivers committed messages from the message stream, in id order, inside an
  // OutputBatch. Runs on the loop.
  void on_stream_rows(std::vector<store::HistoryRow>&& rows);
  // The newest message id delivered: a JOIN replay reads up to here, later rows
  // reach the new member live. REQUIRES for the setter: before the server listens.
  int64_t delivered_upto() const { return delivered_upto_; }
  void set_delivered_upto(int64_t id) { delivered_upto_ = id; }

  // Sends `m` to every member of `c` (except `except`), serialized once per variant;
  // members without `need_cap` (when non-zero) are skipped. A member whose JOIN
  // replay is loading gets it after the replay (Session::held_).
  void broadcast(Channel& c, const irc::Message& m, Session* except = nullptr,
                 uint32_t need_cap = 0);
  // Sends `m` to `s` (when `include_self`) and to everyone sharing a channel with it,
  // once each, behind the lines a member has held in a shared channel (a JOIN replay
  // loading); those without `need_cap` or with `exclude_cap` (when non-zero) are
  // skipped. Rooms that send no participant updates are left out.
  void to_peers(Session& s, const irc::Message& m, bool include_self, uint32_t need_cap = 0,
                uint32_t exclude_cap = 0);

  class OutputBatch {
   public:
    explicit OutputBatch(Delivery& d) : d_(d) { ++d_.batch_depth_; }
    ~OutputBatch();
    OutputBatch(const OutputBatch&) = delete;
    OutputBatch& operator=(const OutputBatch&) = delete;

   private:
    Delivery& d_;
  };
  // Returns true iff a batch is open: `s` then flushes when it ends (queued once).
  bool defer_flush(Session& s);
  // Counts one write to a client socket (metrics).
  void count_socket_write() { socket_writes_.inc(); }

 private:
  // Local messages submitted and not yet delivered: whom to acknowledge.
  struct PendingMessage {
    ResponsePtr response;
    std::string echo_target;  // the target as the sender named it
    std::chrono::steady_clock::time_point received;
  };
  void deliver(const store::HistoryRow& row);

  Server& srv_;
  std::unordered_map<std::string, PendingMessage> pending_;  // by msgid
  int batch_depth_ = 0;
  std::vector<std::shared_ptr<Session>> flush_after_batch_;  // capacity kept between batches
  int64_t delivered_upto_ = 0;

  Counter& deliveries_;
  Histogram& delivery_seconds_;
  Counter& socket_writes_;
};

}  // namespace pchat::server
