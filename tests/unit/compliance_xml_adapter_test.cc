// The XML adapter: structure (parsed back with pugixml, checked with XPath),
// escaping round trips, one file vs one per room, detail options, determinism,
// a 10k-event batch, and the adapter registry. See src/compliance/README.md.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <pugixml.hpp>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "compliance/adapter.h"
#include "compliance/xml_adapter.h"
#include "compliance/xml_text.h"

namespace pchat::compliance {
namespace {

using Type = ComplianceEvent::Type;

constexpr int64_t kT0 = 1212610540953548;  // 2008-06-04T20:15:40.953548Z

ComplianceEvent event(int64_t id, Type type, std::string room, std::string user,
                      std::string content = "") {
  ComplianceEvent e;
  e.id = id;
  e.type = type;
  e.ts_us = kT0 + id * 1000000;
  e.room_uri = "ma-chan://pool.example/" + room;
  e.room = "#" + std::move(room);
  e.user_uri = "sip:" + user + "@pool.example";
  e.email = user + "@example.com";
  e.user = std::move(user);
  e.internal = true;
  e.content = std::move(content);
  return e;
}

RunInfo run_for(int64_t first, int64_t last) {
  return RunInfo{kT0, kT0 + 900000000, first, last};
}

std::unique_ptr<Adapter> xml_adapter(bool per_room = false, bool users = false,
                                     bool rooms = false) {
  auto made = make_adapter("XmlAdapter");
  EXPECT_TRUE(made.ok());
  std::unique_ptr<Adapter> a = std::move(made).value();
  AdapterConfig cfg{"/var/lib/pchat/compliance", per_room, users, rooms};
  EXPECT_TRUE(a->configure(cfg).ok());
  return a;
}

std::vector<OutputFile> translate_ok(Adapter& a, const std::vector<ComplianceEvent>& batch,
                                     const RunInfo& run) {
  auto r = a.translate(batch, run);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? std::move(r).value() : std::vector<OutputFile>{};
}

// Parses with the default options (as a consumer would); fails the test on error.
void parse(const std::string& bytes, pugi::xml_document* doc) {
  pugi::xml_parse_result res = doc->load_buffer(bytes.data(), bytes.size());
  ASSERT_TRUE(res) << res.description() << " at " << res.offset;
}

std::string attr(const pugi::xml_document& doc, const char* xpath) {
  pugi::xpath_node n = doc.select_node(xpath);
  EXPECT_TRUE(n) << xpath;
  return n.attribute().value();
}

size_t count(const pugi::xml_document& doc, const char* xpath) {
  return doc.select_nodes(xpath).size();
}

std::vector<ComplianceEvent> every_kind() {
  return {event(10, Type::kJoin, "legal", "alice"),
          event(11, Type::kChat, "legal", "alice", "hello"),
          event(12, Type::kBackchat, "legal", "bob"),
          event(13, Type::kFileUpload, "legal", "alice", "contract.pdf"),
          event(14, Type::kFileDownload, "legal", "bob", "contract.pdf"),
          event(15, Type::kPart, "legal", "alice")};
}

TEST(ComplianceXmlAdapter, StructureMatchesLyncFormat) {
  auto a = xml_adapter();
  std::vector<ComplianceEvent> batch = every_kind();
  batch[1].msgid = "01HZXYZ";
  batch[4].internal = false;
  auto files = translate_ok(*a, batch, run_for(10, 15));
  ASSERT_EQ(files.size(), 1u);
  const std::string& bytes = files[0].bytes;
  EXPECT_EQ(bytes.rfind("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Conversations", 0), 0u);

  pugi::xml_document doc;
  parse(bytes, &doc);
  EXPECT_EQ(count(doc, "/Conversations/Conversation"), 1u);
  // Conversation's children in Lync's order.
  std::vector<std::string> children;
  for (pugi::xml_node c : doc.select_node("/Conversations/Conversation").node().children()) {
    children.emplace_back(c.name());
  }
  EXPECT_EQ(children, (std::vector<std::string>{"Channel", "FirstMessage", "Messages",
                                                "StartTimeUTC", "EndTimeUTC"}));
  EXPECT_EQ(attr(doc, "//Conversation/Channel/@uri"), "ma-chan://pool.example/legal");
  EXPECT_EQ(attr(doc, "//Conversation/Channel/@name"), "#legal");

  EXPECT_EQ(count(doc, "//Conversation/Messages/Message"), 6u);
  const char* types[] = {"JOIN", "CHAT", "BACKCHAT", "FILEUPLOAD", "FILEDOWNLOAD", "PART"};
  const char* contents[] = {"", "hello", "", "contract.pdf", "contract.pdf", ""};
  pugi::xpath_node_set msgs = doc.select_nodes("//Messages/Message");
  for (size_t i = 0; i < msgs.size(); ++i) {
    pugi::xml_node m = msgs[i].node();
    SCOPED_TRACE(i);
    EXPECT_STREQ(m.attribute("type").value(), types[i]);
    EXPECT_STREQ(m.attribute("content").value(), contents[i]);
    EXPECT_EQ(m.attribute("id").as_llong(), static_cast<long long>(10 + i));
    pugi::xml_node s = m.child("Sender");
    std::string user = (i == 2 || i == 4) ? "bob" : "alice";
    EXPECT_EQ(s.attribute("UserName").value(), user);
    EXPECT_EQ(s.attribute("id").value(), user);
    EXPECT_EQ(s.attribute("email").value(), user + "@example.com");
    EXPECT_STREQ(s.attribute("internal").value(), i == 4 ? "false" : "true");
    EXPECT_EQ(s.attribute("uri").value(), "sip:" + user + "@pool.example");
    pugi::xml_node t = m.child("DateTimeUTC");
    EXPECT_EQ(t.attribute("since1970").as_llong(), (kT0 + (10 + int64_t(i)) * 1000000) / 1000);
    EXPECT_EQ(t.attribute("long").as_llong(),
              (kT0 + (10 + int64_t(i)) * 1000000) * 10 + 621355968000000000LL);
  }
  EXPECT_EQ(attr(doc, "//Message[@type='CHAT']/@msgid"), "01HZXYZ");
  EXPECT_FALSE(doc.select_node("//Message[@type='JOIN']/@msgid"));

  // FirstMessage repeats the first Message.
  EXPECT_EQ(attr(doc, "//FirstMessage/@type"), "JOIN");
  EXPECT_EQ(attr(doc, "//FirstMessage/@id"), "10");
  EXPECT_EQ(attr(doc, "//FirstMessage/Sender/@UserName"), "alice");
  EXPECT_EQ(attr(doc, "//FirstMessage/DateTimeUTC/@string"), "2008-06-04T20:15:50.9535480Z");
  EXPECT_EQ(attr(doc, "//Conversation/StartTimeUTC/@string"), "2008-06-04T20:15:50.9535480Z");
  EXPECT_EQ(attr(doc, "//Conversation/EndTimeUTC/@string"), "2008-06-04T20:15:55.9535480Z");
  EXPECT_EQ(attr(doc, "//Conversation/StartTimeUTC/@since1970"), "1212610550953");
  EXPECT_EQ(attr(doc, "//Conversation/EndTimeUTC/@long"), "633482073559535480");
}

TEST(ComplianceXmlAdapter, SpecialCharactersRoundTrip) {
  const std::vector<std::string> texts = {
      "<script>alert(\"x\" & 'y')</script>",
      "]]> --> <!-- <?pi?> &amp; &#10; &lt;",
      "line1\nline2\r\n\ttabbed  double  space ",
      "😀 emoji 👩‍💻 outside the BMP, 中文, é, \xF0\x90\x8D\x88",
      " leading and trailing spaces ",
  };
  std::vector<ComplianceEvent> batch;
  for (size_t i = 0; i < texts.size(); ++i) {
    batch.push_back(event(int64_t(i) + 1, Type::kChat, "r&d <lab>", "o'brien \"ob\"", texts[i]));
  }
  auto a = xml_adapter();
  auto files = translate_ok(*a, batch, run_for(1, int64_t(texts.size())));
  ASSERT_EQ(files.size(), 1u);
  pugi::xml_document doc;
  parse(files[0].bytes, &doc);
  pugi::xpath_node_set msgs = doc.select_nodes("//Messages/Message");
  ASSERT_EQ(msgs.size(), texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(msgs[i].node().attribute("content").value(), texts[i]) << i;
  }
  EXPECT_EQ(attr(doc, "//Channel/@name"), "#r&d <lab>");
  EXPECT_EQ(attr(doc, "//FirstMessage/Sender/@UserName"), "o'brien \"ob\"");
  // Raw bytes: the emoji is written as UTF-8, not as a character reference.
  EXPECT_NE(files[0].bytes.find("😀"), std::string::npos);
}

TEST(ComplianceXmlAdapter, ForbiddenCharactersBecomeReplacementCharacters) {
  auto a = xml_adapter();
  std::string nasty = std::string("bell\x07 nul", 9) + std::string(1, '\0') + " esc\x1b bad\xFF";
  auto e = event(1, Type::kChat, "legal", "alice", nasty);
  e.user =
      "ali\x01"
      "ce";
  auto files = translate_ok(*a, {e}, run_for(1, 1));
  ASSERT_EQ(files.size(), 1u);
  pugi::xml_document doc;
  parse(files[0].bytes, &doc);
  const std::string r(kReplacementChar);
  EXPECT_EQ(attr(doc, "//Message/@content"), "bell" + r + " nul" + r + " esc" + r + " bad" + r);
  EXPECT_EQ(attr(doc, "//Message/Sender/@UserName"), "ali" + r + "ce");
  EXPECT_TRUE(is_xml_safe_text(files[0].bytes));
  EXPECT_EQ(files[0].bytes.find("&#"), std::string::npos);  // no &#7; &#0; etc.
}

std::vector<ComplianceEvent> three_rooms() {
  return {
      event(1, Type::kJoin, "legal", "alice"),      event(2, Type::kJoin, "sales", "bob"),
      event(3, Type::kChat, "legal", "alice", "a"), event(4, Type::kChat, "ops", "carol", "c"),
      event(5, Type::kChat, "sales", "bob", "b"),   event(6, Type::kChat, "legal", "dave", "d")};
}

TEST(ComplianceXmlAdapter, OneFilePerRunHoldsOneConversationPerRoom) {
  auto a = xml_adapter();
  auto files = translate_ok(*a, three_rooms(), run_for(1, 6));
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].name,
            "pchat-compliance-20080604T203040Z-0000000000000000001-0000000000000000006.xml");
  pugi::xml_document doc;
  parse(files[0].bytes, &doc);
  pugi::xpath_node_set convs = doc.select_nodes("/Conversations/Conversation");
  ASSERT_EQ(convs.size(), 3u);
  // In order of each room's first event.
  EXPECT_STREQ(convs[0].node().child("Channel").attribute("name").value(), "#legal");
  EXPECT_STREQ(convs[1].node().child("Channel").attribute("name").value(), "#sales");
  EXPECT_STREQ(convs[2].node().child("Channel").attribute("name").value(), "#ops");
  EXPECT_EQ(count(doc, "//Conversation[Channel/@name='#legal']/Messages/Message"), 3u);
  EXPECT_EQ(count(doc, "//Conversation[Channel/@name='#sales']/Messages/Message"), 2u);
  EXPECT_EQ(count(doc, "//Conversation[Channel/@name='#ops']/Messages/Message"), 1u);
  EXPECT_EQ(attr(doc, "//Conversation[Channel/@name='#sales']/FirstMessage/@id"), "2");
}

