#include "store/reader.h"

namespace pchat::store {

ReaderPool::ReaderPool(std::shared_ptr<StoreTarget> target, int threads, size_t max_queue)
    : target_(std::move(target)), threads_n_(threads), max_queue_(max_queue) {}

ReaderPool::~ReaderPool() {
  stop();
}

void ReaderPool::start() {
  for (int i = 0; i < threads_n_; ++i) threads_.emplace_back([this] { run(); });
}

void ReaderPool::stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

bool ReaderPool::submit(Job job) {
  {
    std::lock_guard lk(mu_);
    if (stopping_ || queue_.size() >= max_queue_) return false;
    queue_.push_back(std::move(job));
  }
  cv_.notify_one();
  return true;
}

void ReaderPool::run() {
  pg::Connection conn;
  uint64_t generation = 0;
  for (;;) {
    Job job;
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    if (conn.connected() && generation != target_->generation()) conn.reset();
    if (!conn.connected()) {
      generation = target_->generation();
      auto c = pg::Connection::connect(target_->conninfo(), "pchatd-reader");
      if (!c) {
        job(c.error());
        continue;
      }
      conn = std::move(*c);
    }
    job(&conn);
  }
}

}  // namespace pchat::store
