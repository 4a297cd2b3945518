// WhowasHistory (server/whowas.h): newest first, counts, masks, the bound.
#include <gtest/gtest.h>

#include "server/whowas.h"

namespace pchat::server {
namespace {

WhowasEntry entry(std::string nick, std::string user) {
  return WhowasEntry{std::move(nick), std::move(user), "127.0.0.1", "Realname", "s1", "", {}};
}

TEST(WhowasHistory, NewestFirstCaseInsensitiveAndCounted) {
  WhowasHistory h;
  h.record(entry("nick2", "ident2"));
  h.record(entry("other", "x"));
  h.record(entry("Nick2", "ident3"));
  auto all = h.find("NICK2", 0);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0]->user, "ident3");
  EXPECT_EQ(all[1]->user, "ident2");
  EXPECT_EQ(h.find("nick2", 1).size(), 1u);
  EXPECT_EQ(h.find("nick2", 1)[0]->user, "ident3");
  EXPECT_EQ(h.find("nick2", -1).size(), 2u);
  EXPECT_TRUE(h.find("nobody", 0).empty());
  // CASEMAPPING=ascii: only A-Z fold, so [ and { stay two letters.
  h.record(entry("a[b", "y"));
  EXPECT_EQ(h.find("A[B", 0).size(), 1u);
  EXPECT_TRUE(h.find("a{b", 0).empty());
}

TEST(WhowasHistory, MasksMatchNicks) {
  WhowasHistory h;
  h.record(entry("nick2", "a"));
  h.record(entry("nick3", "b"));
  h.record(entry("other", "c"));
  EXPECT_EQ(h.find("*ck2", 0).size(), 1u);
  EXPECT_EQ(h.find("nick?", 0).size(), 2u);
  EXPECT_EQ(h.find("*", 2).size(), 2u);
}

TEST(WhowasHistory, KeepsOnlyTheNewest) {
  WhowasHistory h(3);
  for (int i = 0; i < 10; ++i) h.record(entry("n" + std::to_string(i), "u"));
  EXPECT_EQ(h.size(), 3u);
  EXPECT_TRUE(h.find("n6", 0).empty());
  EXPECT_EQ(h.find("n9", 0).size(), 1u);
}

}  // namespace
}  // namespace pchat::server
