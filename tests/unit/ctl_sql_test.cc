// Unit tests for the SQL statement front end (src/ctl/cmdlet/sql.h): Lync's
// statements verbatim, their usual variants, and clear refusals for everything else.
#include "ctl/cmdlet/sql.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace pchat::ctl::cmdlet {
namespace {

SqlStatement one(std::string_view text) {
  Result<SqlStatement> st = parse_sql_statement(text);
  EXPECT_TRUE(st.ok()) << text << "\n  -> " << (st.ok() ? "" : st.error().message);
  return st.ok() ? *st : SqlStatement{};
}

std::string error_of(std::string_view text) {
  Result<std::vector<SqlStatement>> r = parse_sql(text);
  EXPECT_FALSE(r.ok()) << text;
  if (r.ok()) return "";
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalidInput);
  return r.error().message;
}

const std::string kSupportedList =
    "Supported statements: exec sp_delete_log_shipping_secondary_database <database>; exec "
    "sp_who2 ['active']; kill <spid>; restore database <database> with recovery; use <database>; "
    "GO";

// ---------------------------------------------------------------------------
// Lync's statements, verbatim.

TEST(CtlSqlLync, Step1RemoveLogShipping) {
  SqlStatement st = one("exec sp_delete_log_shipping_secondary_database mgc");
  EXPECT_EQ(st.kind, SqlStatement::kRemoveLogShippingSecondary);
  EXPECT_EQ(st.database, "mgc");
}

TEST(CtlSqlLync, Step4Sessions) {
  SqlStatement st = one("exec sp_who2");
  EXPECT_EQ(st.kind, SqlStatement::kWho);
  EXPECT_EQ(st.spid, 0);
  EXPECT_FALSE(st.active_only);
  st = one("kill 53");
  EXPECT_EQ(st.kind, SqlStatement::kKill);
  EXPECT_EQ(st.spid, 53);
  // The runbook's placeholder, typed as written, is refused with what to do instead.
  EXPECT_EQ(error_of("kill <spid>"),
            "kill needs a session id: run exec sp_who2 and take a number from its SPID column, "
            "e.g. kill 53; '<spid>' at line 1, column 6 is a placeholder");
}

TEST(CtlSqlLync, Step4BringOnline) {
  SqlStatement st = one("restore database mgc with recovery");
  EXPECT_EQ(st.kind, SqlStatement::kRestoreWithRecovery);
  EXPECT_EQ(st.database, "mgc");
}

TEST(CtlSqlLync, QueryWindowOnMasterAsABatch) {
  Result<std::vector<SqlStatement>> r = parse_sql(
      "use master\n"
      "GO\n"
      "exec sp_delete_log_shipping_secondary_database mgc\n"
      "go\n"
      "exec sp_who2\n"
      "kill 53\n"
      "kill 54;\n"
      "restore database mgc with recovery\n"
      "GO\n");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 6u);
  EXPECT_EQ((*r)[0].kind, SqlStatement::kUse);
  EXPECT_EQ((*r)[0].database, "master");
  EXPECT_EQ((*r)[1].kind, SqlStatement::kRemoveLogShippingSecondary);
  EXPECT_EQ((*r)[1].line, 3);
  EXPECT_EQ((*r)[2].kind, SqlStatement::kWho);
  EXPECT_EQ((*r)[3].spid, 53);
  EXPECT_EQ((*r)[4].spid, 54);
  EXPECT_EQ((*r)[5].kind, SqlStatement::kRestoreWithRecovery);
  EXPECT_EQ((*r)[5].line, 8);
}

// ---------------------------------------------------------------------------
// Variants.

TEST(CtlSqlVariants, RemoveLogShipping) {
  for (const char* text : {
           "EXEC sp_delete_log_shipping_secondary_database mgc;",
           "execute   SP_DELETE_LOG_SHIPPING_SECONDARY_DATABASE\t[mgc] ;",
           "exec sp_delete_log_shipping_secondary_database 'mgc'",
           "exec sp_delete_log_shipping_secondary_database N'mgc'",
           "exec sp_delete_log_shipping_secondary_database \"mgc\"",
           "exec sp_delete_log_shipping_secondary_database @secondary_database = N'mgc'",
           "EXEC sp_delete_log_shipping_secondary_database @Secondary_Database=[mgc]",
           "exec master.dbo.sp_delete_log_shipping_secondary_database mgc",
           "exec master..sp_delete_log_shipping_secondary_database mgc",
           "exec [master].[dbo].[sp_delete_log_shipping_secondary_database] mgc",
           "sp_delete_log_shipping_secondary_database mgc",
           "  /* step 1c */ exec sp_delete_log_shipping_secondary_database mgc -- cancel\nGO",
       }) {
    SqlStatement st = one(text);
    EXPECT_EQ(st.kind, SqlStatement::kRemoveLogShippingSecondary) << text;
    EXPECT_EQ(st.database, "mgc") << text;
  }
  EXPECT_EQ(one("exec sp_delete_log_shipping_secondary_database [my db]").database, "my db");
}

