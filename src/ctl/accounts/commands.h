// `pchatctl user ...`: account management, on a standalone server's store or on a
// pool's.
//
// Where: with a topology file (UserCommandContext::topology_file), the store the pool's
// servers write to now (ctl/target/pool.h: the writable, unfenced store with the
// highest pool-state epoch, so the backup store after a failover); accounts reach the
// other stores of the pool with the rest of `mgc` (mirroring, log shipping), so an
// account signs in on every server of the pool. A command given a topology never
// reads or creates a --data-dir store. Without a topology, the data directory's store
// (ctl/target/standalone.h: the running one, or a temporary instance).
//
// Each command does one statement and reports on stdout; failures come back as
// values for main() to print as "pchatctl: error: ...". Passwords never appear on
// the command line (where `ps` would show them): they are read from stdin.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <string>

#include "core/result.h"

namespace pchat::ctl {

struct UserCommandContext {
  std::filesystem::path data_dir;       // DIR (standalone)
  std::filesystem::path topology_file;  // FILE: the pool's store; data_dir is then unused
  std::ostream* out = nullptr;          // where results go (stdout)
  std::ostream* err = nullptr;          // notes: which store was used (stderr)
};

// Reads a new password: when stdin is a terminal, prompts twice on stderr with echo
// off and requires both entries to match; otherwise takes the first line of stdin
// (without its line ending). kInvalidInput when empty, missing or mismatched.
Result<std::string> read_new_password();

// `user add NAME`: validates NAME, reads the password, then creates the account,
// standalone creating and initializing DIR if it does not exist (a pool's store is
// never created). kConflict if NAME exists; kUnavailable when no store of the pool
// qualifies (each store's state in the message).
Status user_add(const UserCommandContext& ctx, const std::string& name);

// `user passwd NAME`: reads the password and replaces NAME's. kNotFound if unknown.
Status user_passwd(const UserCommandContext& ctx, const std::string& name);

// `user remove NAME`. kNotFound if unknown. The account's past messages stay.
Status user_remove(const UserCommandContext& ctx, const std::string& name);

// `operator hash`: reads a password (as `user add` does) and prints its argon2id
// hash, for a [[operator]] table's password_hash in pchatd.toml. Touches no store.
Status operator_hash(std::ostream& out);

// `user list`: one line per account, "NAME  CREATED-AT" (name as created, time in
// UTC ISO 8601), sorted by casefolded name; with `json`, one JSON array of objects
// {"name", "display_name", "created_at"}.
Status user_list(const UserCommandContext& ctx, bool json);

}  // namespace pchat::ctl
