// The lab's layout and topology text (ctl/lab/layout.h): the file lab up writes is a
// valid topology with no diagnostic, and lab.json round-trips; the processes
// listening on a port (ctl/lab/process.h), as lab down names them.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <set>

#include "ctl/lab/layout.h"
#include "ctl/lab/process.h"
#include "dr/cluster/standby.h"
#include "dr/topology_file.h"
#include "logship_test_util.h"

namespace pchat::ctl {
namespace {

std::vector<int> ports(int n) {
  std::vector<int> out;
  for (int i = 0; i < n; ++i) out.push_back(20000 + i);
  return out;
}

TEST(LabLayout, TopologyIsValidWithoutWarnings) {
  pchat::logship::test_util::TempDir dir;
  LabLayout l = make_lab_layout(dir.path(), 2, ports(lab_ports_needed(2)));
  dr::TopologyReport rep = dr::check_topology(lab_topology_text(l), "lab.toml", dir.path());
  for (const auto& d : rep.diagnostics) ADD_FAILURE() << dr::format(d);
  ASSERT_TRUE(rep.ok());
  const dr::Topology& t = *rep.topology;
  EXPECT_EQ(t.servers.size(), 4u);
  EXPECT_EQ(t.active_servers, (std::vector<std::string>{"a1.lab.pchat.test", "a2.lab.pchat.test"}));
  EXPECT_EQ(t.stores.size(), 6u);
  EXPECT_EQ(*t.datacenter_of(dr::StoreRole::kMirror), "A");
  EXPECT_EQ(*t.datacenter_of(dr::StoreRole::kBackupMirror), "B");
  EXPECT_EQ(t.log_shipping.wal_segsize_mb, 1);
  EXPECT_EQ(t.log_shipping.archive_timeout_s, 1);
  EXPECT_EQ(t.log_shipping.backup_share, dir.path() / "share");
  // The primary names its mirror as failover partner; the mirror is its own instance.
  const dr::Store* p = t.store(dr::StoreRole::kPrimary);
  EXPECT_NE(p->conninfo.find("target_session_attrs=read-write"), std::string::npos);
  EXPECT_NE(p->conninfo.find((dir.path() / "stores" / "mirror" / "run").string()),
            std::string::npos);
  EXPECT_EQ(t.store(dr::StoreRole::kMirror)->host,
            (dir.path() / "stores" / "mirror" / "run").string());
}

TEST(LabLayout, EveryPortIsUsedOnce) {
  LabLayout l = make_lab_layout("/lab", 3, ports(lab_ports_needed(3)));
  std::set<int> seen;
  for (const auto& s : l.stores) EXPECT_TRUE(seen.insert(s.port).second);
  for (const auto& s : l.servers) {
    EXPECT_TRUE(seen.insert(s.irc_port).second);
    EXPECT_TRUE(seen.insert(s.http_port).second);
  }
  EXPECT_TRUE(seen.insert(l.witness_port).second);
  EXPECT_EQ(static_cast<int>(seen.size()), lab_ports_needed(3));
}

// The value libpq reads for `key` in `conninfo` ("" when absent).
std::string conninfo_value(const std::string& conninfo, const std::string& key) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err);
  if (err != nullptr) PQfreemem(err);
  std::string out;
  for (PQconninfoOption* o = opts; o != nullptr && o->keyword != nullptr; ++o) {
    if (key == o->keyword && o->val != nullptr) out = o->val;
  }
  if (opts != nullptr) PQconninfoFree(opts);
  return out;
}

