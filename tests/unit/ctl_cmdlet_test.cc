// Unit tests for the cmdlet front end (src/ctl/cmdlet): lexer, parser, binder, dates.
// Lync's lines are typed verbatim, Unicode dashes and all.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "ctl/cmdlet/binder.h"
#include "ctl/cmdlet/cmdlet.h"
#include "ctl/cmdlet/date.h"
#include "ctl/cmdlet/text.h"

namespace pchat::ctl::cmdlet {
namespace {

using K = Value::Kind;
using PK = ParamKind;

// Lync's cmdlets as pchatctl could declare them (parameter names from the product's
// documentation; a subset where the product has many).
const std::vector<CmdletSpec>& lync_specs() {
  static const std::vector<CmdletSpec> specs = {
      {"Set-CsPersistentChatState",
       {{"Identity", PK::kString, false, 0}, {"PoolState", PK::kString, true}}},
      {"Get-CsPersistentChatState", {{"Identity", PK::kString, false, 0}}},
      {"Set-CsPersistentChatActiveServer",
       {{"Identity", PK::kString, false, 0},
        {"ActiveServers", PK::kStringOrHashtableOrNull},
        {"Swap", PK::kSwitch},
        {"Force", PK::kSwitch}}},
      {"Install-CsMirrorDatabase",
       {{"SqlServerFqdn", PK::kString},
        {"SqlInstanceName", PK::kString},
        {"MirrorSqlServerFqdn", PK::kString},
        {"MirrorSqlInstanceName", PK::kString},
        {"DatabaseType", PK::kList},
        {"FileShare", PK::kString},
        {"DropExistingDatabasesOnMirror", PK::kSwitch},
        {"Update", PK::kSwitch}}},
      {"Set-CsPersistentChatRoom",
       {{"Identity", PK::kString, true, 0},
        {"Members", PK::kStringOrHashtableOrNull},
        {"Managers", PK::kStringOrHashtableOrNull},
        {"Presenters", PK::kStringOrHashtableOrNull},
        {"Privacy", PK::kString},
        {"Type", PK::kString},
        {"Disabled", PK::kBool}}},
      {"New-CsPersistentChatCategory",
       {{"Name", PK::kString, true},
        {"PersistentChatPoolFqdn", PK::kString, true},
        {"AllowedMembers", PK::kList},
        {"DeniedMembers", PK::kList},
        {"Creators", PK::kList},
        {"EnableFileUpload", PK::kBool},
        {"EnableInvitations", PK::kBool}}},
      {"Set-CsPersistentChatConfiguration",
       {{"Identity", PK::kString, false, 0},
        {"DefaultChatHistory", PK::kInt},
        {"ParticipantUpdateLimit", PK::kInt},
        {"MaxFileSizeKB", PK::kInt}}},
      {"Clear-CsPersistentChatRoom",
       {{"Identity", PK::kString, true, 0}, {"EndDate", PK::kDate, true}, {"Force", PK::kSwitch}}},
      {"Remove-CsPersistentChatMessage",
       {{"Identity", PK::kString, true, 0},
        {"UserUri", PK::kString},
        {"StartDate", PK::kDate},
        {"EndDate", PK::kDate},
        {"MessagePattern", PK::kString},
        {"ReplaceMessage", PK::kString},
        {"Remove", PK::kSwitch},
        {"CaseSensitive", PK::kSwitch},
        {"Force", PK::kSwitch}}},
  };
  return specs;
}

CmdletCall parse_ok(std::string_view line) {
  Result<CmdletCall> call = parse_cmdlet(line);
  EXPECT_TRUE(call.ok()) << line << "\n  -> " << (call.ok() ? "" : call.error().message);
  return call.ok() ? *call : CmdletCall{};
}

// Parses, finds the spec by name and binds; fails the test on any error.
BoundCall bind_ok(std::string_view line) {
  Result<CmdletCall> call = parse_cmdlet(line);
  if (!call.ok()) {
    ADD_FAILURE() << line << "\n  parse -> " << call.error().message;
    return {};
  }
  Result<const CmdletSpec*> spec = find_cmdlet(lync_specs(), *call);
  if (!spec.ok()) {
    ADD_FAILURE() << line << "\n  find -> " << spec.error().message;
    return {};
  }
  Result<BoundCall> bound = bind(*call, **spec);
  if (!bound.ok()) {
    ADD_FAILURE() << line << "\n  bind -> " << bound.error().message;
    return {};
  }
  return *bound;
}

std::string parse_error(std::string_view line) {
  Result<CmdletCall> call = parse_cmdlet(line);
  EXPECT_FALSE(call.ok()) << line;
  if (call.ok()) return "";
  EXPECT_EQ(call.error().kind, ErrorKind::kInvalidInput);
  return call.error().message;
}

std::string bind_error(std::string_view line) {
  Result<CmdletCall> call = parse_cmdlet(line);
  if (!call.ok()) {
    ADD_FAILURE() << line << "\n  parse -> " << call.error().message;
    return "";
  }
  Result<const CmdletSpec*> spec = find_cmdlet(lync_specs(), *call);
  if (!spec.ok()) return spec.error().message;
  Result<BoundCall> bound = bind(*call, **spec);
  EXPECT_FALSE(bound.ok()) << line;
  return bound.ok() ? "" : bound.error().message;
}

// ---------------------------------------------------------------------------
// Lync's lines, verbatim.

TEST(CtlCmdletLync, FrenchEditionWithEnDashBeforePoolState) {
  // As the French edition of Lync's runbook writes it: U+2013 before PoolState.
  const std::string line =
      "Set-CsPersistentChatState -Identity \"service:atl-cs-001.litwareinc.com\" –PoolState "
      "FailedOver";
  ASSERT_NE(line.find("\xE2\x80\x93PoolState"), std::string::npos);  // the en dash is there
  CmdletCall call = parse_ok(line);
  EXPECT_EQ(call.verb_noun, "Set-CsPersistentChatState");
  EXPECT_EQ(call.name_lower, "set-cspersistentchatstate");
  ASSERT_EQ(call.params.size(), 2u);
  EXPECT_EQ(call.params[0].name, "Identity");
  EXPECT_EQ(call.params[0].position, 27);
  EXPECT_EQ(call.params[0].value_position, 37);
  EXPECT_EQ(call.params[0].value, Value::make_string("service:atl-cs-001.litwareinc.com"));
  EXPECT_EQ(call.params[1].name, "PoolState");
  EXPECT_EQ(call.params[1].position, 73);
  EXPECT_EQ(call.params[1].value, Value::make_string("FailedOver"));

  BoundCall bound = bind_ok(line);
  EXPECT_EQ(bound.name, "Set-CsPersistentChatState");
  EXPECT_EQ(bound.string_or("identity"), "service:atl-cs-001.litwareinc.com");
  EXPECT_EQ(bound.string_or("POOLSTATE"), "FailedOver");
}

TEST(CtlCmdletLync, EnglishTranslationAndFailback) {
  BoundCall bound = bind_ok(
      "Set-CsPersistentChatState -Identity \"service:atl-cs-001.litwareinc.com\" -PoolState "
      "FailedOver");
  EXPECT_EQ(bound.string_or("PoolState"), "FailedOver");
  bound = bind_ok("Set-CsPersistentChatState -PoolState Normal");
  EXPECT_EQ(bound.string_or("PoolState"), "Normal");
  EXPECT_FALSE(bound.has("Identity"));
  bound = bind_ok("Get-CsPersistentChatState");
  EXPECT_TRUE(bound.params.empty());
}

TEST(CtlCmdletLync, StepsSixAndSevenByName) {
  BoundCall bound = bind_ok("Install-CsMirrorDatabase");
  EXPECT_EQ(bound.name, "Install-CsMirrorDatabase");
  EXPECT_TRUE(bound.params.empty());
  bound = bind_ok("Set-CsPersistentChatActiveServer");
  EXPECT_EQ(bound.name, "Set-CsPersistentChatActiveServer");
}

TEST(CtlCmdletLync, ActiveServerListModifiers) {
  BoundCall add = bind_ok(
      "Set-CsPersistentChatActiveServer -Identity \"service:atl-cs-001.litwareinc.com\" "
      "-ActiveServers @{Add=\"atl-pc-001.litwareinc.com\",\"atl-pc-002.litwareinc.com\"}");
  const BoundParam* servers = add.find("ActiveServers");
  ASSERT_NE(servers, nullptr);
  ASSERT_TRUE(servers->value.is(K::kHashtable));
  const Hashtable& h = servers->value.hashtable();
  ASSERT_TRUE(h.add.has_value());
  EXPECT_EQ(*h.add,
            (std::vector<std::string>{"atl-pc-001.litwareinc.com", "atl-pc-002.litwareinc.com"}));
  EXPECT_FALSE(h.remove.has_value());
  EXPECT_FALSE(h.replace.has_value());

  BoundCall remove = bind_ok(
      "Set-CsPersistentChatActiveServer -Identity \"service:atl-cs-001.litwareinc.com\" "
      "-ActiveServers @{Remove=\"atl-pc-001.litwareinc.com\"}");
  const Hashtable& r = remove.find("ActiveServers")->value.hashtable();
  ASSERT_TRUE(r.remove.has_value());
  EXPECT_EQ(*r.remove, std::vector<std::string>{"atl-pc-001.litwareinc.com"});
  EXPECT_FALSE(r.add.has_value());

  BoundCall clear = bind_ok(
      "Set-CsPersistentChatActiveServer -Identity \"service:atl-cs-001.litwareinc.com\" "
      "-ActiveServers $null");
  EXPECT_TRUE(clear.find("ActiveServers")->value.is(K::kNull));

  BoundCall replace = bind_ok(
      "Set-CsPersistentChatActiveServer service:atl-cs-001.litwareinc.com -ActiveServers "
      "@{ replace = 'a' ; }");
  EXPECT_EQ(replace.string_or("Identity"), "service:atl-cs-001.litwareinc.com");
  EXPECT_EQ(*replace.find("ActiveServers")->value.hashtable().replace,
            std::vector<std::string>{"a"});

  BoundCall plain = bind_ok("Set-CsPersistentChatActiveServer -ActiveServers a.x.com,b.x.com");
  EXPECT_EQ(plain.find("ActiveServers")->value, Value::make_list({"a.x.com", "b.x.com"}));
  BoundCall swap = bind_ok("Set-CsPersistentChatActiveServer -Swap -Force");
  EXPECT_TRUE(swap.is_set("Swap"));
  EXPECT_TRUE(swap.is_set("Force"));
}

TEST(CtlCmdletLync, RoomMembersAddAndRemoveWithBackslashIdentity) {
  BoundCall bound = bind_ok(
      "Set-CsPersistentChatRoom -Identity \"atl-cs-001\\Room1\" -Members @{Add=\"sip:a@x.com\"; "
      "Remove=\"sip:b@x.com\"}");
  EXPECT_EQ(bound.string_or("Identity"), "atl-cs-001\\Room1");
  const Hashtable& h = bound.find("Members")->value.hashtable();
  EXPECT_EQ(*h.add, std::vector<std::string>{"sip:a@x.com"});
  EXPECT_EQ(*h.remove, std::vector<std::string>{"sip:b@x.com"});
  // Unquoted, the backslash is literal too.
  bound = bind_ok("Set-CsPersistentChatRoom atl-cs-001\\Room1 -Disabled $TRUE -Privacy Secret");
  EXPECT_EQ(bound.string_or("Identity"), "atl-cs-001\\Room1");
  EXPECT_TRUE(bound.is_set("Disabled"));
  EXPECT_EQ(bound.string_or("Privacy"), "Secret");
}

TEST(CtlCmdletLync, CategoryWithQuotedCommaList) {
  BoundCall bound = bind_ok(
      "New-CsPersistentChatCategory -Name Legal -PersistentChatPoolFqdn atl-cs-001.litwareinc.com "
      "-AllowedMembers \"OU=Legal,DC=x\", \"sip:a@x\"");
  EXPECT_EQ(bound.string_or("Name"), "Legal");
  EXPECT_EQ(bound.string_or("PersistentChatPoolFqdn"), "atl-cs-001.litwareinc.com");
  EXPECT_EQ(bound.find("AllowedMembers")->value, Value::make_list({"OU=Legal,DC=x", "sip:a@x"}));
  // A single string for a list parameter becomes a list of one.
  bound = bind_ok(
      "New-CsPersistentChatCategory -Name Legal -PersistentChatPoolFqdn p -Creators sip:c@x "
      "-EnableFileUpload:$false");
  EXPECT_EQ(bound.find("Creators")->value, Value::make_list({"sip:c@x"}));
  EXPECT_EQ(bound.find("EnableFileUpload")->value, Value::make_bool(false));
}

TEST(CtlCmdletLync, AdminCmdletsWithDatesAndSwitches) {
  BoundCall clear = bind_ok(
      "Clear-CsPersistentChatRoom -Identity \"atl-cs-001\\Room1\" "
      "-EndDate \"2024-01-31\" -Confirm:$false");
  EXPECT_EQ(clear.string_or("EndDate"), "2024-01-31");
  EXPECT_FALSE(clear.is_set("Confirm"));
  ASSERT_NE(clear.find("Confirm"), nullptr);
  clear = bind_ok(
      "Clear-CsPersistentChatRoom atl-cs-001\\Room1 -EndDate \"1/31/2024 10:00 AM\" "
      "-WhatIf");
  EXPECT_EQ(clear.string_or("EndDate"), "1/31/2024 10:00 AM");
  EXPECT_TRUE(clear.is_set("WhatIf"));

  BoundCall remove = bind_ok(
      "Remove-CsPersistentChatMessage -Identity \"atl-cs-001\\Room1\" -UserUri sip:kenmyer@x.com "
      "-MessagePattern '[Ss]ecret' -CaseSensitive -Remove -Force");
  EXPECT_TRUE(remove.is_set("Remove"));
  EXPECT_TRUE(remove.is_set("CaseSensitive"));
  EXPECT_EQ(remove.string_or("MessagePattern"), "[Ss]ecret");
  remove = bind_ok(
      "Remove-CsPersistentChatMessage \"atl-cs-001\\Room1\" -ReplaceMessage 'This message was "
      "removed.' -StartDate 2024-01-01");
  EXPECT_EQ(remove.string_or("ReplaceMessage"), "This message was removed.");
  EXPECT_FALSE(remove.is_set("Remove"));
}

TEST(CtlCmdletLync, ConfigurationIntegers) {
  BoundCall bound = bind_ok(
      "Set-CsPersistentChatConfiguration -DefaultChatHistory 30 -ParticipantUpdateLimit \"75\" "
      "-MaxFileSizeKB 20000");
  EXPECT_EQ(bound.find("DefaultChatHistory")->value.number(), 30);
  EXPECT_EQ(bound.find("ParticipantUpdateLimit")->value.number(), 75);
  EXPECT_EQ(bound.find("MaxFileSizeKB")->value.number(), 20000);
}

// ---------------------------------------------------------------------------
// Lexing and parsing.

TEST(CtlCmdletParse, EveryAcceptedDashBeforeAParameter) {
  for (const char* dash : {"-", "\u2010", "\u2013", "\u2014", "\u2015"}) {
    const std::string line = std::string("Get-CsPersistentChatState ") + dash + "Identity x";
    CmdletCall call = parse_ok(line);
    ASSERT_EQ(call.params.size(), 1u) << line;
    EXPECT_EQ(call.params[0].name, "Identity");
    EXPECT_EQ(call.params[0].position, 27);
    EXPECT_EQ(call.params[0].value_position, 37);
  }
  // In the cmdlet name too.
  CmdletCall call = parse_ok("Get\u2013CsPersistentChatState");
  EXPECT_EQ(call.verb_noun, "Get\u2013CsPersistentChatState");
  EXPECT_EQ(call.name_lower, "get-cspersistentchatstate");
}

TEST(CtlCmdletParse, CurlyQuotesAreQuotes) {
  CmdletCall call = parse_ok(
      "Set-CsPersistentChatState -Identity \u201Cservice:atl-cs-001.litwareinc.com\u201D "
      "-PoolState \u2018FailedOver\u2019");
  EXPECT_EQ(call.params[0].value, Value::make_string("service:atl-cs-001.litwareinc.com"));
  EXPECT_EQ(call.params[1].value, Value::make_string("FailedOver"));
  // Mixed straight and curly, and a doubled curly single quote inside.
  call = parse_ok("Get-X -A \"a\u201D -B \u2018it\u2019\u2019s\u2019");
  EXPECT_EQ(call.params[0].value, Value::make_string("a"));
  EXPECT_EQ(call.params[1].value, Value::make_string("it\u2019s"));
}

TEST(CtlCmdletParse, SwitchesBoolsAndNull) {
  CmdletCall call =
      parse_ok("Get-X -Force -Confirm:$false -WhatIf -A $TRUE -B $False -C $NULL -D:$true");
  ASSERT_EQ(call.params.size(), 7u);
  EXPECT_TRUE(call.params[0].value.is(K::kSwitch));
  EXPECT_EQ(call.params[1].value, Value::make_bool(false));
  EXPECT_TRUE(call.params[1].colon);
  EXPECT_TRUE(call.params[2].value.is(K::kSwitch));
  EXPECT_EQ(call.params[3].value, Value::make_bool(true));
  EXPECT_EQ(call.params[4].value, Value::make_bool(false));
  EXPECT_TRUE(call.params[5].value.is(K::kNull));
  EXPECT_EQ(call.params[6].value, Value::make_bool(true));
  EXPECT_EQ(call.find("confirm"), &call.params[1]);
  EXPECT_EQ(call.find("CONFIRM"), &call.params[1]);
  EXPECT_EQ(call.find("Conf"), nullptr);  // prefixes are bind()'s business
  // -Name: value, with a blank after the colon.
  call = parse_ok("Get-X -Name: Legal");
  EXPECT_EQ(call.params[0].value, Value::make_string("Legal"));
}

TEST(CtlCmdletParse, Numbers) {
  CmdletCall call = parse_ok(
      "Get-X -A 30 -B -5 -C 20000 -D 10KB -E \"30\" -F 1.5 -G 0x10 "
      "-H 99999999999999999999 -I -9223372036854775808");
  EXPECT_EQ(call.params[0].value, Value::make_number(30, "30"));
  EXPECT_EQ(call.params[1].value, Value::make_number(-5, "-5"));
  EXPECT_EQ(call.params[2].value.number(), 20000);
  EXPECT_EQ(call.params[3].value, Value::make_number(10240, "10KB"));
  EXPECT_EQ(call.params[4].value, Value::make_string("30"));  // quoted: a string
  EXPECT_EQ(call.params[5].value, Value::make_string("1.5"));
  EXPECT_EQ(call.params[6].value, Value::make_string("0x10"));
  EXPECT_EQ(call.params[7].value, Value::make_string("99999999999999999999"));  // overflow
  EXPECT_EQ(call.params[8].value.number(), INT64_MIN);
}

TEST(CtlCmdletParse, CommaListsInEveryForm) {
  CmdletCall call =
      parse_ok("Get-X -A a,b -B \"a\", \"b\" -C 'a' ,'b', c -D @(\"a\",\"b\") -E @() -F 1,2");
  EXPECT_EQ(call.params[0].value, Value::make_list({"a", "b"}));
  EXPECT_EQ(call.params[1].value, Value::make_list({"a", "b"}));
  EXPECT_EQ(call.params[2].value, Value::make_list({"a", "b", "c"}));
  EXPECT_EQ(call.params[3].value, Value::make_list({"a", "b"}));
  EXPECT_EQ(call.params[4].value, Value::make_list({}));
  EXPECT_EQ(call.params[5].value, Value::make_list({"1", "2"}));
  // Unquoted OU=...,DC=... is a list, as in PowerShell; quoted it is one string.
  call = parse_ok("Get-X -A OU=Legal,DC=x -B \"OU=Legal,DC=x\"");
  EXPECT_EQ(call.params[0].value, Value::make_list({"OU=Legal", "DC=x"}));
  EXPECT_EQ(call.params[1].value, Value::make_string("OU=Legal,DC=x"));
}

TEST(CtlCmdletParse, QuotingAndEscapes) {
  CmdletCall call = parse_ok(
      "Get-X -A 'it''s' -B \"a`\"b\" -C \"say \"\"hi\"\"\" -D 'a`b$c' -E \"t`tn`n``\" -F "
      "\"atl-cs-001\\Room1\" -G ab\"c d\"e -H `$x -I \"cost `$5\" -J \"$\" -K ''");
  EXPECT_EQ(call.params[0].value, Value::make_string("it's"));
  EXPECT_EQ(call.params[1].value, Value::make_string("a\"b"));
  EXPECT_EQ(call.params[2].value, Value::make_string("say \"hi\""));
  EXPECT_EQ(call.params[3].value, Value::make_string("a`b$c"));  // single quotes: literal
  EXPECT_EQ(call.params[4].value, Value::make_string("t\tn\n`"));
  EXPECT_EQ(call.params[5].value, Value::make_string("atl-cs-001\\Room1"));
  EXPECT_EQ(call.params[6].value, Value::make_string("abc de"));  // pieces glue
  EXPECT_EQ(call.params[7].value, Value::make_string("$x"));
  EXPECT_EQ(call.params[8].value, Value::make_string("cost $5"));
  EXPECT_EQ(call.params[9].value, Value::make_string("$"));
  EXPECT_EQ(call.params[10].value, Value::make_string(""));
}

TEST(CtlCmdletParse, CommentsAndUnicodeBlanks) {
  CmdletCall call = parse_ok("  Get-X -A b   # trailing comment -B c");
  ASSERT_EQ(call.params.size(), 1u);
  call = parse_ok("Get-X <# inline #> -A b");
  ASSERT_EQ(call.params.size(), 1u);
  EXPECT_EQ(call.params[0].position, 20);
  call = parse_ok("Get-X\u00A0-A\u00A0b\u3000-C x#y");  // NBSP and ideographic space
  ASSERT_EQ(call.params.size(), 2u);
  EXPECT_EQ(call.params[0].value, Value::make_string("b"));
  EXPECT_EQ(call.params[1].value, Value::make_string("x#y"));  // '#' inside a word
  call = parse_ok("Get-X -A b `");  // a continuation backtick left at the end
  ASSERT_EQ(call.params.size(), 1u);
}

TEST(CtlCmdletParse, PositionalValues) {
  CmdletCall call = parse_ok("Get-CsPersistentChatState service:atl-cs-001.litwareinc.com");
  ASSERT_EQ(call.params.size(), 1u);
  EXPECT_EQ(call.params[0].name, "");
  EXPECT_EQ(call.params[0].position, 27);
  EXPECT_EQ(call.params[0].value_position, 27);
  EXPECT_EQ(call.find(""), nullptr);
}

// ---------------------------------------------------------------------------
// Parse errors: a clear message, the offending text quoted, the right column.

TEST(CtlCmdletParseErrors, PipelinesAreRefused) {
  EXPECT_EQ(parse_error("Get-CsPersistentChatState | Set-CsPersistentChatState -PoolState Normal"),
            "pipelines are not supported: '|' at column 27 (one command per line)");
  EXPECT_EQ(parse_error("Get-X -A b; Get-Y"),
            "pipelines are not supported: ';' at column 11 (one command per line)");
  EXPECT_EQ(parse_error("Get-X -A b && Get-Y"),
            "pipelines are not supported: '&' at column 12 (one command per line)");
  // The syntax summary of Lync's documentation is not a command line.
  EXPECT_EQ(parse_error("Set-CsPersistentChatState -Identity x -PoolState Normal|FailedOver"),
            "pipelines are not supported: '|' at column 56 (one command per line)");
  // Inside quotes and hashtables they are text and separators.
  CmdletCall call = parse_ok("Get-X -A \"a|b;c\" -B @{Add=\"x\"; Remove=\"y\"}");
  EXPECT_EQ(call.params[0].value, Value::make_string("a|b;c"));
}

TEST(CtlCmdletParseErrors, UnexpectedCharacters) {
  // column 57 is the second '}'.
  const std::string line = "Set-CsPersistentChatActiveServer -ActiveServers @{Add=a}}";
  EXPECT_EQ(parse_error(line), "unexpected '}' at column 57");
  EXPECT_EQ(parse_error("Get-X -A b)"), "unexpected ')' at column 11");
  EXPECT_EQ(parse_error("Get-X -A b, -C"), "missing list element after ',' at column 11");
  EXPECT_EQ(parse_error("Get-X -A b > out.txt"), "redirection is not supported: '>' at column 12");
  EXPECT_EQ(parse_error("Get-X -A (Get-Date)"),
            "subexpressions are not supported: '(' at column 10");
  EXPECT_EQ(parse_error("Get-X -A { 1 }"), "script blocks are not supported: '{' at column 10");
  EXPECT_EQ(parse_error("Get-X @params"), "unexpected '@' at column 7");
}

TEST(CtlCmdletParseErrors, CommandName) {
  EXPECT_EQ(parse_error(""), "empty command");
  EXPECT_EQ(parse_error("   # only a comment"), "empty command");
  EXPECT_EQ(parse_error("exec sp_who2"),
            "expected a cmdlet name (Verb-Noun, e.g. Set-CsPersistentChatState) at column 1, got "
            "'exec'");
  EXPECT_EQ(parse_error("  \"Get-X\""),
            "expected a cmdlet name (Verb-Noun, e.g. Set-CsPersistentChatState) at column 3, got "
            "'\"Get-X\"'");
  EXPECT_EQ(parse_error("Get-X-Y"),
            "expected a cmdlet name (Verb-Noun, e.g. Set-CsPersistentChatState) at column 1, got "
            "'Get-X-Y'");
  EXPECT_EQ(parse_error("-Force"), "unexpected '-Force' at column 1");
  EXPECT_EQ(parse_error("| Get-X"),
            "pipelines are not supported: '|' at column 1 (one command per line)");
}

TEST(CtlCmdletParseErrors, StringsAndVariables) {
  EXPECT_EQ(parse_error("Get-X -Identity \"service:atl"),
            "unterminated string starting at column 17");
  EXPECT_EQ(parse_error("Get-X -Identity 'it''s"), "unterminated string starting at column 17");
  EXPECT_EQ(parse_error("Get-X -A \"ab`\""), "unterminated string starting at column 10");
  EXPECT_EQ(parse_error("Get-X -A $pool"),
            "variables are not supported: '$pool' at column 10 (only $true, $false and $null)");
  EXPECT_EQ(parse_error("Get-X -A \"sip:$user@x\""),
            "variable expansion is not supported: '$user' at column 15 (use single quotes, or "
            "write `$)");
  EXPECT_EQ(parse_error("Get-X -A sip:$user"),
            "variable expansion is not supported: '$user' at column 14 (use single quotes, or "
            "write `$)");
  EXPECT_EQ(parse_error("Get-X -A $(Get-Date)"),
            "variable expansion is not supported: '$(' at column 10 (use single quotes, or write "
            "`$)");
  EXPECT_EQ(parse_error("Get-X -A $true.x"), "unexpected '.' at column 15 after '$true'");
  EXPECT_EQ(parse_error("Get-X <# open"), "unterminated comment '<#' at column 7");
}

TEST(CtlCmdletParseErrors, ParameterNames) {
  EXPECT_EQ(parse_error("Get-X -Identity.Name x"),
            "invalid parameter name '-Identity.Name' at column 7");
  EXPECT_EQ(parse_error("Get-X -Confirm:"), "missing value after '-Confirm:' at column 7");
  EXPECT_EQ(parse_error("Get-X -Confirm: -WhatIf"), "missing value after '-Confirm:' at column 7");
}

TEST(CtlCmdletParseErrors, Hashtables) {
  const std::string head = "Set-CsPersistentChatActiveServer -ActiveServers ";  // 48 columns
  EXPECT_EQ(parse_error(head + "@{Append=\"a\"}"),
            "unknown hashtable key 'Append' at column 51 (expected Add, Remove or Replace)");
  EXPECT_EQ(parse_error(head + "@{Add=\"a\"; add=\"b\"}"),
            "duplicate hashtable key 'add' at column 60");
  EXPECT_EQ(parse_error(head + "@{Add \"a\"}"),
            "unexpected '\"a\"' at column 55 (expected '=' after 'Add')");
  EXPECT_EQ(parse_error(head + "@{Add=\"a\""), "missing '}' for '@{' at column 49");
  EXPECT_EQ(parse_error(head + "@{Add=\"a\" Remove=\"b\"}"),
            "unexpected 'Remove' at column 59 (expected ';' or '}')");
  EXPECT_EQ(parse_error(head + "@{Add=}"), "missing value after 'Add'= at column 54");
  EXPECT_EQ(parse_error(head + "@{Add=$null}"),
            "$null cannot be a list element: '$null' at column 55");
  EXPECT_EQ(parse_error(head + "@{Add=@{Add=1}}"),
            "a hashtable cannot be a list element: '@{' at column 55");
  EXPECT_EQ(parse_error(head + "@(\"a\" \"b\")"),
            "unexpected '\"b\"' at column 55 (expected ',' or ')')");
  EXPECT_EQ(parse_error(head + "@(\"a\""), "missing ')' for '@(' at column 49");
  EXPECT_EQ(parse_error("Get-X -A $null,b"),
            "$null cannot be a list element: '$null' at column 10");
}

TEST(CtlCmdletParseErrors, LineTooLong) {
  const std::string line = "Get-X -A " + std::string(kMaxCmdletLineBytes, 'a');
  EXPECT_EQ(parse_error(line).rfind("line too long: ", 0), 0u);
}

// ---------------------------------------------------------------------------
// Binding.

TEST(CtlCmdletBind, UnambiguousPrefixesAndCase) {
  BoundCall bound = bind_ok("set-cspersistentchatstate -ident service:p -pool FailedOver");
  EXPECT_EQ(bound.name, "Set-CsPersistentChatState");
  ASSERT_EQ(bound.params.size(), 2u);
  EXPECT_EQ(bound.params[0].name, "Identity");
  EXPECT_EQ(bound.params[1].name, "PoolState");
  EXPECT_EQ(bound.params[1].position, 44);
  bound = bind_ok("Clear-CsPersistentChatRoom r -E 2024-01-31 -F -Wh");
  EXPECT_TRUE(bound.is_set("Force"));
  EXPECT_TRUE(bound.is_set("WhatIf"));
}

TEST(CtlCmdletBind, UnknownParameterListsTheValidOnes) {
  EXPECT_EQ(bind_error("Set-CsPersistentChatState -Identity x –PoolStat FailedOver -Pool2 y"),
            "Set-CsPersistentChatState: unknown parameter -Pool2 at column 60; valid parameters: "
            "-Identity, -PoolState; common: -Confirm, -Debug, -Verbose, -WhatIf");
}

TEST(CtlCmdletBind, AmbiguousPrefix) {
  EXPECT_EQ(bind_error("Remove-CsPersistentChatMessage r -C"),
            "Remove-CsPersistentChatMessage: ambiguous parameter -C at column 34: it could be "
            "-CaseSensitive or -Confirm");
  EXPECT_EQ(bind_error("Set-CsPersistentChatRoom r -M x"),
            "Set-CsPersistentChatRoom: ambiguous parameter -M at column 28: it could be -Members "
            "or -Managers");
}

TEST(CtlCmdletBind, MissingRequired) {
  EXPECT_EQ(bind_error("Set-CsPersistentChatState -Identity \"service:atl-cs-001.litwareinc.com\""),
            "Set-CsPersistentChatState: missing required parameter -PoolState (a string)");
  EXPECT_EQ(bind_error("New-CsPersistentChatCategory -Name Legal"),
            "New-CsPersistentChatCategory: missing required parameter -PersistentChatPoolFqdn (a "
            "string)");
}

TEST(CtlCmdletBind, WrongKind) {
  EXPECT_EQ(bind_error("Set-CsPersistentChatState -Identity @{Add=\"x\"} -PoolState Normal"),
            "parameter -Identity at column 27 expects a string, got a hashtable");
  EXPECT_EQ(bind_error("Set-CsPersistentChatState -Identity a,b -PoolState Normal"),
            "parameter -Identity at column 27 expects a string, got a list");
  EXPECT_EQ(bind_error("Set-CsPersistentChatState -Identity x -PoolState"),
            "missing an argument for parameter -PoolState at column 39 (expects a string)");
  EXPECT_EQ(bind_error("Set-CsPersistentChatState -PoolState $null"),
            "parameter -PoolState at column 27 expects a string, got $null");
  EXPECT_EQ(bind_error("Set-CsPersistentChatRoom r -Disabled yes"),
            "parameter -Disabled at column 28 expects $true or $false, got 'yes'");
  EXPECT_EQ(bind_error("Set-CsPersistentChatRoom r -Members $true"),
            "parameter -Members at column 28 expects a string, a list, a hashtable @{Add=...; "
            "Remove=...} or $null, got $true");
  EXPECT_EQ(bind_error("Set-CsPersistentChatConfiguration -DefaultChatHistory thirty"),
            "parameter -DefaultChatHistory at column 35 expects an integer, got 'thirty'");
  EXPECT_EQ(bind_error("Clear-CsPersistentChatRoom r -EndDate \"31/01/2024\""),
            "parameter -EndDate at column 30: '31/01/2024' is not a date (expected "
            "yyyy-mm-dd[Thh:mm[:ss]][Z|+hh:mm] or M/d/yyyy [h:mm[:ss] AM|PM])");
  EXPECT_EQ(bind_error("Clear-CsPersistentChatRoom r -EndDate 5"),
            "parameter -EndDate at column 30 expects a date, got '5'");
  EXPECT_EQ(bind_error("Clear-CsPersistentChatRoom r -EndDate 2024-01-31 -Force:yes"),
            "parameter -Force at column 50 is a switch: write -Force or -Force:$false, not 'yes'");
  // An empty hashtable is well formed; what it means is the caller's call.
  EXPECT_TRUE(bind_ok("Set-CsPersistentChatActiveServer -ActiveServers @{}")
                  .find("ActiveServers")
                  ->value.hashtable()
                  .empty());
}

TEST(CtlCmdletBind, DuplicateParameter) {
  EXPECT_EQ(bind_error("Set-CsPersistentChatState -Identity a -PoolState Normal -Ident b"),
            "parameter -Identity at column 57 is given more than once (first at column 27)");
  EXPECT_EQ(bind_error("Set-CsPersistentChatState a -PoolState Normal -Identity b"),
            "Set-CsPersistentChatState: unexpected value 'a' at column 27 (no parameter takes it; "
            "name the parameter it is for)");
}

TEST(CtlCmdletBind, SwitchHandsItsValueBackAsPositional) {
  BoundCall bound =
      bind_ok("Clear-CsPersistentChatRoom -Force \"atl-cs-001\\Room1\" -EndDate 2024-01-31");
  EXPECT_TRUE(bound.is_set("Force"));
  EXPECT_EQ(bound.string_or("Identity"), "atl-cs-001\\Room1");
  const BoundParam* identity = bound.find("Identity");
  ASSERT_NE(identity, nullptr);
  EXPECT_EQ(identity->position, 35);
  // With a colon the value is the switch's.
  bound = bind_ok("Clear-CsPersistentChatRoom r -EndDate 2024-01-31 -Force:$false");
  EXPECT_FALSE(bound.is_set("Force"));
  bound = bind_ok("Clear-CsPersistentChatRoom r -EndDate 2024-01-31 -Force:1");
  EXPECT_TRUE(bound.is_set("Force"));
  EXPECT_EQ(bind_error("Get-CsPersistentChatState -Verbose a b"),
            "Get-CsPersistentChatState: unexpected value 'b' at column 38 (no parameter takes it; "
            "name the parameter it is for)");
}

TEST(CtlCmdletBind, CommonParametersUnlessRedeclared) {
  BoundCall bound = bind_ok("Get-CsPersistentChatState -Verbose -Debug:$false -WhatIf -Confirm");
  EXPECT_TRUE(bound.is_set("Verbose"));
  EXPECT_FALSE(bound.is_set("Debug"));
  EXPECT_TRUE(bound.is_set("WhatIf"));
  EXPECT_TRUE(bound.is_set("Confirm"));
  EXPECT_EQ(common_parameters().size(), 4u);
  CmdletSpec spec{"Get-Thing", {{"Debug", PK::kString}}};
  Result<CmdletCall> call = parse_cmdlet("Get-Thing -Debug verbose");
  ASSERT_TRUE(call.ok());
  Result<BoundCall> b = bind(*call, spec);
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(b->string_or("Debug"), "verbose");
}

TEST(CtlCmdletBind, NamesMustMatch) {
  Result<CmdletCall> call = parse_cmdlet("Get-CsPersistentChatState");
  ASSERT_TRUE(call.ok());
  Result<BoundCall> b = bind(*call, lync_specs()[0]);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().message,
            "cmdlet 'Get-CsPersistentChatState' is not Set-CsPersistentChatState");
  call = parse_cmdlet("Get-CsPersistentChatEndpoint");
  ASSERT_TRUE(call.ok());
  Result<const CmdletSpec*> spec = find_cmdlet(lync_specs(), *call);
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(spec.error().message.rfind("unknown cmdlet 'Get-CsPersistentChatEndpoint'; supported: "
                                       "Set-CsPersistentChatState, Get-CsPersistentChatState, ",
                                       0),
            0u);
  EXPECT_EQ(match_parameter(lync_specs()[0], "IDENTITY", 3).value()->name, "Identity");
}

// ---------------------------------------------------------------------------
// Scripts.

TEST(CtlCmdletScript, SplitsLinesSkipsCommentsHonoursContinuation) {
  const std::string script =
      "\xEF\xBB\xBF# Failover, step 5\r\n"
      "\r\n"
      "Set-CsPersistentChatState `\r\n"
      "    -Identity \"service:atl-cs-001.litwareinc.com\" `\n"
      "    \u2013PoolState FailedOver\n"
      "   # step 7\n"
      "Set-CsPersistentChatActiveServer -ActiveServers $null\n"
      "Get-X -A a``\n"
      "Get-Y";
  const std::vector<std::string> lines = split_cmdlet_lines(script);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0],
            "Set-CsPersistentChatState -Identity \"service:atl-cs-001.litwareinc.com\" "
            "\u2013PoolState FailedOver");
  EXPECT_EQ(lines[1], "Set-CsPersistentChatActiveServer -ActiveServers $null");
  EXPECT_EQ(lines[2], "Get-X -A a``");  // an escaped backtick does not continue
  EXPECT_EQ(lines[3], "Get-Y");
  BoundCall bound = bind_ok(lines[0]);
  EXPECT_EQ(bound.string_or("PoolState"), "FailedOver");
  EXPECT_TRUE(split_cmdlet_lines("").empty());
  EXPECT_TRUE(split_cmdlet_lines("\n  \n# x\n").empty());
  EXPECT_EQ(split_cmdlet_lines("Get-X `"), std::vector<std::string>{"Get-X"});
  // As in PowerShell, a continuation joins the next line even when it is blank.
  EXPECT_EQ(split_cmdlet_lines("Get-X `\n\nGet-Y"), (std::vector<std::string>{"Get-X", "Get-Y"}));
  EXPECT_EQ(split_cmdlet_lines("Get-X `\n# not a comment here\nGet-Y"),
            (std::vector<std::string>{"Get-X # not a comment here", "Get-Y"}));
}

