// Rooms on the server: the room catalog as this server knows it
// (store/rooms.h) and the rules of src/chat applied to IRC commands. Command
// handlers call the small hooks at the bottom (one line each); everything about
// rooms lives here, so the handlers stay plain IRC.
//
// How it works:
//  1. At start-up main() loads the catalog and apply()s it before the listener opens.
//  2. The message stream's listener on `pchat_rooms` calls request_reload() on every
//     committed change (any pchatctl, any server of the pool) and on reconnect; the
//     catalog is read by the reader pool (one read at a time; a change that arrives
//     during a read causes one more) and apply()ed on the loop, so rule changes reach
//     connected clients within a second.
//  3. apply() compares each live channel's old and new (category, room) with
//     chat::diff_access: those who lost access are KICKed by the server with the
//     reason, prefixes (+o managers, +v presenters) and room modes (+i Closed/Secret,
//     +s Secret, +m Auditorium) are set with MODE.
//  4. Invitations: when a room's lists newly name someone (pchatctl, ROOM, INVITE)
//     and the room's invitations are on (chat::invitations_enabled), each server
//     sends `INVITE nick #room` to its connected users who may now join and are not
//     in the channel.
//  5. Managers change their rooms from IRC (ROOM, MODE +i/+s/+m/+o/+v, INVITE):
//     change_room() checks the rules on the loop, stores the change in the
//     background and the catalog reload applies it (as 3.) on every server.
//  6. JOIN of a name that is no room yet creates one (docs/design.md#plain-irc-keeps-working): in
//  the category
//     ServerConfig::new_room_category names, with ServerConfig::new_room_privacy,
//     if the joiner is one of its creators. The room is in the catalog at once and
//     stored in the background (create_room_if_absent: a peer that created it first
//     wins); its NOTIFY brings it to every server.
//
// A channel with no room (the catalog was never loaded: tests without a store) is
// plain IRC. Group principals (group:NAME, OU=...) are resolved by a chat::Directory
// built from the catalog's groups (store/groups.h) at each apply(); the diff of step 3
// computes old standings with the directory before the change and new ones with the
// directory after it, so a group membership change kicks and re-modes like a rule
// change.
//
// Threading: the event loop only, except request_reload() (any thread).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chat/groups.h"
#include "chat/model.h"
#include "chat/rules.h"
#include "server/join_verdict.h"
#include "server/response.h"
#include "store/rooms.h"

namespace pchat::server {

class Server;
class Session;
class Channel;

class RoomPolicy {
 public:
  explicit RoomPolicy(Server& srv);

  // Any thread: reload the catalog from the store, then apply() it on the loop.
  void request_reload();
  // Makes `catalog` current and applies the differences to live channels.
  void apply(store::RoomCatalog catalog);
  bool loaded() const { return loaded_; }

  const chat::Room* room(std::string_view name) const;
  const chat::Category* category_of(const chat::Room& room) const;
  const chat::PoolConfig& config() const { return catalog_.config; }
  chat::Standing standing(const Session& s, const chat::Room& room) const;
  // The same for a user who is not a session (the file host, the admin API).
  chat::Standing standing(const chat::User& user, const chat::Room& room) const;

  // JOIN: what the rules say about `s` joining `name` (server/join_verdict.h); a room
  // JOIN creates is added to the catalog at once and stored in the background.
  using JoinVerdict = server::JoinVerdict;
  JoinVerdict check_join(Session& s, const std::string& name);
  // A channel was created in memory for a room (or a new one): set the room's modes.
  void on_channel_created(Channel& c);
  // PRIVMSG/NOTICE/TAGMSG to `c`: nullopt when allowed, else (numeric, reason).
  std::optional<std::pair<const char*, std::string>> check_post(Session& s, Channel& c);
  // LIST/NAMES/WHOIS of a channel one may not be in: may `s` find `c`?
  bool may_find(const Session& s, const Channel& c) const;
  // MODE/TOPIC queries: does `c` exist for `s` (false only for a Secret room's
  // non-members)?
  bool exists_for(const Session& s, const Channel& c) const;
  // SEARCH: the conversations `s` may read, folded key -> display name: `target`
  // alone ("#room") or every one ("*"). Rooms by may_read; channels without a room
  // only while `s` is in them. Empty when `s` may read none.
  std::map<std::string, std::string> readable_rooms(const Session& s,
                                                    const std::string& target) const;
  // The same for `user`, rooms only (the admin API's search on a user's behalf).
  std::map<std::string, std::string> readable_rooms(const chat::User& user,
                                                    const std::string& target) const;
  // LIST: RPL_LIST for each room without a live channel that `s` may find.
  void list_idle_rooms(Session& s, const ResponsePtr& r);
  // JOIN/PART/QUIT of others in `c` are sent (ParticipantUpdateLimit).
  bool sends_participant_updates(const Channel& c) const;
  // Messages replayed on JOIN: the flag/config file when given, else the pool's.
  int default_chat_history() const;

