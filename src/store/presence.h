// Pool-wide presence: who is connected to which server of the pool, under which nick,
// in which channels (docs/design.md#processes: the pool's only bus is PostgreSQL on
// `mgc`).
//
// Tables (migration 6, UNLOGGED: presence is not history; it is not replicated and is
// emptied by a store crash, after which every server announces itself again):
//   pool_servers (name, backend_pid, backend_start, seen_at)   one row per live server
//   pool_users   (server, sid, nick_key UNIQUE, ...)            one row per registered client
//   pool_members (server, sid, channel_key, channel, modes)      channel memberships
// Deleting a server's row deletes its users and memberships (ON DELETE CASCADE).
//
// How it works:
//  1. Each server owns one PresenceLink: a thread with its own connection
//     ("pchatd-presence"). That connection's backend (pid + start time) is the
//     server's liveness: when the server dies, its backend ends.
//  2. Nick uniqueness is the UNIQUE index on pool_users.nick_key: claim() and rename()
//     answer kClaimed, kTaken, or kUnavailable (store unreachable, or the link is
//     re-announcing itself).
//  3. Every change NOTIFYs `pchat_presence` in its own transaction with event lines
//     the caller formats (one line per event, several per notification, never more
//     than kMaxPayload bytes); the other servers apply them (server/pool_presence.h).
//     Changes that need no answer are pipelined, one transaction per batch.
//  4. On (re)connect, and whenever its row has vanished, the link asks its owner for a
//     snapshot of the local users (SnapshotRequest) and replaces its rows with it in
//     one transaction (hello()), NOTIFYing "HELLO <server>". Until then, changes are
//     dropped (the snapshot will carry them) and claims answer kUnavailable.
//  5. Every second the link checks that its row is still there and sweeps dead servers:
//     a row whose backend is gone, and which either started under the running
//     postmaster (the server or its connection died) or predates a store restart that
//     is older than kStoreRestartGrace (the server did not come back in time), is
//     deleted, NOTIFYing "GONE <server>". Any server may sweep; the DELETE makes it
//     happen once. The check and an empty sweep are reads: an idle pool writes no WAL.
//
// Thread safety: every public method may be called from any thread; callbacks run on
// the link's thread and must not block (post to the owner's loop).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/metrics.h"
#include "core/result.h"
#include "store/pg.h"
#include "store/target.h"

namespace pchat::store {

// One registered client as the pool sees it.
struct PresenceUser {
  std::string server;    // owner (empty in a server's own snapshot)
  uint64_t sid = 0;      // the owner's session id
  std::string nick_key;  // casefolded nick (the uniqueness key)
  std::string nick;
  std::string username;
  std::string host;
  std::optional<std::string> account;
  std::string realname;
  std::string away;  // empty: not away
  struct Membership {
    std::string key;      // casefolded channel name
    std::string channel;  // as displayed
    std::string modes;    // "", "o", "v", "ov"
  };
  std::vector<Membership> channels;
};

enum class ClaimResult { kClaimed, kTaken, kUnavailable };

// Every user of the pool except `self`'s, with their channels, ordered by server and
// session id. Blocking; for the stream's thread.
Result<std::vector<PresenceUser>> read_presence(pg::Connection& conn, const std::string& self);

class PresenceLink {
 public:
  static constexpr size_t kMaxPayload = 7000;  // NOTIFY's limit is 8000 bytes
  static constexpr std::chrono::seconds kStoreRestartGrace{5};
  static constexpr std::chrono::milliseconds kHeartbeat{1000};
  static constexpr std::chrono::seconds kClaimWait{5};

  using Done = std::function<void(ClaimResult)>;
  using SnapshotRequest = std::function<void()>;
  // Session ids whose nick another server took while this one was away (hello()).
  using LostNicks = std::function<void(std::vector<uint64_t> sids)>;

  PresenceLink(std::shared_ptr<StoreTarget> target, std::string self,
               SnapshotRequest snapshot_request, LostNicks lost_nicks, MetricsRegistry& metrics);
  ~PresenceLink();  // stop()
  PresenceLink(const PresenceLink&) = delete;
  PresenceLink& operator=(const PresenceLink&) = delete;

  void start();
  void stop();  // idempotent
  // Connected and announced: claims can succeed.
  bool ready() const { return ready_.load(std::memory_order_relaxed); }
  const std::string& self() const { return self_; }

  // Replaces this server's rows with `local` (REQUIRES: the owner's whole state).
  void hello(std::vector<PresenceUser> local);
  void claim(const PresenceUser& user, std::string event, Done done);
  void rename(uint64_t sid, std::string nick_key, std::string nick, std::string event, Done done);
  void quit(uint64_t sid, std::string event);
  void join(uint64_t sid, const std::string& channel_key, const std::string& channel,
            const std::string& modes, std::string event);
  void part(uint64_t sid, const std::string& channel_key, std::string event);
  void set_modes(uint64_t sid, const std::string& channel_key, const std::string& modes,
                 std::string event);
  enum class Field { kAway, kAccount, kRealname };
  void update(uint64_t sid, Field field, std::optional<std::string> value, std::string event);
  // An event with no table change (e.g. a request to another server).
  void notify(std::string event);

 private:
  struct Op {
    enum class Kind { kHello, kClaim, kRename, kChange } kind = Kind::kChange;
    std::vector<PresenceUser> users;      // kHello
    PresenceUser user;                    // kClaim
    pg::Connection::Statement statement;  // kRename, kChange (sql empty: notify only)
    std::string event;
    Done done;
  };
  void enqueue(Op op);
  void run();
  void connect();
  void lost(const std::string& why);
  void need_hello();
  void run_hello(const Op& op);
  void answer(Op& op, std::vector<Op>& changes);
  ClaimResult run_claim(const Op& op);
  ClaimResult run_rename(const Op& op);
  // Commits the pending changes (one transaction) with their events.
  void flush_changes(std::vector<Op>& changes);
  void heartbeat();
  void notify_statements(const std::vector<std::string>& events,
                         std::vector<pg::Connection::Statement>& out) const;

  const std::shared_ptr<StoreTarget> target_;
  uint64_t generation_ = 0;  // link thread only
  const std::string self_;
  const SnapshotRequest snapshot_request_;
  const LostNicks lost_nicks_;
  pg::Connection conn_;     // link thread only
  bool announced_ = false;  // link thread only
  std::chrono::steady_clock::time_point next_connect_{};
  std::chrono::milliseconds backoff_{100};
  std::chrono::steady_clock::time_point next_heartbeat_{};
  bool warned_ = false;
  std::chrono::steady_clock::time_point snapshot_requested_{};
  // Claims and renames waiting for the link to be announced (start-up, reconnect),
  // answered kUnavailable after kClaimWait.
  std::deque<std::pair<Op, std::chrono::steady_clock::time_point>> deferred_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Op> queue_;
  bool stopping_ = false;
  std::thread thread_;
  std::atomic<bool> ready_{false};

  Counter& changes_;
  Counter& swept_;
};

}  // namespace pchat::store
