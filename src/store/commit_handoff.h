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
  // Ranges kept for the stream; older ones are dropped (the stream then reads them
  // from the store).
  static constexpr size_t kMaxRanges = 256;

  // `rows` (ids consecutive, ascending, at least one) were committed.
  void publish(std::vector<HistoryRow> rows);

  // The rows with ids first..last when the writer published exactly that range,
  // waiting up to `wait` for it; nullopt otherwise. Drops ranges that end before
  // `first` (the stream is past them).
  std::optional<std::vector<HistoryRow>> take(int64_t first, int64_t last,
                                              std::chrono::milliseconds wait);

 private:
  std::mutex mu_;
  std::condition_variable published_;
  std::deque<std::vector<HistoryRow>> ranges_;  // in publication (= commit) order
};

}  // namespace pchat::store
