// Unit tests for the pure parts of the pool state: the active-server list edits
// (store/active_servers.h), the state planner and status names (store/pool_state.h),
// and re-joining a cmdlet line the shell split (ctl/cmdlet/commands.h).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ctl/cmdlet/binder.h"
#include "ctl/cmdlet/cmdlet.h"
#include "ctl/cmdlet/commands.h"
#include "ctl/cmdlet/specs.h"
#include "store/active_servers.h"
#include "store/pool_state.h"

namespace pchat::store {
namespace {

using List = std::vector<std::string>;

List apply_ok(const List& current, const ActiveServersEdit& edit) {
  auto r = apply_active_servers_edit(current, edit);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : List{};
}

TEST(StoreActiveServers, NamesCompareAsHostNames) {
  EXPECT_TRUE(same_server_name("atl-pc-001.X.com", "ATL-PC-001.x.com."));
  EXPECT_FALSE(same_server_name("atl-pc-001", "atl-pc-002"));
  EXPECT_FALSE(same_server_name("a", "a.."));
  EXPECT_FALSE(same_server_name("", "a"));
  EXPECT_TRUE(contains_server({"a", "B"}, "b"));
  EXPECT_FALSE(contains_server({}, "b"));
}

TEST(StoreActiveServers, DedupeKeepsFirstSpellingAndOrder) {
  EXPECT_EQ(dedupe_servers({"b", "A", "B", "a.", "c"}), (List{"b", "A", "c"}));
  EXPECT_EQ(dedupe_servers({}), List{});
}

TEST(StoreActiveServers, AddAppendsOnlyNewNames) {
  EXPECT_EQ(apply_ok({"a"}, {.add = {"b", "A", "c", "B"}}), (List{"a", "b", "c"}));
  EXPECT_EQ(apply_ok({}, {.add = {"x"}}), (List{"x"}));
}

TEST(StoreActiveServers, RemoveIgnoresCaseAndAbsentNames) {
  EXPECT_EQ(apply_ok({"a", "b", "c"}, {.remove = {"B", "zzz"}}), (List{"a", "c"}));
  EXPECT_EQ(apply_ok({"a"}, {.remove = {"a"}}), List{});
}

TEST(StoreActiveServers, ReplaceThenRemoveThenAdd) {
  ActiveServersEdit e{.add = {"d", "b"}, .remove = {"c"}, .replace_with = List{"b", "c", "B"}};
  EXPECT_EQ(apply_ok({"a"}, e), (List{"b", "d"}));
}

TEST(StoreActiveServers, ClearEmptiesThenAdds) {
  EXPECT_EQ(apply_ok({"a", "b"}, {.clear = true}), List{});
  EXPECT_EQ(apply_ok({"a", "b"}, {.add = {"c"}, .clear = true}), (List{"c"}));
}

TEST(StoreActiveServers, IdempotentEdits) {
  List once = apply_ok({"a"}, {.add = {"b"}, .remove = {"x"}});
  EXPECT_EQ(apply_ok(once, {.add = {"b"}, .remove = {"x"}}), once);
}

TEST(StoreActiveServers, ContradictionsRefused) {
  auto r = apply_active_servers_edit({"a"}, {.replace_with = List{"b"}, .clear = true});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalidInput);
  auto s = apply_active_servers_edit({"a"}, {.add = {"b"}, .swap = true});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("swap"), std::string::npos);
}

const std::vector<ServerSite> kSites = {
    {"a1", "A"}, {"a2", "A"}, {"b1", "B"}, {"b2", "B"}, {"c1", "C"}};

TEST(StoreActiveServers, SwapMovesToTheOtherDatacenters) {
  EXPECT_EQ(apply_ok({"a1"}, {.swap = true, .sites = kSites}), (List{"b1", "b2", "c1"}));
  EXPECT_EQ(apply_ok({"B2", "c1"}, {.swap = true, .sites = kSites}), (List{"a1", "a2"}));
  // Swapping back returns every server of the first datacenter, in file order.
  List there = apply_ok({"a2"}, {.swap = true, .sites = {{"a1", "A"}, {"a2", "A"}, {"b1", "B"}}});
  EXPECT_EQ(there, (List{"b1"}));
  EXPECT_EQ(apply_ok(there, {.swap = true, .sites = {{"a1", "A"}, {"a2", "A"}, {"b1", "B"}}}),
            (List{"a1", "a2"}));
}

TEST(StoreActiveServers, SwapErrors) {
  auto empty = swap_active_servers({}, kSites);
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message.find("empty"), std::string::npos);
  auto unknown = swap_active_servers({"zz"}, kSites);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("'zz'"), std::string::npos);
  auto nowhere = swap_active_servers({"a1"}, {{"a1", "A"}, {"a2", "A"}});
  ASSERT_FALSE(nowhere.ok());
  EXPECT_NE(nowhere.error().message.find("(A)"), std::string::npos);
}

