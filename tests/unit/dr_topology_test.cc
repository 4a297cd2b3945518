// Topology file: the published example, each kind of mistake (with its line), and
// several mistakes reported together. See src/dr/README.md.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "dr/cluster/standby.h"
#include "dr/identity.h"
#include "dr/suggest.h"
#include "dr/topology.h"
#include "dr/topology_file.h"
#include "dr/topology_validate.h"

namespace pchat::dr {
namespace {

namespace fs = std::filesystem;

const fs::path kExample = fs::path(__FILE__).parent_path().parent_path().parent_path() / "docs" /
                          "examples" / "topology-two-datacenters.toml";

std::string example_text() {
  std::ifstream in(kExample);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// 1-based line of the first occurrence of `needle` (after `after`, if given).
int line_of(const std::string& text, const std::string& needle, const std::string& after = "") {
  size_t from = after.empty() ? 0 : text.find(after);
  EXPECT_NE(from, std::string::npos) << after;
  size_t pos = text.find(needle, from);
  EXPECT_NE(pos, std::string::npos) << needle;
  if (pos == std::string::npos) return -1;
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + pos, '\n'));
}

// The example with the first `from` (after `after`) replaced by `to`.
std::string edit(std::string text, const std::string& from, const std::string& to,
                 const std::string& after = "") {
  size_t start = after.empty() ? 0 : text.find(after);
  EXPECT_NE(start, std::string::npos) << after;
  size_t pos = text.find(from, start);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) text.replace(pos, from.size(), to);
  return text;
}

TopologyReport check(const std::string& text) {
  return check_topology(text, "topology.toml", "/etc/pchat");
}

std::string dump(const TopologyReport& r) {
  std::string out;
  for (const auto& d : r.diagnostics) out += format(d) + "\n";
  return out;
}

// The diagnostic at `field`, or nullptr.
const Diagnostic* find(const TopologyReport& r, const std::string& field) {
  for (const auto& d : r.diagnostics) {
    if (d.field == field) return &d;
  }
  return nullptr;
}

// Expects an error at `field`, on `line`, whose message contains `words`.
void expect_error(const TopologyReport& r, const std::string& field, int line,
                  const std::string& words, Severity sev = Severity::kError) {
  const Diagnostic* d = find(r, field);
  ASSERT_NE(d, nullptr) << "no diagnostic at " << field << "; got:\n" << dump(r);
  EXPECT_EQ(d->severity, sev) << format(*d);
  EXPECT_EQ(d->line, line) << format(*d);
  EXPECT_NE(d->message.find(words), std::string::npos) << format(*d);
}

TEST(DrTopologyExample, ValidatesCleanAndReadsEverything) {
  auto r = check_topology_file(kExample);
  ASSERT_TRUE(r.topology.has_value()) << dump(r);
  EXPECT_TRUE(r.diagnostics.empty()) << dump(r);
  EXPECT_TRUE(r.ok());
  const Topology& t = *r.topology;
  EXPECT_EQ(t.pool_fqdn, "atl-cs-001.litwareinc.com");
  EXPECT_EQ(t.max_servers, 8);
  EXPECT_EQ(t.max_active_servers, 4);
  ASSERT_EQ(t.datacenters.size(), 2u);
  EXPECT_EQ(t.datacenters[0].name, "A");
  EXPECT_EQ(t.datacenters[1].description, "Dallas: backup site, idle until failover");
  ASSERT_EQ(t.servers.size(), 8u);
  EXPECT_EQ(t.servers[4].name, "dal-pc-001.litwareinc.com");
  EXPECT_EQ(t.servers[4].irc_listen.port, 6697);
  EXPECT_EQ(t.servers[4].http_listen.to_string(), "dal-pc-001.litwareinc.com:8080");
  EXPECT_EQ(t.active_servers.size(), 4u);
  EXPECT_EQ(t.stores.size(), 6u);
  for (StoreRole role : kAllStoreRoles) EXPECT_NE(t.store(role), nullptr) << to_string(role);
  EXPECT_EQ(t.store(StoreRole::kMirror)->dbname, "mgc");  // default
  EXPECT_EQ(t.store(StoreRole::kMirror)->port, 5432);
  EXPECT_EQ(t.store(StoreRole::kComplianceBackup)->dbname, "mgccomp");  // default
  const Store* comp = t.store(StoreRole::kCompliance);
  EXPECT_EQ(comp->host, "atl-sql-003.litwareinc.com");  // read out of the conninfo
  EXPECT_EQ(comp->dbname, "mgccomp");
  EXPECT_EQ(comp->libpq_conninfo(),
            "host=atl-sql-003.litwareinc.com port=5432 dbname=mgccomp user=pchat");
  EXPECT_EQ(t.store(StoreRole::kPrimary)->libpq_conninfo(),
            "host=atl-sql-001.litwareinc.com port=5432 dbname=mgc user=pchat");
  Store odd;
  odd.host = "/run/my pg";
  odd.dbname = "it's";
  EXPECT_EQ(odd.libpq_conninfo(), "host='/run/my pg' port=5432 dbname='it\\'s'");
  EXPECT_EQ(t.log_shipping.backup_share, "/srv/pchat/backup-share");
  EXPECT_EQ(t.log_shipping.retention_s, 259200);
  EXPECT_EQ(t.mirroring.mode, MirrorMode::kHighSafety);
  EXPECT_EQ(t.mirroring.timeout_s, 10);
}