// lab up --tls: every store over TCP with verify-full against the lab's CA, in every
// conninfo pchat derives from the topology (servers', probes', replication's).
TEST(LabLayout, TlsTopologyVerifiesEveryStore) {
  pchat::logship::test_util::TempDir dir;
  LabLayout l = make_lab_layout(dir.path(), 2, ports(lab_ports_needed(2, true)), true);
  std::set<int> seen;
  for (const auto& s : l.servers) {
    EXPECT_NE(s.irc_tls_port, 0);
    EXPECT_TRUE(seen.insert(s.irc_tls_port).second);
  }
  EXPECT_EQ(lab_ports_needed(2, true), lab_ports_needed(2) + 4);
  dr::TopologyReport rep = dr::check_topology(lab_topology_text(l), "lab.toml", dir.path());
  for (const auto& d : rep.diagnostics) ADD_FAILURE() << dr::format(d);
  ASSERT_TRUE(rep.ok());
  const std::string ca = (dir.path() / "tls" / "ca.pem").string();
  for (const auto& st : rep.topology->stores) {
    SCOPED_TRACE(dr::to_string(st.role));
    EXPECT_EQ(st.sslmode, "verify-full");
    EXPECT_EQ(st.sslrootcert.string(), ca);
    EXPECT_EQ(st.host.substr(0, 9), "127.0.0.1");  // TCP: a unix socket is never TLS
    for (const std::string& ci : {st.libpq_conninfo(), dr::direct_conninfo(st, "postgres"),
                                  dr::replication_conninfo(*rep.topology, st.role, "x")}) {
      EXPECT_EQ(conninfo_value(ci, "sslmode"), "verify-full") << ci;
      EXPECT_EQ(conninfo_value(ci, "sslrootcert"), ca) << ci;
      EXPECT_EQ(conninfo_value(ci, "sslcert"), (dir.path() / "tls" / "client.pem").string());
      EXPECT_EQ(conninfo_value(ci, "sslkey"), (dir.path() / "tls" / "client.key").string());
    }
  }
  ASSERT_TRUE(save_lab_layout(l).ok());
  auto back = load_lab_layout(dir.path());
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(back->tls);
  EXPECT_EQ(back->servers[1].irc_tls_port, l.servers[1].irc_tls_port);
  // Without --tls: unix sockets, no TLS options.
  LabLayout plain = make_lab_layout(dir.path(), 1, ports(lab_ports_needed(1)));
  EXPECT_EQ(plain.servers[0].irc_tls_port, 0);
  EXPECT_EQ(lab_topology_text(plain).find("sslmode"), std::string::npos);
}

TEST(LabLayout, StateFileRoundTrips) {
  pchat::logship::test_util::TempDir dir;
  LabLayout l = make_lab_layout(dir.path(), 1, ports(lab_ports_needed(1)));
  l.servers[0].pid = 1234;
  l.jobs[1].pid = 99;
  l.allow_guests = true;
  l.mirror_mode = "strict";
  l.wal_segsize_mb = 16;
  ASSERT_TRUE(save_lab_layout(l).ok());
  auto back = load_lab_layout(dir.path());
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->servers[0].pid, 1234);
  EXPECT_EQ(back->jobs[1].pid, 99);
  EXPECT_EQ(back->jobs[1].args, l.jobs[1].args);
  EXPECT_TRUE(back->allow_guests);
  EXPECT_EQ(back->mirror_mode, "strict");
  EXPECT_EQ(back->wal_segsize_mb, 16);
  auto topo = dr::check_topology(lab_topology_text(*back), "lab.toml", dir.path());
  ASSERT_TRUE(topo.ok());
  EXPECT_EQ(topo.topology->log_shipping.wal_segsize_mb, 16);
  EXPECT_EQ(back->store(dr::StoreRole::kBackup)->port, l.store(dr::StoreRole::kBackup)->port);
  EXPECT_FALSE(load_lab_layout(dir.path() / "nothing").ok());
}

TEST(TopologyFile, WalSegsizeMustBeAPowerOfTwo) {
  const std::string base =
      "[pool]\nfqdn = \"p.example\"\n[datacenters.A]\n[stores.primary]\ndatacenter = \"A\"\n"
      "host = \"db\"\n[log_shipping]\n";
  auto ok = dr::check_topology(base + "wal_segsize_mb = 64\n", "t.toml", "/");
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(ok.topology->log_shipping.wal_segsize_mb, 64);
  auto bad = dr::check_topology(base + "wal_segsize_mb = 3\n", "t.toml", "/");
  ASSERT_FALSE(bad.ok());
  bool said = false;
  for (const auto& d : bad.diagnostics)
    said |= dr::format(d).find("not a power of two") != std::string::npos;
  EXPECT_TRUE(said);
  for (int mb : {1, 2, 16, 1024}) EXPECT_TRUE(dr::valid_wal_segsize_mb(mb)) << mb;
  for (int mb : {0, -16, 3, 24, 2048}) EXPECT_FALSE(dr::valid_wal_segsize_mb(mb)) << mb;
}

// lab down names the process still listening on a lab port.
TEST(LabProcess, ListeningPidsFindsThisProcessOnItsPort) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  const int port = ntohs(a.sin_port);
  EXPECT_TRUE(listening_pids(port).empty());  // bound, not listening yet
  ASSERT_EQ(listen(fd, 1), 0);
  EXPECT_TRUE(port_listening(port));
  EXPECT_EQ(listening_pids(port), std::vector<pid_t>{getpid()});
  close(fd);
  EXPECT_TRUE(listening_pids(port).empty());
  EXPECT_FALSE(port_listening(port));
}

}  // namespace
}  // namespace pchat::ctl