TEST(StorePoolState, StatusNames) {
  EXPECT_EQ(parse_pool_status("FailedOver"), PoolStatus::kFailedOver);
  EXPECT_EQ(parse_pool_status("failedover"), PoolStatus::kFailedOver);
  EXPECT_EQ(parse_pool_status("NORMAL"), PoolStatus::kNormal);
  EXPECT_EQ(parse_pool_status("Failed Over"), std::nullopt);
  EXPECT_EQ(parse_pool_status(""), std::nullopt);
  EXPECT_STREQ(to_string(PoolStatus::kFailedOver), "FailedOver");
  EXPECT_STREQ(to_string(PoolStatus::kNormal), "Normal");
}

TEST(StorePoolState, EpochGrowsOnlyOnChange) {
  PoolState s;  // Normal, primary, epoch 1
  PoolState same = plan_pool_state(s, PoolStatus::kNormal, "primary", std::nullopt);
  EXPECT_TRUE(same.same_content(s));
  PoolState over = plan_pool_state(s, PoolStatus::kFailedOver, "backup", std::nullopt);
  EXPECT_EQ(over.epoch, 2);
  EXPECT_EQ(over.state, PoolStatus::kFailedOver);
  EXPECT_EQ(over.primary_store, "backup");
  EXPECT_EQ(plan_pool_state(over, PoolStatus::kFailedOver, "backup", std::nullopt).epoch, 2);
  // The primary store alone counts as a change too.
  EXPECT_EQ(plan_pool_state(over, PoolStatus::kFailedOver, "backup_mirror", std::nullopt).epoch, 3);
  PoolState named = plan_pool_state(s, PoolStatus::kNormal, "primary", "x.example.com");
  EXPECT_EQ(named.epoch, 1);
  EXPECT_FALSE(named.same_content(s));
  EXPECT_EQ(named.pool_fqdn, "x.example.com");
}

}  // namespace
}  // namespace pchat::store

namespace pchat::ctl {
namespace {

TEST(CtlCmdletArgs, JoinRequotesBlanksOnly) {
  std::vector<std::string> argv = {"Set-CsPersistentChatState", "-Identity",
                                   "service:atl-cs-001.litwareinc.com", "\u2013PoolState",
                                   "FailedOver"};
  EXPECT_EQ(join_cmdlet_args(argv),
            "Set-CsPersistentChatState -Identity service:atl-cs-001.litwareinc.com "
            "\u2013PoolState FailedOver");
  std::vector<std::string> blanks = {"X-Y", "-A", "two words", "", "it's here", "@{Add=a,b}"};
  EXPECT_EQ(join_cmdlet_args(blanks), "X-Y -A 'two words' '' 'it''s here' @{Add=a,b}");
}

TEST(CtlCmdletArgs, RejoinedLyncLineBinds) {
  std::vector<std::string> argv = {"Set-CsPersistentChatActiveServer", "-Identity",
                                   "service:p.example.com", "-ActiveServers",
                                   "@{Add=a.example.com,b.example.com}"};
  auto call = cmdlet::parse_cmdlet(join_cmdlet_args(argv));
  ASSERT_TRUE(call.ok()) << call.error().message;
  auto spec = cmdlet::find_cmdlet(supported_cmdlets(), *call);
  ASSERT_TRUE(spec.ok());
  auto bound = cmdlet::bind(*call, **spec);
  ASSERT_TRUE(bound.ok()) << bound.error().message;
  const cmdlet::BoundParam* p = bound->find("ActiveServers");
  ASSERT_NE(p, nullptr);
  ASSERT_TRUE(p->value.is(cmdlet::Value::Kind::kHashtable));
  EXPECT_EQ(*p->value.hashtable().add,
            (std::vector<std::string>{"a.example.com", "b.example.com"}));
}

TEST(CtlCmdletArgs, LooksLikeCmdlet) {
  EXPECT_TRUE(looks_like_cmdlet("Get-CsPersistentChatState"));
  EXPECT_TRUE(looks_like_cmdlet("Set\u2013CsPersistentChatState"));
  EXPECT_FALSE(looks_like_cmdlet("pool"));
  EXPECT_FALSE(looks_like_cmdlet("user"));
  EXPECT_FALSE(looks_like_cmdlet("topology"));
  EXPECT_FALSE(looks_like_cmdlet("cmdlet"));
  EXPECT_TRUE(looks_like_cmdlet("Get-X -Identity y"));
  EXPECT_FALSE(looks_like_cmdlet(""));
  EXPECT_FALSE(looks_like_cmdlet(" Get-X"));
  EXPECT_FALSE(looks_like_cmdlet("pool state"));
}

TEST(CtlCmdletSpecs, UnknownCmdletListsSupportedOnes) {
  auto call = cmdlet::parse_cmdlet("Get-CsPersistentChatStat");
  ASSERT_TRUE(call.ok());
  auto spec = cmdlet::find_cmdlet(supported_cmdlets(), *call);
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.error().kind, ErrorKind::kNotFound);
  for (const auto& s : supported_cmdlets()) {
    EXPECT_NE(spec.error().message.find(s.name), std::string::npos) << s.name;
  }
}

}  // namespace
}  // namespace pchat::ctl
