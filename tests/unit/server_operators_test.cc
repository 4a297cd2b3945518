// server/operators.h: OPER's check against the configuration's blocks.
#include "server/operators.h"

#include <gtest/gtest.h>

#include "store/accounts.h"

namespace pchat::server {
namespace {

TEST(Operators, ChecksNamePasswordAndAccount) {
  const std::string hash = store::hash_password("right").value();
  const std::vector<OperatorBlock> blocks = {{"admin", hash, ""}, {"tied", hash, "Alice"}};
  EXPECT_EQ(check_operator(blocks, "admin", "right", ""), OperCheck::kOk);
  EXPECT_EQ(check_operator(blocks, "admin", "wrong", ""), OperCheck::kWrongPassword);
  EXPECT_EQ(check_operator(blocks, "nobody", "right", ""), OperCheck::kNoSuchOperator);
  EXPECT_EQ(check_operator(blocks, "ADMIN", "right", ""), OperCheck::kNoSuchOperator)
      << "names are exact";
  EXPECT_EQ(check_operator(blocks, "tied", "right", ""), OperCheck::kWrongAccount);
  EXPECT_EQ(check_operator(blocks, "tied", "right", "bob"), OperCheck::kWrongAccount);
  EXPECT_EQ(check_operator(blocks, "tied", "right", "alice"), OperCheck::kOk)
      << "accounts compare casefolded";
  EXPECT_EQ(check_operator(blocks, "tied", "wrong", "alice"), OperCheck::kWrongPassword);
  EXPECT_EQ(check_operator({}, "admin", "right", ""), OperCheck::kNoSuchOperator);
}

TEST(Operators, AGroupGrantsItsMembersWithoutAPassword) {
  const std::string hash = store::hash_password("right").value();
  const std::string ops = "cn=chatops,ou=groups,dc=example,dc=com";
  const std::vector<OperatorBlock> blocks = {
      {"ops", "", "", ops}, {"both", hash, "", ops}, {"mine", "", "carol", ""}};
  const std::string nested = "cn=nested,ou=groups,dc=example,dc=com";
  using chat::PrincipalKind;
  const chat::Group groups[] = {
      {ops, "", {{PrincipalKind::kAccount, "alice"}, {PrincipalKind::kGroup, nested}}},
      {nested, "", {{PrincipalKind::kAccount, "dave"}}}};
  const chat::Directory dir(groups);
  auto in = [&](const std::string& name, const std::string& account) {
    return operator_groups_of(blocks, name, account, &dir);
  };
  EXPECT_EQ(in("ops", "alice"), std::set<std::string>{ops});
  EXPECT_EQ(in("ops", "dave"), std::set<std::string>{ops}) << "nested groups count";
  EXPECT_TRUE(in("ops", "bob").empty());
  EXPECT_TRUE(in("ops", "").empty()) << "a guest is in no group";
  EXPECT_TRUE(operator_groups_of(blocks, "ops", "alice", nullptr).empty());

  // No password_hash: the sign-in is the proof; the password given is not checked.
  EXPECT_EQ(check_operator(blocks, "ops", "anything", "alice", in("ops", "alice")), OperCheck::kOk);
  EXPECT_EQ(check_operator(blocks, "ops", "anything", "bob", in("ops", "bob")),
            OperCheck::kWrongAccount);
  EXPECT_EQ(check_operator(blocks, "ops", "x", "", {}), OperCheck::kWrongAccount);
  // Group and password: both.
  EXPECT_EQ(check_operator(blocks, "both", "right", "alice", in("both", "alice")), OperCheck::kOk);
  EXPECT_EQ(check_operator(blocks, "both", "wrong", "alice", in("both", "alice")),
            OperCheck::kWrongPassword);
  EXPECT_EQ(check_operator(blocks, "both", "right", "bob", in("both", "bob")),
            OperCheck::kWrongAccount);
  // An account without a password.
  EXPECT_EQ(check_operator(blocks, "mine", "", "Carol"), OperCheck::kOk);
  EXPECT_EQ(check_operator(blocks, "mine", "", "alice"), OperCheck::kWrongAccount);
}

}  // namespace
}  // namespace pchat::server
