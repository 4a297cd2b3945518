#include "core/worker.h"

namespace pchat {

void Worker::start(std::function<void()> loop) {
  {
    std::lock_guard lk(mu_);
    stopping_ = false;
    woken_ = false;
  }
  thread_ = std::thread(std::move(loop));
}

void Worker::stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool Worker::stopping() const {
  std::lock_guard lk(mu_);
  return stopping_;
}

bool Worker::wait_for(std::chrono::milliseconds d) {
  std::unique_lock lk(mu_);
  cv_.wait_for(lk, d, [this] { return stopping_ || woken_; });
  woken_ = false;
  return !stopping_;
}

void Worker::wake() {
  {
    std::lock_guard lk(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

}  // namespace pchat
