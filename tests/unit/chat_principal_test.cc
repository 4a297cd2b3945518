#include "chat/principal.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pchat::chat {
namespace {

Principal parse_ok(const std::string& text) {
  Result<Principal> p = parse_principal(text);
  EXPECT_TRUE(p.ok()) << text << ": " << (p.ok() ? "" : p.error().message);
  return p.ok() ? *p : Principal{};
}

TEST(ChatPrincipal, AccountAliasesMapToOneAccount) {
  const Principal alice{PrincipalKind::kAccount, "alice"};
  for (const char* text :
       {"alice", "Alice", "  ALICE\t", "sip:alice@example.com", "SIP:Alice@Example.COM",
        "sip:alice", "Sip:alice@other.org", "irc:alice", "IRC:aLiCe"}) {
    const Principal p = parse_ok(text);
    EXPECT_EQ(p.kind, PrincipalKind::kAccount) << text;
    EXPECT_EQ(p.name, "alice") << text;  // stored casefolded
    EXPECT_EQ(p, alice) << text;
  }
}

TEST(ChatPrincipal, GroupsAndEveryone) {
  Principal g = parse_ok("group:Legal");
  EXPECT_EQ(g.kind, PrincipalKind::kGroup);
  EXPECT_EQ(g.name, "Legal");
  EXPECT_EQ(g, parse_ok("GROUP:legal"));  // group names compare case-insensitively

  Principal ou = parse_ok("OU=Legal,DC=litware,DC=com");
  EXPECT_EQ(ou.kind, PrincipalKind::kGroup);
  EXPECT_EQ(ou.name, "OU=Legal,DC=litware,DC=com");
  EXPECT_EQ(parse_ok("CN=Legal Team, OU=Groups,DC=x").kind, PrincipalKind::kGroup);

  Principal all = parse_ok(" * ");
  EXPECT_EQ(all.kind, PrincipalKind::kEveryone);
  EXPECT_EQ(all.name, "");
}

TEST(ChatPrincipal, RejectsBadEntriesWithAReason) {
  for (const char* text :
       {"", "   ", "sip:", "sip:@example.com", "sip:john.doe@example.com", "irc:", "irc:1abc",
        "group:", "group:  ", "mailto:a@b", "a b", "alice@example.com", "OU=,DC=x", "OU=Legal,",
        "=x", "x\x01y", "1alice", "#room"}) {
    Result<Principal> p = parse_principal(text);
    ASSERT_FALSE(p.ok()) << "accepted '" << text << "'";
    EXPECT_EQ(p.error().kind, ErrorKind::kInvalidInput);
    EXPECT_NE(p.error().message.find("is not a valid principal"), std::string::npos)
        << p.error().message;
  }
  Result<Principal> dotted = parse_principal("sip:john.doe@example.com");
  ASSERT_FALSE(dotted.ok());
  EXPECT_NE(dotted.error().message.find("'john.doe' is not a valid pchat account name"),
            std::string::npos)
      << dotted.error().message;
}

TEST(ChatPrincipal, ToStringIsCanonicalAndRoundTrips) {
  EXPECT_EQ(to_string(parse_ok("sip:Alice@example.com")), "alice");
  EXPECT_EQ(to_string(parse_ok("irc:Bob")), "bob");
  EXPECT_EQ(to_string(parse_ok("group:Legal")), "group:Legal");
  EXPECT_EQ(to_string(parse_ok("OU=Legal,DC=x")), "OU=Legal,DC=x");
  EXPECT_EQ(to_string(parse_ok("*")), "*");
  EXPECT_EQ(to_string(parse_ok("group:a=b")), "a=b");  // a valid directory name stays bare
  for (const char* text :
       {"alice", "sip:Alice@x", "group:Legal", "group:a=b", "group:x,y", "OU=Legal,DC=x", "*"}) {
    const Principal p = parse_ok(text);
    EXPECT_EQ(parse_ok(to_string(p)), p) << text;
  }
}

TEST(ChatPrincipal, ParsePrincipalsDropsDuplicatesAndNamesTheBadEntry) {
  const std::vector<std::string> texts = {"alice", "sip:ALICE@x", "irc:bob", "group:g", "GROUP:G"};
  Result<std::vector<Principal>> list = parse_principals(texts);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].name, "alice");
  EXPECT_EQ((*list)[1].name, "bob");
  EXPECT_EQ((*list)[2].name, "g");

  const std::vector<std::string> bad = {"alice", "mailto:x@y", "bob"};
  Result<std::vector<Principal>> err = parse_principals(bad);
  ASSERT_FALSE(err.ok());
  EXPECT_NE(err.error().message.find("mailto:x@y"), std::string::npos);
}

TEST(ChatPrincipal, Matching) {
  StaticGroups groups;
  groups.add("Legal", "Carol");
  groups.add("OU=Legal,DC=x", "dave");

  const User alice{"Alice"};
  const User carol{"carol"};
  const User dave{"DAVE"};
  const User guest{};

  EXPECT_TRUE(matches(parse_ok("sip:alice@example.com"), alice, groups));
  EXPECT_FALSE(matches(parse_ok("alice"), carol, groups));
  EXPECT_TRUE(matches(parse_ok("group:legal"), carol, groups));
  EXPECT_FALSE(matches(parse_ok("group:legal"), alice, groups));
  EXPECT_TRUE(matches(parse_ok("ou=legal,dc=x"), dave, groups));
  EXPECT_FALSE(matches(parse_ok("group:nosuch"), carol, groups));

  // A guest matches only "*", never an account or a group.
  EXPECT_TRUE(matches(parse_ok("*"), guest, groups));
  EXPECT_TRUE(matches(parse_ok("*"), alice, groups));
  EXPECT_FALSE(matches(Principal{PrincipalKind::kAccount, ""}, guest, groups));
  EXPECT_FALSE(matches(parse_ok("group:legal"), guest, groups));

  const std::vector<Principal> list = {parse_ok("bob"), parse_ok("group:legal")};
  EXPECT_TRUE(matches_any(list, carol, groups));
  EXPECT_FALSE(matches_any(list, alice, groups));
  EXPECT_FALSE(matches_any({}, alice, groups));

  NoGroups none;
  EXPECT_FALSE(matches(parse_ok("group:legal"), carol, none));
  EXPECT_TRUE(matches(parse_ok("carol"), carol, none));
}

}  // namespace
}  // namespace pchat::chat
