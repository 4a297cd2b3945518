#include "server/read_marker.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pchat::server {
namespace {

MarkreadRequest markread_ok(const std::vector<std::string>& params) {
  auto r = parse_markread(params);
  if (auto* e = std::get_if<MarkreadError>(&r)) ADD_FAILURE() << e->code << " " << e->description;
  return std::holds_alternative<MarkreadRequest>(r) ? std::get<MarkreadRequest>(r)
                                                    : MarkreadRequest{};
}

MarkreadError markread_err(const std::vector<std::string>& params) {
  auto r = parse_markread(params);
  EXPECT_TRUE(std::holds_alternative<MarkreadError>(r));
  return std::holds_alternative<MarkreadError>(r) ? std::get<MarkreadError>(r) : MarkreadError{};
}

TEST(ServerReadMarker, ParsesGetAndSet) {
  auto get = markread_ok({"#Room"});
  EXPECT_EQ(get.target, "#Room");
  EXPECT_EQ(get.key, "#room");
  EXPECT_TRUE(get.channel);
  EXPECT_FALSE(get.ts_us);

  auto set = markread_ok({"Bob", "timestamp=2019-01-04T14:33:26.123Z"});
  EXPECT_EQ(set.target, "Bob");
  EXPECT_EQ(set.key, "bob");
  EXPECT_FALSE(set.channel);
  ASSERT_TRUE(set.ts_us);
  EXPECT_EQ(*set.ts_us, 1546612406123000);
  // An account name longer than a nick is a direct-message target too.
  EXPECT_EQ(markread_ok({"a234567890123456789012345678901"}).key,
            "a234567890123456789012345678901");
}

TEST(ServerReadMarker, MissingParametersAreNeedMoreParams) {
  EXPECT_EQ(markread_err({}).code, "NEED_MORE_PARAMS");
  EXPECT_EQ(markread_err({""}).code, "NEED_MORE_PARAMS");
}

TEST(ServerReadMarker, BadParametersAreInvalidParamsNamingThem) {
  const std::vector<std::vector<std::string>> bad = {
      {"#chan", "*"},  // a client never sends "*"
      {"#chan", "2019-01-04T14:33:26.123Z"},
      {"#chan", "timestamp=not-a-timestamp"},
      {"#chan", "timestamp="},
      {"#chan", "timestamp=2019-13-04T14:33:26.123Z"},
      {"#chan", "timestamp=2019-01-04T14:33:26.123"},
      {"#chan", "msgid=abc"},
  };
  for (const auto& params : bad) {
    auto e = markread_err(params);
    EXPECT_EQ(e.code, "INVALID_PARAMS") << params[1];
    EXPECT_EQ(e.context, std::vector<std::string>{params[1]});
  }
  for (const char* target : {"#", "#a,b", "1nick", "-x", "*", "a b"}) {
    auto e = markread_err({target});
    EXPECT_EQ(e.code, "INVALID_PARAMS") << target;
    EXPECT_EQ(e.context, std::vector<std::string>{target});
  }
  auto extra = markread_err({"#chan", "timestamp=2019-01-04T14:33:26.123Z", "more"});
  EXPECT_EQ(extra.code, "INVALID_PARAMS");
  EXPECT_EQ(extra.context, std::vector<std::string>{"more"});
}

TEST(ServerReadMarker, FormatsTheMarkerParameter) {
  EXPECT_EQ(markread_param(std::nullopt), "*");
  EXPECT_EQ(markread_param(1546612406123000), "timestamp=2019-01-04T14:33:26.123Z");
  // Microseconds are kept in the store and shown truncated to milliseconds.
  EXPECT_EQ(markread_param(1546612406123999), "timestamp=2019-01-04T14:33:26.123Z");
}

TEST(ServerReadMarker, OnlyMovesForward) {
  EXPECT_TRUE(marker_moves(std::nullopt, 0));
  EXPECT_TRUE(marker_moves(1000, 1001));
  EXPECT_FALSE(marker_moves(1000, 1000));  // equal: the stored one stays
  EXPECT_FALSE(marker_moves(1000, 999));
}

TEST(ServerReadMarker, ClampsToNow) {
  EXPECT_EQ(clamp_marker(5, 10), 5);
  EXPECT_EQ(clamp_marker(10, 10), 10);
  EXPECT_EQ(clamp_marker(11, 10), 10);
}

TEST(ServerReadMarker, NotesRoundTrip) {
  MarkerNote n{"s1/42/0000abcd", 17, "alice", 1546612406123456, "#Room"};
  const std::string text = format_marker_note(n);
  EXPECT_EQ(text, "s1/42/0000abcd 17 alice 1546612406123456 #Room");
  auto back = parse_marker_note(text);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->origin, n.origin);
  EXPECT_EQ(back->session, n.session);
  EXPECT_EQ(back->account, n.account);
  EXPECT_EQ(back->ts_us, n.ts_us);
  EXPECT_EQ(back->target, n.target);
}

TEST(ServerReadMarker, RejectsMalformedNotes) {
  for (const char* bad :
       {"", "a", "a 1 alice 5", "a x alice 5 #r", "a 1 alice -5 #r", "a 1 alice 5x #r",
        "a 1 alice 5 #r extra", " 1 alice 5 #r", "a 1  5 #r"}) {
    EXPECT_FALSE(parse_marker_note(bad)) << bad;
  }
}

}  // namespace
}  // namespace pchat::server
