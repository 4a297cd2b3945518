#include "server/reload.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace pchat::server {
namespace {

bool has_prefix(const std::vector<std::string>& list, const std::string& prefix) {
  return std::any_of(list.begin(), list.end(),
                     [&](const std::string& s) { return s.rfind(prefix, 0) == 0; });
}

TEST(PlanReload, NothingChanged) {
  ServerConfig c;
  auto plan = plan_reload(c, c);
  EXPECT_TRUE(plan.applied.empty());
  EXPECT_TRUE(plan.need_restart.empty());
}

TEST(PlanReload, LiveKeysAreApplied) {
  ServerConfig running, fresh;
  fresh.motd = "new motd";
  fresh.flood_burst = 10;
  fresh.log_level = "debug";
  auto plan = plan_reload(running, fresh);
  EXPECT_TRUE(has_prefix(plan.applied, "motd")) << plan.applied.size();
  EXPECT_TRUE(has_prefix(plan.applied, "flood_burst 400 -> 10"));
  EXPECT_TRUE(has_prefix(plan.applied, "log_level 'info' -> 'debug'"));
  EXPECT_TRUE(plan.need_restart.empty());
  EXPECT_EQ(plan.next.motd, "new motd");
  EXPECT_EQ(plan.next.flood_burst, 10);
  EXPECT_EQ(plan.next.log_level, "debug");
}

TEST(PlanReload, RestartOnlyKeysAreNamedAndKeepTheirRunningValue) {
  ServerConfig running, fresh;
  fresh.reader_threads = 3;
  fresh.irc_listen = Endpoint{"::1", 6697};
  fresh.files_listen = Endpoint{"localhost", 8443};
  fresh.motd = "x";
  auto plan = plan_reload(running, fresh);
  EXPECT_TRUE(has_prefix(plan.need_restart, "reader_threads (2 -> 3)"));
  EXPECT_TRUE(has_prefix(plan.need_restart, "irc_listen (127.0.0.1:6667 -> [::1]:6697)"));
  EXPECT_TRUE(has_prefix(plan.need_restart, "files_listen (off -> localhost:8443)"));
  EXPECT_EQ(plan.next.reader_threads, 2);
  EXPECT_EQ(plan.next.irc_listen->port, 6667);
  EXPECT_FALSE(plan.next.files_listen);
  EXPECT_EQ(plan.next.motd, "x");
  // Reported again on the next SIGHUP: `next` still holds the running value.
  EXPECT_EQ(plan_reload(plan.next, fresh).need_restart.size(), 3u);
}

TEST(PlanReload, CertificateFilesAreLiveTlsListenersNeedARestart) {
  ServerConfig running, fresh;
  running.tls_cert_file = "/etc/pchat/old.pem";
  fresh.tls_cert_file = "/etc/pchat/new.pem";
  fresh.sts_duration = 60;
  fresh.irc_tls_listen = Endpoint{"*", 6697};
  fresh.http_tls = true;
  auto plan = plan_reload(running, fresh);
  EXPECT_TRUE(
      has_prefix(plan.applied, "tls_cert_file '/etc/pchat/old.pem' -> '/etc/pchat/new.pem'"));
  EXPECT_TRUE(has_prefix(plan.applied, "sts_duration 2592000 -> 60"));
  EXPECT_TRUE(has_prefix(plan.need_restart, "irc_tls_listen (off -> *:6697)"));
  EXPECT_TRUE(has_prefix(plan.need_restart, "http_tls (false -> true)"));
  EXPECT_EQ(plan.next.tls_cert_file, "/etc/pchat/new.pem");
  EXPECT_FALSE(plan.next.irc_tls_listen);
  EXPECT_FALSE(plan.next.http_tls);
}

TEST(CopyLiveKeys, LeavesTheOthers) {
  ServerConfig into, from;
  into.server_name = "s1.example.org";  // pool mode filled it in
  from.server_name = "pchat.local";
  from.flood_rate = 7;
  copy_live_keys(into, from);
  EXPECT_EQ(into.flood_rate, 7);
  EXPECT_EQ(into.server_name, "s1.example.org");
  const auto& live = live_config_keys();
  for (const char* k : {"motd", "flood_burst", "flood_rate", "log_level"}) {
    EXPECT_NE(std::find(live.begin(), live.end(), k), live.end()) << k;
  }
}

}  // namespace
}  // namespace pchat::server