  // ---- managers' changes from IRC (ROOM, MODE, INVITE) ----
  // The room `name` when `s` manages it (chat::may_manage), else nullptr.
  const chat::Room* managed_room(const Session& s, std::string_view name) const;
  // Stores the change of `before` (the catalog's room as `s` saw it) into `after`:
  // chat::may_change_room and chat::validate_room here (refusals as kDenied /
  // kInvalidInput), then one transaction that refuses with kConflict when the
  // stored room is no longer `before` (changed meanwhile: try again). `done` runs
  // on the loop. The change reaches channels through the catalog reload (NOTIFY),
  // on every server, like any rule change.
  void change_room(const Session& s, const chat::Room& before, chat::Room after,
                   std::function<void(Status)> done);
  // INVITE of `nick` to a room's channel. A manager's INVITE of someone who may not
  // join yet makes them a member (the invitation follows from the change, on the
  // server they are on). Returns false when the room's rules have nothing to add
  // (the invitee may join already): the plain IRC INVITE follows.
  bool invite(Session& s, const std::string& nick, const chat::Room& room, const ResponsePtr& r);
  // The room model's groups (directory groups included, nested ones flattened), as of
  // the last catalog applied.
  const chat::GroupResolver& groups() const { return groups_; }

 private:
  void start_reload();
  // Runs `then` on the loop once a catalog reload that starts after this call has
  // been applied (starts one).
  void after_reload(std::function<void()> then);
  void run_reload_waiters(uint64_t done_gen);
  // Sends INVITE to this server's users newly named by a room's lists (see 4.).
  void send_invitations(const store::RoomCatalog& prev);
  void persist_new_room(const chat::Room& room);
  // Applies the change of one live channel from (old_cat, old_room) to the new ones.
  // `was_room`: the catalog had a room for it (else it was a plain IRC channel).
  // `old_groups` resolved groups before the change (groups_ after it).
  void update_channel(Channel& c, const chat::Category& old_cat, const chat::Room& old_room,
                      bool was_room, const chat::Category* new_cat, const chat::Room* new_room,
                      const chat::GroupResolver& old_groups);

  Server& srv_;
  bool loaded_ = false;
  store::RoomCatalog catalog_;
  // Rooms created by JOIN here and not yet seen in a loaded catalog (folded name).
  std::map<std::string, chat::Room> created_;
  bool reloading_ = false;
  bool reload_again_ = false;
  uint64_t reload_gen_ = 0;                                                 // reloads started
  std::vector<std::pair<uint64_t, std::function<void()>>> reload_waiters_;  // (gen, then)
  chat::Directory groups_;  // catalog_.groups, flattened
};

// ---- hooks for the command handlers: plain IRC when the server has no RoomPolicy ----
namespace rooms {

RoomPolicy::JoinVerdict check_join(Server& srv, Session& s, const std::string& name);
void on_channel_created(Server& srv, Channel& c);
std::optional<std::pair<const char*, std::string>> check_post(Server& srv, Session& s, Channel& c);
bool may_find(Server& srv, const Session& s, const Channel& c);
bool exists_for(Server& srv, const Session& s, const Channel& c);
void list_idle_rooms(Server& srv, Session& s, const ResponsePtr& r);
// The message tag a room's RPL_LIST carries its category in (LIST; needs message-tags).
inline constexpr std::string_view kCategoryTag = "pchat/category";
std::map<std::string, std::string> readable_rooms(Server& srv, const Session& s,
                                                  const std::string& target);
bool sends_participant_updates(Server& srv, const Channel& c);
// The FAIL code for a refused room change (ROOM, MODE, INVITE): NOT_MANAGER,
// INVALID_VALUE, CONFLICT, TEMPORARILY_UNAVAILABLE, NO_SUCH_ROOM or CANNOT_CHANGE.
const char* fail_code(const Error& e);

}  // namespace rooms

}  // namespace pchat::server
