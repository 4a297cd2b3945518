// The group-commit writer: every chat message reaches `mgc` through here.
//
// Design (docs/design.md#invariants, 1 and 2):
//  1. Callers submit() rows from any thread; submit never blocks on I/O.
//  2. One writer thread takes everything queued (up to kMaxBatch rows) and commits
//     it as ONE transaction, pipelined in one round trip: the pool-wide message lock
//     (pg_advisory_xact_lock), then INSERT ... SELECT FROM unnest(arrays) RETURNING
//     id with a NOTIFY pchat_messages '<writer> <commit number> <first id>
//     <last id>'. One WAL flush for the whole batch. While it commits, new rows
//     queue up and form the next batch, so batch size grows with load.
//  3. After the commit returns, the batch goes to the completion sink with the
//     store-assigned ids (the message sequence). Only then may anything be
//     acknowledged or delivered. On failure the whole batch carries the error and
//     nothing in it may be acknowledged. (When the connection breaks during
//     COMMIT the outcome is unknown: the rows may exist, but are never acknowledged.)
//  4. When the store is unreachable, queued rows fail at once (kUnavailable) and the
//     writer reconnects with backoff; it never holds rows hoping for recovery.
//
// Ordering: rows of one batch get increasing, contiguous ids in submission order;
// the lock makes id order commit order across every writer of the pool. Delivery
// does not happen here: every server delivers from the committed stream
// (message_stream.h), in id order.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/metrics.h"
#include "core/result.h"
#include "store/commit_handoff.h"
#include "store/pg.h"
#include "store/target.h"

namespace pchat::store {

struct MessageRow {
  std::string msgid;
  std::string target;  // conversation key, see migrations.cc
  std::string sender;  // nick!user@host
  std::optional<std::string> account;
  std::string command;  // PRIVMSG, NOTICE, TAGMSG
  std::string tags;     // client-only tags, wire form without '@'
  std::string body;
  int64_t ts_us = 0;  // unix time, microseconds
};

// A compliance event (docs/design.md#compliance): recorded in mgc's compliance_outbox in the same
// transaction as the batch's messages, and only when the writer captures
// (Writer::Options::capture_compliance). For CHAT the writer takes content, msgid
// and time from the message row; other events carry their own.
struct OutboxEvent {
  std::string type;       // JOIN, PART, CHAT, BACKCHAT, FILE... (compliance/event.h)
  std::string room;       // casefolded room name
  std::string room_name;  // display name
  std::optional<std::string> account;
  std::string nick;
  std::string content;
  std::string msgid;
  int64_t ts_us = 0;
};

struct PendingWrite {
  MessageRow row;  // ignored when event_only
  // No message: only `event` (a JOIN, PART or BACKCHAT) is recorded. `done` still
  // runs after the commit, with the outcome.
  bool event_only = false;
  std::optional<OutboxEvent> event;
  int64_t id = 0;  // set on success
  // Opaque to the writer; the completion sink knows what it is.
  std::function<void(const Status& status, const PendingWrite& write)> done;
};

// The statements that commit `batch` as one transaction, in this order: the
// pool-wide message lock with the epoch fence check; when the batch has messages,
// their INSERT (RETURNING id, msgid in submission order) with the NOTIFY of the id
// range on pchat_messages; with `capture` and any event, the outbox INSERT. The
// writer pipelines them; a caller with its own transaction (store/files.h) runs
// them in order inside it, so its rows reach every server like any message.
struct BatchStatements {
  std::vector<pg::Connection::Statement> statements;
  size_t messages = 0;
  size_t events = 0;
};
BatchStatements batch_statements(const std::vector<PendingWrite>& batch, int64_t min_epoch,
                                 const std::string& writer_id, bool capture);

class Writer {
 public:
  static constexpr size_t kMaxBatch = 4096;
  static constexpr size_t kMaxQueue = 200000;                   // beyond this, submit fails fast
  static constexpr std::chrono::milliseconds kIdleCheck{1000};  // health probe when idle

  // Runs on the writer thread after each batch; must not block for long (it
  // normally posts the batch to the owner's event loop).
  using Sink = std::function<void(std::vector<PendingWrite>&& batch, const Status& status)>;

  // `writer_id` names this writer in the commit notifications (for logs and
  // metrics of the listeners).
  Writer(std::shared_ptr<StoreTarget> target, std::string writer_id, Sink sink,
         MetricsRegistry& metrics);

  // Compliance capture: every write's `event` goes to compliance_outbox in the
  // batch's transaction (nothing is committed, so nothing acknowledged, when it
  // cannot be). Off: events are ignored, event-only writes complete at once.
  // REQUIRES: before start().
  void set_compliance_capture(bool on) { capture_ = on; }
  bool compliance_capture() const { return capture_; }
  // Each committed batch's messages also go to `h`, for this server's message stream
  // (store/commit_handoff.h). REQUIRES: before start(); `h` outlives the writer.
  void set_handoff(CommitHandoff* h) { handoff_ = h; }
  const std::string& writer_id() const { return writer_id_; }
  ~Writer();  // stop()
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  void start();
  // Commits what is queued (if the store is up), then ends the thread. Idempotent.
  void stop();

  // Thread-safe. Returns false (and does not take the write) when the queue is full
  // or the writer is stopped; the caller reports "not stored" itself.
  bool submit(PendingWrite write);

  bool store_available() const { return available_.load(std::memory_order_relaxed); }

 private:
  void run();
  Status commit(std::vector<PendingWrite>& batch);
  // Writer thread only: connect unless connected or backing off.
  void ensure_connected();
  void lost_connection(const std::string& why);

  const std::shared_ptr<StoreTarget> target_;
  uint64_t generation_ = 0;  // of target_ when connected
  const std::string writer_id_;
  const Sink sink_;
  bool capture_ = false;
  CommitHandoff* handoff_ = nullptr;
  // Writer thread only.
  uint64_t commits_ = 0;  // the last commit number
  pg::Connection conn_;
  std::chrono::steady_clock::time_point next_connect_{};
  std::chrono::milliseconds backoff_{100};
  bool warned_ = false;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<PendingWrite> queue_;  // protected by mu_
  bool stopping_ = false;           // protected by mu_
  std::thread thread_;
  std::atomic<bool> available_{false};

  Counter& committed_;
  Counter& failed_;
  Counter& batches_;
  Counter& events_;
  Histogram& batch_size_;
  Histogram& commit_seconds_;
  Gauge& queue_depth_;
};

}  // namespace pchat::store