TEST(DrTopologyExample, Helpers) {
  auto t = load_topology(kExample);
  ASSERT_TRUE(t.ok()) << t.error().message;
  const Server* s = t->find_server("ATL-PC-003.LitwareInc.com.");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->name, "atl-pc-003.litwareinc.com");
  EXPECT_EQ(t->find_server("atl-pc-003"), nullptr);
  EXPECT_EQ(t->datacenter_of_server("dal-pc-002.litwareinc.com"), "B");
  EXPECT_EQ(t->datacenter_of_server("nowhere.example"), std::nullopt);
  EXPECT_EQ(t->datacenter_of(StoreRole::kBackup), "B");
  EXPECT_EQ(t->datacenter_of(StoreRole::kMirror), "A");
  EXPECT_TRUE(t->is_low_latency("A", "A"));
  EXPECT_FALSE(t->is_low_latency("A", "B"));
  EXPECT_EQ(t->servers_in("B").size(), 4u);
  EXPECT_TRUE(t->is_active("Atl-Pc-001.litwareinc.com"));
  EXPECT_FALSE(t->is_active("dal-pc-001.litwareinc.com"));

  Topology linked = *t;
  linked.low_latency_links.push_back({"B", "A"});
  EXPECT_TRUE(linked.is_low_latency("A", "B"));
  EXPECT_FALSE(linked.is_low_latency("A", "C"));
}

TEST(DrTopologyIdentity, ServiceFqdn) {
  auto t = load_topology(kExample);
  ASSERT_TRUE(t.ok());
  for (const char* ok :
       {"service:atl-cs-001.litwareinc.com", "Service:ATL-CS-001.litwareinc.com.",
        "service:PersistentChatServer:atl-cs-001.litwareinc.com", "atl-cs-001.litwareinc.com"}) {
    auto r = check_pool_identity(*t, ok);
    ASSERT_TRUE(r.ok()) << ok << ": " << r.error().message;
    EXPECT_EQ(*r, "atl-cs-001.litwareinc.com");
  }
  auto other = check_pool_identity(*t, "service:dal-cs-001.litwareinc.com");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().kind, ErrorKind::kNotFound);
  EXPECT_NE(other.error().message.find("service:atl-cs-001.litwareinc.com"), std::string::npos);
  for (const char* bad : {"", "service:", "service:bad name", "service:a..b"}) {
    auto r = parse_pool_identity(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().kind, ErrorKind::kInvalidInput);
  }
}

TEST(DrHostPort, ParsesAndRejects) {
  auto a = parse_host_port("atl-pc-001.litwareinc.com:6697");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "atl-pc-001.litwareinc.com");
  EXPECT_EQ(a->port, 6697);
  auto v6 = parse_host_port("[::1]:8080");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->to_string(), "[::1]:8080");
  EXPECT_TRUE(parse_host_port("0.0.0.0:1")->is_wildcard());
  for (const char* bad : {"host", "host:", ":80", "host:0", "host:65536", "host:80x", "::1:80",
                          "[::1:80", "[nothost]:80", "bad_host:80", "-a.b:80"}) {
    EXPECT_FALSE(parse_host_port(bad).ok()) << bad;
  }
  EXPECT_TRUE(same_hostname("A.example.", "a.EXAMPLE"));
}

