// Server queries: MOTD, LUSERS, VERSION (RFC 2812 3.4).
#include "irc/numerics.h"
#include "server/server.h"

namespace pchat::server {

namespace {

void handle_motd(Server& srv, Session& s, const irc::Message&, const ResponsePtr& r) {
  srv.send_motd(s, r);
}

void handle_lusers(Server& srv, Session&, const irc::Message&, const ResponsePtr& r) {
  srv.send_lusers(r);
}

void handle_version(Server& srv, Session& s, const irc::Message&, const ResponsePtr& r) {
  srv.numeric(
      r, irc::kRplVersion,
      {"pchat-" PCHAT_VERSION, srv.name(), "persistent chat; messages stored in PostgreSQL"});
  srv.send_isupport(s, r);
}

}  // namespace

void register_query_commands(std::unordered_map<std::string, CommandSpec>& t) {
  t["MOTD"] = {0, true, handle_motd};
  t["LUSERS"] = {0, true, handle_lusers};
  t["VERSION"] = {0, true, handle_version};
}

}  // namespace pchat::server
