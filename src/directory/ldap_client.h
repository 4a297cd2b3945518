// The LDAP client pchat signs users in with and takes groups from: OpenLDAP's
// libldap (Debian's libldap-2.5), blocking calls.
//
// Connections: each call opens its own connection, tries the configured URLs in
// order (starting with the last one that answered) and uses the first that connects,
// completes TLS (StartTLS on ldap://, TLS on ldaps://; the server's certificate is
// always verified against Config::ca_file or the system's CAs) and accepts the
// service bind. A URL that fails is logged and the next one tried; when none
// answers the call fails with kUnavailable "the directory is unavailable: URL: why;
// ...". Every operation is bounded by Config::timeout_seconds per server.
//
// Threading: a Client is immutable after construction (but for the atomic index of
// the URL to try first) and its methods may run on several threads at once, each
// with its own connection. They block for up to (number of URLs) x timeout: never
// call them on the event loop (pchatd runs them on the sign-in pool and on the
// directory refresh thread: server/directory_refresh.h).
#pragma once

#include <atomic>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "directory/config.h"

namespace pchat::directory {

// `value` escaped for an LDAP filter's assertion value (RFC 4515 section 3: '*',
// '(', ')', '\' and NUL become \2A \28 \29 \5C \00), by libldap.
std::string escape_filter_value(std::string_view value);

// A sign-in's answer from the directory.
struct Check {
  enum Verdict {
    kOk,             // the user exists, matches user_filter, and the bind succeeded
    kUnknown,        // no entry (or more than one) matches user_filter and the name
    kWrongPassword,  // the entry exists but the bind as it was refused
  } verdict = kUnknown;
  std::string name;  // kOk: the account name (name_attribute's value, as stored there)
  std::string dn;    // kOk, kWrongPassword: the user's DN
};

struct User {
  std::string dn;
  std::string name;  // name_attribute's first value
};

struct Group {
  std::string dn;
  std::vector<std::string> members;  // member_attribute's values, as stored
};

// Everything a refresh needs: the users who may sign in, and the groups.
struct Snapshot {
  std::vector<User> users;
  std::vector<Group> groups;
  std::string url;  // the server that answered
};

class Client {
 public:
  explicit Client(Config config) : config_(std::move(config)) {}

  const Config& config() const { return config_; }

  // Verifies `password` for the account `name`: a service-bound search of
  // (&user_filter(name_attribute=escaped name)) under user_base, then a simple bind
  // as the entry found. An empty password is kWrongPassword without a bind (an LDAP
  // bind with a DN and no password would succeed, unauthenticated: RFC 4513 5.1.2).
  // Errors: kUnavailable (no server, TLS failure, the service bind refused, a search
  // or bind failing for any other reason than the password).
  Result<Check> verify(const std::string& name, const std::string& password) const;

  // Every user (user_filter under user_base) and, with a group_base, every group
  // (group_filter, member_attribute), in pages of 500 (RFC 2696) so that a server's
  // size limit does not cut the answer. Errors: kUnavailable as verify.
  Result<Snapshot> snapshot() const;

  // A service bind on the first server that answers: its URL, or kUnavailable.
  Result<std::string> probe() const;

 private:
  const Config config_;
  mutable std::atomic<size_t> first_url_{0};
};

}  // namespace pchat::directory