TEST(DrTopologyFile, AdminTokenFileDefaultsBesideTheTopology) {
  auto r = check(example_text());
  ASSERT_TRUE(r.ok()) << dump(r);
  EXPECT_EQ(r.topology->admin_token_file, fs::path("/etc/pchat/admin-token"));
  auto named =
      check(edit(example_text(), "[pool]\n", "[pool]\nadmin_token_file = \"secrets/admin\"\n"));
  ASSERT_TRUE(named.ok()) << dump(named);
  EXPECT_EQ(named.topology->admin_token_file, fs::path("/etc/pchat/secrets/admin"));
}

TEST(DrSuggest, NearestKey) {
  EXPECT_EQ(nearest("datacentre", {"name", "datacenter", "irc_listen"}), "datacenter");
  EXPECT_EQ(nearest("primay", {"primary", "mirror"}), "primary");
  EXPECT_EQ(nearest("zzzzzz", {"primary", "mirror"}), "");
}

TEST(DrDiagnostic, FormatsLikeACompiler) {
  Diagnostic d{Severity::kError, "topology.toml", 23, "servers[2].datacenter",
               "unknown datacenter 'C' (known: A, B)"};
  EXPECT_EQ(format(d),
            "topology.toml:23: error: servers[2].datacenter: unknown datacenter 'C' (known: A, B)");
  d.severity = Severity::kWarning;
  d.line = 0;
  d.field.clear();
  EXPECT_EQ(format(d), "topology.toml: warning: unknown datacenter 'C' (known: A, B)");
}

// --- each kind of mistake, with its line --------------------------------------------

TEST(DrTopologyMistakes, UnknownDatacenter) {
  std::string text = edit(example_text(), "datacenter = \"B\"", "datacenter = \"C\"",
                          "dal-pc-002.litwareinc.com\"");
  auto r = check(text);
  EXPECT_FALSE(r.ok());
  int line = line_of(text, "datacenter = \"C\"");
  expect_error(r, "servers[5].datacenter", line, "unknown datacenter 'C' (known: A, B)");
  EXPECT_EQ(format(*find(r, "servers[5].datacenter")),
            "topology.toml:" + std::to_string(line) +
                ": error: servers[5].datacenter: unknown datacenter 'C' (known: A, B)");
  EXPECT_EQ(count(r.diagnostics, Severity::kError), 1) << dump(r);
}

TEST(DrTopologyMistakes, UnknownStoreRole) {
  std::string text = edit(example_text(), "[stores.backup_mirror]", "[stores.backup_mirorr]");
  text += "\n[stores.witness]\ndatacenter = \"A\"\nhost = \"w.example\"\n";
  auto r = check(text);
  expect_error(r, "stores.backup_mirorr", line_of(text, "[stores.backup_mirorr]"),
               "unknown store role 'backup_mirorr' (did you mean 'backup_mirror'?)");
  expect_error(r, "stores.witness", line_of(text, "[stores.witness]"), "roles: primary, mirror");
  EXPECT_EQ(count(r.diagnostics, Severity::kError), 2) << dump(r);
}

TEST(DrTopologyMistakes, DuplicateServerName) {
  std::string text = edit(example_text(), "name = \"dal-pc-004.litwareinc.com\"",
                          "name = \"ATL-PC-001.litwareinc.com\"");
  auto r = check(text);
  expect_error(r, "servers[7].name", line_of(text, "ATL-PC-001"),
               "duplicate server name 'ATL-PC-001.litwareinc.com' (also servers[0])");
  EXPECT_EQ(count(r.diagnostics, Severity::kError), 1) << dump(r);
}

TEST(DrTopologyMistakes, DuplicateListenAddress) {
  std::string text = edit(example_text(), "irc_listen = \"dal-pc-002.litwareinc.com:6697\"",
                          "irc_listen = \"DAL-pc-001.litwareinc.com:6697\"");
  // An HTTP port of one server used as another's IRC port is a clash too.
  text = edit(text, "irc_listen = \"dal-pc-003.litwareinc.com:6697\"",
              "irc_listen = \"dal-pc-003.litwareinc.com:8080\"");
  auto r = check(text);
  expect_error(r, "servers[5].irc_listen", line_of(text, "DAL-pc-001"),
               "duplicate listen address DAL-pc-001.litwareinc.com:6697 "
               "(also servers[4].irc_listen)");
  expect_error(
      r, "servers[6].http_listen", line_of(text, "http_listen = \"dal-pc-003"),
      "duplicate listen address dal-pc-003.litwareinc.com:8080 (also servers[6].irc_listen)");
  EXPECT_EQ(count(r.diagnostics, Severity::kError), 2) << dump(r);
}

