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
  return chat::User{s.account_};
}

// The numeric a JOIN denial gets (src/chat/README.md, "What the server must call where").
const char* join_numeric(chat::Denial d) {
  switch (d) {
    case chat::Denial::kNoSuchRoom:
      return irc::kErrNoSuchChannel;
    case chat::Denial::kNotMember:
      return irc::kErrInviteOnlyChan;
    default:
      return irc::kErrBannedFromChan;
  }
}

// The room a channel had before the catalog knew a room for it: an ad-hoc room of
// the default category, so that diff_access sees what a plain IRC channel allowed.
chat::Room unmanaged_room(const std::string& name) {
  chat::Room r;
  r.name = name;
  r.category = chat::kDefaultCategoryName;
  r.privacy = chat::Privacy::kOpen;
  return r;
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
  const chat::Category* cat = category_of(room);
  if (cat == nullptr) return {};  // a room always has its category; nobody stands
  return chat::standing_of(*cat, room, user, groups_);
}

// ---------------------------------------------------------------------------
// Loading

void RoomPolicy::request_reload() {
  srv_.post([this] { start_reload(); });
}

void RoomPolicy::start_reload() {
  if (reloading_) {
    reload_again_ = true;
    return;
  }
  if (srv_.readers() == nullptr) {
    run_reload_waiters(UINT64_MAX);
    return;
  }
  reloading_ = true;
  const uint64_t gen = ++reload_gen_;
  bool ok = srv_.readers()->submit([this, gen](Result<pg::Connection*> conn) {
    Result<store::RoomCatalog> cat =
        conn ? store::load_room_catalog(**conn) : Result<store::RoomCatalog>(conn.error());
    srv_.post([this, gen, cat = std::move(cat)]() mutable {
      reloading_ = false;
      if (cat) {
        apply(std::move(*cat));
      } else {
        spdlog::warn("rooms: cannot reload the room catalog: {}", cat.error().message);
      }
      run_reload_waiters(gen);
      if (reload_again_) {
        reload_again_ = false;
        start_reload();
      }
    });
  });
  if (!ok) {
    reloading_ = false;
    run_reload_waiters(UINT64_MAX);
  }
}

void RoomPolicy::after_reload(std::function<void()> then) {
  reload_waiters_.emplace_back(reload_gen_ + 1, std::move(then));
  if (reloading_) {
    reload_again_ = true;
  } else {
    start_reload();
  }
}

void RoomPolicy::run_reload_waiters(uint64_t done_gen) {
  std::vector<std::function<void()>> ready;
  std::erase_if(reload_waiters_, [&](auto& w) {
    if (w.first > done_gen) return false;
    ready.push_back(std::move(w.second));
    return true;
  });
  for (auto& f : ready) f();
}

void RoomPolicy::apply(store::RoomCatalog next) {
  // Rooms this server created that the store has not shown yet stay.
  for (auto it = created_.begin(); it != created_.end();) {
    if (next.room(it->second.name) != nullptr) {
      it = created_.erase(it);
    } else {
      next.add_room(it->second);
      ++it;
    }
  }
  const std::string& new_rooms = srv_.config().new_room_category;
  const bool creatable = next.category(new_rooms) != nullptr;
  if (!creatable && (!loaded_ || catalog_.category(new_rooms) != nullptr)) {
    spdlog::warn(
        "rooms: the category for new rooms, '{}', does not exist: JOIN of a new "
        "name is refused until it does (--new-room-category)",
        new_rooms);
  }
  store::RoomCatalog prev = std::move(catalog_);
  const bool was_loaded = loaded_;
  catalog_ = std::move(next);
  const chat::Directory prev_groups = std::exchange(groups_, chat::Directory(catalog_.groups));
  loaded_ = true;
  if (!was_loaded) return;  // start-up: no live channels yet

  const chat::Category fallback = chat::default_category();
  std::vector<std::string> keys;
  for (const auto& [key, c] : srv_.channels()) keys.push_back(key);
  for (const auto& key : keys) {
    Channel* c = srv_.find_channel(key);
    if (c == nullptr) continue;
    const chat::Room* before = prev.room(key);
    const chat::Room adhoc = unmanaged_room(c->name());
    const chat::Room& old_room = before != nullptr ? *before : adhoc;
    const chat::Category* old_cat = prev.category(old_room.category);
    if (old_cat == nullptr) old_cat = &fallback;
    const chat::Room* after = catalog_.room(key);
    update_channel(*c, *old_cat, old_room, before != nullptr, after ? category_of(*after) : nullptr,
                   after, prev_groups);
  }
  send_invitations(prev);
}

