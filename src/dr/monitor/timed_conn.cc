#include "dr/monitor/timed_conn.h"

#include <poll.h>

#include <cerrno>
#include <optional>

#include <chrono>

namespace pchat::dr {

namespace {

using SteadyClock = std::chrono::steady_clock;

// Waits for `events` on `fd` until `deadline`; false on timeout.
bool wait_fd_until(int fd, short events, SteadyClock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now())
                    .count();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, static_cast<int>(left));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
}

Error timed_out_error(const std::string& what) {
  return Error{ErrorKind::kUnavailable, what};
}

}  // namespace

Result<pg::ResultSet> TimedConn::query(const std::string& sql, int timeout_ms) {
  const auto deadline = SteadyClock::now() + std::chrono::milliseconds(timeout_ms);
  if (conn_ && PQstatus(conn_.get()) != CONNECTION_OK) conn_.reset();
  if (!conn_) {
    conn_.reset(PQconnectStart(conninfo_.c_str()));
    if (!conn_) return timed_out_error("out of memory");
    if (PQstatus(conn_.get()) == CONNECTION_BAD) {
      std::string msg = PQerrorMessage(conn_.get());
      conn_.reset();
      return timed_out_error(msg);
    }
    for (PostgresPollingStatusType st = PGRES_POLLING_WRITING; st != PGRES_POLLING_OK;) {
      if (st == PGRES_POLLING_FAILED) {
        std::string msg = PQerrorMessage(conn_.get());
        conn_.reset();
        return timed_out_error(msg);
      }
      const short ev = st == PGRES_POLLING_READING ? POLLIN : POLLOUT;
      if (!wait_fd_until(PQsocket(conn_.get()), ev, deadline)) {
        conn_.reset();
        return timed_out_error("no answer within " + std::to_string(timeout_ms) + " ms (connect)");
      }
      st = PQconnectPoll(conn_.get());
    }
  }
  PGconn* c = conn_.get();
  if (PQsendQuery(c, sql.c_str()) == 0) {
    std::string msg = PQerrorMessage(c);
    conn_.reset();
    return timed_out_error(msg);
  }
  while (PQflush(c) == 1) {
    if (!wait_fd_until(PQsocket(c), POLLOUT, deadline)) {
      conn_.reset();
      return timed_out_error("no answer within " + std::to_string(timeout_ms) + " ms (send)");
    }
  }
  while (PQisBusy(c) != 0) {
    if (!wait_fd_until(PQsocket(c), POLLIN, deadline) || PQconsumeInput(c) == 0) {
      std::string msg = PQerrorMessage(c);
      conn_.reset();
      return timed_out_error(msg.empty() ? "no answer within " + std::to_string(timeout_ms) + " ms"
                                         : msg);
    }
  }
  pg::ResultSet last;
  bool have = false;
  std::optional<Error> failure;
  while (PGresult* r = PQgetResult(c)) {
    const auto st = PQresultStatus(r);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
      const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
      failure =
          Error{state != nullptr && std::string(state).rfind("08", 0) == 0 ? ErrorKind::kUnavailable
                                                                           : ErrorKind::kInternal,
                PQresultErrorMessage(r)};
      PQclear(r);
      continue;
    }
    last = pg::ResultSet(r);
    have = true;
  }
  if (PQstatus(c) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(c);
    conn_.reset();
    return timed_out_error(msg);
  }
  if (failure) return *failure;
  if (!have) return timed_out_error("no result");
  return last;
}

}  // namespace pchat::dr