TEST(DrTopologyMistakes, BadAddresses) {
  std::string text =
      edit(example_text(), "atl-pc-002.litwareinc.com:6697", "atl-pc-002.litwareinc.com:66970");
  text = edit(text, "\"atl-pc-003.litwareinc.com:8080\"", "\"atl-pc-003.litwareinc.com\"");
  text = edit(text, "\"atl-pc-004.litwareinc.com:6697\"", "\"::1:6697\"");
  auto r = check(text);
  expect_error(r, "servers[1].irc_listen", line_of(text, ":66970"), "not in 1-65535");
  expect_error(r, "servers[2].http_listen",
               line_of(text, "http_listen = \"atl-pc-003.litwareinc.com\""), "no port");
  expect_error(r, "servers[3].irc_listen", line_of(text, "::1:6697"), "in brackets");
  EXPECT_EQ(count(r.diagnostics, Severity::kError), 3) << dump(r);
}

TEST(DrTopologyMistakes, TooManyServers) {
  std::string text = edit(example_text(), "max_servers = 8", "max_servers = 6");
  auto r = check(text);
  // Reported at the first server over the limit.
  expect_error(r, "servers[6]", line_of(text, "[[servers]]", "dal-pc-002.litwareinc.com:8080"),
               "8 servers, more than pool.max_servers (6)");
  EXPECT_EQ(count(r.diagnostics, Severity::kError), 1) << dump(r);
}

TEST(DrTopologyMistakes, TooManyActiveServers) {
  std::string text = edit(example_text(), "max_active_servers = 4", "max_active_servers = 3");
  auto r = check(text);
  expect_error(r, "pool.active_servers", line_of(text, "active_servers = ["),
               "4 active servers, more than pool.max_active_servers (3)");
  EXPECT_EQ(count(r.diagnostics, Severity::kError), 1) << dump(r);
}

TEST(DrTopologyMistakes, ActiveServerNotInThePoolOrTooFar) {
  std::string text =
      edit(example_text(), "\"atl-pc-003.litwareinc.com\",", "\"atl-pc-009.litwareinc.com\",");
  text = edit(text, "\"atl-pc-004.litwareinc.com\",", "\"dal-pc-001.litwareinc.com\",");
  auto r = check(text);
  expect_error(r, "pool.active_servers[2]", line_of(text, "atl-pc-009"),
               "'atl-pc-009.litwareinc.com' is not a server of this pool");
  expect_error(r, "pool.active_servers[3]", line_of(text, "\"dal-pc-001.litwareinc.com\","),
               "is in datacenter B, not the primary store's (A) nor low-latency linked");
  EXPECT_EQ(count(r.diagnostics, Severity::kError), 2) << dump(r);

  // A declared low-latency link makes datacenter B acceptable for active servers.
  text = edit(text, "[[servers]]",
              "[[low_latency_links]]\ndatacenters = [\"A\", \"B\"]\n\n[[servers]]");
  r = check(text);
  EXPECT_EQ(find(r, "pool.active_servers[3]"), nullptr) << dump(r);
  EXPECT_EQ(count(r.diagnostics, Severity::kError), 1) << dump(r);
}

TEST(DrTopologyMistakes, StoresInTheWrongDatacenter) {
  std::string text =
      edit(example_text(), "datacenter = \"A\"", "datacenter = \"B\"", "[stores.mirror]");
  text = edit(text, "datacenter = \"B\"", "datacenter = \"A\"", "[stores.backup]");
  auto r = check(text);
  expect_error(r, "stores.mirror.datacenter",
               line_of(text, "datacenter = \"B\"", "[stores.mirror]"),
               "a synchronous mirror belongs in the primary's datacenter");
  expect_error(r, "stores.backup.datacenter",
               line_of(text, "datacenter = \"A\"", "[stores.backup]"),
               "the backup is in the primary's datacenter (A)");
  expect_error(r, "stores.backup_mirror.datacenter",
               line_of(text, "datacenter = \"B\"", "[stores.backup_mirror]"),
               "it belongs in the backup's datacenter");
  // compliance_backup (B) is no longer beside the backup (A): a warning.
  expect_error(r, "stores.compliance_backup.datacenter",
               line_of(text, "datacenter = \"B\"", "[stores.compliance_backup]"), "the backup in A",
               Severity::kWarning);
  EXPECT_EQ(count(r.diagnostics, Severity::kError), 3) << dump(r);
}

