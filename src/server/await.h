// Awaiting work done elsewhere from a coroutine on the event loop (the admin API's
// /search, the file host): a callback-style start (any thread may complete it) or
// a job on the reader pool, resumed on the loop with the value.
//
// Not coroutines themselves: GCC 12 destroys by-value coroutine parameters captured
// this way twice, so each awaitable comes straight from async_initiate. For the same
// reason, a coroutine makes the awaitable in a statement of its own and then
// co_awaits the named awaitable: closures and std::function temporaries must not
// live across a co_await.
#pragma once

#include <utility>  // before Asio: boost 1.74 awaitable.hpp uses std::exchange

#include <boost/asio.hpp>
#include <functional>
#include <memory>

#include "core/result.h"
#include "server/server.h"
#include "store/pg.h"

namespace pchat::server {

// Calls `start` with a `reply` to call once, from any thread; resumes on `io` with
// the value given to it.
template <typename T>
boost::asio::awaitable<T> await_reply(boost::asio::io_context& io,
                                      std::function<void(std::function<void(T)>)> start) {
  namespace asio = boost::asio;
  return asio::async_initiate<const asio::use_awaitable_t<>&, void(T)>(
      [&io](auto handler, std::function<void(std::function<void(T)>)> start) {
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        start([&io, h](T v) {
          asio::post(io, [h, v = std::move(v)]() mutable { (*h)(std::move(v)); });
        });
      },
      asio::use_awaitable, std::move(start));
}

// Runs `job` on `pool` (default: `srv`'s reader pool); `failed` makes the value when it cannot
// take the job or has no connection to the store.
template <typename T>
boost::asio::awaitable<T> on_reader(Server& srv, std::function<T(pg::Connection&)> job,
                                    std::function<T(const Error&)> failed,
                                    store::ReaderPool* pool = nullptr) {
  if (pool == nullptr) pool = srv.readers();
  return await_reply<T>(srv.io(), [pool, job = std::move(job),
                                   failed = std::move(failed)](std::function<void(T)> reply) {
    const bool queued =
        pool != nullptr && pool->submit([job, failed, reply](Result<pg::Connection*> conn) {
          reply(conn ? job(**conn) : failed(conn.error()));
        });
    if (!queued) reply(failed(make_error(ErrorKind::kUnavailable, "the store is busy")));
  });
}

// on_reader for a job answering Result<T>: a job that cannot run answers its error.
template <typename T>
boost::asio::awaitable<Result<T>> reader_result(Server& srv,
                                                std::function<Result<T>(pg::Connection&)> job) {
  return on_reader<Result<T>>(srv, std::move(job), [](const Error& e) -> Result<T> { return e; });
}

}  // namespace pchat::server
