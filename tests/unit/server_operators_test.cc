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

}  // namespace
}  // namespace pchat::server