TEST(DrTopologyMistakes, MissingPrimaryAndBackupWithoutShare) {
  std::string text = edit(example_text(), "[stores.primary]", "[stores.primay]");
  text = edit(text, "backup_share = ", "# backup_share = ");
  auto r = check(text);
  expect_error(r, "stores.primay", line_of(text, "[stores.primay]"), "did you mean 'primary'?");
  // Reported where the [stores] tables begin.
  expect_error(r, "stores.primary", line_of(text, "[stores."),
               "missing: a pool needs a primary store");
  expect_error(r, "log_shipping.backup_share", line_of(text, "[log_shipping]"),
               "missing: stores.backup is fed by log shipping");
}

TEST(DrTopologyMistakes, UnknownKeysSuggestTheNearest) {
  std::string text = edit(example_text(), "irc_listen", "irc_listn", "dal-pc-003");
  text = edit(text, "timeout_s = 10", "timeout = 10", "[mirroring]");
  text = edit(text, "[pool]", "[pool]\nfdqn_typo_here_long = 1");
  auto r = check(text);
  expect_error(r, "servers[6].irc_listn", line_of(text, "irc_listn"),
               "unknown server key (did you mean 'irc_listen'?)");
  expect_error(r, "mirroring.timeout", line_of(text, "timeout = 10"), "did you mean 'timeout_s'?");
  expect_error(r, "pool.fdqn_typo_here_long", line_of(text, "fdqn_typo_here_long"),
               "(known: fqdn, max_servers, max_active_servers, active_servers, "
               "admin_token_file)");
  // The misspelled irc_listen leaves the server without one.
  expect_error(r, "servers[6].irc_listen",
               line_of(text, "[[servers]]", "dal-pc-002.litwareinc.com:8080\""), "missing");
}

TEST(DrTopologyMistakes, WrongTypes) {
  std::string text = edit(example_text(), "port = 5432", "port = \"5432\"");
  text = edit(text, "max_servers = 8", "max_servers = 8.5");
  text = edit(text, "[datacenters.A]\ndescription = \"Atlanta: primary site\"",
              "[datacenters.A]\ndescription = 1");
  text = edit(text, "mode = \"high-safety\"", "mode = \"safe\"");
  auto r = check(text);
  expect_error(r, "stores.primary.port", line_of(text, "port = \"5432\""),
               "expected an integer, got a string");
  expect_error(r, "pool.max_servers", line_of(text, "max_servers = 8.5"),
               "expected an integer, got a floating-point number");
  expect_error(r, "datacenters.A.description", line_of(text, "description = 1"),
               "expected a string, got an integer");
  expect_error(r, "mirroring.mode", line_of(text, "mode = \"safe\""),
               "unknown mode 'safe' (known: high-safety, strict)");
  // Each wrong field is reported once: no "missing" echo from the validator.
  EXPECT_EQ(count(r.diagnostics, Severity::kError), 4) << dump(r);
}

TEST(DrTopologyMistakes, Conninfo) {
  std::string text =
      edit(example_text(),
           "conninfo = \"host=atl-sql-003.litwareinc.com port=5432 dbname=mgccomp user=pchat\"",
           "conninfo = \"host=atl-sql-003.litwareinc.com port\"");
  text = edit(text, "host = \"dal-sql-002.litwareinc.com\"",
              "conninfo = \"host=dal-sql-001.litwareinc.com dbname=mgc2\"\nhost = \"x.example\"");
  auto r = check(text);
  expect_error(r, "stores.compliance.conninfo", line_of(text, "port\"\n"), "bad libpq conninfo");
  expect_error(r, "stores.backup_mirror.conninfo", line_of(text, "dbname=mgc2"),
               "give either conninfo or host/port/dbname/user, not both");
  // The backup mirror's conninfo names the backup's instance.
  expect_error(r, "stores.backup_mirror", line_of(text, "[stores.backup_mirror]"),
               "same PostgreSQL instance as stores.backup");
}

TEST(DrTopologyMistakes, SyntaxErrorHasItsLine) {
  std::string text = edit(example_text(), "timeout_s = 10", "timeout_s = = 10");
  auto r = check(text);
  EXPECT_FALSE(r.topology.has_value());
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].line, line_of(text, "timeout_s = = 10"));
  EXPECT_NE(r.diagnostics[0].message.find("TOML syntax"), std::string::npos);
}

