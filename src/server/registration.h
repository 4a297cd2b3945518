// Registration and welcome: a connection becomes a user once NICK and USER are in,
// capability negotiation is over (CAP END) and no SASL exchange is running; the nick
// is then claimed in the pool (presence_bridge.h) and the welcome burst goes out:
// 001-004, ISUPPORT (005), LUSERS and the MOTD.
//
// The LUSERS maxima (265/266) are the highest counts a LUSERS saw; every
// registration sends one.
// Runs on the event loop, like the Server.
#pragma once

#include <cstddef>

#include "server/response.h"

namespace pchat::server {

class Server;
class Session;

class Registration {
 public:
  explicit Registration(Server& srv) : srv_(srv) {}

  // Completes `s`'s registration when nothing is missing any more; else nothing.
  // Call after each step that may be the last (NICK, USER, CAP END, SASL's end).
  void try_complete(Session& s);

  void send_isupport(const ResponsePtr& r);
  void send_motd(const ResponsePtr& r);
  void send_lusers(const ResponsePtr& r);

 private:
  void finish(Session& s);
  void send_welcome(Session& s);

  Server& srv_;
  size_t max_local_users_ = 0;  // registered users, as counted by LUSERS
  size_t max_global_users_ = 0;
};

}  // namespace pchat::server