// ---------------------------------------------------------------------------
// Dates.

TEST(CtlCmdletDate, IsoForms) {
  EXPECT_EQ(parse_date("2024-01-31").value(), 1706659200);
  EXPECT_EQ(parse_date(" 2024-01-31T10:00 ").value(), 1706659200 + 36000);
  EXPECT_EQ(parse_date("2024-01-31 10:00:05Z").value(), 1706659200 + 36005);
  EXPECT_EQ(parse_date("2024-01-31T10:00:05.123Z").value(), 1706659200 + 36005);
  EXPECT_EQ(parse_date("2024-01-31T10:00:00+02:00").value(), 1706659200 + 28800);
  EXPECT_EQ(parse_date("2024-01-31T10:00:00-0130").value(), 1706659200 + 36000 + 5400);
  EXPECT_EQ(parse_date("1970-01-01").value(), 0);
  EXPECT_EQ(parse_date("1969-12-31T23:59:59Z").value(), -1);
  EXPECT_EQ(parse_date("2024-02-29").value(), 1709164800);
}

TEST(CtlCmdletDate, UsForms) {
  EXPECT_EQ(parse_date("1/31/2024").value(), 1706659200);
  EXPECT_EQ(parse_date("1/31/2024 10:00 AM").value(), 1706659200 + 36000);
  EXPECT_EQ(parse_date("01/31/2024 10:00:30 pm").value(), 1706659200 + 79230);
  EXPECT_EQ(parse_date("1/31/2024 12:00 AM").value(), 1706659200);
  EXPECT_EQ(parse_date("1/31/2024 12:15PM").value(), 1706659200 + 44100);
  EXPECT_EQ(parse_date("1/31/2024 17:45").value(), 1706659200 + 63900);
}

