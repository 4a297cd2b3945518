// Unit tests for the room cmdlets' declarations (ctl/rooms/cmdlets.h): Lync's
// documented lines bind, with their values, and identities name objects.
#include <gtest/gtest.h>

#include <string>

#include "ctl/cmdlet/binder.h"
#include "ctl/cmdlet/cmdlet.h"
#include "ctl/cmdlet/specs.h"
#include "ctl/rooms/cmdlets.h"
#include "ctl/rooms/commands.h"

namespace pchat::ctl {
namespace {

using cmdlet::Value;

Result<cmdlet::BoundCall> bind_line(const std::string& line) {
  auto call = cmdlet::parse_cmdlet(line);
  if (!call) return call.error();
  auto spec = cmdlet::find_cmdlet(supported_cmdlets(), *call);
  if (!spec) return spec.error();
  return cmdlet::bind(*call, **spec);
}

TEST(RoomCmdlets, LyncLinesBind) {
  const char* lines[] = {
      R"(New-CsPersistentChatCategory -Name "Legal" -PersistentChatPoolFqdn "atl-cs-001.litwareinc.com")",
      R"(Get-CsPersistentChatCategory -Identity "atl-cs-001.litwareinc.com\Legal")",
      R"(Set-CsPersistentChatCategory -Identity "atl-cs-001.litwareinc.com\Legal" -AllowedMembers @{Add="sip:kenmyer@litwareinc.com"} -EnableFileUpload $true)",
      R"(Remove-CsPersistentChatCategory -Identity "atl-cs-001.litwareinc.com\Legal")",
      R"(New-CsPersistentChatRoom -Name "ITNews" -PersistentChatPoolFqdn "atl-cs-001.litwareinc.com" -Category "atl-cs-001.litwareinc.com\IT")",
      R"(Set-CsPersistentChatRoom -Identity "atl-cs-001.litwareinc.com\ITNews" -Members @{Add="sip:kenmyer@litwareinc.com"} -Privacy Secret -Type Auditorium -Disabled $True)",
      R"(Get-CsPersistentChatRoom -Category "atl-cs-001.litwareinc.com\IT")",
      R"(Remove-CsPersistentChatRoom -Identity "atl-cs-001.litwareinc.com\ITNews")",
      R"(New-CsPersistentChatAddin -Name "ITPersistentChatAddin" -PersistentChatPoolFqdn "atl-cs-001.litwareinc.com" -Url "http://atl-cs-001.litwareinc.com/itchat")",
      R"(Set-CsPersistentChatAddin -Identity "atl-cs-001.litwareinc.com\ITPersistentChatAddin" -Url "http://x/")",
      R"(Get-CsPersistentChatConfiguration -Identity "site:Redmond")",
      R"(Set-CsPersistentChatConfiguration -Identity "site:Redmond" -ParticipantUpdateLimit 100)",
  };
  for (const char* line : lines) {
    auto bound = bind_line(line);
    ASSERT_TRUE(bound.ok()) << line << ": " << bound.error().message;
    EXPECT_TRUE(is_room_cmdlet(bound->name)) << line;
  }
}

TEST(RoomCmdlets, ListModifiersAndBooleansKeepTheirKinds) {
  auto b = bind_line(
      R"(Set-CsPersistentChatRoom ITNews -Managers @{Add="a","b"; Remove="c"} -Presenters $null -Disabled $false)");
  ASSERT_TRUE(b.ok()) << b.error().message;
  const auto& managers = b->find("Managers")->value;
  ASSERT_TRUE(managers.is(Value::Kind::kHashtable));
  EXPECT_EQ(*managers.hashtable().add, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(*managers.hashtable().remove, (std::vector<std::string>{"c"}));
  EXPECT_TRUE(b->find("Presenters")->value.is(Value::Kind::kNull));
  EXPECT_FALSE(b->find("Disabled")->value.boolean());
  EXPECT_EQ(b->string_or("Identity"), "ITNews");
}

TEST(RoomCmdlets, BadParametersAreRefusedWhenBinding) {
  EXPECT_FALSE(bind_line("New-CsPersistentChatRoom -Name x").ok());  // -Category required
  EXPECT_FALSE(bind_line("Set-CsPersistentChatConfiguration -DefaultChatHistory many").ok());
  EXPECT_FALSE(bind_line("Set-CsPersistentChatRoom -Identity x -Disabled maybe").ok());
  EXPECT_FALSE(bind_line("Set-CsPersistentChatRoom -Identity x -Colour red").ok());
}

TEST(RoomCmdlets, IdentityNamesTheObjectAfterTheLastBackslash) {
  EXPECT_EQ(object_name(R"(atl-cs-001.litwareinc.com\Legal)"), "Legal");
  EXPECT_EQ(object_name("Legal"), "Legal");
  EXPECT_EQ(object_name(R"(a\b\c)"), "c");
}

}  // namespace
}  // namespace pchat::ctl
