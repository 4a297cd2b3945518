// A libpq connection whose every step has a deadline: the mirror agents and the
// witness probe stores several times a second, and a store that hangs (a stopped
// postmaster, a machine gone from the network) must count as unreachable within a
// fraction of a second, not after libpq's connect_timeout (2 s at least) or never (a
// query on a socket that no longer answers).
//
// Thread safety: one thread at a time.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <string>

#include "core/result.h"
#include "store/pg.h"

namespace pchat::dr {

class TimedConn {
 public:
  explicit TimedConn(std::string conninfo) : conninfo_(std::move(conninfo)) {}

  // Runs `sql` (simple protocol, one statement) within timeout_ms, connecting first
  // when needed (within the same deadline). On a timeout or a broken connection the
  // connection is dropped (the next call reconnects) and kUnavailable returned; an SQL
  // error keeps it and returns the server's message (kind from its SQLSTATE).
  Result<pg::ResultSet> query(const std::string& sql, int timeout_ms);
  void reset() { conn_.reset(); }

 private:
  std::string conninfo_;
  std::unique_ptr<PGconn, void (*)(PGconn*)> conn_{nullptr, &PQfinish};
};

}  // namespace pchat::dr