TEST(DrTopologyMistakes, WarningsAreNotErrors) {
  std::string text = edit(example_text(), "\"dal-pc-004.litwareinc.com:6697\"", "\"0.0.0.0:6697\"");
  text = edit(text, "[datacenters.B]", "[datacenters.C]\n\n[datacenters.B]");
  auto r = check(text);
  EXPECT_TRUE(r.ok()) << dump(r);
  expect_error(r, "servers[7].irc_listen", line_of(text, "0.0.0.0:6697"), "wildcard host",
               Severity::kWarning);
  expect_error(r, "datacenters.C", line_of(text, "[datacenters.C]"), "no server and no store",
               Severity::kWarning);
  EXPECT_EQ(count(r.diagnostics, Severity::kWarning), 2) << dump(r);
}

TEST(DrTopologyMistakes, PasswordInConninfoIsAWarning) {
  std::string text = edit(example_text(), "user=pchat\"", "user=pchat password=s3cret\"");
  auto r = check(text);
  EXPECT_TRUE(r.ok()) << dump(r);
  expect_error(r, "stores.compliance.conninfo", line_of(text, "password=s3cret"), "~/.pgpass",
               Severity::kWarning);
}

TEST(DrTopologyMistakes, StoresSharingAnInstanceOrADataDir) {
  std::string text = edit(example_text(), "host = \"atl-sql-002.litwareinc.com\"",
                          "host = \"ATL-SQL-001.litwareinc.com\"");
  text = edit(text, "host = \"dal-sql-003.litwareinc.com\"",
              "host = \"dal-sql-001.litwareinc.com\"\ndbname = \"mgc\"");
  auto r = check(text);
  expect_error(
      r, "stores.mirror", line_of(text, "[stores.mirror]"),
      "same database as stores.primary (ATL-SQL-001.litwareinc.com port 5432, dbname mgc)");
  expect_error(r, "stores.compliance_backup", line_of(text, "[stores.compliance_backup]"),
               "same database as stores.backup");
  EXPECT_EQ(count(r.diagnostics, Severity::kError), 2) << dump(r);
}

TEST(DrTopologyMistakes, ManyErrorsReportedTogetherInLineOrder) {
  std::string text = edit(example_text(), "max_active_servers = 4", "max_active_servers = 2");
  text = edit(text, "datacenter = \"A\"", "datacenter = \"Z\"",
              "name = \"atl-pc-002.litwareinc.com\"");
  text = edit(text, "\"dal-pc-003.litwareinc.com:8080\"", "\"dal-pc-003.litwareinc.com:80:80\"");
  text = edit(text, "[stores.mirror]", "[stores.mirrror]");
  text = edit(text, "datacenter = \"B\"", "datacenter = \"A\"", "[stores.backup]");
  auto r = check(text);
  EXPECT_FALSE(r.ok());
  expect_error(r, "pool.active_servers", line_of(text, "active_servers = ["), "more than");
  expect_error(r, "servers[1].datacenter", line_of(text, "\"Z\""), "unknown datacenter 'Z'");
  expect_error(r, "servers[6].http_listen", line_of(text, ":80:80"), "bad address");
  expect_error(r, "stores.mirrror", line_of(text, "[stores.mirrror]"), "did you mean 'mirror'?");
  expect_error(r, "stores.backup.datacenter",
               line_of(text, "datacenter = \"A\"", "[stores.backup]"), "primary's datacenter");
  // Moving the backup strands its mirror: reported too.
  expect_error(r, "stores.backup_mirror.datacenter",
               line_of(text, "datacenter = \"B\"", "[stores.backup_mirror]"),
               "it belongs in the backup's datacenter");
  EXPECT_EQ(count(r.diagnostics, Severity::kError), 6) << dump(r);
  for (size_t i = 1; i < r.diagnostics.size(); ++i) {
    EXPECT_LE(r.diagnostics[i - 1].line, r.diagnostics[i].line) << dump(r);
  }
  // load_topology() refuses it and lists every error.
  fs::path file = fs::path(::testing::TempDir()) / "pchat_dr_many_errors.toml";
  std::ofstream(file) << text;
  auto t = load_topology(file);
  fs::remove(file);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().kind, ErrorKind::kInvalidInput);
  for (const auto& d : r.diagnostics) {
    bool listed = t.error().message.find(d.message) != std::string::npos;
    EXPECT_EQ(listed, d.severity == Severity::kError) << d.message;  // warnings left out
  }
}

