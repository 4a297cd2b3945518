// Client certificates of accounts in `mgc`: the SHA-256 fingerprints with which an
// account signs in by SASL EXTERNAL over TLS (server/tls.h, docs/security.md). A
// fingerprint belongs to at most one account; removing the account removes them.
//
// All functions block on the store: call them off the event loop.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "store/pg.h"

namespace pchat::store {

// A fingerprint as an operator may type it: 64 hex digits, any case, pairs
// optionally separated by ':' (as `openssl x509 -fingerprint -sha256` prints it).
// The canonical form is 64 lowercase hex digits; nullopt when `text` is not one.
std::optional<std::string> normalize_fingerprint(std::string_view text);
// The same, or kInvalidInput saying what a fingerprint is.
Result<std::string> canonical_fingerprint(const std::string& fingerprint);

struct AccountCertificate {
  std::string account;      // display name of the account
  std::string fingerprint;  // canonical form
  std::string added_at;     // ISO 8601, UTC
};

// Registers `fingerprint` for `account`. kInvalidInput for a malformed fingerprint;
// kNotFound for an unknown account; kConflict when the fingerprint is registered
// already (to this account or another).
Status add_certificate(pg::Connection& c, const std::string& account,
                       const std::string& fingerprint);
// kNotFound when `account` has no such fingerprint.
Status remove_certificate(pg::Connection& c, const std::string& account,
                          const std::string& fingerprint);
// Every registered certificate (only `account`'s when not empty), by account then
// fingerprint. kNotFound for an unknown `account`.
Result<std::vector<AccountCertificate>> list_certificates(pg::Connection& c,
                                                          const std::string& account);
// The display name of the account that registered `fingerprint` (canonical form);
// kDenied when none did.
Result<std::string> account_for_certificate(pg::Connection& c, const std::string& fingerprint);

}  // namespace pchat::store