TEST(ComplianceXmlAdapter, OneFilePerRoom) {
  auto a = xml_adapter(/*per_room=*/true);
  auto files = translate_ok(*a, three_rooms(), run_for(1, 6));
  ASSERT_EQ(files.size(), 3u);
  std::set<std::string> names;
  const char* rooms[] = {"legal", "sales", "ops"};
  size_t messages[] = {3, 2, 1};
  for (size_t i = 0; i < files.size(); ++i) {
    SCOPED_TRACE(files[i].name);
    names.insert(files[i].name);
    EXPECT_NE(files[i].name.find(std::string("-") + rooms[i] + "-"), std::string::npos);
    EXPECT_EQ(files[i].name.rfind(
                  "pchat-compliance-20080604T203040Z-0000000000000000001-0000000000000000006-", 0),
              0u);
    pugi::xml_document doc;
    parse(files[i].bytes, &doc);
    EXPECT_EQ(count(doc, "/Conversations/Conversation"), 1u);
    EXPECT_EQ(attr(doc, "//Channel/@name"), std::string("#") + rooms[i]);
    EXPECT_EQ(count(doc, "//Messages/Message"), messages[i]);
  }
  EXPECT_EQ(names.size(), 3u);
}

TEST(ComplianceXmlAdapter, DetailsOffByDefault) {
  auto a = xml_adapter();
  auto files = translate_ok(*a, three_rooms(), run_for(1, 6));
  pugi::xml_document doc;
  parse(files.at(0).bytes, &doc);
  EXPECT_EQ(count(doc, "//ChatRoomDetails"), 0u);
  EXPECT_EQ(count(doc, "//Participants"), 0u);
}