TEST(CtlCmdletDate, Rejects) {
  for (const char* bad : {"",
                          "yesterday",
                          "2023-02-29",
                          "2024-13-01",
                          "2024-00-10",
                          "2024-01-32",
                          "2024-1-31",
                          "24-01-31",
                          "2024-01-31T25:00",
                          "2024-01-31T10:60",
                          "2024-01-31T10:00:61",
                          "2024-01-31T10",
                          "2024-01-31X",
                          "2024-01-31T10:00+2",
                          "13/1/2024",
                          "2/30/2024",
                          "1/31/24",
                          "1/31/2024 13:00 PM",
                          "1/31/2024 0:30 AM",
                          "1/31/2024 10:00 XM",
                          "1/31/2024 10",
                          "0000-01-01"}) {
    Result<std::int64_t> r = parse_date(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error().message,
                "'" + std::string(bad) +
                    "' is not a date (expected yyyy-mm-dd[Thh:mm[:ss]][Z|+hh:mm] "
                    "or M/d/yyyy [h:mm[:ss] AM|PM])");
    }
  }
}

// ---------------------------------------------------------------------------
// Robustness: arbitrary input never crashes (run under ASan/UBSan), errors stay
// well-formed, and columns stay within the line.

int code_points(std::string_view s) {
  return column_at(s, s.size()) - 1;
}