TEST(CtlSqlVariants, WhoKillRestoreUse) {
  SqlStatement st = one("EXEC sp_who2 'active'");
  EXPECT_EQ(st.kind, SqlStatement::kWho);
  EXPECT_TRUE(st.active_only);
  EXPECT_TRUE(one("sp_who2 N'ACTIVE'").active_only);
  EXPECT_TRUE(one("exec sp_who2 @loginame = 'active'").active_only);
  EXPECT_EQ(one("exec sp_who2 53").spid, 53);
  EXPECT_EQ(one("KILL 2147483647").spid, 2147483647);
  EXPECT_EQ(one("kill 0053").spid, 53);
  st = one("RESTORE DATABASE [mgc] WITH RECOVERY;");
  EXPECT_EQ(st.kind, SqlStatement::kRestoreWithRecovery);
  EXPECT_EQ(st.database, "mgc");
  st = one("Use MGC");
  EXPECT_EQ(st.kind, SqlStatement::kUse);
  EXPECT_EQ(st.database, "MGC");
  Result<std::vector<SqlStatement>> r = parse_sql("use master; exec sp_who2; kill 60 ;;");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->size(), 3u);
  r = parse_sql("\n  GO\n-- nothing\n");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

// ---------------------------------------------------------------------------
// Refusals.

TEST(CtlSqlErrors, KillTargets) {
  EXPECT_EQ(error_of("kill 0"),
            "kill: session id '0' at line 1, column 6 is out of range (1 to 2147483647)");
  EXPECT_EQ(error_of("kill 2147483648"),
            "kill: session id '2147483648' at line 1, column 6 is out of range (1 to 2147483647)");
  EXPECT_EQ(error_of("kill 99999999999999999999999"),
            "kill: session id '99999999999999999999999' at line 1, column 6 is out of range (1 to "
            "2147483647)");
  EXPECT_EQ(error_of("kill -1"), "kill: session id at line 1, column 6 must be a positive integer");
  EXPECT_EQ(error_of("kill abc"),
            "kill needs a session id: run exec sp_who2 and take a number from its SPID column, "
            "e.g. kill 53; got 'abc' at line 1, column 6");
  EXPECT_EQ(error_of("kill"),
            "kill needs a session id: run exec sp_who2 and take a number from its SPID column, "
            "e.g. kill 53 (at line 1, column 5)");
  EXPECT_EQ(error_of("kill 53 with statusonly"),
            "unexpected 'with' at line 1, column 9 after kill 53 (one statement per line, or "
            "separate them with ';')");
  EXPECT_EQ(error_of("kill 5.3"),
            "unexpected '.' at line 1, column 7 after kill 5 (one statement per line, or separate "
            "them with ';')");
}

TEST(CtlSqlErrors, NotSupported) {
  EXPECT_EQ(error_of("select * from sys.databases"),
            "not supported: select * from sys.databases. " + kSupportedList);
  EXPECT_EQ(error_of("exec sp_who"), "not supported: exec sp_who. " + kSupportedList);
  EXPECT_EQ(error_of("exec sp_who2\ndrop database mgc; kill 1"),
            "not supported: drop database mgc. " + kSupportedList);
  EXPECT_EQ(error_of("restore database mgc with norecovery"),
            "not supported: restore database mgc with norecovery (only WITH RECOVERY, which brings "
            "the database online). " +
                kSupportedList);
  EXPECT_EQ(error_of("restore database mgc from disk = 'x.bak'"),
            "not supported: restore database mgc from disk = 'x.bak' (only restore database "
            "<database> with recovery). " +
                kSupportedList);
  EXPECT_EQ(error_of("restore log mgc with recovery"),
            "not supported: restore log mgc with recovery. " + kSupportedList);
  EXPECT_EQ(error_of("exec ('kill 53')"), "not supported: exec ('kill 53'). " + kSupportedList);
  EXPECT_EQ(error_of("[kill] 53"), "not supported: [kill] 53. " + kSupportedList);
  EXPECT_EQ(error_of("Set-CsPersistentChatState -PoolState Normal"),
            "not supported: Set-CsPersistentChatState -PoolState Normal. " + kSupportedList);
}

