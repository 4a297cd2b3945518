// Principals: the entries of a category's or room's member lists, and how a
// user matches one.
//
// pchat accounts are the identity. Lync Server 2013 Persistent Chat names users by SIP URI and
// groups by directory OU; pchat accepts those spellings as aliases so that an
// operator's existing lists work as written:
//
//   text (case-insensitive)      kind       name (what is matched)
//   "alice"                      kAccount   "alice"  (an account name)
//   "sip:alice@example.com"      kAccount   "alice"  (the domain is ignored)
//   "sip:alice"                  kAccount   "alice"
//   "irc:alice"                  kAccount   "alice"
//   "group:legal"                kGroup     "legal"
//   "OU=Legal,DC=litware,DC=com" kGroup     "OU=Legal,DC=litware,DC=com"
//   "*"                          kEveryone  ""       (every user, guests too)
//
// Accounts match case-insensitively (CASEMAPPING=ascii, irc::fold). A guest
// (a client without an account) matches only "*": account and group
// principals never match it, whatever its nick. Groups are resolved by the
// caller's GroupResolver; pchat_chat never looks a group up itself.
//
// Pure values and functions, thread-safe.
#pragma once

#include <map>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace pchat::chat {

enum class PrincipalKind {
  kEveryone,  // "*": every user, guests included
  kAccount,   // one pchat account; name is casefolded
  kGroup,     // a group or directory OU; name as written, matched by GroupResolver
};

struct Principal {
  PrincipalKind kind = PrincipalKind::kAccount;
  std::string name;  // see the table above; empty for kEveryone
};

// Returns true iff a and b name the same principal (kinds equal, names equal
// under ASCII case folding).
bool operator==(const Principal& a, const Principal& b);

// Returns true iff `s` has a control character (below 0x20, or 0x7f): principals,
// names and descriptions may not.
bool has_control(std::string_view s);

// Parses one list entry (surrounding spaces and tabs ignored).
// Errors (kInvalidInput, the message quotes the text and says why): empty;
// an account part that is not a valid pchat account name
// (irc::is_valid_account_name, e.g. "sip:john.doe@x"); an empty group name;
// a directory name with a component that is not KEY=VALUE; a control
// character; an unknown scheme ("mailto:a@b").
Result<Principal> parse_principal(std::string_view text);

// Parses every entry; fails on the first bad one (its message names it).
// Duplicates (by operator==) are dropped, keeping the first.
Result<std::vector<Principal>> parse_principals(std::span<const std::string> texts);

// Splits a comma-separated list of entries (a command line's "A,B"), keeping each
// directory name whole although its parts are comma-separated: a KEY=VALUE part
// continues the directory name before it, except that a part whose key is not DC
// after a DC part starts a new one (directory names end with their DC parts).
// "alice,OU=Legal,DC=x,DC=com,OU=Sales,DC=x,group:staff" gives "alice",
// "OU=Legal,DC=x,DC=com", "OU=Sales,DC=x", "group:staff". Parts keep their blanks
// (parse_principal ignores them); a blank text gives no entry.
std::vector<std::string> split_principal_list(std::string_view text);

// Returns the canonical text of `p`: "alice", "group:legal",
// "OU=Legal,DC=x" (a kGroup whose name contains '=' is shown bare), "*".
// parse_principal(to_string(p)) == p for every parsed principal.
std::string to_string(const Principal& p);

// A user as the rules see one: only the account counts, never the nick.
struct User {
  std::string account;  // account name (any case); empty for a guest
  bool is_guest() const { return account.empty(); }
};

// Answers "does account A belong to group G?" for kGroup principals.
//
// The rules call it on the server's event loop, possibly many times per
// command: implementations must answer from memory (a cache refreshed
// elsewhere), never block, and be safe to call from the thread that owns
// them. Group names are compared ASCII-case-insensitively.
class GroupResolver {
 public:
  virtual ~GroupResolver() = default;

  // Returns true iff `account` (non-empty, any case) is in `group`
  // (a kGroup Principal::name).
  virtual bool is_member(std::string_view account, std::string_view group) const = 0;
};

// A resolver that knows no groups: every kGroup principal matches nobody.
class NoGroups final : public GroupResolver {
 public:
  bool is_member(std::string_view, std::string_view) const override { return false; }
};

// A resolver over an in-memory table (configuration, tests).
// Not thread-safe for concurrent add() and is_member().
class StaticGroups final : public GroupResolver {
 public:
  // Adds `account` to `group` (both casefolded).
  void add(std::string_view group, std::string_view account);

  bool is_member(std::string_view account, std::string_view group) const override;

 private:
  std::map<std::string, std::set<std::string>, std::less<>> groups_;  // folded group -> accounts
};

// Returns true iff `user` matches `p` (see the header comment).
bool matches(const Principal& p, const User& user, const GroupResolver& groups);

// Returns true iff `user` matches at least one entry of `list`.
bool matches_any(std::span<const Principal> list, const User& user, const GroupResolver& groups);

}  // namespace pchat::chat
