// server/join_verdict.h: JOIN under the room model (the decision RoomPolicy acts on).
#include "server/join_verdict.h"

#include <gtest/gtest.h>

#include "irc/numerics.h"

namespace pchat::server {
namespace {

chat::Principal p(const std::string& text) {
  return *chat::parse_principal(text);
}

// Category "default" (where JOIN creates rooms): everyone may be in its rooms, only
// accounts of the group "staff" may create them. Category "Legal": group staff, minus
// the ethical wall "wall".
class JoinVerdictTest : public ::testing::Test {
 protected:
  JoinVerdictTest() {
    groups_.add("staff", "amy");
    groups_.add("staff", "max");
    groups_.add("staff", "wim");
    groups_.add("wall", "wim");
    chat::Category def;
    def.name = "default";
    def.allowed_members = {p("*")};
    def.creators = {p("group:staff")};
    chat::Category legal;
    legal.name = "Legal";
    legal.allowed_members = {p("group:staff")};
    legal.denied_members = {p("group:wall")};
    catalog_.categories = {def, legal};
    catalog_.add_room(room("#cases", "Legal", chat::Privacy::kClosed, {"max"}, {"amy", "wim"}));
    catalog_.add_room(room("#secret", "Legal", chat::Privacy::kSecret, {"max"}, {}));
    catalog_.add_room(room("#lobby", "Legal", chat::Privacy::kOpen, {}, {}));
    catalog_.add_room(room("#old", "default", chat::Privacy::kOpen, {}, {}));
  }

  static chat::Room room(const std::string& name, const std::string& category,
                         chat::Privacy privacy, std::vector<std::string> managers,
                         std::vector<std::string> members) {
    chat::Room r;
    r.name = name;
    r.category = category;
    r.privacy = privacy;
    for (const auto& m : managers) r.managers.push_back(p(m));
    for (const auto& m : members) r.members.push_back(p(m));
    return r;
  }

  JoinVerdict join(const std::string& account, const std::string& name,
                   std::optional<chat::Room>* created = nullptr) const {
    return decide_join(catalog_, groups_, chat::User{account}, name, rules_, created);
  }

  chat::StaticGroups groups_;
  store::RoomCatalog catalog_;
  NewRoomRules rules_{"default", "Open"};
};

TEST_F(JoinVerdictTest, AClosedRoomTakesItsMembersAndGivesManagersTheirPrefix) {
  JoinVerdict v = join("max", "#CASES");  // names compare casefolded
  EXPECT_EQ(v.numeric, nullptr) << v.reason;
  EXPECT_TRUE(v.room);
  EXPECT_FALSE(v.creates);
  EXPECT_TRUE(v.members_only);
  EXPECT_TRUE(v.prefix.op);
  EXPECT_FALSE(v.unmanaged);
  v = join("amy", "#cases");
  EXPECT_EQ(v.numeric, nullptr);
  EXPECT_FALSE(v.prefix.op);
}

TEST_F(JoinVerdictTest, RefusalsCarryTheirNumerics) {
  // Allowed by the category but not a member of the Closed room: invite only.
  groups_.add("staff", "zoe");
  EXPECT_STREQ(join("zoe", "#cases").numeric, irc::kErrInviteOnlyChan);
  // A member behind the ethical wall: banned.
  EXPECT_STREQ(join("wim", "#cases").numeric, irc::kErrBannedFromChan);
  // Someone the category does not allow, and a guest, in an Open room of it.
  EXPECT_STREQ(join("bob", "#lobby").numeric, irc::kErrBannedFromChan);
  EXPECT_STREQ(join("", "#lobby").numeric, irc::kErrBannedFromChan);
}

TEST_F(JoinVerdictTest, ASecretRoomReadsExactlyAsAFreeNameToOutsiders) {
  // bob may not create rooms: for him a Secret room he is not in and a free name give
  // the same 403 with the same words.
  const JoinVerdict secret = join("bob", "#secret");
  const JoinVerdict free_name = join("bob", "#nothing-here");
  EXPECT_STREQ(secret.numeric, irc::kErrNoSuchChannel);
  EXPECT_STREQ(free_name.numeric, irc::kErrNoSuchChannel);
  EXPECT_EQ(secret.reason, free_name.reason);
  EXPECT_FALSE(free_name.creates);
}

TEST_F(JoinVerdictTest, ACreatorsJoinOfAFreeNameCreatesAManagedRoom) {
  std::optional<chat::Room> created;
  const JoinVerdict v = join("amy", "#fresh", &created);
  EXPECT_EQ(v.numeric, nullptr) << v.reason;
  EXPECT_TRUE(v.creates);
  EXPECT_FALSE(v.members_only);  // new_room_privacy Open
  EXPECT_TRUE(v.prefix.op);      // the creator manages it
  EXPECT_FALSE(v.unmanaged);
  ASSERT_TRUE(created.has_value());
  EXPECT_EQ(created->name, "#fresh");
  EXPECT_EQ(created->category, "default");
  ASSERT_EQ(created->managers.size(), 1u);
  EXPECT_EQ(created->managers[0].name, "amy");
  // The catalog itself is not changed: RoomPolicy adds the room.
  EXPECT_EQ(catalog_.room("#fresh"), nullptr);
}

TEST_F(JoinVerdictTest, NewRoomRulesDecideThePrivacyAndTheCategory) {
  rules_ = {"default", "Secret"};
  std::optional<chat::Room> created;
  EXPECT_TRUE(join("amy", "#hidden", &created).members_only);
  EXPECT_EQ(created->privacy, chat::Privacy::kSecret);
  rules_ = {"no-such-category", "Open"};
  EXPECT_STREQ(join("amy", "#nowhere").numeric, irc::kErrNoSuchChannel);
  rules_ = {"default", "Nonsense"};
  EXPECT_STREQ(join("amy", "#nowhere").numeric, irc::kErrNoSuchChannel);
}

TEST_F(JoinVerdictTest, OnlyAPlainIrcRoomWithoutManagersIsUnmanaged) {
  EXPECT_TRUE(join("bob", "#old").unmanaged);     // in the category JOIN creates rooms in
  EXPECT_FALSE(join("amy", "#lobby").unmanaged);  // set up by an administrator elsewhere
}

}  // namespace
}  // namespace pchat::server
