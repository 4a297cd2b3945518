// ArchiveGuard's decision: close the segment once per start of a writable, archiving store.
#include <gtest/gtest.h>

#include "dr/cluster/archive_guard.h"

namespace pchat::dr {
namespace {

const std::string kStart1 = "2026-12-08 00:13:42.582743+00";
const std::string kStart2 = "2026-12-08 00:20:01.100000+00";

TEST(DrArchiveGuard, OncePerStartOfAWritableArchivingStore) {
  ArchiveGuard g;
  EXPECT_TRUE(g.needs_switch("primary", "f", "on", kStart1));
  g.handled("primary", kStart1);
  EXPECT_FALSE(g.needs_switch("primary", "f", "on", kStart1));  // the same start: done
  EXPECT_TRUE(g.needs_switch("primary", "f", "on", kStart2));   // restarted since
  EXPECT_TRUE(g.needs_switch("primary", "f", "always", kStart2));
}

TEST(DrArchiveGuard, StoresAreHandledApart) {
  ArchiveGuard g;
  g.handled("primary", kStart1);
  EXPECT_TRUE(g.needs_switch("mirror", "f", "on", kStart1));  // a promoted mirror
}

TEST(DrArchiveGuard, NeverOnAStandbyOrWithoutArchiving) {
  ArchiveGuard g;
  EXPECT_FALSE(g.needs_switch("mirror", "t", "on", kStart1));  // in recovery
  EXPECT_FALSE(g.needs_switch("primary", "f", "off", kStart1));
  EXPECT_FALSE(g.needs_switch("primary", "f", "on", ""));
}

}  // namespace
}  // namespace pchat::dr
