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

std::set<std::string> operator_groups_of(const std::vector<OperatorBlock>& blocks,
                                         const std::string& name, const std::string& account,
                                         const chat::GroupResolver* groups) {
  std::set<std::string> out;
  if (groups == nullptr || account.empty()) return out;
  for (const auto& b : blocks) {
    if (b.name == name && !b.group.empty() && groups->is_member(account, b.group)) {
      out.insert(b.group);
    }
  }
  return out;
}

OperCheck check_operator(const std::vector<OperatorBlock>& blocks, const std::string& name,
                         const std::string& password, const std::string& account,
                         const std::set<std::string>& account_groups) {
  const OperatorBlock* block = nullptr;
  for (const auto& b : blocks) {
    if (b.name == name) block = &b;
  }
  if (block == nullptr || block->password_hash.empty()) {
    (void)store::verify_password(decoy(), password);  // the same cost either way
    if (block == nullptr) return OperCheck::kNoSuchOperator;
  } else if (!store::verify_password(block->password_hash, password)) {
    return OperCheck::kWrongPassword;
  }
  if (!block->account.empty() && !irc::equal_folded(block->account, account)) {
    return OperCheck::kWrongAccount;
  }
  if (!block->group.empty() && (account.empty() || !account_groups.contains(block->group))) {
    return OperCheck::kWrongAccount;
  }
  return OperCheck::kOk;
}

}  // namespace pchat::server