TEST(ComplianceXmlAdapter, ChatRoomDetails) {
  auto a = xml_adapter(false, false, /*rooms=*/true);
  auto files = translate_ok(*a, three_rooms(), run_for(1, 6));
  pugi::xml_document doc;
  parse(files.at(0).bytes, &doc);
  EXPECT_EQ(count(doc, "//Conversation/ChatRoomDetails"), 3u);
  EXPECT_EQ(count(doc, "//Participants"), 0u);
  const char* legal = "//Conversation[Channel/@name='#legal']/ChatRoomDetails";
  pugi::xml_node d = doc.select_node(legal).node();
  EXPECT_STREQ(d.attribute("name").value(), "#legal");
  EXPECT_STREQ(d.attribute("uri").value(), "ma-chan://pool.example/legal");
  EXPECT_EQ(d.attribute("events").as_int(), 3);
  EXPECT_EQ(d.attribute("participants").as_int(), 2);
  EXPECT_EQ(d.attribute("joins").as_int(), 1);
  EXPECT_EQ(d.attribute("chats").as_int(), 2);
  EXPECT_EQ(d.attribute("parts").as_int(), 0);
  EXPECT_EQ(d.attribute("firstEventId").as_int(), 1);
  EXPECT_EQ(d.attribute("lastEventId").as_int(), 6);
  // After Lync's elements.
  EXPECT_STREQ(d.previous_sibling().name(), "EndTimeUTC");
}

