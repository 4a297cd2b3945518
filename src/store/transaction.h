// A transaction on one connection that rolls back unless committed.
//
// Thread safety: as the connection's (one thread at a time).
#pragma once

#include <string>

#include "core/result.h"
#include "store/pg.h"

namespace pchat::store {

class Transaction {
 public:
  explicit Transaction(pg::Connection& conn) : conn_(conn) {}
  ~Transaction() {
    if (open_) (void)conn_.exec("ROLLBACK");
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  // `mode`: transaction modes, e.g. "ISOLATION LEVEL REPEATABLE READ, READ ONLY".
  Status begin(const std::string& mode = "") {
    auto r = conn_.exec(mode.empty() ? "BEGIN" : "BEGIN " + mode);
    if (!r) return r.error();
    open_ = true;
    return ok_status();
  }
  Status commit() {
    open_ = false;
    auto r = conn_.exec("COMMIT");
    if (!r) return r.error();
    return ok_status();
  }

 private:
  pg::Connection& conn_;
  bool open_ = false;
};

}  // namespace pchat::store
