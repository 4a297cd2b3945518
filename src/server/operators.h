// IRC operators: who may become one (OPER), from the configuration's [[operator]]
// tables (server/config.h OperatorBlock):
//   [[operator]]
//   name = "admin"                    # the name OPER gives
//   password_hash = "$argon2id$..."   # `pchatctl operator hash` makes one
//   account = "alice"                 # optional: only while signed in as this account
// The password is never stored in clear, and an unknown name costs the same argon2id
// check as a wrong password (no enumeration by timing). Blocks reload on SIGHUP.
//
// What an operator may do: KILL, WALLOPS, and nothing more in rooms than the room
// model grants (an operator is not a member of a Secret room they were not given).
#pragma once

#include <string>
#include <vector>

#include "server/config.h"

namespace pchat::server {

enum class OperCheck {
  kOk,
  kNoSuchOperator,  // no block has this name (the check still cost a hash)
  kWrongAccount,    // the block names an account the client is not signed in as
  kWrongPassword,
};

// Checks an OPER attempt against `blocks`. Blocking (one argon2id verification,
// tens of milliseconds): call it off the event loop. Thread-safe.
OperCheck check_operator(const std::vector<OperatorBlock>& blocks, const std::string& name,
                         const std::string& password, const std::string& account);

}  // namespace pchat::server
