// The pool's other users, as this server sees them (docs/design.md#processes; the store
// side is store/presence.h).
//
// Each server writes its own clients' presence (nick, user, host, account, channels)
// to `mgc` and NOTIFYs `pchat_presence` with one event line per change; every other
// server applies the events here: it keeps a RemoteUser per remote client, puts it in
// the channels' `remote` members, and shows the change to its local clients (JOIN,
// PART, KICK, QUIT, NICK, AWAY, ACCOUNT, SETNAME) exactly as for a local user.
// NAMES, WHO, WHOIS, ISON, USERHOST and direct messages then see the whole pool, and
// a nick is unique in the whole pool (the store's unique index decides).
//
// Event lines (IRC syntax: words, the last one may be ":trailing"):
//   USER  <server> <sid> <nick> <user> <host> <account|*> :<realname>
//   NICK  <server> <sid> <nick>
//   QUIT  <server> <sid> :<reason>
//   JOIN  <server> <sid> <channel> :<modes>    ("", "o", "v", "ov")
//   PART  <server> <sid> <channel> :<reason>
//   KICK  <server> <sid> <channel> <kicker nick!user@host> :<reason>
//   MODE  <server> <sid> <channel> :<modes>
//   AWAY  <server> <sid> :<text>          (empty text: back)
//   ACCOUNT <server> <sid> <account|*>
//   SETNAME <server> <sid> :<realname>
//   KICKREQ <server> <sid> <channel> <kicker nick!user@host> :<reason>
//                                          (to <server>: kick your user <sid>)
//   KILLREQ <server> <sid> <killer nick!user@host> :<reason>
//                                          (to <server>: disconnect your user <sid>)
//   HELLO <server>   (it re-announced itself: the stream reads a new snapshot)
//   GONE  <server>   (it left or died: its users quit)
// A snapshot (after the stream connects, and on HELLO) replaces the whole remote
// state; the differences are shown to local clients as JOIN/PART/QUIT, like a
// netsplit and rejoin. Applying an event twice changes nothing.
//
// Runs on the event loop, like the Server.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "irc/message.h"
#include "store/presence.h"

namespace pchat::server {

class Server;
class Channel;
class Session;

struct RemoteUser {
  std::string server;
  uint64_t sid = 0;
  std::string nick;
  std::string user;
  std::string host;
  std::string account;  // empty: not logged in
  std::string realname;
  std::string away;
  std::vector<Channel*> channels;

  std::string prefix() const { return nick + "!" + user + "@" + host; }
};

class PoolPresence {
 public:
  explicit PoolPresence(Server& srv) : srv_(srv) {}

  // Replaces the remote state with `users` (every server but this one).
  void apply_snapshot(std::vector<store::PresenceUser> users);
  // Applies a NOTIFY payload: event lines separated by '\n'.
  void apply_payload(std::string_view payload);

  RemoteUser* find_nick(std::string_view nick);
  size_t count() const { return users_.size(); }
  const std::map<std::pair<std::string, uint64_t>, std::unique_ptr<RemoteUser>>& users() const {
    return users_;
  }

  // Event lines for this server's own changes (see the list above).
  static std::string event(std::string_view type, const std::string& self, uint64_t sid,
                           std::vector<std::string> rest);
  // "", "o", "v" or "ov": a membership's prefixes as events and the store keep them.
  static std::string modes_of(bool op, bool voice);

 private:
  void apply(const irc::Message& m);
  RemoteUser* find(const std::string& server, std::string_view sid);
  RemoteUser& upsert(const std::string& server, uint64_t sid, const std::string& nick,
                     const std::string& user, const std::string& host, const std::string& account,
                     const std::string& realname);
  void set_nick(RemoteUser& u, const std::string& nick);
  // Records `u`'s identity in the server's WHOWAS history (it quits or changes nick).
  void remember(const RemoteUser& u);
  void join(RemoteUser& u, const std::string& channel, std::string_view modes, bool show);
  // Removes `u` from `c`; shows `line` to c's local members when non-empty.
  void leave(RemoteUser& u, Channel& c, const irc::Message* line);
  void quit(RemoteUser& u, const std::string& reason);
  void server_gone(const std::string& server);
  // Sends `m` once to each local client sharing a channel with `u`.
  void to_peers(RemoteUser& u, const irc::Message& m, uint32_t need_cap = 0);

  Server& srv_;
  std::map<std::pair<std::string, uint64_t>, std::unique_ptr<RemoteUser>> users_;
  std::unordered_map<std::string, RemoteUser*> nicks_;  // folded nick
};

}  // namespace pchat::server
