// Groups: named sets of accounts and other groups, the directory that resolves the
// kGroup principals of categories' and rooms' lists (principal.h).
//
// pchat is its own directory: an operator creates groups in `mgc` (store/groups.h,
// `pchatctl group ...`). A group's name is either a plain name, written
// `group:legal` in a list, or a directory name, written as is
// (`OU=Legal,DC=litwareinc,DC=com`): to map an OU list, create a group of that
// name. Members are principals: accounts (`alice`, `sip:alice@x`) and groups
// (`group:staff`, `OU=...`); never `*`.
//
// Resolution (Directory): every group is flattened once, when the directory is
// built, into the set of accounts it reaches through nested groups. Cycles are
// tolerated (each group is visited once per flattening), a nested group that does
// not exist is empty. is_member() then answers from that table.
//
// Group names compare by group_key(): ASCII case folded, and for directory names
// the blanks around ',' and '=' ignored ("OU=Legal, DC=x" is "ou=legal,dc=x").
//
// Pure values and functions. A Directory is immutable after construction and may be
// read from any thread.
#pragma once

#include <map>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "chat/principal.h"
#include "core/result.h"

namespace pchat::chat {

struct Group {
  std::string name;  // canonical: "legal" or "OU=Legal,DC=litwareinc,DC=com", as given
  std::string description;
  std::vector<Principal> members;  // kAccount and kGroup only
};

inline constexpr std::size_t kMaxGroupNameLen = 256;

// The key that identifies a group name (see the header comment).
std::string group_key(std::string_view name);

// Parses the name of a group as an operator writes it: "legal", "group:legal" or a
// directory name "OU=Legal,DC=x" (surrounding blanks ignored). Returns the
// canonical name (the Principal::name a list entry naming it carries).
// kInvalidInput (quoting the text): empty, longer than kMaxGroupNameLen, a control
// character, a malformed directory name.
Result<std::string> parse_group_name(std::string_view text);

// The list entry that names group `name`: "group:legal" or "OU=...".
Principal group_principal(std::string_view name);

// Returns OK iff `g` can be stored: a valid name (parse_group_name gives it back
// unchanged), a description of at most kMaxDescriptionLen bytes without control
// characters, members that are accounts or groups (not "*"), and not itself.
// kInvalidInput naming the group and the reason.
Status validate_group(const Group& g);

// A GroupResolver over a snapshot of every group.
class Directory final : public GroupResolver {
 public:
  Directory() = default;
  explicit Directory(std::span<const Group> groups);

  bool is_member(std::string_view account, std::string_view group) const override;

  // True iff a group of that name exists (group_key compared).
  bool contains(std::string_view group) const;
  // The folded accounts `group` reaches, directly or through nested groups, sorted;
  // empty for an unknown group.
  std::vector<std::string> accounts(std::string_view group) const;

 private:
  std::map<std::string, std::set<std::string>, std::less<>> flat_;  // group_key -> accounts
};

}  // namespace pchat::chat