void check_everything(const std::string& line) {
  Result<CmdletCall> call = parse_cmdlet(line);
  const int width = code_points(line);
  if (call.ok()) {
    EXPECT_FALSE(call->name_lower.empty());
    for (const Param& p : call->params) {
      EXPECT_GE(p.position, 1);
      EXPECT_LE(p.position, width);
      EXPECT_LE(p.value_position, width);
    }
    for (const CmdletSpec& spec : lync_specs()) {
      Result<BoundCall> b = bind(*call, spec);
      if (!b.ok()) {
        EXPECT_FALSE(b.error().message.empty());
      }
    }
  } else {
    const std::string& message = call.error().message;
    EXPECT_FALSE(message.empty());
    static const std::regex kColumn("column ([0-9]+)");
    for (std::sregex_iterator it(message.begin(), message.end(), kColumn), end; it != end; ++it) {
      const int column = std::stoi((*it)[1].str());
      EXPECT_GE(column, 1) << line << " -> " << message;
      EXPECT_LE(column, width + 1) << line << " -> " << message;
    }
  }
  (void)split_cmdlet_lines(line);
  (void)parse_date(line);
}

TEST(CtlCmdletFuzz, RandomBytesNeverCrash) {
  std::mt19937 rng(20240131);
  std::uniform_int_distribution<int> len(0, 120);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int i = 0; i < 5000; ++i) {
    std::string line = "Set-X ";
    const int n = len(rng);
    for (int j = 0; j < n; ++j) line.push_back(static_cast<char>(byte(rng)));
    check_everything(line);
    check_everything(line.substr(6));
    if (HasFailure()) return;
  }
}

