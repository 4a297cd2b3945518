#include "store/commit_handoff.h"

namespace pchat::store {

void CommitHandoff::publish(std::vector<HistoryRow> rows) {
  if (rows.empty()) return;
  {
    std::lock_guard lock(mu_);
    ranges_.push_back(std::move(rows));
    if (ranges_.size() > kMaxRanges) ranges_.pop_front();
  }
  published_.notify_one();
}

std::optional<std::vector<HistoryRow>> CommitHandoff::take(int64_t first, int64_t last,
                                                           std::chrono::milliseconds wait) {
  std::unique_lock lock(mu_);
  std::optional<std::vector<HistoryRow>> out;
  // Done when the range is here, or when a later one is (ranges arrive in commit
  // order: this one will not come any more).
  auto settled = [&] {
    while (!ranges_.empty() && ranges_.front().back().id < first) ranges_.pop_front();
    return !ranges_.empty();
  };
  if (!published_.wait_for(lock, wait, settled)) return out;
  auto& front = ranges_.front();
  if (front.front().id == first && front.back().id == last &&
      static_cast<int64_t>(front.size()) == last - first + 1) {
    out = std::move(front);
    ranges_.pop_front();
  }
  return out;
}

}  // namespace pchat::store
