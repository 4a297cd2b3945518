#include "server/room_policy.h"

#include <spdlog/spdlog.h>

#include <utility>

#include "chat/diff.h"
#include "irc/casemap.h"
#include "irc/numerics.h"
#include "server/server.h"

namespace pchat::server {

namespace {

chat::User user_of(const Session& s) {
  return chat::User{s.account()};
}

}  // namespace

RoomPolicy::RoomPolicy(Server& srv) : srv_(srv) {}

const chat::Room* RoomPolicy::room(std::string_view name) const {
  return catalog_.room(name);
}

const chat::Category* RoomPolicy::category_of(const chat::Room& room) const {
  return catalog_.category(room.category);
}

chat::Standing RoomPolicy::standing(const Session& s, const chat::Room& room) const {
  return standing(user_of(s), room);
}

chat::Standing RoomPolicy::standing(const chat::User& user, const chat::Room& room) const {
  return standing_in(catalog_, groups_, user, room);
}

// ---------------------------------------------------------------------------
// JOIN, posting, finding

RoomPolicy::JoinVerdict RoomPolicy::check_join(Session& s, const std::string& name) {
  if (!loaded_) return {};
  std::optional<chat::Room> created;
  JoinVerdict v =
      decide_join(catalog_, groups_, user_of(s), name,
                  {srv_.config().new_room_category, srv_.config().new_room_privacy}, &created);
  if (created) {
    created_[irc::fold(name)] = *created;
    persist_new_room(*created);
    catalog_.add_room(std::move(*created));
  }
  return v;
}

void RoomPolicy::persist_new_room(const chat::Room& room) {
  if (srv_.readers() == nullptr) return;
  (void)srv_.readers()->submit([this, room](Result<pg::Connection*> conn) {
    Result<bool> r = conn ? store::create_room_if_absent(**conn, room) : Result<bool>(conn.error());
    if (r) return;  // its NOTIFY reloads every server's catalog
    spdlog::warn("rooms: room {} could not be stored: {}", room.name, r.error().message);
    srv_.post([this, key = irc::fold(room.name)] {
      // Forget it here too, without diffing: the live channel goes on as plain IRC.
      created_.erase(key);
      catalog_.remove_room(key);
    });
  });
}

void RoomPolicy::on_channel_created(Channel& c) {
  const chat::Room* r = room(c.name());
  if (r == nullptr) return;
  const chat::ChannelModes m = chat::channel_modes(*r);
  c.invite_only = m.invite_only;
  c.secret = m.secret;
  c.moderated = m.moderated;
}

std::optional<std::pair<const char*, std::string>> RoomPolicy::check_post(Session& s, Channel& c) {
  const chat::Room* r = loaded_ ? room(c.name()) : nullptr;
  if (r == nullptr) return std::nullopt;
  const chat::Decision d = chat::may_post(*r, standing(s, *r));
  if (d) return std::nullopt;
  if (d.denial == chat::Denial::kNoSuchRoom) {
    return std::make_pair(irc::kErrNoSuchChannel, std::string("No such channel"));
  }
  // A manager's MODE +o/+v lets a participant speak in an auditorium, as +m does.
  const Membership* mb = c.member(&s);
  if (d.denial == chat::Denial::kNotPresenter && mb != nullptr && (mb->op || mb->voice)) {
    return std::nullopt;
  }
  return std::make_pair(irc::kErrCannotSendToChan, d.reason);
}

bool RoomPolicy::may_find(const Session& s, const Channel& c) const {
  const chat::Room* r = loaded_ ? room(c.name()) : nullptr;
  if (r == nullptr) return true;
  return chat::may_find(*r, standing(s, *r)).ok();
}

bool RoomPolicy::exists_for(const Session& s, const Channel& c) const {
  const chat::Room* r = loaded_ ? room(c.name()) : nullptr;
  return r == nullptr || chat::exists_for(*r, standing(s, *r));
}

std::map<std::string, std::string> RoomPolicy::readable_rooms(const Session& s,
                                                              const std::string& target) const {
  std::map<std::string, std::string> out = readable_rooms(user_of(s), target);
  const bool all = target == "*";
  const std::string want = irc::fold(target);
  for (const Channel* c : s.channels()) {
    if ((all || c->key() == want) && (!loaded_ || room(c->name()) == nullptr)) {
      out.emplace(c->key(), c->name());
    }
  }
  return out;
}

std::map<std::string, std::string> RoomPolicy::readable_rooms(const chat::User& user,
                                                              const std::string& target) const {
  std::map<std::string, std::string> out;
  if (!loaded_) return out;
  const bool all = target == "*";
  const std::string want = irc::fold(target);
  for (const auto& r : catalog_.rooms) {
    std::string key = irc::fold(r.name);
    if (!all && key != want) continue;
    const chat::Category* cat = category_of(r);
    if (cat == nullptr) continue;
    if (chat::may_read(r, chat::standing_of(*cat, r, user, groups_))) {
      out.emplace(std::move(key), r.name);
    }
  }
  return out;
}

void RoomPolicy::list_idle_rooms(Session& s, const ResponsePtr& r) {
  if (!loaded_) return;
  std::vector<const chat::Room*> shown;
  for (const auto& room : catalog_.rooms) {
    if (srv_.find_channel(room.name) != nullptr) continue;
    if (!chat::may_find(room, standing(s, room))) continue;
    shown.push_back(&room);
  }
  std::sort(shown.begin(), shown.end(), [](const chat::Room* a, const chat::Room* b) {
    return irc::fold(a->name) < irc::fold(b->name);
  });
  for (const chat::Room* room : shown) {
    irc::Message m =
        srv_.make_numeric(r->session(), irc::kRplList, {room->name, "0", room->description});
    m.tags.push_back(irc::Tag{std::string(rooms::kCategoryTag), room->category});
    r->add(std::move(m));
  }
}

bool RoomPolicy::sends_participant_updates(const Channel& c) const {
  return chat::sends_participant_updates(c.population(), catalog_.config);
}

int RoomPolicy::default_chat_history() const {
  if (srv_.config().default_chat_history_given || !loaded_) {
    return srv_.config().default_chat_history;
  }
  return catalog_.config.default_chat_history;
}

// ---------------------------------------------------------------------------
// Managers' changes from IRC

const chat::Room* RoomPolicy::managed_room(const Session& s, std::string_view name) const {
  const chat::Room* r = loaded_ ? room(name) : nullptr;
  if (r == nullptr || !chat::may_manage(*r, standing(s, *r))) return nullptr;
  return r;
}

void RoomPolicy::change_room(const Session& s, const chat::Room& before, chat::Room after,
                             std::function<void(Status)> done) {
  const chat::Category* cat = category_of(before);
  if (cat == nullptr) {
    done(make_error(ErrorKind::kNotFound, "no room '" + before.name + "'"));
    return;
  }
  if (const chat::Decision d = chat::may_change_room(before, after, standing(s, before)); !d) {
    done(make_error(ErrorKind::kDenied, d.reason));
    return;
  }
  if (Status st = chat::validate_room(after, *cat); !st) {
    done(st);
    return;
  }
  if (after == before) {
    done(ok_status());
    return;
  }
  // Success is told once this server applied the change (its next catalog reload):
  // the manager's next command sees the room as changed.
  // `done` (which may hold a client's Response) is moved, not copied, off the loop:
  // its last reference must end on the loop.
  auto finish = [this, done](Status st) mutable {
    srv_.post([this, done = std::move(done), st] {
      if (!st) {
        done(st);
      } else {
        after_reload([done] { done(ok_status()); });
      }
    });
  };
  // A room JOIN created here a moment ago may not be stored yet (persist_new_room
  // runs on another connection): store it first, then change it.
  const bool pending = created_.count(irc::fold(before.name)) > 0;
  const bool queued =
      srv_.readers() != nullptr &&
      srv_.readers()->submit([before, after, pending,
                              finish](Result<pg::Connection*> conn) mutable {
        if (!conn) {
          finish(conn.error());
          return;
        }
        if (pending) {
          if (auto created = store::create_room_if_absent(**conn, before); !created) {
            finish(created.error());
            return;
          }
        }
        auto stored = store::update_room(**conn, before.name, [&](chat::Room& current) -> Status {
          if (!(current == before)) {
            return make_error(ErrorKind::kConflict,
                              "room '" + before.name + "' was changed meanwhile; try again");
          }
          current = after;
          return ok_status();
        });
        finish(stored ? ok_status() : Status(stored.error()));
      });
  if (!queued) done(make_error(ErrorKind::kUnavailable, "the store cannot be reached; try again"));
}

bool RoomPolicy::invite(Session& s, const std::string& nick, const chat::Room& room,
                        const ResponsePtr& r) {
  const chat::Category* cat = category_of(room);
  if (cat == nullptr) return false;
  Channel* live = srv_.find_channel(room.name);
  if (live == nullptr || live->member(&s) == nullptr) {
    srv_.numeric(r, irc::kErrNotOnChannel, {room.name, "You're not on that channel"});
    return true;
  }
  std::string target_nick, target_account;
  bool on_channel = false;
  if (Session* t = srv_.find_nick(nick); t != nullptr && t->registered()) {
    target_nick = t->nick();
    target_account = t->account();
    on_channel = live->member(t) != nullptr;
  } else if (RemoteUser* u = srv_.presence().find_nick(nick)) {
    target_nick = u->nick;
    target_account = u->account;
    on_channel = live->remote.count(u) > 0;
  } else {
    srv_.numeric(r, irc::kErrNoSuchNick, {nick, "No such nick/channel"});
    return true;
  }
  if (on_channel) {
    srv_.numeric(r, irc::kErrUserOnChannel, {target_nick, room.name, "is already on channel"});
    return true;
  }
  static constexpr const char* kCmd = "INVITE";
  if (!chat::invitations_enabled(*cat, room)) {
    srv_.fail(r, kCmd, "INVITATIONS_OFF", {room.name},
              "Invitations are off for " + room.name +
                  (cat->invitations ? " (the room's Invitations is False)"
                                    : " (its category '" + cat->name + "' has them off)"));
    return true;
  }
  const chat::Standing theirs = standing(chat::User{target_account}, room);
  if (chat::may_join(room, theirs)) return false;  // nothing to change: plain IRC
  if (!chat::may_manage(room, standing(s, room))) {
    srv_.numeric(r, irc::kErrChanOPrivsNeeded, {room.name, "You're not a manager of " + room.name});
    return true;
  }
  if (room.disabled) {
    srv_.fail(r, kCmd, "ROOM_DISABLED", {room.name}, room.name + " is disabled");
    return true;
  }
  if (target_account.empty()) {
    srv_.fail(r, kCmd, "ACCOUNT_REQUIRED", {target_nick},
              target_nick + " is not logged in: only accounts can be invited into a room");
    return true;
  }
  if (!theirs.in_scope()) {
    srv_.fail(r, kCmd, "NOT_ALLOWED", {target_nick, room.name},
              target_nick + " may not be in the rooms of category '" + cat->name + "'");
    return true;
  }
  // Make them a member; the catalog reload then sends the INVITE from the server
  // they are connected to (send_invitations).
  chat::Room after = room;
  after.members.push_back({chat::PrincipalKind::kAccount, irc::fold(target_account)});
  change_room(s, room, std::move(after), [this, r, target_nick, name = room.name](Status st) {
    if (!st) {
      srv_.fail(r, kCmd, rooms::fail_code(st.error()), {name}, st.error().message);
      return;
    }
    srv_.numeric(r, irc::kRplInviting, {target_nick, name});
  });
  return true;
}

// ---------------------------------------------------------------------------
// Hooks

namespace rooms {

RoomPolicy::JoinVerdict check_join(Server& srv, Session& s, const std::string& name) {
  return srv.rooms() ? srv.rooms()->check_join(s, name) : RoomPolicy::JoinVerdict{};
}

void on_channel_created(Server& srv, Channel& c) {
  if (srv.rooms()) srv.rooms()->on_channel_created(c);
}

std::optional<std::pair<const char*, std::string>> check_post(Server& srv, Session& s, Channel& c) {
  return srv.rooms() ? srv.rooms()->check_post(s, c) : std::nullopt;
}

bool may_find(Server& srv, const Session& s, const Channel& c) {
  return srv.rooms() ? srv.rooms()->may_find(s, c) : true;
}

bool exists_for(Server& srv, const Session& s, const Channel& c) {
  return srv.rooms() ? srv.rooms()->exists_for(s, c) : true;
}

std::map<std::string, std::string> readable_rooms(Server& srv, const Session& s,
                                                  const std::string& target) {
  if (srv.rooms()) return srv.rooms()->readable_rooms(s, target);
  std::map<std::string, std::string> out;
  for (const Channel* c : s.channels()) {
    if (target == "*" || c->key() == irc::fold(target)) out.emplace(c->key(), c->name());
  }
  return out;
}

void list_idle_rooms(Server& srv, Session& s, const ResponsePtr& r) {
  if (srv.rooms()) srv.rooms()->list_idle_rooms(s, r);
}

const char* fail_code(const Error& e) {
  switch (e.kind) {
    case ErrorKind::kDenied:
      return "NOT_MANAGER";
    case ErrorKind::kInvalidInput:
      return "INVALID_VALUE";
    case ErrorKind::kConflict:
      return "CONFLICT";
    case ErrorKind::kUnavailable:
      return "TEMPORARILY_UNAVAILABLE";
    case ErrorKind::kNotFound:
      return "NO_SUCH_ROOM";
    default:
      return "CANNOT_CHANGE";
  }
}

bool sends_participant_updates(Server& srv, const Channel& c) {
  return srv.rooms() ? srv.rooms()->sends_participant_updates(c) : true;
}

}  // namespace rooms

}  // namespace pchat::server