TEST(CtlCmdletFuzz, MutatedLyncLinesNeverCrash) {
  const std::vector<std::string> seeds = {
      "Set-CsPersistentChatState -Identity \"service:atl-cs-001.litwareinc.com\" –PoolState "
      "FailedOver",
      "Set-CsPersistentChatActiveServer -Identity \"service:atl-cs-001.litwareinc.com\" "
      "-ActiveServers @{Add=\"atl-pc-001.litwareinc.com\",\"atl-pc-002.litwareinc.com\"}",
      "Set-CsPersistentChatRoom -Identity \"atl-cs-001\\Room1\" -Members @{Add=\"sip:a@x.com\"; "
      "Remove=\"sip:b@x.com\"}",
      "New-CsPersistentChatCategory -Name Legal -PersistentChatPoolFqdn p -AllowedMembers "
      "\"OU=Legal,DC=x\", 'sip:a@x' -EnableFileUpload:$false",
      "Clear-CsPersistentChatRoom 'r' -EndDate \"1/31/2024 10:00 AM\" -Force @(\"a\",`$b) # c",
  };
  // Pieces that matter to the grammar, Unicode quotes and dashes included.
  const std::vector<std::string> pieces = {
      "-",  "\u2013", "\u2014", "\"",       "\u201C", "\u201D",
      "'",  "\u2018", "\u2019", "`",        "@{",     "@(",
      "{",  "}",      "(",      ")",        ";",      ",",
      "|",  "$",      "$null",  "=",        "#",      "<#",
      "#>", ":",      " ",      "\xE2\x80", "\xFF",   std::string(1, '\0'),
      "\n"};
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; ++i) {
    std::string line = seeds[rng() % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = rng() % (line.size() + 1);
      switch (rng() % 3) {
        case 0:
          line.insert(at, pieces[rng() % pieces.size()]);
          break;
        case 1:
          line.erase(at, 1 + rng() % 3);
          break;
        default:
          if (at < line.size()) line[at] = static_cast<char>(rng() % 256);
          break;
      }
    }
    check_everything(line);
    if (HasFailure()) return;
  }
}

}  // namespace
}  // namespace pchat::ctl::cmdlet
