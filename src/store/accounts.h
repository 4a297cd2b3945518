// Accounts in `mgc`: names (casefolded for identity, displayed as given) and
// argon2id password hashes (libsodium's crypto_pwhash_str, interactive limits).
//
// All functions block on the store and, for hashing/verifying, on CPU (tens of
// milliseconds and 64 MiB by design): call them off the event loop.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "store/pg.h"

namespace pchat::store {

struct Account {
  std::string name;          // casefolded identity
  std::string display_name;  // as created
  std::string created_at;    // ISO 8601
  std::string source;        // "local", or "directory" (store/directory.h)
};

// Hashes with argon2id. Fails only when out of memory.
Result<std::string> hash_password(const std::string& password);
bool verify_password(const std::string& hash, const std::string& password);
// True when `hash` was made with other costs (or another algorithm) than hash_password
// uses now, so the next successful sign-in should store a new hash.
bool hash_needs_upgrade(const std::string& hash);

// Checks `password` against a hash nobody's password matches, at the current costs:
// what a refusal of a name without a local password spends, so that its time does
// not tell which names exist (the directory sign-in uses it too).
void spend_decoy_check(const std::string& password);

// kInvalidInput (with a message saying what a valid name is) unless `name` is a valid
// account name. create_account checks this too; callers may check early.
Status validate_account_name(const std::string& name);

// kInvalidInput for a bad name or an empty password; kConflict if it exists.
Status create_account(pg::Connection& c, const std::string& name, const std::string& password);
// kNotFound if missing.
Status remove_account(pg::Connection& c, const std::string& name);
Status set_password(pg::Connection& c, const std::string& name, const std::string& password);
Result<std::vector<Account>> list_accounts(pg::Connection& c);
// The account's display name when name/password match; kDenied otherwise (also for
// an unknown account, so callers cannot tell which part was wrong). An unknown name
// costs one hash verification, as a wrong password does, so that its time does not
// tell which names exist. On success, a hash made with older costs is replaced by one
// at the current costs (hash_needs_upgrade), and an account without a SCRAM verifier
// gets one, best effort: a failed UPDATE (a read-only store) leaves things as they
// were, and the sign-in still succeeds. create_account and set_password store both
// the argon2id hash and the SCRAM-SHA-256 verifier.
Result<std::string> authenticate(pg::Connection& c, const std::string& name,
                                 const std::string& password);

// An account's SCRAM-SHA-256 verifier (auth/scram.h text form), for a SCRAM sign-in.
struct ScramAccount {
  std::string display_name;  // empty: no such account, or one without a verifier yet
  std::string verifier;
};
// Errors only from the store: an unknown name is an empty ScramAccount.
Result<ScramAccount> scram_account(pg::Connection& c, const std::string& name);

}  // namespace pchat::store