TEST(DrTopologyFile, MissingFileAndRelativePaths) {
  auto missing = load_topology("/nonexistent/pchat/topology.toml");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::kNotFound);
  auto r = check_topology_file("/nonexistent/pchat/topology.toml");
  EXPECT_FALSE(r.topology.has_value());
  ASSERT_EQ(r.diagnostics.size(), 1u);

  // Lab style: a minimal pool, relative paths resolved against the file's directory,
  // and a managed store reached through its data_dir's socket directory.
  const std::string lab = R"([pool]
fqdn = "lab.pchat.test"
active_servers = ["s1.lab"]
[datacenters.A]
[datacenters.B]
[[servers]]
name = "s1.lab"
datacenter = "A"
irc_listen = "127.0.0.1:7001"
http_listen = "127.0.0.1:7002"
[[servers]]
name = "s2.lab"
datacenter = "B"
irc_listen = "127.0.0.1:7003"
http_listen = "127.0.0.1:7004"
[stores.primary]
datacenter = "A"
data_dir = "a/primary"
[stores.backup]
datacenter = "B"
data_dir = "b/backup"
port = 5433
[log_shipping]
backup_share = "share"
copy_destination = "b/copy"
)";
  auto lr = check_topology(lab, "lab/topology.toml", "/tmp/lab");
  ASSERT_TRUE(lr.ok()) << dump(lr);
  EXPECT_TRUE(lr.diagnostics.empty()) << dump(lr);
  const Store* p = lr.topology->store(StoreRole::kPrimary);
  EXPECT_EQ(p->data_dir, "/tmp/lab/a/primary");
  EXPECT_EQ(p->host, "/tmp/lab/a/primary/run");
  EXPECT_EQ(lr.topology->log_shipping.backup_share, "/tmp/lab/share");
  EXPECT_EQ(lr.topology->max_servers, kDefaultMaxServers);
  EXPECT_EQ(lr.topology->log_shipping.archive_timeout_s, 60);  // default
}

TEST(DrTopologyValidate, BuiltInCodeHasNoLines) {
  Topology t;
  t.pool_fqdn = "pool.example";
  t.datacenters = {{"A", ""}};
  t.servers = {{"s1.example", "A", {"10.0.0.1", 6667}, {"10.0.0.1", 8080}},
               {"s2.example", "B", {"10.0.0.1", 6667}, {"10.0.0.2", 8080}}};
  t.active_servers = {"s1.example"};
  auto d = validate(t);
  std::string all;
  for (const auto& x : d) all += format(x) + "\n";
  EXPECT_NE(all.find(": error: servers[1].datacenter: unknown datacenter 'B' (known: A)"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("servers[1].irc_listen: duplicate listen address 10.0.0.1:6667"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("stores.primary: missing"), std::string::npos) << all;
  for (const auto& x : d) EXPECT_EQ(x.line, 0);
}

TEST(DrTopologyStore, InstanceConninfoIsTheFirstHostOnly) {
  Store s;
  s.conninfo =
      "host=/run/a,/run/b port=5433,5434 dbname=mgc user=pchat "
      "target_session_attrs=read-write application_name='a b'";
  const std::string ci = s.instance_conninfo();
  EXPECT_NE(ci.find("host=/run/a"), std::string::npos) << ci;
  EXPECT_EQ(ci.find("/run/b"), std::string::npos) << ci;
  EXPECT_NE(ci.find("port=5433"), std::string::npos) << ci;
  EXPECT_EQ(ci.find("5434"), std::string::npos) << ci;
  EXPECT_EQ(ci.find("target_session_attrs"), std::string::npos) << ci;
  EXPECT_NE(ci.find("dbname=mgc"), std::string::npos) << ci;
  EXPECT_NE(ci.find("user=pchat"), std::string::npos) << ci;
  EXPECT_NE(ci.find("application_name='a b'"), std::string::npos) << ci;
  Store plain;  // no conninfo: built from the fields, one host already
  plain.host = "db.example";
  plain.dbname = "mgc";
  EXPECT_NE(plain.instance_conninfo().find("host=db.example"), std::string::npos);
  EXPECT_NE(plain.instance_conninfo().find("port=5432"), std::string::npos);
}

}  // namespace
}  // namespace pchat::dr

