// A password sign-in (SASL PLAIN, the file host's HTTP Basic) when pchat has both
// local accounts and a directory: which one is asked, in the order
// Config::precedence says (docs/identity.md "Directory sign-in").
//
//   local-first:     a name with a local account -> its argon2id hash, only.
//                    any other name               -> the directory.
//   directory-first: the directory first; a name it does not know -> a local
//                    account of that name, if any.
//   the directory is down: a name with a local account is still checked locally (in
//                    both orders: local accounts are how operators get in when the
//                    directory is lost); any other name is refused with
//                    kUnavailable kDirectoryUnavailable, and a log line.
//
// The directory's yes makes (or refreshes) the account record (store/directory.h),
// named as the directory spells it; a name the directory spells differently from
// what was typed (beyond ASCII case) is refused. A refusal for a name without a
// local password costs one decoy argon2id check, like a wrong local password
// (store::spend_decoy_check).
//
// Blocking (store and directory): run on the sign-in pool (server/sign_in.h).
#pragma once

#include <string>

#include "core/result.h"
#include "directory/ldap_client.h"
#include "store/pg.h"

namespace pchat::directory {

// The message of the kUnavailable error a client is told as is.
inline constexpr const char* kDirectoryUnavailable = "the directory is unavailable";

// The account's display name, or kDenied (unknown name or wrong password, alike),
// kUnavailable kDirectoryUnavailable, or the store's error. `dir` null: local
// accounts only (store::authenticate).
Result<std::string> authenticate(pg::Connection& conn, const Client* dir, const std::string& name,
                                 const std::string& password);

}  // namespace pchat::directory
