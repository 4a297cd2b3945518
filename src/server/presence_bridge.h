// This server's side of pool-wide presence: it tells the pool about its own users'
// changes through the store's presence link (store/presence.h), claims nicks for the
// whole pool, and acts on what other servers ask. The other direction, other
// servers' users as this one sees them, is PoolPresence (pool_presence.h), which also
// lists the event lines.
//
// Without a link (a standalone server), presence and nicks are this server's only and
// every call here is a no-op, except claim() and change_nick(), which then decide
// locally.
// Runs on the event loop, like the Server.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "server/response.h"
#include "store/presence.h"

namespace pchat::server {

class Server;
class Session;
class Channel;
struct RemoteUser;

class PresenceBridge {
 public:
  explicit PresenceBridge(Server& srv) : srv_(srv) {}

  // REQUIRES: before the server listens.
  void set_link(store::PresenceLink* link) { link_ = link; }

  // Registration: claims `s`'s nick in the pool, then calls `done(s, result)` on the
  // loop (kClaimed also without a link). Not called when `s` closed meanwhile (the
  // claim is then taken back).
  void claim(Session& s, std::function<void(Session&, store::ClaimResult)> done);
  // NICK after registration: the pool decides; the change shows (to `s` in `r`, to
  // its peers) when it agrees, else 433/437 in `r`.
  void change_nick(Session& s, const std::string& nick, const ResponsePtr& r);

  // Local changes, told to the pool (no-ops until `s` is announced).
  void joined(Session& s, Channel& c);
  // PART (kicker empty) or KICK (kicker = the kicker's nick!user@host).
  void left(Session& s, Channel& c, const std::string& reason, const std::string& kicker = {});
  void modes(Session& s, Channel& c);
  void away(Session& s);
  void realname(Session& s);
  void quit(Session& s, const std::string& reason);
  // Asks the user's server to kick remote user `u` from `c` (it shows the KICK).
  void request_kick(const RemoteUser& u, Channel& c, Session& kicker, const std::string& reason);
  // Asks the user's server to disconnect remote user `u` (an operator's KILL).
  void request_kill(const RemoteUser& u, Session& killer, const std::string& reason);

  // The link asks:
  // it (re)connected: hand it the whole local state.
  void announce();
  // sessions whose nick another server took during a store outage: they must go.
  void on_lost_nicks(const std::vector<uint64_t>& sids);
  // another server asked (KICKREQ) to kick local session `sid` from `channel`.
  void kick_local(uint64_t sid, const std::string& channel, const std::string& kicker,
                  const std::string& reason);
  // another server asked (KILLREQ) to disconnect local session `sid`.
  void kill_local(uint64_t sid, const std::string& killer, const std::string& reason);

 private:
  store::PresenceUser presence_user(const Session& s) const;
  std::string event(std::string_view type, const Session& s, std::vector<std::string> rest) const;

  Server& srv_;
  store::PresenceLink* link_ = nullptr;
};

}  // namespace pchat::server