namespace {

// The principals `after` lists (members, managers, presenters) that `before` did not.
std::vector<chat::Principal> newly_listed(const chat::Room* before, const chat::Room& after) {
  std::vector<chat::Principal> out;
  auto listed = [&](const chat::Principal& p) {
    if (before == nullptr) return false;
    for (const auto* list : {&before->members, &before->managers, &before->presenters}) {
      if (std::find(list->begin(), list->end(), p) != list->end()) return true;
    }
    return false;
  };
  for (const auto* list : {&after.members, &after.managers, &after.presenters}) {
    for (const auto& p : *list) {
      if (!listed(p) && std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
    }
  }
  return out;
}

}  // namespace

void RoomPolicy::send_invitations(const store::RoomCatalog& prev) {
  // Rooms with invitations on whose lists name someone new (a renamed room is new).
  std::vector<std::pair<const chat::Room*, std::vector<chat::Principal>>> rooms;
  for (const auto& r : catalog_.rooms) {
    const chat::Category* cat = category_of(r);
    if (cat == nullptr || r.disabled || !chat::invitations_enabled(*cat, r)) continue;
    auto added = newly_listed(prev.room(r.name), r);
    if (!added.empty()) rooms.emplace_back(&r, std::move(added));
  }
  if (rooms.empty()) return;
  // This server's users with an account, by folded account.
  std::map<std::string, std::vector<Session*>> by_account;
  for (const auto& [id, weak] : srv_.sessions()) {
    std::shared_ptr<Session> s = weak.lock();
    if (s == nullptr || !s->registered_ || s->closing() || s->account_.empty()) continue;
    by_account[irc::fold(s->account_)].push_back(s.get());
  }
  for (const auto& [r, added] : rooms) {
    std::vector<Session*> candidates;
    for (const auto& p : added) {
      if (p.kind == chat::PrincipalKind::kAccount) {
        auto it = by_account.find(p.name);
        if (it != by_account.end()) {
          candidates.insert(candidates.end(), it->second.begin(), it->second.end());
        }
      } else {  // a group or everyone: ask the rules about each user
        for (const auto& [account, list] : by_account) {
          candidates.insert(candidates.end(), list.begin(), list.end());
        }
      }
    }
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    Channel* live = srv_.find_channel(r->name);
    for (Session* s : candidates) {
      if (live != nullptr && live->member(s) != nullptr) continue;
      const chat::Standing st = standing(*s, *r);
      if (!st.is_member() || !chat::may_join(*r, st)) continue;
      s->send(irc::Message{{}, srv_.name(), "INVITE", {s->nick_, r->name}});
    }
  }
}

void RoomPolicy::update_channel(Channel& c, const chat::Category& old_cat,
                                const chat::Room& old_room, bool was_room,
                                const chat::Category* new_cat, const chat::Room* new_room,
                                const chat::GroupResolver& old_groups) {
  const std::string key = c.key();
  std::vector<chat::Participant> people;
  std::map<std::string, Session*> by_nick;
  for (auto& [s, mb] : c.members) {
    people.push_back({s->nick_, user_of(*s)});
    by_nick[s->nick_] = s;
  }
  chat::AccessDiff diff;
  if (new_room == nullptr || new_cat == nullptr) {
    if (!was_room) return;  // a plain channel stays plain
    for (const auto& p : people) {
      diff.removals.push_back({p.nick, chat::Denial::kNoSuchRoom, c.name() + " was removed"});
    }
  } else {
    diff = chat::diff_access(old_cat, old_room, *new_cat, *new_room, people, old_groups, groups_);
  }
  // 1. Those who lost access leave, told why (the server is the KICK's source).
  for (const auto& removal : diff.removals) {
    Channel* live = srv_.find_channel(key);
    if (live == nullptr) return;
    Session* s = by_nick[removal.nick];
    if (s == nullptr || live->member(s) == nullptr) continue;
    irc::Message kick{{}, srv_.name(), "KICK", {live->name(), s->nick_, removal.reason}};
    srv_.release_held(*s, *live);  // as KICK does: a pending JOIN replay must not hold it back
    srv_.delivery().broadcast(*live, kick);
    srv_.bridge().left(*s, *live, removal.reason, srv_.name());
    srv_.part_channel(*s, *live);
  }
  Channel* live = srv_.find_channel(key);
  if (live == nullptr) return;
  // 2. Prefixes and room modes, in MODE lines of at most 4 parameters (ISUPPORT MODES).
  std::vector<std::pair<std::string, std::string>> changes;  // ("+o", nick) / ("+i", "")
  for (const auto& pc : diff.prefix_changes) {
    Session* s = by_nick[pc.nick];
    Membership* mb = s != nullptr ? live->member(s) : nullptr;
    if (mb == nullptr) continue;
    const bool was_op = mb->op, was_voice = mb->voice;
    if (pc.before.op != pc.after.op && mb->op != pc.after.op) {
      mb->op = pc.after.op;
      changes.emplace_back(pc.after.op ? "+o" : "-o", s->nick_);
    }
    if (pc.before.voice != pc.after.voice && mb->voice != pc.after.voice) {
      mb->voice = pc.after.voice;
      changes.emplace_back(pc.after.voice ? "+v" : "-v", s->nick_);
    }
    if (mb->op != was_op || mb->voice != was_voice) srv_.bridge().modes(*s, *live);
  }
  if (diff.modes_changed()) {
    auto flag = [&](bool before, bool after, bool& current, char letter) {
      if (before == after || current == after) return;
      current = after;
      changes.emplace_back(std::string(after ? "+" : "-") + letter, "");
    };
    flag(diff.modes_before.invite_only, diff.modes_after.invite_only, live->invite_only, 'i');
    flag(diff.modes_before.moderated, diff.modes_after.moderated, live->moderated, 'm');
    flag(diff.modes_before.secret, diff.modes_after.secret, live->secret, 's');
  }
  size_t i = 0;
  while (i < changes.size()) {
    std::string letters;
    std::vector<std::string> params;
    char sign = 0;
    for (; i < changes.size() && params.size() < 4; ++i) {
      const auto& [mode, param] = changes[i];
      if (mode[0] != sign) {
        sign = mode[0];
        letters.push_back(sign);
      }
      letters.push_back(mode[1]);
      if (!param.empty()) params.push_back(param);
    }
    irc::Message m{{}, srv_.name(), "MODE", {live->name(), letters}};
    for (auto& p : params) m.params.push_back(std::move(p));
    srv_.delivery().broadcast(*live, m);
  }
}

// ---------------------------------------------------------------------------
// JOIN, posting, finding

RoomPolicy::JoinVerdict RoomPolicy::check_join(Session& s, const std::string& name) {
  JoinVerdict v;
  if (!loaded_) return v;
  v.room = true;
  const chat::User user = user_of(s);
  if (const chat::Room* r = room(name)) {
    const chat::Standing st = standing(s, *r);
    const chat::Decision d = chat::may_join(*r, st);
    if (!d) {
      v.numeric = join_numeric(d.denial);
      v.reason = d.reason;
      return v;
    }
    v.members_only = r->privacy != chat::Privacy::kOpen;
    v.prefix = chat::prefix_of(st);
    // Only plain-IRC rooms (those JOIN creates) are "unmanaged"; a room an
    // administrator set up without managers gives nobody '@'.
    v.unmanaged =
        r->managers.empty() && irc::equal_folded(r->category, srv_.config().new_room_category);
    return v;
  }
  // A new name (docs/design.md#plain-irc-keeps-working). A refusal reads exactly as a Secret room's
  // does, so that JOIN never tells a Secret room from a name that is free.
  const chat::Category* cat = catalog_.category(srv_.config().new_room_category);
  const chat::Decision d = cat != nullptr ? chat::may_create_room_in(*cat, user, groups_)
                                          : chat::Decision::deny(chat::Denial::kNotCreator, "");
  auto privacy = chat::parse_privacy(srv_.config().new_room_privacy);
  Result<chat::Room> created = d && privacy
                                   ? chat::new_room(*cat, name, user, *privacy)
                                   : Result<chat::Room>(make_error(ErrorKind::kDenied, ""));
  if (!created) {
    v.numeric = irc::kErrNoSuchChannel;
    v.reason = "No such channel";
    return v;
  }
  catalog_.add_room(*created);
  created_[irc::fold(name)] = *created;
  persist_new_room(*created);
  v.creates = true;
  v.members_only = created->privacy != chat::Privacy::kOpen;
  // The creator manages it; a guest creator (no lasting identity) gets a transient '@'.
  v.prefix = chat::prefix_of(standing(s, *created));
  v.unmanaged = created->managers.empty();
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
  for (const Channel* c : s.channels_) {
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
    srv_.numeric(r, irc::kRplList, {room->name, "0", room->description});
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
  if (Session* t = srv_.find_nick(nick); t != nullptr && t->registered_) {
    target_nick = t->nick_;
    target_account = t->account_;
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
  for (const Channel* c : s.channels_) {
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
