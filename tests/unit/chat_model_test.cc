#include "chat/model.h"

#include <gtest/gtest.h>

#include <string>

#include "chat/pool_config.h"
#include "chat/rules.h"

namespace pchat::chat {
namespace {

TEST(ChatModel, EnumNamesRoundTripCaseInsensitively) {
  for (Privacy p : {Privacy::kOpen, Privacy::kClosed, Privacy::kSecret}) {
    Result<Privacy> back = parse_privacy(to_string(p));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, p);
  }
  EXPECT_EQ(*parse_privacy("secret"), Privacy::kSecret);
  EXPECT_EQ(*parse_room_type("AUDITORIUM"), RoomType::kAuditorium);
  EXPECT_EQ(*parse_room_type("normal"), RoomType::kNormal);
  EXPECT_EQ(*parse_invitations("inherit"), Invitations::kInherit);
  EXPECT_EQ(*parse_invitations("False"), Invitations::kFalse);

  Result<Privacy> bad = parse_privacy("public");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "'public' is not a valid privacy (use Open, Closed, Secret)");
  EXPECT_FALSE(parse_room_type("").ok());
  EXPECT_FALSE(parse_invitations("true").ok());
}

TEST(ChatModel, Defaults) {
  Room r;
  EXPECT_EQ(r.privacy, Privacy::kClosed);
  EXPECT_EQ(r.type, RoomType::kNormal);
  EXPECT_EQ(r.invitations, Invitations::kInherit);
  EXPECT_FALSE(r.disabled);
  PoolConfig c;
  EXPECT_EQ(c.default_chat_history, 30);
  EXPECT_EQ(c.participant_update_limit, 75);
  EXPECT_EQ(c.max_file_size_kb, 20000);
  EXPECT_TRUE(validate_pool_config(c).ok());
}

TEST(ChatModel, PoolConfigValidation) {
  auto with_history = [](int n) {
    PoolConfig c;
    c.default_chat_history = n;
    return validate_pool_config(c);
  };
  EXPECT_FALSE(with_history(0).ok());
  EXPECT_TRUE(with_history(1).ok());
  EXPECT_TRUE(with_history(500).ok());
  EXPECT_FALSE(with_history(501).ok());
  EXPECT_FALSE(with_history(-1).ok());
  EXPECT_EQ(with_history(0).error().message, "DefaultChatHistory must be between 1 and 500, not 0");
  EXPECT_EQ(with_history(501).error().kind, ErrorKind::kInvalidInput);

  PoolConfig c;
  c.participant_update_limit = 0;
  Status s = validate_pool_config(c);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("ParticipantUpdateLimit"), std::string::npos);
  c.participant_update_limit = kMaxParticipantUpdateLimit;
  EXPECT_TRUE(validate_pool_config(c).ok());
  c.participant_update_limit = kMaxParticipantUpdateLimit + 1;
  EXPECT_FALSE(validate_pool_config(c).ok());

  c = PoolConfig{};
  c.max_file_size_kb = 0;
  s = validate_pool_config(c);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("MaxFileSizeKB"), std::string::npos);
  c.max_file_size_kb = kMaxMaxFileSizeKB;
  EXPECT_TRUE(validate_pool_config(c).ok());
  c.max_file_size_kb = kMaxMaxFileSizeKB + 1;
  EXPECT_FALSE(validate_pool_config(c).ok());
}

TEST(ChatModel, ValidateCategory) {
  Category c;
  c.name = "Legal";
  EXPECT_TRUE(validate_category(c).ok());
  c.name = "";
  EXPECT_FALSE(validate_category(c).ok());
  c.name = std::string(kMaxCategoryNameLen, 'x');
  EXPECT_TRUE(validate_category(c).ok());
  c.name = std::string(kMaxCategoryNameLen + 1, 'x');
  EXPECT_FALSE(validate_category(c).ok());
  c.name = "a\nb";
  EXPECT_FALSE(validate_category(c).ok());
  c.name = "Legal";
  c.description = std::string(kMaxDescriptionLen + 1, 'd');
  Status s = validate_category(c);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "category 'Legal': the description is too long");
}

TEST(ChatModel, ValidateRoom) {
  Category cat;
  cat.name = "Legal";
  Room r;
  r.name = "#merger";
  r.category = "legal";  // names compare case-insensitively
  EXPECT_TRUE(validate_room(r, cat).ok());
  r.name = "merger";
  EXPECT_FALSE(validate_room(r, cat).ok());
  r.name = "#a b";
  EXPECT_FALSE(validate_room(r, cat).ok());
  r.name = "#merger";
  r.category = "Finance";
  Status s = validate_room(r, cat);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "room '#merger': its category 'Finance' is not 'Legal'");
  r.category = "Legal";
  r.addin = "x\ry";
  EXPECT_FALSE(validate_room(r, cat).ok());
}

TEST(ChatModel, DefaultCategoryLetsEveryoneCreateAndJoin) {
  const Category def = default_category();
  EXPECT_EQ(def.name, kDefaultCategoryName);
  EXPECT_TRUE(validate_category(def).ok());
  NoGroups groups;
  for (const User& u : {User{"alice"}, User{"Bob"}, User{}}) {
    EXPECT_TRUE(may_create_room_in(def, u, groups).ok()) << u.account;
  }

  Result<Room> room = new_adhoc_room("#New", User{"Alice"});
  ASSERT_TRUE(room.ok());
  EXPECT_EQ(room->name, "#New");
  EXPECT_EQ(room->category, kDefaultCategoryName);
  EXPECT_EQ(room->privacy, Privacy::kOpen);
  EXPECT_EQ(room->type, RoomType::kNormal);
  EXPECT_TRUE(validate_room(*room, def).ok());
  ASSERT_EQ(room->managers.size(), 1u);
  EXPECT_EQ(to_string(room->managers[0]), "alice");

  // The creator is the channel operator; anyone else (guests too) joins and
  // posts without a prefix, as on any IRC server.
  const Standing creator = standing_of(def, *room, User{"alice"}, groups);
  EXPECT_EQ(prefix_of(creator).symbols(), "@");
  EXPECT_TRUE(may_manage(*room, creator).ok());
  for (const User& u : {User{"bob"}, User{}}) {
    const Standing s = standing_of(def, *room, u, groups);
    EXPECT_TRUE(may_find(*room, s).ok());
    EXPECT_TRUE(may_join(*room, s).ok());
    EXPECT_TRUE(may_post(*room, s).ok());
    EXPECT_TRUE(may_read(*room, s).ok());
    EXPECT_FALSE(may_manage(*room, s).ok());
    EXPECT_EQ(prefix_of(s).symbols(), "");
  }
  EXPECT_EQ(channel_modes(*room).letters(), "");
  EXPECT_TRUE(invitations_enabled(def, *room));

  Result<Room> by_guest = new_adhoc_room("#g", User{});
  ASSERT_TRUE(by_guest.ok());
  EXPECT_TRUE(by_guest->managers.empty());

  Result<Room> bad = new_adhoc_room("nohash", User{"alice"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::kInvalidInput);
}

TEST(ChatModel, NewRoomInACategory) {
  Category legal;
  legal.name = "Legal";
  Result<Room> r = new_room(legal, "#cases", User{"Carol"}, Privacy::kSecret);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->category, "Legal");
  EXPECT_EQ(r->privacy, Privacy::kSecret);
  ASSERT_EQ(r->managers.size(), 1u);
  EXPECT_EQ(r->managers[0], (Principal{PrincipalKind::kAccount, "carol"}));
  EXPECT_TRUE(validate_room(*r, legal).ok());
}

}  // namespace
}  // namespace pchat::chat
