#include "directory/sign_in.h"

#include <spdlog/spdlog.h>

#include "irc/casemap.h"
#include "store/accounts.h"
#include "store/directory.h"

namespace pchat::directory {

namespace {

Error denied() {
  return make_error(ErrorKind::kDenied, "invalid account name or password");
}

Error refused(const std::string& password) {
  store::spend_decoy_check(password);
  return denied();
}

// The directory said yes: the account record, made or refreshed.
Result<std::string> accept(pg::Connection& conn, const std::string& typed, const Check& c) {
  if (!irc::equal_folded(typed, c.name) || !irc::is_valid_account_name(c.name)) {
    spdlog::warn("directory: '{}' signed in as {} whose name is '{}': refused", typed, c.dn,
                 c.name);
    return denied();
  }
  auto name = store::record_directory_sign_in(conn, c.name, c.dn);
  if (!name && name.error().kind == ErrorKind::kConflict) {
    return c.name;  // directory-first over a local account of that name: the directory decides
  }
  return name;
}

}  // namespace

Result<std::string> authenticate(pg::Connection& conn, const Client* dir, const std::string& name,
                                 const std::string& password) {
  if (dir == nullptr || !irc::is_valid_account_name(name)) {
    return store::authenticate(conn, name, password);
  }
  auto kind = store::account_kind(conn, name);
  if (!kind) return kind.error();
  const bool directory_first = dir->config().precedence == Precedence::kDirectoryFirst;
  if (kind->local && !directory_first) return store::authenticate(conn, name, password);
  auto check = dir->verify(name, password);
  if (!check) {
    if (kind->local) return store::authenticate(conn, name, password);
    spdlog::error("directory: sign-in of '{}' refused: {}", name, check.error().message);
    return make_error(ErrorKind::kUnavailable, kDirectoryUnavailable);
  }
  switch (check->verdict) {
    case Check::kOk:
      return accept(conn, name, *check);
    case Check::kWrongPassword:
      return refused(password);
    case Check::kUnknown:
      break;
  }
  if (kind->local) return store::authenticate(conn, name, password);
  return refused(password);
}

}  // namespace pchat::directory
