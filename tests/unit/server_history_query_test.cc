#include "server/history_query.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pchat::server {
namespace {

HistoryRequest parse_ok(const std::vector<std::string>& params) {
  auto r = parse_history_request(params);
  EXPECT_TRUE(std::holds_alternative<HistoryRequest>(r));
  if (auto* e = std::get_if<HistoryError>(&r)) ADD_FAILURE() << e->code << " " << e->description;
  return std::holds_alternative<HistoryRequest>(r) ? std::get<HistoryRequest>(r) : HistoryRequest{};
}

HistoryError parse_err(const std::vector<std::string>& params) {
  auto r = parse_history_request(params);
  EXPECT_TRUE(std::holds_alternative<HistoryError>(r));
  return std::holds_alternative<HistoryError>(r) ? std::get<HistoryError>(r) : HistoryError{};
}

TEST(ServerHistoryQuery, ParsesTimestamps) {
  int64_t span = 0;
  EXPECT_EQ(parse_timestamp("1970-01-01T00:00:00.000Z", &span), 0);
  EXPECT_EQ(span, 1000);
  EXPECT_EQ(parse_timestamp("2019-01-04T14:33:26.123Z", &span), 1546612406123000);
  EXPECT_EQ(span, 1000);
  EXPECT_EQ(parse_timestamp("2019-01-04T14:33:26Z", &span), 1546612406000000);
  EXPECT_EQ(span, 1000000);
  EXPECT_EQ(parse_timestamp("2019-01-04T14:33:26.123456Z", &span), 1546612406123456);
  EXPECT_EQ(span, 1);
  EXPECT_EQ(parse_timestamp("2019-01-04T14:33:26.1Z", &span), 1546612406100000);
  EXPECT_EQ(span, 100000);
  EXPECT_EQ(parse_timestamp("2024-02-29T23:59:59.999Z"), 1709251199999000);  // leap day
}

TEST(ServerHistoryQuery, RejectsBadTimestamps) {
  for (const char* bad :
       {"", "2019-01-04", "2019-01-04T14:33:26.123", "2019-01-04T14:33:26.123+00:00",
        "2019-01-04 14:33:26.123Z", "2019-13-04T14:33:26.123Z", "2019-02-29T14:33:26.123Z",
        "2019-01-04T24:00:00.000Z", "2019-01-04T14:60:00.000Z", "2019-01-04T14:33:61.000Z",
        "2019-01-04T14:33:26.Z", "2019-01-04T14:33:26.1234567Z", "1969-12-31T23:59:59.000Z",
        "2019-01-04T14:33:26.123Zx", "x2019-01-04T14:33:26.123Z", "2019-1-04T14:33:26.123Z",
        "+019-01-04T14:33:26.123Z"}) {
    EXPECT_FALSE(parse_timestamp(bad).has_value()) << bad;
  }
}

TEST(ServerHistoryQuery, ParsesReferences) {
  auto star = parse_msgref("*", true);
  ASSERT_TRUE(star);
  EXPECT_EQ(star->kind, MsgRef::Kind::kStar);
  EXPECT_FALSE(parse_msgref("*", false));
  auto id = parse_msgref("msgid=abc123", false);
  ASSERT_TRUE(id);
  EXPECT_EQ(id->kind, MsgRef::Kind::kMsgid);
  EXPECT_EQ(id->msgid, "abc123");
  auto ts = parse_msgref("timestamp=2019-01-04T14:33:26.123Z", false);
  ASSERT_TRUE(ts);
  EXPECT_EQ(ts->kind, MsgRef::Kind::kTimestamp);
  EXPECT_EQ(ts->ts_us, 1546612406123000);
  EXPECT_EQ(ts->span_us, 1000);
  for (const char* bad :
       {"msgid=", "timestamp=", "timestamp=yesterday", "id=abc", "abc", "", "MSGID=abc", "**"}) {
    EXPECT_FALSE(parse_msgref(bad, true)) << bad;
  }
}

TEST(ServerHistoryQuery, ParsesLimits) {
  EXPECT_EQ(parse_limit("1"), 1);
  EXPECT_EQ(parse_limit("50"), 50);
  EXPECT_EQ(parse_limit("100"), 100);
  EXPECT_EQ(parse_limit("101"), kChathistoryMaxLimit);
  EXPECT_EQ(parse_limit("99999999999999999999999"), kChathistoryMaxLimit);
  EXPECT_EQ(parse_limit("007"), 7);
  for (const char* bad : {"0", "000", "-1", "+5", "", "ten", "5x", " 5"}) {
    EXPECT_FALSE(parse_limit(bad)) << bad;
  }
}

TEST(ServerHistoryQuery, ParsesEverySubcommand) {
  auto latest = parse_ok({"latest", "#Room", "*", "50"});
  EXPECT_EQ(latest.sub, HistorySub::kLatest);
  EXPECT_EQ(latest.sub_name, "LATEST");
  EXPECT_EQ(latest.target, "#Room");
  EXPECT_EQ(latest.a.kind, MsgRef::Kind::kStar);
  EXPECT_EQ(latest.limit, 50);

  auto before = parse_ok({"BEFORE", "bob", "msgid=x1", "500"});
  EXPECT_EQ(before.sub, HistorySub::kBefore);
  EXPECT_EQ(before.a.msgid, "x1");
  EXPECT_EQ(before.limit, 100);

  EXPECT_EQ(parse_ok({"AFTER", "#r", "timestamp=2020-01-01T00:00:00.000Z", "1"}).sub,
            HistorySub::kAfter);
  EXPECT_EQ(parse_ok({"AROUND", "#r", "msgid=m", "9"}).sub, HistorySub::kAround);

  auto between = parse_ok({"BETWEEN", "#r", "msgid=a", "timestamp=2020-01-01T00:00:00Z", "10"});
  EXPECT_EQ(between.sub, HistorySub::kBetween);
  EXPECT_EQ(between.a.kind, MsgRef::Kind::kMsgid);
  EXPECT_EQ(between.b.kind, MsgRef::Kind::kTimestamp);

  auto targets = parse_ok(
      {"TARGETS", "timestamp=2020-01-01T00:00:00.000Z", "timestamp=2021-01-01T00:00:00.000Z", "5"});
  EXPECT_EQ(targets.sub, HistorySub::kTargets);
  EXPECT_TRUE(targets.target.empty());
  EXPECT_EQ(targets.b.ts_us - targets.a.ts_us, int64_t{366} * 86400 * 1000000);
}

TEST(ServerHistoryQuery, ErrorCodes) {
  EXPECT_EQ(parse_err({}).code, "NEED_MORE_PARAMS");
  auto unknown = parse_err({"SIDEWAYS", "#r", "*", "10"});
  EXPECT_EQ(unknown.code, "UNKNOWN_COMMAND");
  EXPECT_EQ(unknown.context, std::vector<std::string>{"SIDEWAYS"});
  auto few = parse_err({"latest", "#r", "*"});
  EXPECT_EQ(few.code, "NEED_MORE_PARAMS");
  EXPECT_EQ(few.context, std::vector<std::string>{"LATEST"});
  EXPECT_EQ(parse_err({"BETWEEN", "#r", "msgid=a", "10"}).code, "NEED_MORE_PARAMS");
  EXPECT_EQ(parse_err({"TARGETS", "timestamp=2020-01-01T00:00:00Z", "5"}).code, "NEED_MORE_PARAMS");

  auto star = parse_err({"BEFORE", "#r", "*", "10"});  // '*' is LATEST's only
  EXPECT_EQ(star.code, "INVALID_PARAMS");
  EXPECT_EQ(star.context, (std::vector<std::string>{"BEFORE", "*"}));
  EXPECT_EQ(parse_err({"AFTER", "#r", "id=5", "10"}).code, "INVALID_PARAMS");
  auto zero = parse_err({"LATEST", "#r", "*", "0"});
  EXPECT_EQ(zero.code, "INVALID_PARAMS");
  EXPECT_EQ(zero.context, (std::vector<std::string>{"LATEST", "0"}));
  EXPECT_EQ(parse_err({"LATEST", "#r", "*", "many"}).code, "INVALID_PARAMS");
  EXPECT_EQ(parse_err({"TARGETS", "msgid=a", "timestamp=2020-01-01T00:00:00Z", "5"}).code,
            "INVALID_PARAMS");
  EXPECT_EQ(parse_err({"TARGETS", "*", "timestamp=2020-01-01T00:00:00Z", "5"}).code,
            "INVALID_PARAMS");
}

RefPos id_pos(int64_t id, int64_t ts = 0) {
  return RefPos{true, id, ts, 1};
}
RefPos time_pos(int64_t ts, int64_t span = 1000) {
  return RefPos{false, 0, ts, span};
}
HistoryRequest req(HistorySub sub, int limit) {
  HistoryRequest r;
  r.sub = sub;
  r.limit = limit;
  return r;
}

TEST(ServerHistoryQuery, PlansLatestBeforeAfter) {
  auto latest = plan_reads(req(HistorySub::kLatest, 20), std::nullopt, std::nullopt);
  ASSERT_EQ(latest.size(), 1u);
  EXPECT_TRUE(latest[0].newest_first);
  EXPECT_EQ(latest[0].limit, 20);
  EXPECT_FALSE(latest[0].window.min_id || latest[0].window.max_id || latest[0].window.from_us ||
               latest[0].window.until_us);

  auto latest_after = plan_reads(req(HistorySub::kLatest, 20), id_pos(7), std::nullopt);
  ASSERT_EQ(latest_after.size(), 1u);
  EXPECT_EQ(latest_after[0].window.min_id, 8);
  EXPECT_TRUE(latest_after[0].newest_first);

  auto before = plan_reads(req(HistorySub::kBefore, 5), id_pos(7), std::nullopt);
  ASSERT_EQ(before.size(), 1u);
  EXPECT_EQ(before[0].window.max_id, 6);
  EXPECT_FALSE(before[0].window.min_id);
  EXPECT_TRUE(before[0].newest_first);

  // A millisecond timestamp: "before" ends at its start, "after" begins after its end.
  auto before_t = plan_reads(req(HistorySub::kBefore, 5), time_pos(5000), std::nullopt);
  EXPECT_EQ(before_t[0].window.until_us, 5000);
  auto after_t = plan_reads(req(HistorySub::kAfter, 5), time_pos(5000), std::nullopt);
  ASSERT_EQ(after_t.size(), 1u);
  EXPECT_EQ(after_t[0].window.from_us, 6000);
  EXPECT_FALSE(after_t[0].newest_first);

  // An unresolved reference (msgid not in this conversation) plans nothing.
  EXPECT_TRUE(plan_reads(req(HistorySub::kBefore, 5), std::nullopt, std::nullopt).empty());
}

TEST(ServerHistoryQuery, PlansAround) {
  auto around = plan_reads(req(HistorySub::kAround, 9), id_pos(50), std::nullopt);
  ASSERT_EQ(around.size(), 2u);
  EXPECT_EQ(around[0].limit, 4);
  EXPECT_EQ(around[0].window.max_id, 49);
  EXPECT_TRUE(around[0].newest_first);
  EXPECT_EQ(around[1].limit, 5);
  EXPECT_EQ(around[1].window.min_id, 50);  // the message itself included
  EXPECT_FALSE(around[1].newest_first);

  auto one = plan_reads(req(HistorySub::kAround, 1), id_pos(50), std::nullopt);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].window.min_id, 50);
  EXPECT_EQ(one[0].limit, 1);

  auto t = plan_reads(req(HistorySub::kAround, 4), time_pos(9000), std::nullopt);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].window.until_us, 9000);
  EXPECT_EQ(t[1].window.from_us, 9000);
}

