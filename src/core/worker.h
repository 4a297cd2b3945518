// A background thread with one lifecycle for every loop in pchat that runs on its
// own: start(), a wait the loop can be woken from, and stop() that wakes and joins.
// The loop's body is its owner's; it calls wait_for() between rounds and ends when
// that returns false.
//
// Thread-safety: start() and stop() from the owner's thread; stopping(), wait_for()
// from the loop; wake() and stop() from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace pchat {

class Worker {
 public:
  Worker() = default;
  ~Worker() { stop(); }
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Runs `loop` on a new thread. REQUIRES: not started, or stopped.
  void start(std::function<void()> loop);
  // Asks the loop to end, wakes it and joins it. Idempotent; a no-op if never started.
  void stop();
  bool stopping() const;
  // Waits up to `d`; returns early when woken. False once stop() was called.
  bool wait_for(std::chrono::milliseconds d);
  // Ends the loop's current (or next) wait_for early, once.
  void wake();

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool woken_ = false;
  std::thread thread_;
};

}  // namespace pchat
