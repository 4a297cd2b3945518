// A small pool of threads, each with its own connection to `mgc`, for queries off
// the event loop: history, authentication (password hashing is slow on purpose),
// account look-ups. Jobs run in submission order per thread, in parallel across
// threads. A job gets a connected pg::Connection, or the Error saying why not.
//
// Thread safety: submit() from any thread. Jobs must post their results back to
// the caller's own executor themselves.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/result.h"
#include "store/pg.h"
#include "store/target.h"

namespace pchat::store {

class ReaderPool {
 public:
  using Job = std::function<void(Result<pg::Connection*> conn)>;
  static constexpr size_t kMaxQueue = 10000;

  // At most `max_queue` jobs wait; submit() refuses more.
  ReaderPool(std::shared_ptr<StoreTarget> target, int threads, size_t max_queue = kMaxQueue);
  ~ReaderPool();  // stop()
  ReaderPool(const ReaderPool&) = delete;
  ReaderPool& operator=(const ReaderPool&) = delete;

  void start();
  // Runs what is queued, then ends the threads. Idempotent.
  void stop();
  // Returns false when the queue is full or the pool is stopped (job not run).
  bool submit(Job job);

 private:
  void run();

  const std::shared_ptr<StoreTarget> target_;
  const int threads_n_;
  const size_t max_queue_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;  // protected by mu_
  bool stopping_ = false;  // protected by mu_
};

}  // namespace pchat::store