TEST(ComplianceXmlAdapter, UserDetails) {
  auto a = xml_adapter(false, /*users=*/true, false);
  auto files = translate_ok(*a, three_rooms(), run_for(1, 6));
  pugi::xml_document doc;
  parse(files.at(0).bytes, &doc);
  EXPECT_EQ(count(doc, "//ChatRoomDetails"), 0u);
  EXPECT_EQ(count(doc, "//Conversation/Participants"), 3u);
  pugi::xpath_node_set ps =
      doc.select_nodes("//Conversation[Channel/@name='#legal']/Participants/Participant");
  ASSERT_EQ(ps.size(), 2u);
  EXPECT_STREQ(ps[0].node().attribute("UserName").value(), "alice");  // sorted by uri
  EXPECT_STREQ(ps[0].node().attribute("uri").value(), "sip:alice@pool.example");
  EXPECT_STREQ(ps[0].node().attribute("email").value(), "alice@example.com");
  EXPECT_EQ(ps[0].node().attribute("events").as_int(), 2);
  EXPECT_EQ(ps[0].node().attribute("firstEventId").as_int(), 1);
  EXPECT_EQ(ps[0].node().attribute("lastEventId").as_int(), 3);
  EXPECT_STREQ(ps[1].node().attribute("UserName").value(), "dave");
  EXPECT_EQ(ps[1].node().attribute("events").as_int(), 1);
}

TEST(ComplianceXmlAdapter, DeterministicNamesAndBytesWhateverTheInputOrder) {
  for (bool per_room : {false, true}) {
    SCOPED_TRACE(per_room);
    auto a = xml_adapter(per_room, true, true);
    auto b = xml_adapter(per_room, true, true);
    std::vector<ComplianceEvent> batch = three_rooms();
    auto first = translate_ok(*a, batch, run_for(1, 6));
    std::mt19937 rng(7);
    std::shuffle(batch.begin(), batch.end(), rng);
    auto second = translate_ok(*b, batch, run_for(1, 6));
    ASSERT_EQ(first.size(), second.size());
    for (size_t i = 0; i < first.size(); ++i) {
      EXPECT_EQ(first[i].name, second[i].name);
      EXPECT_EQ(first[i].bytes, second[i].bytes);
    }
    // A different run gives different names.
    auto other = translate_ok(*a, three_rooms(), run_for(1, 7));
    EXPECT_NE(other.at(0).name, first.at(0).name);
  }
}

TEST(ComplianceXmlAdapter, EmptyBatchProducesNoFile) {
  auto a = xml_adapter();
  EXPECT_TRUE(translate_ok(*a, {}, run_for(1, 1)).empty());
  auto b = xml_adapter(true, true, true);
  EXPECT_TRUE(translate_ok(*b, {}, RunInfo{}).empty());
}

