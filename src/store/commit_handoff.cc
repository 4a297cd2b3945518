#include "store/commit_handoff.h"

namespace pchat::store {

std::vector<HistoryRow> CommitHandoff::pop_front() {
  std::vector<HistoryRow> rows = std::move(ranges_.front().rows);
  ranges_.pop_front();
  rows_ -= rows.size();
  return rows;
}

void CommitHandoff::publish(uint64_t commit, std::vector<HistoryRow> rows) {
  if (rows.empty()) return;
  {
    std::lock_guard lock(mu_);
    rows_ += rows.size();
    ranges_.push_back(Range{commit, std::move(rows)});
    while (ranges_.size() > 1 && (ranges_.size() > kMaxRanges || rows_ > kMaxRows)) pop_front();
  }
  published_.notify_one();
}

std::optional<std::vector<HistoryRow>> CommitHandoff::take(uint64_t commit, int64_t first,
                                                           int64_t last,
                                                           std::chrono::milliseconds wait) {
  std::unique_lock lock(mu_);
  std::optional<std::vector<HistoryRow>> out;
  // Done when this commit is here, or a later one is (commits are published in
  // order: this one will not come any more).
  auto settled = [&] {
    while (!ranges_.empty() && ranges_.front().commit < commit) pop_front();
    return !ranges_.empty();
  };
  if (!published_.wait_for(lock, wait, settled)) return out;
  Range& front = ranges_.front();
  if (front.commit != commit) return out;
  if (front.rows.front().id == first && front.rows.back().id == last &&
      static_cast<int64_t>(front.rows.size()) == last - first + 1) {
    out = pop_front();
  }
  return out;
}

}  // namespace pchat::store
