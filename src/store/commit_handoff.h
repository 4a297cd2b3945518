// The rows this server's writer committed, handed to its own message stream so the
// stream need not read them back from the store.
//
// The stream still learns of every commit from the store's NOTIFY (message_stream.h),
// in commit order, and still delivers in id order: for a notification of this
// server's writer whose range starts right after what the stream has delivered, it
// takes the writer's rows from here instead of SELECTing them. Anything else (a
// range of another server's writer, a gap, rows the writer could not hand over
// because the commit's outcome was unknown to it, a wait that timed out) is read
// from the store as before. So a row reaches the stream only after its commit, and
// the handoff changes where the bytes come from, never what is delivered.
//
// Each range is keyed by the writer's commit number, which its notification
// carries: a range is taken only for the notification of that very commit. After a
// failover the new store reuses ids, so an id range alone could name rows of the
// old store; a commit number cannot (the notification comes from a store that holds
// that commit, with these ids).
//
// Thread safety: publish() on the writer's thread, take() on the stream's.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <vector>

#include "store/history.h"

namespace pchat::store {

class CommitHandoff {
 public:
  // Ranges and rows kept for the stream; beyond either the oldest are dropped (the
  // stream then reads them from the store).
  static constexpr size_t kMaxRanges = 256;
  static constexpr size_t kMaxRows = 16384;

  // Commit number `commit` (increasing from one call to the next) committed `rows`
  // (ids consecutive, ascending, at least one).
  void publish(uint64_t commit, std::vector<HistoryRow> rows);

  // The rows of commit number `commit` when they are ids first..last, waiting up to
  // `wait` for the writer to publish them; nullopt otherwise. Drops the ranges of
  // earlier commits (their notifications are past).
  std::optional<std::vector<HistoryRow>> take(uint64_t commit, int64_t first, int64_t last,
                                              std::chrono::milliseconds wait);

 private:
  struct Range {
    uint64_t commit;
    std::vector<HistoryRow> rows;
  };
  // Removes the oldest range and returns its rows. REQUIRES: mu_ held, ranges_ not
  // empty.
  std::vector<HistoryRow> pop_front();

  std::mutex mu_;
  std::condition_variable published_;
  std::deque<Range> ranges_;  // in commit order
  size_t rows_ = 0;           // in ranges_
};

}  // namespace pchat::store
