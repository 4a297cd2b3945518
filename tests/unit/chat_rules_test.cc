#include "chat/rules.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pchat::chat {
namespace {

Principal p(const std::string& text) {
  return *parse_principal(text);
}

// The fixture every table row uses. Category "Legal": allowed = group staff,
// denied = the OU "Wall" (the ethical wall). The room names its people in
// every accepted spelling.
enum class Role {
  kStranger,       // not in the category's allowed members
  kGuest,          // no account
  kAllowed,        // allowed by the category, not on any room list
  kMember,         // room member
  kPresenter,      // room presenter (not listed as member: implied)
  kManager,        // room manager (not listed as member: implied)
  kWalledMember,   // room member, but behind the ethical wall
  kWalledManager,  // room manager, but behind the ethical wall
};

const char* name(Role r) {
  switch (r) {
    case Role::kStranger:
      return "stranger";
    case Role::kGuest:
      return "guest";
    case Role::kAllowed:
      return "allowed";
    case Role::kMember:
      return "member";
    case Role::kPresenter:
      return "presenter";
    case Role::kManager:
      return "manager";
    case Role::kWalledMember:
      return "walled-member";
    case Role::kWalledManager:
      return "walled-manager";
  }
  return "?";
}

User user_for(Role r) {
  switch (r) {
    case Role::kStranger:
      return User{"zed"};
    case Role::kGuest:
      return User{};
    case Role::kAllowed:
      return User{"amy"};
    case Role::kMember:
      return User{"Mel"};
    case Role::kPresenter:
      return User{"pat"};
    case Role::kManager:
      return User{"max"};
    case Role::kWalledMember:
      return User{"wim"};
    case Role::kWalledManager:
      return User{"wam"};
  }
  return User{};
}

class ChatRulesTest : public ::testing::Test {
 protected:
  ChatRulesTest() {
    for (const char* a : {"amy", "mel", "pat", "max", "wim", "wam"}) groups_.add("staff", a);
    groups_.add("OU=Wall,DC=litware,DC=com", "wim");
    groups_.add("ou=wall,dc=litware,dc=com", "WAM");
    category_.name = "Legal";
    category_.allowed_members = {p("group:staff")};
    category_.denied_members = {p("OU=Wall,DC=litware,DC=com")};
    category_.creators = {p("group:staff")};
  }

  Room room(Privacy privacy, RoomType type, bool disabled = false) const {
    Room r;
    r.name = "#cases";
    r.category = "Legal";
    r.privacy = privacy;
    r.type = type;
    r.disabled = disabled;
    r.members = {p("sip:mel@litware.com"), p("wim")};
    r.presenters = {p("irc:PAT")};
    r.managers = {p("MAX"), p("sip:wam@litware.com")};
    return r;
  }

  Standing standing(const Room& r, Role role) const {
    return standing_of(category_, r, user_for(role), groups_);
  }