namespace pchat::dr {
namespace {

// Store TLS settings reach every connection string: pchatd's and pchatctl's
// (libpq_conninfo) and replication's (primary_conninfo, pg_basebackup).
TEST(DrTopologyStoreTls, SettingsReachEveryConninfo) {
  const std::string text =
      edit(example_text(), "[stores.primary]\n",
           "[stores.primary]\nsslmode = \"verify-full\"\nsslrootcert = \"tls/root ca.pem\"\n"
           "sslcert = \"/etc/pchat/client.pem\"\nsslkey = \"/etc/pchat/client.key\"\n");
  auto r = check(text);
  ASSERT_TRUE(r.topology) << dump(r);
  const Store* p = r.topology->store(StoreRole::kPrimary);
  EXPECT_EQ(p->libpq_conninfo(),
            "host=atl-sql-001.litwareinc.com port=5432 dbname=mgc user=pchat "
            "sslmode=verify-full sslrootcert='/etc/pchat/tls/root ca.pem' "
            "sslcert=/etc/pchat/client.pem sslkey=/etc/pchat/client.key");
  EXPECT_EQ(replication_conninfo(*r.topology, StoreRole::kPrimary, "mirror"),
            "host=atl-sql-001.litwareinc.com port=5432 user=pchat sslmode=verify-full "
            "sslrootcert='/etc/pchat/tls/root ca.pem' sslcert=/etc/pchat/client.pem "
            "sslkey=/etc/pchat/client.key application_name=mirror");
}

TEST(DrTopologyStoreTls, BadModeAndMixingWithConninfoAreRefused) {
  auto bad = check(
      edit(example_text(), "[stores.primary]\n", "[stores.primary]\nsslmode = \"verify_full\"\n"));
  EXPECT_NE(dump(bad).find("is not one of disable, allow, prefer, require, verify-ca, "
                           "verify-full"),
            std::string::npos)
      << dump(bad);
  auto mixed = check(
      edit(example_text(), "[stores.compliance]", "[stores.compliance]\nsslmode = \"require\"\n#"));
  EXPECT_NE(dump(mixed).find("not both"), std::string::npos) << dump(mixed);
}

// The witness of automatic mirror failover: [mirroring] witness, witness_datacenter,
// auto_failover_after_s.
TEST(DrTopologyWitness, ParsedAndCheckedAgainstTheDatacenters) {
  const std::string base = example_text();
  auto with = [&](const std::string& keys) {
    return edit(base, "timeout_s = 10", "timeout_s = 10\n" + keys, "[mirroring]");
  };
  auto r = check(with("witness = \"wit.litwareinc.com:8443\"\nauto_failover_after_s = 5"));
  EXPECT_FALSE(r.ok());
  ASSERT_NE(find(r, "mirroring.witness_datacenter"), nullptr) << dump(r);
  r = check(with("witness = \"wit.litwareinc.com:8443\"\nwitness_datacenter = \"W\""));
  EXPECT_NE(find(r, "mirroring.witness_datacenter")->message.find("unknown datacenter 'W'"),
            std::string::npos)
      << dump(r);
  r = check(with("witness = \"wit.litwareinc.com:8443\"\nwitness_datacenter = \"A\""));
  EXPECT_TRUE(r.ok()) << dump(r);
  EXPECT_EQ(find(r, "mirroring.witness_datacenter")->severity, Severity::kWarning);
  std::string third = edit(with("witness = \"wit.litwareinc.com:8443\"\nwitness_datacenter = "
                                "\"W\"\nauto_failover_after_s = 3"),
                           "[datacenters.B]", "[datacenters.W]\n\n[datacenters.B]");
  r = check(third);
  EXPECT_TRUE(r.ok()) << dump(r);
  EXPECT_EQ(find(r, "mirroring.witness_datacenter"), nullptr) << dump(r);
  EXPECT_EQ(find(r, "datacenters.W"), nullptr) << dump(r);  // the witness uses it
  ASSERT_TRUE(r.topology->mirroring.witness.has_value());
  EXPECT_EQ(r.topology->mirroring.witness->port, 8443);
  EXPECT_EQ(r.topology->mirroring.auto_failover_after_s, 3);
  r = check(with("witness = \"wit:0\"\nwitness_datacenter = \"A\""));
  EXPECT_FALSE(r.ok());
  ASSERT_NE(find(r, "mirroring.witness"), nullptr) << dump(r);
}

}  // namespace
}  // namespace pchat::dr
