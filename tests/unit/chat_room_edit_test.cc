#include "chat/room_edit.h"

#include <gtest/gtest.h>

#include <string>

namespace pchat::chat {
namespace {

Room sample() {
  Room r;
  r.name = "#legal";
  r.category = "Legal";
  r.members = {{PrincipalKind::kAccount, "carol"}};
  r.managers = {{PrincipalKind::kAccount, "alice"}};
  return r;
}

std::string members(const Room& r) {
  return room_setting_value(r, RoomSetting::kMembers);
}

TEST(ChatRoomEdit, SettingsParseCaseInsensitivelyAndNameTheValidOnes) {
  EXPECT_EQ(*parse_room_setting("privacy"), RoomSetting::kPrivacy);
  EXPECT_EQ(*parse_room_setting("MEMBERS"), RoomSetting::kMembers);
  for (RoomSetting s : all_room_settings()) EXPECT_EQ(*parse_room_setting(to_string(s)), s);
  auto bad = parse_room_setting("colour");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("'colour' is not a room setting (use Name, "),
            std::string::npos);
}

TEST(ChatRoomEdit, ListChangesAddRemoveReplaceAndClear) {
  Room r = sample();
  ASSERT_TRUE(apply_room_setting(r, RoomSetting::kMembers, "+bob,dave,-carol").ok());
  EXPECT_EQ(members(r), "bob, dave");
  ASSERT_TRUE(apply_room_setting(r, RoomSetting::kMembers, "+BOB,sip:erin@litwareinc.com").ok());
  EXPECT_EQ(members(r), "bob, dave, erin");  // no duplicate, the SIP domain ignored
  ASSERT_TRUE(apply_room_setting(r, RoomSetting::kMembers, "=group:legal,frank").ok());
  EXPECT_EQ(members(r), "group:legal, frank");
  ASSERT_TRUE(apply_room_setting(r, RoomSetting::kMembers, "=").ok());
  EXPECT_EQ(members(r), "");
  ASSERT_TRUE(apply_room_setting(r, RoomSetting::kManagers, "-alice,+bob").ok());
  EXPECT_EQ(room_setting_value(r, RoomSetting::kManagers), "bob");
}

TEST(ChatRoomEdit, BadValuesChangeNothingAndSayWhy) {
  const Room before = sample();
  Room r = before;
  auto st = apply_room_setting(r, RoomSetting::kMembers, "+bob,,carol");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("Members: an empty entry"), std::string::npos);
  st = apply_room_setting(r, RoomSetting::kMembers, "+bob,mailto:x@y");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("Members: "), std::string::npos);
  st = apply_room_setting(r, RoomSetting::kPrivacy, "Public");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message,
            "Privacy: 'Public' is not a valid privacy (use Open, Closed, Secret)");
  EXPECT_FALSE(apply_room_setting(r, RoomSetting::kDisabled, "maybe").ok());
  EXPECT_FALSE(apply_room_setting(r, RoomSetting::kName, "legal").ok());  // no '#'
  EXPECT_FALSE(apply_room_setting(r, RoomSetting::kType, "Lecture").ok());
  EXPECT_FALSE(apply_room_setting(r, RoomSetting::kMembers, "").ok());
  EXPECT_TRUE(r == before);
}

TEST(ChatRoomEdit, ScalarsAndFlags) {
  Room r = sample();
  ASSERT_TRUE(apply_room_setting(r, RoomSetting::kPrivacy, "secret").ok());
  ASSERT_TRUE(apply_room_setting(r, RoomSetting::kType, "Auditorium").ok());
  ASSERT_TRUE(apply_room_setting(r, RoomSetting::kDisabled, "$true").ok());
  ASSERT_TRUE(apply_room_setting(r, RoomSetting::kInvitations, "false").ok());
  ASSERT_TRUE(apply_room_setting(r, RoomSetting::kDescription, "Legal talk").ok());
  ASSERT_TRUE(apply_room_setting(r, RoomSetting::kName, "#legal2").ok());
  ASSERT_TRUE(apply_room_setting(r, RoomSetting::kAddin, "Wiki").ok());
  EXPECT_EQ(room_setting_value(r, RoomSetting::kPrivacy), "Secret");
  EXPECT_EQ(room_setting_value(r, RoomSetting::kType), "Auditorium");
  EXPECT_EQ(room_setting_value(r, RoomSetting::kDisabled), "true");
  EXPECT_EQ(room_setting_value(r, RoomSetting::kInvitations), "False");
  EXPECT_EQ(room_setting_value(r, RoomSetting::kName), "#legal2");
  EXPECT_EQ(room_setting_value(r, RoomSetting::kAddin), "Wiki");
  ASSERT_TRUE(apply_room_setting(r, RoomSetting::kAddin, "none").ok());
  EXPECT_EQ(r.addin, "");
  for (const char* off : {"off", "no", "0", "FALSE", "$false"}) {
    ASSERT_TRUE(apply_room_setting(r, RoomSetting::kDisabled, off).ok()) << off;
    EXPECT_FALSE(r.disabled);
  }
}

TEST(ChatRoomEdit, ListEditAppliesReplaceThenRemoveThenAdd) {
  std::vector<Principal> list{{PrincipalKind::kAccount, "a"}, {PrincipalKind::kAccount, "b"}};
  ListEdit e;
  e.set = std::vector<std::string>{"c", "d"};
  e.remove = {"d"};
  e.add = {"e", "c"};
  ASSERT_TRUE(apply_list_edit(list, e, "Members").ok());
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].name, "c");
  EXPECT_EQ(list[1].name, "e");
}

}  // namespace
}  // namespace pchat::chat
