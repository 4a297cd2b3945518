#include "server/operators.h"

#include "irc/casemap.h"
#include "store/accounts.h"

namespace pchat::server {

namespace {

// Verified when no block has the name, so that it costs as much as a real one.
const std::string& decoy() {
  static const std::string h = [] {
    auto r = store::hash_password("pchat operator decoy");
    return r ? *r : std::string();
  }();
  return h;
}

}  // namespace

OperCheck check_operator(const std::vector<OperatorBlock>& blocks, const std::string& name,
                         const std::string& password, const std::string& account) {
  const OperatorBlock* block = nullptr;
  for (const auto& b : blocks) {
    if (b.name == name) block = &b;
  }
  if (block == nullptr) {
    (void)store::verify_password(decoy(), password);
    return OperCheck::kNoSuchOperator;
  }
  if (!store::verify_password(block->password_hash, password)) return OperCheck::kWrongPassword;
  if (!block->account.empty() && !irc::equal_folded(block->account, account)) {
    return OperCheck::kWrongAccount;
  }
  return OperCheck::kOk;
}

}  // namespace pchat::server
