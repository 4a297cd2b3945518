// A thin RAII layer over libpq: connections, results, parameters, and the
// sorting of failures into retry-or-fail (SQLSTATE classes).
//
// Thread safety: a Connection is used by one thread at a time (libpq's rule).
// Nothing here blocks except the calls that say so.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/result.h"

namespace pchat::pg {

// An owned PGresult. Row/column accessors REQUIRE row < rows(), col < cols().
class ResultSet {
 public:
  ResultSet() = default;
  explicit ResultSet(PGresult* r) : r_(r, &PQclear) {}

  int rows() const { return r_ ? PQntuples(r_.get()) : 0; }
  int cols() const { return r_ ? PQnfields(r_.get()) : 0; }
  bool is_null(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
  std::string_view get(int row, int col) const {
    return {PQgetvalue(r_.get(), row, col), static_cast<size_t>(PQgetlength(r_.get(), row, col))};
  }
  std::string str(int row, int col) const { return std::string(get(row, col)); }
  std::optional<std::string> opt_str(int row, int col) const;
  int64_t i64(int row, int col) const;
  // Rows changed by the command (INSERT/UPDATE/DELETE), 0 when not applicable.
  int64_t affected() const;
  PGresult* raw() const { return r_.get(); }

 private:
  std::shared_ptr<PGresult> r_;
};

// Positional text parameters ($1, $2, ...); nullopt is SQL NULL.
using Params = std::vector<std::optional<std::string>>;

// SQLSTATE-based classification of a failed command or connection.
//  - kUnavailable: connection lost, server shutting down, read-only (25006 after a
//    failover), too many connections: retry later, possibly elsewhere.
//  - kConflict: unique violation and serialization failures.
//  - kInvalidInput: data exceptions and constraint violations other than unique.
//  - kInternal: everything else (a bug in our SQL, most likely).
ErrorKind classify_sqlstate(std::string_view sqlstate);

class Connection {
 public:
  // Connects (blocking). Fails with kUnavailable when the server cannot be reached.
  // `application_name`, when given, overrides the conninfo's: it names the session
  // in pg_stat_activity (and so in `pchatctl sql 'exec sp_who2'`).
  static Result<Connection> connect(const std::string& conninfo,
                                    const char* application_name = nullptr);

  Connection() = default;
  bool connected() const { return c_ && PQstatus(c_.get()) == CONNECTION_OK; }

  // Runs one statement (blocking). With params, uses the extended protocol (a single
  // statement only); without, the simple protocol (several statements allowed).
  Result<ResultSet> exec(const std::string& sql);
  Result<ResultSet> exec(const std::string& sql, const Params& params);
  // exec(sql, params) as the prepared statement `name`: prepared on this session the
  // first time (parsed once; PostgreSQL may then keep one generic plan). Only for
  // statements whose best plan does not depend on the tables' sizes: a generic plan
  // made while a table was empty can stay a sequential scan after it grew.
  // REQUIRES: one `sql` per `name`.
  Result<ResultSet> exec_prepared(const std::string& name, const std::string& sql,
                                  const Params& params);
  // exec(sql, params) for raw bytes (bytea): a parameter whose `binary` entry is true
  // is sent as its bytes, not as text; with `binary_results` every result column
  // comes back in binary format (a bytea column: its bytes, no hex to decode).
  Result<ResultSet> exec_binary(const std::string& sql, const Params& params,
                                const std::vector<bool>& binary, bool binary_results);

  // Runs `statements` in pipeline mode, in one round trip, as ONE implicit
  // transaction committed at the pipeline's sync point (blocking). Returns every
  // statement's result in order, or the first error (then nothing was committed,
  // unless the connection broke during the commit itself: then kUnavailable and the
  // outcome is unknown).
  // A statement with a `name` runs prepared (see exec_prepared).
  struct Statement {
    std::string sql;
    Params params;
    std::string name;
  };
  Result<std::vector<ResultSet>> exec_pipeline(const std::vector<Statement>& statements);

  // Runs each statement in turn (simple protocol, each its own transaction), stopping
  // at the first error: for administrative sequences (ALTER SYSTEM, reload, ...).
  Status exec_all(const std::vector<std::string>& statements);

  // Escapes for use as an SQL identifier or literal (for statements that cannot take
  // parameters, such as CREATE DATABASE).
  std::string quote_ident(std::string_view ident) const;
  std::string quote_literal(std::string_view value) const;

  PGconn* raw() const { return c_.get(); }
  void reset() {
    c_.reset();
    prepared_ = std::make_shared<std::unordered_set<std::string>>();
  }

 private:
  explicit Connection(PGconn* c) : c_(c, &PQfinish) {}
  Result<ResultSet> check(PGresult* r);
  // Prepares `name` on this session unless it already is.
  Status ensure_prepared(const std::string& name, const std::string& sql, size_t n_params);
  std::shared_ptr<PGconn> c_;
  // The statements prepared on c_'s session (shared by copies, as c_ is).
  std::shared_ptr<std::unordered_set<std::string>> prepared_ =
      std::make_shared<std::unordered_set<std::string>>();
};

// Formats a PostgreSQL text-array literal ({"a","b",NULL}) from values, escaping
// quotes and backslashes. Used to send a whole batch as one parameter.
void append_array_element(std::string& out, const std::optional<std::string>& value);
std::string make_text_array(const std::vector<std::optional<std::string>>& values);

}  // namespace pchat::pg