TEST(ServerHistoryQuery, PlansBetweenBothWays) {
  auto fwd = plan_reads(req(HistorySub::kBetween, 10), id_pos(10), id_pos(20));
  ASSERT_EQ(fwd.size(), 1u);
  EXPECT_EQ(fwd[0].window.min_id, 11);
  EXPECT_EQ(fwd[0].window.max_id, 19);
  EXPECT_FALSE(fwd[0].newest_first);

  auto back = plan_reads(req(HistorySub::kBetween, 10), id_pos(20), id_pos(10));
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].window.min_id, 11);
  EXPECT_EQ(back[0].window.max_id, 19);
  EXPECT_TRUE(back[0].newest_first);  // nearest the first reference

  auto mixed = plan_reads(req(HistorySub::kBetween, 3), time_pos(1000), id_pos(20, 5000));
  ASSERT_EQ(mixed.size(), 1u);
  EXPECT_EQ(mixed[0].window.from_us, 2000);
  EXPECT_EQ(mixed[0].window.max_id, 19);
  EXPECT_FALSE(mixed[0].newest_first);

  EXPECT_TRUE(plan_reads(req(HistorySub::kBetween, 3), id_pos(5), id_pos(5)).empty());
  EXPECT_TRUE(plan_reads(req(HistorySub::kBetween, 3), id_pos(5), std::nullopt).empty());
}