TEST(CtlSqlErrors, ProcedureArguments) {
  EXPECT_EQ(error_of("exec sp_delete_log_shipping_secondary_database"),
            "sp_delete_log_shipping_secondary_database needs the secondary database, e.g. exec "
            "sp_delete_log_shipping_secondary_database mgc");
  EXPECT_EQ(error_of("exec sp_delete_log_shipping_secondary_database @primary_database = 'mgc'"),
            "unknown parameter '@primary_database' at line 1, column 48 for "
            "sp_delete_log_shipping_secondary_database (expected @secondary_database)");
  EXPECT_EQ(error_of("exec sp_delete_log_shipping_secondary_database @secondary_database 'mgc'"),
            "expected '=' after @secondary_database at line 1, column 68");
  EXPECT_EQ(error_of("exec sp_delete_log_shipping_secondary_database mgc, mgccomp"),
            "unexpected ',' at line 1, column 51 after exec "
            "sp_delete_log_shipping_secondary_database mgc (one statement per line, or separate "
            "them with ';')");
  EXPECT_EQ(error_of("exec sp_delete_log_shipping_secondary_database ''"),
            "sp_delete_log_shipping_secondary_database needs the secondary database, e.g. exec "
            "sp_delete_log_shipping_secondary_database mgc; got '''' at line 1, column 48");
  EXPECT_EQ(error_of("exec sp_who2 'all'"),
            "sp_who2 takes only 'active' or a session id; got ''all'' at line 1, column 14");
  EXPECT_EQ(error_of("use"), "use needs a database name, e.g. use master (at line 1, column 4)");
}

TEST(CtlSqlErrors, BatchStructure) {
  EXPECT_EQ(error_of("exec sp_who2 kill 53"),
            "sp_who2 takes only 'active' or a session id; got 'kill' at line 1, column 14");
  EXPECT_EQ(error_of("exec sp_who2 GO"),
            "sp_who2 takes only 'active' or a session id; got 'GO' at line 1, column 14");
  EXPECT_EQ(error_of("kill 53 GO"),
            "unexpected 'GO' at line 1, column 9 after kill 53 (one statement per line, or "
            "separate them with ';')");
  EXPECT_EQ(error_of("GO 2"), "GO must be alone on its line (at line 1, column 4)");
  EXPECT_EQ(error_of("exec sp_who2 'active"), "unterminated string starting at line 1, column 14");
  EXPECT_EQ(error_of("restore database [mgc with recovery"),
            "unterminated identifier starting at line 1, column 18");
  EXPECT_EQ(error_of("/* step 4\n kill 53"), "unterminated comment '/*' at line 1, column 1");
  EXPECT_EQ(error_of(std::string(kMaxSqlBytes + 1, ' ')).rfind("SQL text too long: ", 0), 0u);
  Result<SqlStatement> st = parse_sql_statement("use master\nexec sp_who2");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message, "expected one statement, got 2. " + kSupportedList);
  st = parse_sql_statement("GO");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message, "expected one statement, got 0. " + kSupportedList);
  EXPECT_EQ(supported_sql_statements(), kSupportedList.substr(22));
}

TEST(CtlSqlErrors, ColumnsCountCharactersNotBytes) {
  EXPECT_EQ(error_of("-- d\u00E9but\nkill \u00E9t\u00E9"),
            "kill needs a session id: run exec sp_who2 and take a number from its SPID column, "
            "e.g. kill 53; got '\u00E9' at line 2, column 6");
  EXPECT_EQ(error_of("kill 1 \u00E9"),
            "unexpected '\u00E9' at line 1, column 8 after kill 1 (one statement per line, or "
            "separate them with ';')");
}

// ---------------------------------------------------------------------------
// Robustness (run under ASan/UBSan).

TEST(CtlSqlFuzz, ArbitraryInputNeverCrashes) {
  const std::vector<std::string> seeds = {
      "exec sp_delete_log_shipping_secondary_database mgc", "exec sp_who2 'active'", "kill 53",
      "restore database [mgc] with recovery;\nGO", "use master /* x */ -- y"};
  const std::vector<std::string> pieces = {"'", "N'", "[", "]", "\"", "/*", "*/", "--",   "\n",
                                           ";", "@",  "=", ".", "<",  "-",  "GO", "\xC3", "\xFF"};
  std::mt19937 rng(53);
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    if (i % 2 == 0) {
      const int n = static_cast<int>(rng() % 80);
      for (int j = 0; j < n; ++j) text.push_back(static_cast<char>(rng() % 256));
    } else {
      text = seeds[rng() % seeds.size()];
      for (int e = 0; e < 3; ++e) {
        const std::size_t at = rng() % (text.size() + 1);
        if (rng() % 2 == 0) {
          text.insert(at, pieces[rng() % pieces.size()]);
        } else {
          text.erase(at, 1 + rng() % 3);
        }
      }
    }
    Result<std::vector<SqlStatement>> r = parse_sql(text);
    if (r.ok()) {
      for (const SqlStatement& st : *r) {
        EXPECT_GE(st.line, 1);
        if (st.kind == SqlStatement::kKill) {
          EXPECT_GE(st.spid, 1);
          EXPECT_LE(st.spid, 2147483647);
        }
      }
    } else {
      EXPECT_FALSE(r.error().message.empty());
    }
    if (HasFailure()) return;
  }
}

}  // namespace
}  // namespace pchat::ctl::cmdlet
