#include "store/account_certs.h"

#include <cctype>

#include "irc/casemap.h"

namespace pchat::store {

std::optional<std::string> normalize_fingerprint(std::string_view text) {
  std::string out;
  out.reserve(64);
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char ch = static_cast<unsigned char>(text[i]);
    if (ch == ':') {
      // Only between pairs of digits.
      if (out.empty() || out.size() % 2 != 0 || i + 1 == text.size()) return std::nullopt;
      continue;
    }
    if (!std::isxdigit(ch)) return std::nullopt;
    out.push_back(static_cast<char>(std::tolower(ch)));
  }
  if (out.size() != 64) return std::nullopt;
  return out;
}

Result<std::string> canonical_fingerprint(const std::string& fingerprint) {
  auto fp = normalize_fingerprint(fingerprint);
  if (!fp) {
    return make_error(ErrorKind::kInvalidInput,
                      "invalid fingerprint '" + fingerprint +
                          "': a SHA-256 fingerprint is 64 hex digits (colons allowed)");
  }
  return *fp;
}

namespace {

Status account_exists(pg::Connection& c, const std::string& account) {
  auto r = c.exec("SELECT 1 FROM accounts WHERE name = $1", {irc::fold(account)});
  if (!r) return r.error();
  if (r->rows() == 0) return make_error(ErrorKind::kNotFound, "no account '" + account + "'");
  return ok_status();
}

}  // namespace

Status add_certificate(pg::Connection& c, const std::string& account,
                       const std::string& fingerprint) {
  auto fp = canonical_fingerprint(fingerprint);
  if (!fp) return fp.error();
  if (auto st = account_exists(c, account); !st) return st;
  auto r = c.exec(
      "INSERT INTO account_certificates (fingerprint, account) VALUES ($1, $2) "
      "ON CONFLICT (fingerprint) DO NOTHING",
      {*fp, irc::fold(account)});
  if (!r) return r.error();
  if (r->affected() == 0) {
    return make_error(ErrorKind::kConflict, "fingerprint " + *fp + " is registered already");
  }
  return ok_status();
}

Status remove_certificate(pg::Connection& c, const std::string& account,
                          const std::string& fingerprint) {
  auto fp = canonical_fingerprint(fingerprint);
  if (!fp) return fp.error();
  auto r = c.exec("DELETE FROM account_certificates WHERE fingerprint = $1 AND account = $2",
                  {*fp, irc::fold(account)});
  if (!r) return r.error();
  if (r->affected() == 0) {
    return make_error(ErrorKind::kNotFound,
                      "account '" + account + "' has no certificate with fingerprint " + *fp);
  }
  return ok_status();
}

Result<std::vector<AccountCertificate>> list_certificates(pg::Connection& c,
                                                          const std::string& account) {
  if (!account.empty()) {
    if (auto st = account_exists(c, account); !st) return st.error();
  }
  auto r = c.exec(
      "SELECT a.display_name, k.fingerprint, to_char(k.added_at AT TIME ZONE 'UTC', "
      "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM account_certificates k "
      "JOIN accounts a ON a.name = k.account WHERE $1 = '' OR k.account = $1 "
      "ORDER BY k.account, k.fingerprint",
      {irc::fold(account)});
  if (!r) return r.error();
  std::vector<AccountCertificate> out;
  for (int i = 0; i < r->rows(); ++i) out.push_back({r->str(i, 0), r->str(i, 1), r->str(i, 2)});
  return out;
}

Result<std::string> account_for_certificate(pg::Connection& c, const std::string& fingerprint) {
  auto r = c.exec(
      "SELECT a.display_name FROM account_certificates k JOIN accounts a ON a.name = k.account "
      "WHERE k.fingerprint = $1",
      {fingerprint});
  if (!r) return r.error();
  if (r->rows() == 0) {
    return make_error(ErrorKind::kDenied, "no account registered this certificate");
  }
  return r->str(0, 0);
}

}  // namespace pchat::store
