#include "store/accounts.h"

#include <sodium.h>

#include "auth/scram.h"
#include "core/time.h"
#include "irc/casemap.h"
#include "irc/utf8.h"

namespace pchat::store {

namespace {

// A hash of a password nobody has, at the current costs: an unknown name is checked
// against it, so that it takes as long as a known name with a wrong password.
const std::string& decoy_hash() {
  static const std::string hash = [] {
    unsigned char secret[32];
    randombytes_buf(secret, sizeof secret);
    auto h = hash_password(std::string(reinterpret_cast<char*>(secret), sizeof secret));
    return h ? *h : std::string();
  }();
  return hash;
}

Status check_password(const std::string& password) {
  if (password.empty()) return make_error(ErrorKind::kInvalidInput, "the password is empty");
  if (password.size() > 1024) {
    return make_error(ErrorKind::kInvalidInput, "the password is longer than 1024 bytes");
  }
  return ok_status();
}

}  // namespace

Result<std::string> hash_password(const std::string& password) {
  if (sodium_init() < 0) return make_error(ErrorKind::kInternal, "libsodium failed to start");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return make_error(ErrorKind::kInternal, "out of memory while hashing the password");
  }
  return std::string(out);
}

bool verify_password(const std::string& hash, const std::string& password) {
  if (sodium_init() < 0) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

bool hash_needs_upgrade(const std::string& hash) {
  if (sodium_init() < 0) return false;
  return crypto_pwhash_str_needs_rehash(hash.c_str(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0;
}

Status validate_account_name(const std::string& name) {
  if (!irc::is_valid_account_name(name)) {
    return make_error(ErrorKind::kInvalidInput,
                      "invalid account name '" + name +
                          "': 1-32 characters, letters, digits and []\\`_^{|}- , not starting "
                          "with a digit or '-'");
  }
  return ok_status();
}

Status create_account(pg::Connection& c, const std::string& name, const std::string& password) {
  auto valid = validate_account_name(name);
  if (!valid) return valid;
  auto pw = check_password(password);
  if (!pw) return pw;
  auto h = hash_password(password);
  if (!h) return h.error();
  auto scram = auth::make_verifier(password);
  if (!scram) return scram.error();
  auto r = c.exec(
      "INSERT INTO accounts (name, display_name, password_hash, scram_sha256) "
      "VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING",
      {irc::fold(name), name, *h, auth::to_text(*scram)});
  if (!r) return r.error();
  if (r->affected() == 0) {
    return make_error(ErrorKind::kConflict, "account '" + name + "' already exists");
  }
  return ok_status();
}

Status remove_account(pg::Connection& c, const std::string& name) {
  auto r = c.exec("DELETE FROM accounts WHERE name = $1", {irc::fold(name)});
  if (!r) return r.error();
  if (r->affected() == 0) return make_error(ErrorKind::kNotFound, "no account '" + name + "'");
  return ok_status();
}

Status set_password(pg::Connection& c, const std::string& name, const std::string& password) {
  auto pw = check_password(password);
  if (!pw) return pw;
  auto h = hash_password(password);
  if (!h) return h.error();
  auto scram = auth::make_verifier(password);
  if (!scram) return scram.error();
  auto r = c.exec("UPDATE accounts SET password_hash = $2, scram_sha256 = $3 WHERE name = $1",
                  {irc::fold(name), *h, auth::to_text(*scram)});
  if (!r) return r.error();
  if (r->affected() == 0) return make_error(ErrorKind::kNotFound, "no account '" + name + "'");
  return ok_status();
}

Result<std::vector<Account>> list_accounts(pg::Connection& c) {
  auto r = c.exec("SELECT name, display_name, " + time::sql_iso8601("created_at") +
                  " FROM accounts ORDER BY name");
  if (!r) return r.error();
  std::vector<Account> out;
  for (int i = 0; i < r->rows(); ++i) out.push_back({r->str(i, 0), r->str(i, 1), r->str(i, 2)});
  return out;
}

Result<std::string> authenticate(pg::Connection& c, const std::string& name,
                                 const std::string& password) {
  // Not a name any account can have (the store would refuse the bytes as text).
  if (!irc::is_valid_utf8(name)) {
    return make_error(ErrorKind::kDenied, "invalid account name or password");
  }
  auto r = c.exec(
      "SELECT display_name, password_hash, scram_sha256 IS NULL FROM accounts WHERE name = $1",
      {irc::fold(name)});
  if (!r) return r.error();
  if (r->rows() == 0) {
    (void)verify_password(decoy_hash(), password);  // the same cost as a wrong password
    return make_error(ErrorKind::kDenied, "invalid account name or password");
  }
  const std::string stored = r->str(0, 1);
  if (!verify_password(stored, password)) {
    return make_error(ErrorKind::kDenied, "invalid account name or password");
  }
  if (hash_needs_upgrade(stored)) {
    // Best effort: a store that cannot be written now (a standby) upgrades next time.
    // The old hash in the WHERE clause: a password changed meanwhile wins.
    if (auto h = hash_password(password)) {
      (void)c.exec("UPDATE accounts SET password_hash = $3 WHERE name = $1 AND password_hash = $2",
                   {irc::fold(name), stored, *h});
    }
  }
  if (r->str(0, 2) == "t") {  // no SCRAM verifier yet (an account older than SCRAM)
    if (auto scram = auth::make_verifier(password)) {
      (void)c.exec("UPDATE accounts SET scram_sha256 = $2 WHERE name = $1 AND scram_sha256 IS NULL",
                   {irc::fold(name), auth::to_text(*scram)});
    }
  }
  return r->str(0, 0);
}

Result<ScramAccount> scram_account(pg::Connection& c, const std::string& name) {
  if (!irc::is_valid_utf8(name)) return ScramAccount{};
  auto r =
      c.exec("SELECT display_name, scram_sha256 FROM accounts WHERE name = $1", {irc::fold(name)});
  if (!r) return r.error();
  if (r->rows() == 0 || r->is_null(0, 1)) return ScramAccount{};
  return ScramAccount{r->str(0, 0), r->str(0, 1)};
}

}  // namespace pchat::store
