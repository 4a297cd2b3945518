#include "chat/groups.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "chat/diff.h"
#include "chat/model.h"
#include "chat/rules.h"

namespace pchat::chat {
namespace {

// A group from its name and member texts (parsed as an operator writes them).
Group group(const std::string& name, const std::vector<std::string>& members) {
  Group g;
  g.name = name;
  auto parsed = parse_principals(members);
  EXPECT_TRUE(parsed.ok()) << name;
  if (parsed.ok()) g.members = *parsed;
  return g;
}

TEST(ChatGroups, DirectMembersCaseInsensitively) {
  const std::vector<Group> groups = {group("legal", {"alice", "sip:Bob@litwareinc.com"})};
  const Directory d(groups);
  EXPECT_TRUE(d.is_member("alice", "legal"));
  EXPECT_TRUE(d.is_member("ALICE", "Legal"));
  EXPECT_TRUE(d.is_member("bob", "LEGAL"));
  EXPECT_FALSE(d.is_member("carol", "legal"));
  EXPECT_FALSE(d.is_member("alice", "sales"));  // no such group: nobody
  EXPECT_TRUE(d.contains("LeGaL"));
  EXPECT_FALSE(d.contains("sales"));
}

TEST(ChatGroups, NestedGroupsAreFlattened) {
  const std::vector<Group> groups = {
      group("staff", {"group:legal", "group:sales", "dave"}),
      group("legal", {"alice", "group:paralegals"}),
      group("paralegals", {"bob"}),
      group("sales", {"carol"}),
  };
  const Directory d(groups);
  EXPECT_EQ(d.accounts("staff"), (std::vector<std::string>{"alice", "bob", "carol", "dave"}));
  EXPECT_EQ(d.accounts("legal"), (std::vector<std::string>{"alice", "bob"}));
  EXPECT_TRUE(d.is_member("bob", "staff"));  // two levels down
  EXPECT_FALSE(d.is_member("carol", "legal"));
  EXPECT_TRUE(d.accounts("nobody").empty());
}

TEST(ChatGroups, CyclesEndAndShareTheirMembers) {
  const std::vector<Group> groups = {
      group("a", {"alice", "group:b"}), group("b", {"bob", "group:c"}),
      group("c", {"carol", "group:A"}),  // back to a, in another case
  };
  const Directory d(groups);
  const std::vector<std::string> all = {"alice", "bob", "carol"};
  EXPECT_EQ(d.accounts("a"), all);
  EXPECT_EQ(d.accounts("b"), all);
  EXPECT_EQ(d.accounts("c"), all);
}

TEST(ChatGroups, AMissingNestedGroupIsEmpty) {
  const std::vector<Group> groups = {group("legal", {"alice", "group:gone", "OU=Gone,DC=x"})};
  const Directory d(groups);
  EXPECT_EQ(d.accounts("legal"), std::vector<std::string>{"alice"});
}

TEST(ChatGroups, DirectoryNamesIgnoreCaseAndBlanksAroundSeparators) {
  const std::vector<Group> groups = {
      group("OU=Legal,DC=litwareinc,DC=com", {"alice", "group:partners"}),
      group("partners", {"bob"}),
      group("staff", {"ou=legal, dc=LitwareInc, dc=com"}),
  };
  const Directory d(groups);
  EXPECT_TRUE(d.is_member("alice", "OU=Legal,DC=litwareinc,DC=com"));
  EXPECT_TRUE(d.is_member("alice", "ou=LEGAL , DC = litwareinc,dc=COM"));
  EXPECT_TRUE(d.is_member("bob", "OU=Legal,DC=litwareinc,DC=com"));
  EXPECT_FALSE(d.is_member("alice", "OU=Legal Team,DC=litwareinc,DC=com"));
  EXPECT_EQ(d.accounts("staff"), (std::vector<std::string>{"alice", "bob"}));
  EXPECT_EQ(group_key("OU=Legal Team , DC=x"), "ou=legal team,dc=x");  // inner blank kept
  EXPECT_EQ(group_key("Legal Team"), "legal team");
}

TEST(ChatGroups, ParseGroupName) {
  EXPECT_EQ(*parse_group_name("legal"), "legal");
  EXPECT_EQ(*parse_group_name(" group:Legal "), "Legal");
  EXPECT_EQ(*parse_group_name("OU=Legal,DC=x"), "OU=Legal,DC=x");
  EXPECT_EQ(*parse_group_name("group:OU=Legal,DC=x"), "OU=Legal,DC=x");
  for (const char* bad : {"", "  ", "group:", "OU=,DC=x", "bad\x01name", "OU=Legal,junk"}) {
    auto r = parse_group_name(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error().kind, ErrorKind::kInvalidInput);
    }
  }
  EXPECT_FALSE(parse_group_name(std::string(300, 'g')).ok());
  EXPECT_EQ(to_string(group_principal("legal")), "group:legal");
  EXPECT_EQ(to_string(group_principal("OU=Legal,DC=x")), "OU=Legal,DC=x");
}

TEST(ChatGroups, SplitPrincipalListKeepsDirectoryNamesWhole) {
  using V = std::vector<std::string>;
  EXPECT_EQ(split_principal_list("alice,bob"), (V{"alice", "bob"}));
  EXPECT_EQ(split_principal_list("OU=Legal,DC=litwareinc,DC=com"),
            (V{"OU=Legal,DC=litwareinc,DC=com"}));
  EXPECT_EQ(split_principal_list("alice,OU=Legal,DC=x,DC=com,OU=Sales,DC=x,group:staff"),
            (V{"alice", "OU=Legal,DC=x,DC=com", "OU=Sales,DC=x", "group:staff"}));
  EXPECT_EQ(split_principal_list("CN=Legal Team, OU=Groups, DC=x ,bob"),
            (V{"CN=Legal Team, OU=Groups, DC=x ", "bob"}));
  EXPECT_EQ(split_principal_list("group:OU=Legal,DC=x,carol"), (V{"group:OU=Legal,DC=x", "carol"}));
  EXPECT_EQ(split_principal_list("sip:alice@x,irc:bob"), (V{"sip:alice@x", "irc:bob"}));
  EXPECT_TRUE(split_principal_list("  ").empty());
  EXPECT_EQ(split_principal_list("a,,b"), (V{"a", "", "b"}));  // the empty entry is refused later
  for (const auto& e : split_principal_list("OU=A,DC=x,bob,OU=B,DC=y")) {
    EXPECT_TRUE(parse_principal(e).ok()) << e;
  }
}

TEST(ChatGroups, ValidateGroup) {
  EXPECT_TRUE(validate_group(group("legal", {"alice", "group:staff", "OU=A,DC=x"})).ok());
  auto everyone = validate_group(group("legal", {"alice", "*"}));
  ASSERT_FALSE(everyone.ok());
  EXPECT_NE(everyone.error().message.find("'*'"), std::string::npos);
  EXPECT_NE(everyone.error().message.find("group 'legal'"), std::string::npos);
  EXPECT_FALSE(validate_group(group("legal", {"group:LEGAL"})).ok());  // itself
  EXPECT_FALSE(validate_group(group(" legal", {})).ok());
  Group long_text = group("legal", {});
  long_text.description = std::string(kMaxDescriptionLen + 1, 'x');
  EXPECT_FALSE(validate_group(long_text).ok());
}

// The rules with a Directory: the ethical wall by group wins, and a diff made with
// the old and new directories kicks those who left a group.
TEST(ChatGroups, RulesAndDiffWithGroups) {
  Category legal;
  legal.name = "Legal";
  legal.allowed_members = {*parse_principal("OU=Legal,DC=litwareinc,DC=com")};
  legal.denied_members = {*parse_principal("group:walled")};
  Room room;
  room.name = "#case";
  room.category = "Legal";
  room.privacy = Privacy::kClosed;
  room.members = {*parse_principal("group:team")};
  const std::vector<Group> before = {
      group("OU=Legal,DC=litwareinc,DC=com", {"alice", "bob", "carol"}),
      group("team", {"alice", "carol"}),
      group("walled", {"carol"}),
  };
  const Directory old_dir(before);
  EXPECT_TRUE(may_join(room, standing_of(legal, room, User{"alice"}, old_dir)).ok());
  EXPECT_EQ(may_join(room, standing_of(legal, room, User{"bob"}, old_dir)).denial,
            Denial::kNotMember);
  EXPECT_EQ(may_join(room, standing_of(legal, room, User{"carol"}, old_dir)).denial,
            Denial::kNotAllowed);  // the wall wins over membership

  std::vector<Group> after = before;
  after[1] = group("team", {"bob"});  // alice leaves the team, bob joins it
  const Directory new_dir(after);
  const std::vector<Participant> people = {{"a", User{"alice"}}, {"b", User{"bob"}}};
  const AccessDiff diff = diff_access(legal, room, legal, room, people, old_dir, new_dir);
  ASSERT_EQ(diff.removals.size(), 1u);
  EXPECT_EQ(diff.removals[0].nick, "a");
  EXPECT_EQ(diff.removals[0].denial, Denial::kNotMember);
}

TEST(ChatGroups, DiffUsesTheOldDirectoryForTheOldPrefix) {
  Category cat = default_category();
  Room room;
  room.name = "#r";
  room.category = cat.name;
  room.privacy = Privacy::kOpen;
  room.managers = {*parse_principal("group:mods")};
  const std::vector<Group> before = {group("mods", {"alice"})};
  const std::vector<Group> after = {group("mods", {"bob"})};
  const Directory old_dir(before), new_dir(after);
  const std::vector<Participant> people = {{"a", User{"alice"}}, {"b", User{"bob"}}};
  const AccessDiff diff = diff_access(cat, room, cat, room, people, old_dir, new_dir);
  ASSERT_EQ(diff.prefix_changes.size(), 2u);
  EXPECT_EQ(diff.prefix_changes[0].nick, "a");
  EXPECT_TRUE(diff.prefix_changes[0].before.op);
  EXPECT_FALSE(diff.prefix_changes[0].after.op);
  EXPECT_EQ(diff.prefix_changes[1].nick, "b");
  EXPECT_TRUE(diff.prefix_changes[1].after.op);
  // With one directory for both sides, nothing seems to change: the bug this avoids.
  EXPECT_TRUE(diff_access(cat, room, cat, room, people, new_dir).prefix_changes.empty());
}

}  // namespace
}  // namespace pchat::chat
