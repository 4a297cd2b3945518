// Lync's SQL Server statements, recognised so an operator can type them as the
// runbook writes them (docs/design.md#glossary). Not a SQL parser: exactly these forms, any
// letter case, any whitespace, `--` and `/* */` comments, optional ';' terminators
// and `GO` separator lines:
//
//   [use master | use mgc]                                       -> kUse (a no-op)
//   exec sp_delete_log_shipping_secondary_database mgc           -> kRemoveLogShippingSecondary
//     (EXEC | EXECUTE | nothing; name optionally qualified master.dbo. / master.. /
//      dbo., each part optionally in brackets: [master].[dbo].[sp_...];
//      database as mgc, [mgc], "mgc", 'mgc', N'mgc' or @secondary_database = N'mgc')
//   exec sp_who2 [ 'active' | <spid> ]                           -> kWho
//   kill <spid>                      (1 .. 2147483647)            -> kKill
//   restore database mgc with recovery          ([mgc] too)       -> kRestoreWithRecovery
//
// Database names are returned as written (unquoted); whether they name the store is
// the caller's to check. Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace pchat::ctl::cmdlet {

inline constexpr std::size_t kMaxSqlBytes = 64 * 1024;

struct SqlStatement {
  enum Kind {
    kRemoveLogShippingSecondary,  // sp_delete_log_shipping_secondary_database: database
    kWho,                         // sp_who2: spid (0 = every session), active_only
    kKill,                        // kill: spid
    kRestoreWithRecovery,         // restore database ... with recovery: database
    kUse,                         // use: database
  };
  Kind kind = kWho;
  std::string database;      // kRemoveLogShippingSecondary, kRestoreWithRecovery, kUse
  std::int64_t spid = 0;     // kKill (> 0); kWho: the session asked about, 0 for all
  bool active_only = false;  // kWho: sp_who2 'active'
  int line = 1;              // 1-based line of the statement's first word
};

// Parses a batch: zero or more statements, each ended by ';', a line end or the end of
// the text (a statement's words stay on one line); `GO` lines are dropped.
// Errors (kInvalidInput): text longer than kMaxSqlBytes; an unterminated string,
// identifier or comment; "not supported: <statement>. Supported statements: ..." for
// anything else; a specific message for a bad `kill` target (`kill <spid>` copied
// verbatim, `kill 0`, `kill -1`, `kill abc`) and for a missing or unknown procedure
// argument. Messages give the line and column.
Result<std::vector<SqlStatement>> parse_sql(std::string_view text);

// Like parse_sql() but requires exactly one statement other than GO (a `use` counts).
Result<SqlStatement> parse_sql_statement(std::string_view text);

// The list quoted by "not supported" errors.
std::string_view supported_sql_statements();

}  // namespace pchat::ctl::cmdlet
