// server/ban_list.h: channel masks (+b, +e, +I) and account extbans.
#include "server/ban_list.h"

#include <gtest/gtest.h>

namespace pchat::server {
namespace {

const MaskSubject kBob{"Bob", "~bob", "10.0.0.7", "bobacct"};
const MaskSubject kGuest{"guest1", "~g", "10.0.0.8", ""};

TEST(BanList, MasksAreCompleted) {
  EXPECT_EQ(normalize_mask("bob"), "bob!*@*");
  EXPECT_EQ(normalize_mask("bob!x"), "bob!x@*");
  EXPECT_EQ(normalize_mask("x@10.*"), "*!x@10.*");
  EXPECT_EQ(normalize_mask("*!*@*"), "*!*@*");
  EXPECT_EQ(normalize_mask("account:Bob"), "account:Bob");
  EXPECT_EQ(normalize_mask("a:bob"), "account:bob");
  EXPECT_EQ(normalize_mask("A:bob"), "account:bob");
  for (const char* bad : {"", "a b", "a,b", "account:", "a:"}) {
    EXPECT_FALSE(normalize_mask(bad).has_value()) << bad;
  }
}

TEST(BanList, HostmasksMatchCaseInsensitively) {
  EXPECT_TRUE(mask_matches("bob!*@*", kBob));
  EXPECT_TRUE(mask_matches("BOB!*@*", kBob));
  EXPECT_TRUE(mask_matches("b?b!~bob@10.0.0.*", kBob));
  EXPECT_FALSE(mask_matches("bob!*@192.*", kBob));
  EXPECT_FALSE(mask_matches("bo!*@*", kBob));
}

TEST(BanList, AccountExtbansMatchSignedInClientsOnly) {
  EXPECT_TRUE(mask_matches("account:BobAcct", kBob));
  EXPECT_TRUE(mask_matches("account:bob*", kBob));
  EXPECT_FALSE(mask_matches("account:alice", kBob));
  EXPECT_FALSE(mask_matches("account:*", kGuest)) << "a guest has no account";
  EXPECT_FALSE(mask_matches("account:bob!*@*", kBob));
}

TEST(BanList, ListAddsOnceRemovesAndFills) {
  MaskList l;
  EXPECT_EQ(l.add("bob!*@*", "op!o@h", 1), MaskList::Added::kAdded);
  EXPECT_EQ(l.add("BOB!*@*", "op!o@h", 2), MaskList::Added::kAlreadyThere);
  EXPECT_TRUE(l.matches(kBob));
  EXPECT_FALSE(l.matches(kGuest));
  EXPECT_TRUE(l.remove("Bob!*@*"));
  EXPECT_FALSE(l.remove("bob!*@*"));
  EXPECT_FALSE(l.matches(kBob));
  for (size_t i = 0; i < kMaxListEntries; ++i) {
    EXPECT_EQ(l.add("n" + std::to_string(i) + "!*@*", "op", 0), MaskList::Added::kAdded);
  }
  EXPECT_EQ(l.add("one-more!*@*", "op", 0), MaskList::Added::kFull);
  EXPECT_EQ(l.entries().size(), kMaxListEntries);
}

}  // namespace
}  // namespace pchat::server
