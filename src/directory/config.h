// The `[directory]` section of pchatd's configuration file and of a pool's topology:
// how pchat finds the organisation's LDAP directory (Active Directory, OpenLDAP) to
// sign users in and to take its groups. Pure values and parsing, no I/O (the bind
// password file is read when connecting: ldap_client.h). Thread-safe.
//
// Keys (docs/identity.md has a worked example for Active Directory and OpenLDAP):
//   urls                 ["ldaps://dc1:636", "ldap://dc2:389"]  tried in order (failover);
//                        ldap:// always upgrades with StartTLS, ldaps:// is TLS from the
//                        first byte; passwords never travel in clear
//   ca_file              PEM file of the CA(s) that sign the servers' certificates
//                        (default: the system's); servers are always verified
//   bind_dn              the service account that searches ("" : anonymous search)
//   bind_password_file   its password: the file's first line (never in the config)
//   user_base            where users are searched (subtree)
//   user_filter          which entries are users who may sign in; a disabled user must
//                        not match it (e.g. "(&(objectClass=inetOrgPerson)
//                        (!(employeeType=disabled)))")
//   name_attribute       the attribute whose value is the pchat account name
//                        ("uid", "sAMAccountName")
//   group_base           where groups are searched ("" : no groups)
//   group_filter         which entries are groups ("(objectClass=groupOfNames)")
//   member_attribute     the attribute listing a group's members: DNs of users and
//                        groups ("member") or account names ("memberUid")
//   precedence           "local-first" (default) or "directory-first"
//   refresh_seconds      groups and disabled users are refreshed this often (10-86400,
//                        default 300)
//   timeout_seconds      per directory server and operation (1-60, default 5)
//
// Relative paths are resolved against the directory of the file they are written in.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "core/result.h"

namespace pchat::directory {

// Which kind of account is asked first for a name that both could be.
enum class Precedence {
  kLocalFirst,      // a name with a local account (a password in pchat) is checked
                    // there only; any other name is asked of the directory
  kDirectoryFirst,  // the directory is asked first; a name it does not know falls to
                    // local accounts
};
const char* to_string(Precedence p);  // "local-first", "directory-first"

struct Config {
  std::vector<std::string> urls;
  std::filesystem::path ca_file;
  std::string bind_dn;
  std::filesystem::path bind_password_file;
  std::string user_base;
  std::string user_filter = "(objectClass=inetOrgPerson)";
  std::string name_attribute = "uid";
  std::string group_base;
  std::string group_filter = "(objectClass=groupOfNames)";
  std::string member_attribute = "member";
  Precedence precedence = Precedence::kLocalFirst;
  int refresh_seconds = 300;
  int timeout_seconds = 5;

  friend bool operator==(const Config&, const Config&) = default;
};

// Parses a `[directory]` table. `base_dir` resolves relative paths; `where` prefixes
// messages ("pchatd.toml: directory"). kInvalidInput naming the key and the reason:
// an unknown key, a wrong type, no urls, a URL that is not ldap:// or ldaps://, a
// filter not in parentheses, a bind_dn without bind_password_file, no user_base, a
// value out of range.
Result<Config> parse_config(const toml::table& table, const std::filesystem::path& base_dir,
                            std::string_view where);

// One line for logs and `pchatctl directory status`: the URLs and bases, never a
// password.
std::string describe(const Config& c);

}  // namespace pchat::directory
