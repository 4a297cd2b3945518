// The Server's side of pool-wide presence: claiming nicks, telling the pool about
// local changes, and acting on other servers' requests. See pool_presence.h for the
// events and store/presence.h for the store side.
#include <spdlog/spdlog.h>

#include "irc/casemap.h"
#include "irc/numerics.h"
#include "server/server.h"

namespace pchat::server {

const Membership* UserRef::member_of(Channel& c) const {
  if (local != nullptr) return c.member(local);
  auto it = c.remote.find(remote);
  return it == c.remote.end() ? nullptr : &it->second;
}

UserRef Server::find_user(std::string_view nick) {
  UserRef u;
  if (Session* s = find_nick(nick); s != nullptr && s->registered_) {
    u.local = s;
  } else {
    u.remote = presence_.find_nick(nick);
  }
  return u;
}

std::string Server::dm_identity(const UserRef& u) {
  if (u.local != nullptr) return dm_identity(*u.local);
  return u.account().empty() ? "~" + irc::fold(u.nick()) : irc::fold(u.account());
}

Session* Server::session_by_id(uint64_t id) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return nullptr;
  auto sp = it->second.lock();
  return sp && !sp->closing() ? sp.get() : nullptr;
}

store::PresenceUser Server::presence_user(const Session& s) const {
  store::PresenceUser u;
  u.sid = s.id_;
  u.nick_key = irc::fold(s.nick_);
  u.nick = s.nick_;
  u.username = s.user_;
  u.host = s.host_;
  if (!s.account_.empty()) u.account = s.account_;
  u.realname = s.realname_;
  u.away = s.away_;
  for (Channel* c : s.channels_) {
    const Membership& mb = c->members.at(const_cast<Session*>(&s));
    u.channels.push_back({c->key(), c->name(), PoolPresence::modes_of(mb.op, mb.voice)});
  }
  return u;
}

std::string Server::presence_event(std::string_view type, const Session& s,
                                   std::vector<std::string> rest) const {
  return PoolPresence::event(type, pool_self(), s.id_, std::move(rest));
}

// ---------------------------------------------------------------------------
// Registration and nicks

void Server::claim_and_welcome(Session& s) {
  if (link_ == nullptr) {
    finish_registration(s);
    return;
  }
  if (presence_.find_nick(s.nick_) != nullptr) {
    auto r = std::make_shared<Response>(s.shared_from_this(), "");
    numeric(r, irc::kErrNicknameInUse, {s.nick_, "Nickname is already in use"});
    unregister_nick(s);
    s.nick_.clear();
    return;
  }
  s.claiming_ = true;
  std::weak_ptr<Session> weak = s.weak_from_this();
  const uint64_t sid = s.id_;
  const std::string nick = s.nick_;
  link_->claim(presence_user(s),
               presence_event(
                   "USER", s,
                   {s.nick_, s.user_, s.host_, s.account_.empty() ? "*" : s.account_, s.realname_}),
               [this, weak, sid, nick](store::ClaimResult res) {
                 post([this, weak, sid, nick, res] {
                   auto sp = weak.lock();
                   if (!sp || sp->closing()) {
                     // Gone while the pool was asked: take the claim back.
                     if (res == store::ClaimResult::kClaimed) {
                       link_->quit(sid, PoolPresence::event("QUIT", pool_self(), sid, {"Gone"}));
                     }
                     return;
                   }
                   Session& s = *sp;
                   s.claiming_ = false;
                   if (res == store::ClaimResult::kClaimed) {
                     s.announced_ = true;
                     finish_registration(s);
                     return;
                   }
                   auto r = std::make_shared<Response>(sp, "");
                   if (res == store::ClaimResult::kTaken) {
                     numeric(r, irc::kErrNicknameInUse, {nick, "Nickname is already in use"});
                   } else {
                     numeric(r, irc::kErrUnavailResource,
                             {nick,
                              "Nick is temporarily unavailable: the pool's store cannot be "
                              "reached; try again shortly"});
                   }
                   unregister_nick(s);
                   s.nick_.clear();
                 });
               });
}