TEST(ComplianceXmlAdapter, TenThousandEvents) {
  constexpr int kEvents = 10000;
  std::vector<ComplianceEvent> batch;
  batch.reserve(kEvents);
  const Type kinds[] = {Type::kJoin,     Type::kChat,       Type::kChat,         Type::kChat,
                        Type::kBackchat, Type::kFileUpload, Type::kFileDownload, Type::kPart};
  for (int i = 0; i < kEvents; ++i) {
    batch.push_back(event(1000 + i, kinds[i % 8], "room" + std::to_string(i % 7),
                          "user" + std::to_string(i % 13), "message number " + std::to_string(i)));
  }
  auto t0 = std::chrono::steady_clock::now();
  auto a = xml_adapter();
  auto files = translate_ok(*a, batch, run_for(1000, 1000 + kEvents - 1));
  auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(elapsed, std::chrono::seconds(20));  // generous: sanitizers, shared CPU
  ASSERT_EQ(files.size(), 1u);
  pugi::xml_document doc;
  parse(files[0].bytes, &doc);
  EXPECT_EQ(count(doc, "/Conversations/Conversation"), 7u);
  pugi::xpath_node_set msgs = doc.select_nodes("//Messages/Message");
  ASSERT_EQ(msgs.size(), size_t(kEvents));
  std::set<long long> ids;
  for (const pugi::xpath_node& m : msgs) ids.insert(m.node().attribute("id").as_llong());
  EXPECT_EQ(ids.size(), size_t(kEvents));  // each exactly once
  EXPECT_EQ(*ids.begin(), 1000);
  EXPECT_EQ(*ids.rbegin(), 1000 + kEvents - 1);

  auto per_room = xml_adapter(true);
  auto room_files = translate_ok(*per_room, batch, run_for(1000, 1000 + kEvents - 1));
  ASSERT_EQ(room_files.size(), 7u);
  size_t total = 0;
  for (const OutputFile& f : room_files) {
    pugi::xml_document d;
    parse(f.bytes, &d);
    total += count(d, "//Messages/Message");
  }
  EXPECT_EQ(total, size_t(kEvents));
}

TEST(ComplianceXmlAdapter, RejectsInconsistentInput) {
  auto a = xml_adapter();
  auto expect_invalid = [&](std::vector<ComplianceEvent> batch, RunInfo run, const char* what) {
    auto r = a->translate(batch, run);
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_EQ(r.error().kind, ErrorKind::kInvalidInput) << what;
    EXPECT_NE(r.error().message.find(what), std::string::npos) << r.error().message;
  };
  expect_invalid({event(7, Type::kChat, "r", "u")}, run_for(1, 6), "outside the run's range");
  expect_invalid({event(2, Type::kChat, "r", "u"), event(2, Type::kJoin, "r", "u")}, run_for(1, 6),
                 "duplicate id");
  auto bad_time = event(2, Type::kChat, "r", "u");
  bad_time.ts_us = -1;
  expect_invalid({bad_time}, run_for(1, 6), "out of range");
  auto no_room = event(2, Type::kChat, "r", "u");
  no_room.room_uri.clear();
  expect_invalid({no_room}, run_for(1, 6), "empty room uri");
  expect_invalid({event(2, Type::kChat, "r", "u")}, RunInfo{kT0, kT0 - 1, 1, 6}, "run times");
  expect_invalid({event(2, Type::kChat, "r", "u")}, RunInfo{kT0, kT0, 6, 1}, "run event ids");
}

TEST(ComplianceXmlAdapter, MustBeConfiguredWithAnAbsoluteDirectory) {
  XmlAdapter a;
  auto r = a.translate({event(1, Type::kChat, "r", "u")}, run_for(1, 1));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("not configured"), std::string::npos);
  Status s = a.configure(AdapterConfig{"relative/dir", false, false, false});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, ErrorKind::kInvalidInput);
  EXPECT_NE(s.error().message.find("AdapterOutputDirectory"), std::string::npos);
  EXPECT_FALSE(a.configure(AdapterConfig{}).ok());
  EXPECT_TRUE(a.configure(AdapterConfig{"/srv/out", false, false, false}).ok());
}

TEST(ComplianceAdapterRegistry, KnownAndUnknownNames) {
  EXPECT_EQ(known_adapters(), std::vector<std::string>{"XmlAdapter"});
  auto ok = make_adapter("XmlAdapter");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok.value()->name(), "XmlAdapter");
  auto bad = make_adapter("CsvAdapter");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::kNotFound);
  EXPECT_NE(bad.error().message.find("'CsvAdapter'"), std::string::npos);
  EXPECT_NE(bad.error().message.find("known: XmlAdapter"), std::string::npos);
}

}  // namespace
}  // namespace pchat::compliance