  StaticGroups groups_;
  Category category_;
};

// exists_for, may_find, may_join, may_read, may_post, may_manage: 'y' or '-'.
struct Row {
  Privacy privacy;
  RoomType type;
  Role role;
  const char* expect;  // "EFJRPM"
};

constexpr Privacy kO = Privacy::kOpen;
constexpr Privacy kC = Privacy::kClosed;
constexpr Privacy kS = Privacy::kSecret;
constexpr RoomType kN = RoomType::kNormal;
constexpr RoomType kA = RoomType::kAuditorium;

// Written out by hand from the issue's rules, not computed: every privacy x
// type x role combination.
const Row kTable[] = {
    // Open: everyone the category allows finds, joins, reads; walled people don't.
    {kO, kN, Role::kStranger, "y-----"},
    {kO, kN, Role::kGuest, "y-----"},
    {kO, kN, Role::kAllowed, "yyyyy-"},
    {kO, kN, Role::kMember, "yyyyy-"},
    {kO, kN, Role::kPresenter, "yyyyy-"},
    {kO, kN, Role::kManager, "yyyyyy"},
    {kO, kN, Role::kWalledMember, "y-----"},
    {kO, kN, Role::kWalledManager, "y-----"},
    {kO, kA, Role::kStranger, "y-----"},
    {kO, kA, Role::kGuest, "y-----"},
    {kO, kA, Role::kAllowed, "yyyy--"},
    {kO, kA, Role::kMember, "yyyy--"},
    {kO, kA, Role::kPresenter, "yyyyy-"},
    {kO, kA, Role::kManager, "yyyyyy"},
    {kO, kA, Role::kWalledMember, "y-----"},
    {kO, kA, Role::kWalledManager, "y-----"},
    // Closed: everyone allowed finds it; only members join, read, post.
    {kC, kN, Role::kStranger, "y-----"},
    {kC, kN, Role::kGuest, "y-----"},
    {kC, kN, Role::kAllowed, "yy----"},
    {kC, kN, Role::kMember, "yyyyy-"},
    {kC, kN, Role::kPresenter, "yyyyy-"},
    {kC, kN, Role::kManager, "yyyyyy"},
    {kC, kN, Role::kWalledMember, "y-----"},
    {kC, kN, Role::kWalledManager, "y-----"},
    {kC, kA, Role::kStranger, "y-----"},
    {kC, kA, Role::kGuest, "y-----"},
    {kC, kA, Role::kAllowed, "yy----"},
    {kC, kA, Role::kMember, "yyyy--"},
    {kC, kA, Role::kPresenter, "yyyyy-"},
    {kC, kA, Role::kManager, "yyyyyy"},
    {kC, kA, Role::kWalledMember, "y-----"},
    {kC, kA, Role::kWalledManager, "y-----"},
    // Secret: it exists only for members (walled members are not members).
    {kS, kN, Role::kStranger, "------"},
    {kS, kN, Role::kGuest, "------"},
    {kS, kN, Role::kAllowed, "------"},
    {kS, kN, Role::kMember, "yyyyy-"},
    {kS, kN, Role::kPresenter, "yyyyy-"},
    {kS, kN, Role::kManager, "yyyyyy"},
    {kS, kN, Role::kWalledMember, "------"},
    {kS, kN, Role::kWalledManager, "------"},
    {kS, kA, Role::kStranger, "------"},
    {kS, kA, Role::kGuest, "------"},
    {kS, kA, Role::kAllowed, "------"},
    {kS, kA, Role::kMember, "yyyy--"},
    {kS, kA, Role::kPresenter, "yyyyy-"},
    {kS, kA, Role::kManager, "yyyyyy"},
    {kS, kA, Role::kWalledMember, "------"},
    {kS, kA, Role::kWalledManager, "------"},
};

std::string actual(const Room& r, const Standing& s) {
  std::string out;
  out += exists_for(r, s) ? 'y' : '-';
  out += may_find(r, s).ok() ? 'y' : '-';
  out += may_join(r, s).ok() ? 'y' : '-';
  out += may_read(r, s).ok() ? 'y' : '-';
  out += may_post(r, s).ok() ? 'y' : '-';
  out += may_manage(r, s).ok() ? 'y' : '-';
  return out;
}

std::string label(const Row& row) {
  return std::string(to_string(row.privacy)) + "/" + to_string(row.type) + "/" + name(row.role);
}

TEST_F(ChatRulesTest, EveryPrivacyTypeAndRole) {
  ASSERT_EQ(std::size(kTable), 3u * 2u * 8u);
  for (const Row& row : kTable) {
    const Room r = room(row.privacy, row.type);
    EXPECT_EQ(actual(r, standing(r, row.role)), row.expect) << label(row);
  }
}

TEST_F(ChatRulesTest, DeniedDecisionsCarryTheRightKindAndReason) {
  for (const Row& row : kTable) {
    const Room r = room(row.privacy, row.type);
    const Standing s = standing(r, row.role);
    for (const Decision& d : {may_find(r, s), may_join(r, s), may_read(r, s), may_post(r, s)}) {
      EXPECT_EQ(d.ok(), d.reason.empty()) << label(row);
      if (d.ok()) continue;
      if (!exists_for(r, s)) {
        // A Secret room reveals nothing to those it does not exist for.
        EXPECT_EQ(d.denial, Denial::kNoSuchRoom) << label(row);
        EXPECT_EQ(d.reason, "No such channel") << label(row);
      } else if (!s.in_scope()) {
        EXPECT_EQ(d.denial, Denial::kNotAllowed) << label(row);
        EXPECT_EQ(d.reason, "You are not allowed in the rooms of category 'Legal'");
      }
    }
  }
  const Room closed = room(kC, kN);
  const Decision join = may_join(closed, standing(closed, Role::kAllowed));
  EXPECT_EQ(join.denial, Denial::kNotMember);
  EXPECT_EQ(join.reason, "#cases is closed: only its members may join");

  const Room aud = room(kO, kA);
  const Decision post = may_post(aud, standing(aud, Role::kMember));
  EXPECT_EQ(post.denial, Denial::kNotPresenter);
  EXPECT_EQ(post.reason, "#cases is an auditorium: only presenters and managers may post");

  const Decision manage = may_manage(aud, standing(aud, Role::kPresenter));
  EXPECT_EQ(manage.denial, Denial::kNotManager);
  EXPECT_EQ(manage.reason, "You are not a manager of #cases");
}

TEST_F(ChatRulesTest, EthicalWallBeatsMembershipAndManagership) {
  // Even a category that allows everyone, and a room that lists them in
  // every role: denied wins.
  category_.allowed_members = {p("*")};
  Room r = room(kO, kN);
  r.members.push_back(p("wam"));
  r.presenters.push_back(p("wam"));
  const Standing s = standing(r, Role::kWalledManager);
  EXPECT_TRUE(s.allowed && s.denied && s.member && s.presenter && s.manager);
  EXPECT_FALSE(s.in_scope());
  EXPECT_FALSE(s.is_member() || s.is_presenter() || s.is_manager());
  EXPECT_EQ(prefix_of(s).symbols(), "");
  EXPECT_EQ(actual(r, s), "y-----");
  EXPECT_EQ(may_join(r, s).denial, Denial::kNotAllowed);
  EXPECT_FALSE(may_create_room_in(category_, user_for(Role::kWalledManager), groups_).ok());

  // Denying one account by name works the same as denying its OU.
  category_.denied_members = {p("sip:max@litware.com")};
  const Standing max = standing(r, Role::kManager);
  EXPECT_EQ(actual(r, max), "y-----");
  EXPECT_EQ(may_manage(r, max).denial, Denial::kNotManager);
}

TEST_F(ChatRulesTest, DisabledRoomsCannotBeJoinedOrPostedToButStayManageable) {
  for (Privacy privacy : {kO, kC, kS}) {
    for (RoomType type : {kN, kA}) {
      const Room on = room(privacy, type);
      const Room off = room(privacy, type, /*disabled=*/true);
      for (int i = 0; i <= static_cast<int>(Role::kWalledManager); ++i) {
        const Role role = static_cast<Role>(i);
        const Standing s = standing(off, role);
        const std::string where =
            std::string(to_string(privacy)) + "/" + to_string(type) + "/" + name(role);
        const Decision join = may_join(off, s);
        EXPECT_FALSE(join.ok()) << where;
        if (may_join(on, s).ok()) {  // those who could join learn that it is disabled
          EXPECT_EQ(join.denial, Denial::kDisabled) << where;
          EXPECT_EQ(join.reason, "#cases is disabled") << where;
        } else {  // the others get the same answer as before
          EXPECT_EQ(join.denial, may_join(on, s).denial) << where;
        }
        EXPECT_FALSE(may_post(off, s).ok()) << where;
        if (may_post(on, s).ok()) {
          EXPECT_EQ(may_post(off, s).denial, Denial::kDisabled) << where;
        }
        // Finding, reading and managing do not depend on the flag.
        EXPECT_EQ(exists_for(off, s), exists_for(on, s)) << where;
        EXPECT_EQ(may_find(off, s).ok(), may_find(on, s).ok()) << where;
        EXPECT_EQ(may_read(off, s).ok(), may_read(on, s).ok()) << where;
        EXPECT_EQ(may_manage(off, s).ok(), may_manage(on, s).ok()) << where;
      }
      // A manager re-enables it.
      Room reenabled = off;
      reenabled.disabled = false;
      EXPECT_TRUE(may_change_room(off, reenabled, standing(off, Role::kManager)).ok());
    }
  }
}

TEST_F(ChatRulesTest, ManagersChangeEverythingButTheCategoryAndNeverDelete) {
  const Room before = room(kC, kN);
  const Standing mgr = standing(before, Role::kManager);
  Room after = before;
  after.description = "new";
  after.privacy = kS;
  after.type = kA;
  after.disabled = true;
  after.invitations = Invitations::kFalse;
  after.addin = "docs";
  after.members.push_back(p("amy"));
  after.managers.push_back(p("mel"));
  after.presenters.clear();
  EXPECT_TRUE(may_change_room(before, after, mgr).ok());

  Room moved = before;
  moved.category = "Finance";
  const Decision d = may_change_room(before, moved, mgr);
  EXPECT_EQ(d.denial, Denial::kCategoryFixed);
  EXPECT_EQ(d.reason, "Only an administrator may move #cases to another category");
  moved.category = "LEGAL";  // same category, other case
  EXPECT_TRUE(may_change_room(before, moved, mgr).ok());

  EXPECT_EQ(may_change_room(before, after, standing(before, Role::kMember)).denial,
            Denial::kNotManager);
  EXPECT_EQ(may_change_room(before, after, standing(before, Role::kWalledManager)).denial,
            Denial::kNotManager);

  EXPECT_EQ(may_delete_room(before, mgr).denial, Denial::kManagerNoDelete);
  EXPECT_EQ(may_delete_room(before, standing(before, Role::kMember)).denial, Denial::kNotManager);
  const Room secret = room(kS, kN);
  EXPECT_EQ(may_delete_room(secret, standing(secret, Role::kAllowed)).denial, Denial::kNoSuchRoom);
}

TEST_F(ChatRulesTest, Creators) {
  category_.creators = {p("group:leads"), p("sip:carol@litware.com")};
  groups_.add("leads", "lee");
  groups_.add("staff", "lee");
  groups_.add("staff", "carol");
  groups_.add("leads", "outsider");  // a creator outside the allowed members
  groups_.add("leads", "wim");       // a creator behind the wall

  EXPECT_TRUE(may_create_room_in(category_, User{"lee"}, groups_).ok());
  EXPECT_TRUE(may_create_room_in(category_, User{"CAROL"}, groups_).ok());

  const Decision amy = may_create_room_in(category_, User{"amy"}, groups_);
  EXPECT_EQ(amy.denial, Denial::kNotCreator);
  EXPECT_EQ(amy.reason, "You may not create rooms in category 'Legal'");
  EXPECT_EQ(may_create_room_in(category_, User{"outsider"}, groups_).denial, Denial::kNotAllowed);
  EXPECT_EQ(may_create_room_in(category_, User{"wim"}, groups_).denial, Denial::kNotAllowed);
  EXPECT_EQ(may_create_room_in(category_, User{}, groups_).denial, Denial::kNotAllowed);

  category_.creators.clear();
  EXPECT_EQ(may_create_room_in(category_, User{"lee"}, groups_).denial, Denial::kNotCreator);
}

TEST_F(ChatRulesTest, Prefixes) {
  const Room r = room(kO, kA);
  EXPECT_EQ(prefix_of(standing(r, Role::kManager)).symbols(), "@");
  EXPECT_EQ(prefix_of(standing(r, Role::kPresenter)).symbols(), "+");
  EXPECT_EQ(prefix_of(standing(r, Role::kMember)).symbols(), "");
  EXPECT_EQ(prefix_of(standing(r, Role::kAllowed)).symbols(), "");
  EXPECT_EQ(prefix_of(standing(r, Role::kWalledManager)).symbols(), "");
  Room both = r;
  both.presenters.push_back(p("max"));
  EXPECT_EQ(prefix_of(standing(both, Role::kManager)), (Prefix{true, true}));
  EXPECT_EQ(prefix_of(standing(both, Role::kManager)).symbols(), "@+");
}

TEST_F(ChatRulesTest, ChannelModes) {
  EXPECT_EQ(channel_modes(room(kO, kN)).letters(), "");
  EXPECT_EQ(channel_modes(room(kC, kN)).letters(), "i");
  EXPECT_EQ(channel_modes(room(kS, kN)).letters(), "is");
  EXPECT_EQ(channel_modes(room(kO, kA)).letters(), "m");
  EXPECT_EQ(channel_modes(room(kS, kA)).letters(), "ims");
}

TEST(ChatRules, ParticipantUpdateLimitBoundary) {
  PoolConfig c;  // 75
  EXPECT_TRUE(sends_participant_updates(0, c));
  EXPECT_TRUE(sends_participant_updates(75, c));
  EXPECT_FALSE(sends_participant_updates(76, c));
  EXPECT_FALSE(sends_participant_updates(100000, c));
  c.participant_update_limit = 1;
  EXPECT_TRUE(sends_participant_updates(1, c));
  EXPECT_FALSE(sends_participant_updates(2, c));
}

TEST(ChatRules, Invitations) {
  Category c;
  Room r;
  c.invitations = true;
  EXPECT_TRUE(invitations_enabled(c, r));  // Inherit by default
  r.invitations = Invitations::kFalse;
  EXPECT_FALSE(invitations_enabled(c, r));
  c.invitations = false;
  r.invitations = Invitations::kInherit;
  EXPECT_FALSE(invitations_enabled(c, r));
}

TEST_F(ChatRulesTest, FileUpload) {
  PoolConfig config;
  const Room r = room(kO, kA);
  const Standing pat = standing(r, Role::kPresenter);
  category_.file_upload = false;
  EXPECT_EQ(may_upload_file(category_, r, pat, 1, config).denial, Denial::kNoFileUpload);
  category_.file_upload = true;
  EXPECT_TRUE(may_upload_file(category_, r, pat, 20000, config).ok());
  const Decision big = may_upload_file(category_, r, pat, 20001, config);
  EXPECT_EQ(big.denial, Denial::kFileTooLarge);
  EXPECT_EQ(big.reason, "Files are limited to 20000 KB");
  // Upload is posting: an auditorium member may not.
  EXPECT_EQ(may_upload_file(category_, r, standing(r, Role::kMember), 1, config).denial,
            Denial::kNotPresenter);
}

}  // namespace
}  // namespace pchat::chat
