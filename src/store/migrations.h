// Versioned schema migrations for the `mgc` database.
//
// Each migration runs in its own transaction together with the row that records
// it in schema_migrations, so a crash leaves the schema at a whole version. An
// advisory lock serializes servers of a pool that start together. A store whose
// schema is newer than this binary knows is refused (never downgraded or written).
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "store/pg.h"

namespace pchat::store {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

// Every migration this binary knows, in version order (1, 2, ...).
const std::vector<Migration>& migrations();
int latest_schema_version();

// Creates database `dbname` if it does not exist (connects through `admin`, a
// connection to another database of the same server).
Status ensure_database(pg::Connection& admin, const std::string& dbname);

// Brings the schema of the connected database up to latest_schema_version().
// Fails (kConflict) when the stored schema is newer than this binary.
Status migrate(pg::Connection& conn);

// The schema version recorded in the connected database (0 when none).
Result<int> schema_version(pg::Connection& conn);

}  // namespace pchat::store
