// IRC operators: who may become one (OPER), from the configuration's [[operator]]
// tables (server/config.h OperatorBlock):
//   [[operator]]
//   name = "admin"                    # the name OPER gives
//   password_hash = "$argon2id$..."   # `pchatctl operator hash` makes one
//   account = "alice"                 # optional: only while signed in as this account
//   group = "cn=chatops,ou=groups,dc=example,dc=com"  # optional: only an account in it
// `password_hash` may be left out of a block that names an account or a group: the
// client's sign-in (SASL) is then the proof, and OPER's password is not checked. A group
// is one of the room model's (a directory group by its DN, or a pchat group; nested
// groups count), as the account was in it when OPER was given. The password is never
// stored in clear, and every attempt costs one argon2id check, whatever the block (no
// enumeration by timing). Blocks reload on SIGHUP.
//
// What an operator may do: KILL, WALLOPS, and nothing more in rooms than the room
// model grants (an operator is not a member of a Secret room they were not given).
#pragma once

#include <set>
#include <string>
#include <vector>

#include "chat/groups.h"
#include "server/config.h"

namespace pchat::server {

enum class OperCheck {
  kOk,
  kNoSuchOperator,  // no block has this name (the check still cost a hash)
  kWrongAccount,    // the block names an account the client is not signed in as
  kWrongPassword,
};

// The groups of the blocks named `name` that `account` is in, by `groups` (null: no
// room model, no groups). Cheap; on the thread that owns `groups` (the event loop).
std::set<std::string> operator_groups_of(const std::vector<OperatorBlock>& blocks,
                                         const std::string& name, const std::string& account,
                                         const chat::GroupResolver* groups);

// Checks an OPER attempt against `blocks`; `account_groups`: operator_groups_of's answer
// for this account. Blocking (one argon2id verification, tens of milliseconds): call it
// off the event loop. Thread-safe.
OperCheck check_operator(const std::vector<OperatorBlock>& blocks, const std::string& name,
                         const std::string& password, const std::string& account,
                         const std::set<std::string>& account_groups = {});

}  // namespace pchat::server
