#include "irc/split.h"

#include <gtest/gtest.h>

namespace pchat::irc {
namespace {

TEST(SplitCommas, KeepsOrSkipsEmptyItems) {
  using V = std::vector<std::string>;
  EXPECT_EQ(split_commas("#a,#b", Empties::kSkip), (V{"#a", "#b"}));
  EXPECT_EQ(split_commas("k1,,k3", Empties::kKeep), (V{"k1", "", "k3"}));
  EXPECT_EQ(split_commas("k1,,k3,", Empties::kSkip), (V{"k1", "k3"}));
  EXPECT_EQ(split_commas("", Empties::kKeep), (V{""}));
  EXPECT_EQ(split_commas("", Empties::kSkip), V{});
}

}  // namespace
}  // namespace pchat::irc