void Server::change_nick(Session& s, const std::string& nick, const ResponsePtr& r) {
  auto apply = [this](Session& s, const std::string& nick, const ResponsePtr& r) {
    irc::Message change{{}, s.prefix(), "NICK", {nick}};
    if (!rename(s, nick)) {
      numeric(r, irc::kErrNicknameInUse, {nick, "Nickname is already in use"});
      return;
    }
    // The sender sees its own change as a reply (labeled), peers as a notification.
    r->add(change);
    broadcast_to_peers(s, change, /*include_self=*/false);
  };
  if (link_ == nullptr || !s.announced_) {
    apply(s, nick, r);
    return;
  }
  if (RemoteUser* other = presence_.find_nick(nick);
      other != nullptr && irc::fold(nick) != irc::fold(s.nick_)) {
    numeric(r, irc::kErrNicknameInUse, {nick, "Nickname is already in use"});
    return;
  }
  std::weak_ptr<Session> weak = s.weak_from_this();
  link_->rename(s.id_, irc::fold(nick), nick, presence_event("NICK", s, {nick}),
                [this, weak, nick, r, apply](store::ClaimResult res) {
                  post([this, weak, nick, r, res, apply] {
                    auto sp = weak.lock();
                    if (!sp || sp->closing()) return;
                    if (res == store::ClaimResult::kClaimed) {
                      apply(*sp, nick, r);
                    } else if (res == store::ClaimResult::kTaken) {
                      numeric(r, irc::kErrNicknameInUse, {nick, "Nickname is already in use"});
                    } else {
                      numeric(r, irc::kErrUnavailResource,
                              {nick,
                               "Nick change is temporarily unavailable: the pool's store cannot "
                               "be reached; try again shortly"});
                    }
                  });
                });
}

// ---------------------------------------------------------------------------
// The link asks

void Server::announce_presence() {
  if (link_ == nullptr) return;
  std::vector<store::PresenceUser> local;
  for (auto& [id, w] : sessions_) {
    auto sp = w.lock();
    if (!sp || sp->closing() || !sp->registered_) continue;
    local.push_back(presence_user(*sp));
    sp->announced_ = true;
  }
  link_->hello(std::move(local));
}

void Server::on_lost_nicks(const std::vector<uint64_t>& sids) {
  for (uint64_t sid : sids) {
    Session* s = session_by_id(sid);
    if (s == nullptr) continue;
    spdlog::warn("client {}: nick {} was taken on another server while the store was away", sid,
                 s->nick_);
    s->announced_ = false;
    s->close("Nickname " + s->nick_ +
             " was taken on another server while this one was cut off; please reconnect");
  }
}

void Server::kick_local(uint64_t sid, const std::string& channel, const std::string& kicker,
                        const std::string& reason) {
  Session* target = session_by_id(sid);
  Channel* c = find_channel(channel);
  if (target == nullptr || c == nullptr || c->member(target) == nullptr) return;
  irc::Message kick{{}, kicker, "KICK", {c->name(), target->nick_, reason}};
  release_held(*target, *c);
  broadcast(*c, kick);
  presence_left(*target, *c, reason, kicker);
  // Compliance: the victim leaves the room (a PART event, recorded best effort).
  record_room_event(*target, "PART", c->name(), "Kicked by " + kicker + ": " + reason, nullptr);
  part_channel(*target, *c);
}

// ---------------------------------------------------------------------------
// Local changes, told to the pool

void Server::presence_joined(Session& s, Channel& c) {
  if (link_ == nullptr || !s.announced_) return;
  const Membership& mb = c.members.at(&s);
  std::string modes = PoolPresence::modes_of(mb.op, mb.voice);
  link_->join(s.id_, c.key(), c.name(), modes, presence_event("JOIN", s, {c.name(), modes}));
}

void Server::presence_left(Session& s, Channel& c, const std::string& reason,
                           const std::string& kicker) {
  if (link_ == nullptr || !s.announced_) return;
  link_->part(s.id_, c.key(),
              kicker.empty() ? presence_event("PART", s, {c.name(), reason})
                             : presence_event("KICK", s, {c.name(), kicker, reason}));
}

void Server::presence_modes(Session& s, Channel& c) {
  if (link_ == nullptr || !s.announced_) return;
  const Membership* mb = c.member(&s);
  if (mb == nullptr) return;
  std::string modes = PoolPresence::modes_of(mb->op, mb->voice);
  link_->set_modes(s.id_, c.key(), modes, presence_event("MODE", s, {c.name(), modes}));
}

void Server::presence_away(Session& s) {
  if (link_ == nullptr || !s.announced_) return;
  link_->update(s.id_, store::PresenceLink::Field::kAway,
                s.away_.empty() ? std::nullopt : std::optional<std::string>(s.away_),
                presence_event("AWAY", s, {s.away_}));
}

void Server::presence_realname(Session& s) {
  if (link_ == nullptr || !s.announced_) return;
  link_->update(s.id_, store::PresenceLink::Field::kRealname, s.realname_,
                presence_event("SETNAME", s, {s.realname_}));
}

void Server::request_kick(const RemoteUser& u, Channel& c, Session& kicker,
                          const std::string& reason) {
  if (link_ == nullptr) return;
  link_->notify(
      PoolPresence::event("KICKREQ", u.server, u.sid, {c.name(), kicker.prefix(), reason}));
}

}  // namespace pchat::server
