// The committed-message stream: how every server of a pool (a standalone server is
// a pool of one) learns what to deliver, in one order everywhere.
//
// Why this works:
//  1. Every writer commits a batch under the same advisory lock and NOTIFYs
//     pchat_messages '<writer> <first id> <last id>' in that transaction (a pchatd
//     writer's names its commit: '<writer> <commit number> <first id> <last id>'). So ids are
//     allocated in commit order, and notifications arrive in commit order.
//  2. This stream LISTENs on its own connection. On a notification for ids up to L,
//     it reads every row with fetched_upto < id <= L, in id order. Any committed row
//     below L has committed before L's (the lock), so nothing is skipped, even if an
//     earlier notification was missed.
//  3. On (re)connect, after LISTEN is in place, it reads every row past
//     fetched_upto: whatever committed while it was away. Then it follows
//     notifications again.
//  4. It also LISTENs on pchat_pool_state and calls the pool-state hook on every
//     change and (re)connect, so servers follow the active list and the epoch
//     within a second.
//  5. Rows go to the sink (which posts them to the event loop) in id order, each
//     row exactly once per process lifetime.
//  6. The ranges this server's own writer committed are taken from the writer
//     (store/commit_handoff.h) instead of being read back, when they follow on from
//     what was delivered; the notification still decides when and in which order.
// Delivery therefore needs nothing from the writer but the store itself: a message
// is shown to anyone only after it is committed, and every server shows the same
// sequence.
//
// Thread safety: start/stop from one thread; the sink runs on the stream's thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/metrics.h"
#include "store/commit_handoff.h"
#include "store/history.h"
#include "store/pg.h"
#include "store/target.h"

namespace pchat::store {

class MessageStream {
 public:
  static constexpr int kFetchChunk = 5000;
  using Sink = std::function<void(std::vector<HistoryRow>&& rows)>;
  // Runs (on the stream's thread) on every (re)connect and on every NOTIFY of
  // pchat_pool_state: the pool state may have changed.
  using PoolStateHook = std::function<void()>;

  // Another notification channel followed on the same connection: called with
  // payload == nullptr after every (re)connect (LISTEN is in place: read a snapshot
  // on `conn`), then with each payload in arrival order. An error drops the
  // connection (and so leads to a reconnect and a new snapshot).
  using NotifyHandler = std::function<Status(pg::Connection& conn, const char* payload)>;

  MessageStream(std::shared_ptr<StoreTarget> target, Sink sink, PoolStateHook pool_state_hook,
                MetricsRegistry& metrics);
  ~MessageStream();  // stop()
  MessageStream(const MessageStream&) = delete;
  MessageStream& operator=(const MessageStream&) = delete;

  // Starts following rows with id > after_id; after_id < 0 means "the newest id in
  // the store when first connected" (start-up: no replay of old history).
  void start(int64_t after_id);
  // REQUIRES: before start().
  void add_listener(std::string channel, NotifyHandler handler) {
    listeners_.push_back({std::move(channel), std::move(handler)});
  }
  // This server's writer hands its committed rows over through `h` (see 6. above);
  // `writer_id` is the name it puts in its notifications. REQUIRES: before start();
  // `h` outlives the stream.
  void set_handoff(std::string writer_id, CommitHandoff* h) {
    own_writer_ = std::move(writer_id);
    handoff_ = h;
  }
  // One pchat_messages notification: "<writer> <first id> <last id>", where
  // <writer> is "<writer id> <commit number>" for a server's writer.
  struct Note {
    bool own = false;     // from `own_writer`, with a commit number
    uint64_t commit = 0;  // when own
    int64_t first = -1, last = -1;
  };
  static Note parse_note(std::string_view payload, const std::string& own_writer);
  // How long the stream waits for the writer's rows of a notification of its own.
  static constexpr std::chrono::milliseconds kHandoffWait{10};
  void stop();  // idempotent
  bool connected() const { return connected_.load(std::memory_order_relaxed); }

 private:
  void run();
  Status listen_and_catch_up();
  // Reads rows fetched_upto_ < id <= upto (upto < 0: no bound) and hands them on.
  Status fetch(int64_t upto);
  // Delivers every row up to the last of `notes` (in arrival order): from the
  // handoff where it can, else from the store.
  Status deliver(const std::vector<Note>& notes);

  const std::shared_ptr<StoreTarget> target_;
  uint64_t generation_ = 0;  // stream thread only
  const Sink sink_;
  const PoolStateHook pool_state_hook_;
  std::vector<std::pair<std::string, NotifyHandler>> listeners_;
  pg::Connection conn_;        // stream thread only
  int64_t fetched_upto_ = -1;  // stream thread only (set before start)
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> connected_{false};
  std::string own_writer_;
  CommitHandoff* handoff_ = nullptr;
  std::vector<Note> notes_;  // stream thread only: this round's notifications
  Counter& rows_;
  Counter& handed_rows_;
  Counter& reconnects_;
};

}  // namespace pchat::store