TEST(ServerHistoryQuery, StoredTagsRoundTrip) {
  auto tags = parse_stored_tags("+a=1;+b;+c=x\\sy\\:z");
  ASSERT_EQ(tags.size(), 3u);
  EXPECT_EQ(tags[0].key, "+a");
  EXPECT_EQ(tags[0].value, "1");
  EXPECT_EQ(tags[1].key, "+b");
  EXPECT_EQ(tags[1].value, "");
  EXPECT_EQ(tags[2].value, "x y;z");
  EXPECT_TRUE(parse_stored_tags("").empty());
}

TEST(ServerHistoryQuery, HistoryMessage) {
  store::HistoryRow row;
  row.msgid = "m1";
  row.sender = "alice!~a@127.0.0.1";
  row.account = "Alice";
  row.command = "PRIVMSG";
  row.tags = "+draft/react=x";
  row.body = "hello there";
  row.ts_us = 1546612406123456;
  auto m = history_message(row, "#room");
  EXPECT_EQ(irc::serialize(m),
            "@+draft/react=x;msgid=m1;time=2019-01-04T14:33:26.123Z;account=Alice "
            ":alice!~a@127.0.0.1 PRIVMSG #room :hello there\r\n");
  row.account.reset();
  row.tags.clear();
  row.command = "TAGMSG";
  EXPECT_EQ(irc::serialize(history_message(row, "bob")),
            "@msgid=m1;time=2019-01-04T14:33:26.123Z :alice!~a@127.0.0.1 TAGMSG bob\r\n");
}

}  // namespace
}  // namespace pchat::server
