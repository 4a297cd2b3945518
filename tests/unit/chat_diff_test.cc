#include "chat/diff.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pchat::chat {
namespace {

Principal pr(const std::string& text) {
  return *parse_principal(text);
}

class ChatDiffTest : public ::testing::Test {
 protected:
  ChatDiffTest() {
    for (const char* a : {"amy", "mel", "pat", "max", "wim"}) groups_.add("staff", a);
    category_.name = "Legal";
    category_.allowed_members = {pr("group:staff")};
    room_.name = "#cases";
    room_.category = "Legal";
    room_.privacy = Privacy::kOpen;
    room_.members = {pr("mel"), pr("wim")};
    room_.presenters = {pr("pat")};
    room_.managers = {pr("max")};
    participants_ = {{"Amy", User{"amy"}},
                     {"Mel", User{"mel"}},
                     {"Pat", User{"pat"}},
                     {"Max", User{"max"}},
                     {"Wim", User{"wim"}}};
  }

  AccessDiff diff(const Category& new_category, const Room& new_room) const {
    return diff_access(category_, room_, new_category, new_room, participants_, groups_);
  }

  static std::vector<std::string> removed(const AccessDiff& d) {
    std::vector<std::string> out;
    for (const Removal& r : d.removals) out.push_back(r.nick);
    return out;
  }

  StaticGroups groups_;
  Category category_;
  Room room_;
  std::vector<Participant> participants_;
};

TEST_F(ChatDiffTest, NoChangeIsEmpty) {
  const AccessDiff d = diff(category_, room_);
  EXPECT_TRUE(d.empty());
  EXPECT_FALSE(d.modes_changed());
}

TEST_F(ChatDiffTest, OpenToClosedRemovesNonMembers) {
  Room closed = room_;
  closed.privacy = Privacy::kClosed;
  const AccessDiff d = diff(category_, closed);
  EXPECT_EQ(removed(d), std::vector<std::string>{"Amy"});
  ASSERT_EQ(d.removals.size(), 1u);
  EXPECT_EQ(d.removals[0].denial, Denial::kNotMember);
  EXPECT_EQ(d.removals[0].reason, "You are no longer a member of #cases");
  EXPECT_TRUE(d.prefix_changes.empty());
  EXPECT_TRUE(d.modes_changed());
  EXPECT_EQ(d.modes_before.letters(), "");
  EXPECT_EQ(d.modes_after.letters(), "i");
}

TEST_F(ChatDiffTest, SecretRoomDropsMembersWhoLeaveIt) {
  room_.privacy = Privacy::kSecret;
  participants_.erase(participants_.begin());  // Amy could not be in it
  Room less = room_;
  less.members = {pr("mel")};  // wim is no longer a member
  const AccessDiff d = diff(category_, less);
  EXPECT_EQ(removed(d), std::vector<std::string>{"Wim"});
  EXPECT_EQ(d.removals[0].denial, Denial::kNoSuchRoom);
  EXPECT_EQ(d.removals[0].reason, "You are no longer a member of #cases");
  EXPECT_FALSE(d.modes_changed());
}

TEST_F(ChatDiffTest, EthicalWallRemovesEvenManagers) {
  Category walled = category_;
  walled.denied_members = {pr("group:conflicted")};
  groups_.add("conflicted", "max");
  groups_.add("conflicted", "amy");
  const AccessDiff d = diff(walled, room_);
  EXPECT_EQ(removed(d), (std::vector<std::string>{"Amy", "Max"}));
  for (const Removal& r : d.removals) {
    EXPECT_EQ(r.denial, Denial::kNotAllowed);
    EXPECT_EQ(r.reason, "You are no longer allowed in the rooms of category 'Legal'");
  }
  // Max is removed, so no "-o" for him as well.
  EXPECT_TRUE(d.prefix_changes.empty());
}

TEST_F(ChatDiffTest, DisablingRemovesEveryone) {
  Room off = room_;
  off.disabled = true;
  const AccessDiff d = diff(category_, off);
  EXPECT_EQ(removed(d), (std::vector<std::string>{"Amy", "Mel", "Pat", "Max", "Wim"}));
  for (const Removal& r : d.removals) {
    EXPECT_EQ(r.denial, Denial::kDisabled);
    EXPECT_EQ(r.reason, "#cases has been disabled");
  }
}

TEST_F(ChatDiffTest, RoleChangesBecomeModeChanges) {
  Room next = room_;
  next.managers = {pr("mel")};               // max: @ -> none; mel: none -> @
  next.presenters = {pr("pat"), pr("amy")};  // amy: none -> +
  next.type = RoomType::kAuditorium;
  const AccessDiff d = diff(category_, next);
  EXPECT_TRUE(d.removals.empty());
  ASSERT_EQ(d.prefix_changes.size(), 3u);
  EXPECT_EQ(d.prefix_changes[0].nick, "Amy");
  EXPECT_EQ(d.prefix_changes[0].before.symbols(), "");
  EXPECT_EQ(d.prefix_changes[0].after.symbols(), "+");
  EXPECT_EQ(d.prefix_changes[1].nick, "Mel");
  EXPECT_EQ(d.prefix_changes[1].after.symbols(), "@");
  EXPECT_EQ(d.prefix_changes[2].nick, "Max");
  EXPECT_EQ(d.prefix_changes[2].before.symbols(), "@");
  EXPECT_EQ(d.prefix_changes[2].after.symbols(), "");
  EXPECT_EQ(d.modes_after.letters(), "m");
}

TEST_F(ChatDiffTest, CategoryScopeChangeRemovesAndKeeps) {
  // The category narrows to one group; its members keep their prefixes.
  Category narrow = category_;
  narrow.allowed_members = {pr("group:core")};
  groups_.add("core", "max");
  groups_.add("core", "pat");
  const AccessDiff d = diff(narrow, room_);
  EXPECT_EQ(removed(d), (std::vector<std::string>{"Amy", "Mel", "Wim"}));
  EXPECT_TRUE(d.prefix_changes.empty());
}

TEST_F(ChatDiffTest, GuestsInAnOpenDefaultRoom) {
  // A default-category room whose creator made it Closed: guests and
  // non-members go, the creator stays op.
  const Category def = default_category();
  Room adhoc = *new_adhoc_room("#new", User{"max"});
  std::vector<Participant> people = {{"max", User{"max"}}, {"guest1", User{}}};
  Room closed = adhoc;
  closed.privacy = Privacy::kClosed;
  const AccessDiff d = diff_access(def, adhoc, def, closed, people, groups_);
  EXPECT_EQ(removed(d), std::vector<std::string>{"guest1"});
  EXPECT_TRUE(d.prefix_changes.empty());
}

}  // namespace
}  // namespace pchat::chat
