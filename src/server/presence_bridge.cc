#include "server/presence_bridge.h"

#include <spdlog/spdlog.h>

#include "irc/casemap.h"
#include "irc/numerics.h"
#include "server/pool_presence.h"
#include "server/server.h"

namespace pchat::server {

store::PresenceUser PresenceBridge::presence_user(const Session& s) const {
  store::PresenceUser u;
  u.sid = s.id();
  u.nick_key = irc::fold(s.nick());
  u.nick = s.nick();
  u.username = s.user();
  u.host = s.host();
  if (!s.account().empty()) u.account = s.account();
  u.realname = s.realname();
  u.away = s.away();
  for (Channel* c : s.channels()) {
    const Membership& mb = c->members.at(const_cast<Session*>(&s));
    u.channels.push_back({c->key(), c->name(), PoolPresence::modes_of(mb.op, mb.voice)});
  }
  return u;
}

std::string PresenceBridge::event(std::string_view type, const Session& s,
                                  std::vector<std::string> rest) const {
  return PoolPresence::event(type, srv_.pool().self(), s.id(), std::move(rest));
}

// ---------------------------------------------------------------------------
// Nicks

void PresenceBridge::claim(Session& s, std::function<void(Session&, store::ClaimResult)> done) {
  if (link_ == nullptr) {
    done(s, store::ClaimResult::kClaimed);
    return;
  }
  if (srv_.presence().find_nick(s.nick()) != nullptr) {
    done(s, store::ClaimResult::kTaken);
    return;
  }
  s.set_claiming(true);
  std::weak_ptr<Session> weak = s.weak_from_this();
  const uint64_t sid = s.id();
  link_->claim(
      presence_user(s),
      event("USER", s,
            {s.nick(), s.user(), s.host(), s.account().empty() ? "*" : s.account(), s.realname()}),
      [this, weak, sid, done = std::move(done)](store::ClaimResult res) {
        srv_.post([this, weak, sid, done, res] {
          auto sp = weak.lock();
          if (!sp || sp->closing()) {
            // Gone while the pool was asked: take the claim back.
            if (res == store::ClaimResult::kClaimed) {
              link_->quit(sid, PoolPresence::event("QUIT", srv_.pool().self(), sid, {"Gone"}));
            }
            return;
          }
          sp->set_claiming(false);
          if (res == store::ClaimResult::kClaimed) sp->set_announced(true);
          done(*sp, res);
        });
      });
}

void PresenceBridge::change_nick(Session& s, const std::string& nick, const ResponsePtr& r) {
  auto apply = [this](Session& s, const std::string& nick, const ResponsePtr& r) {
    irc::Message change{{}, s.prefix(), "NICK", {nick}};
    if (!srv_.rename(s, nick)) {
      srv_.numeric(r, irc::kErrNicknameInUse, {nick, "Nickname is already in use"});
      return;
    }
    // The sender sees its own change as a reply (labeled), peers as a notification.
    r->add(change);
    srv_.delivery().to_peers(s, change, /*include_self=*/false);
  };
  if (link_ == nullptr || !s.announced()) {
    apply(s, nick, r);
    return;
  }
  if (RemoteUser* other = srv_.presence().find_nick(nick);
      other != nullptr && irc::fold(nick) != irc::fold(s.nick())) {
    srv_.numeric(r, irc::kErrNicknameInUse, {nick, "Nickname is already in use"});
    return;
  }
  std::weak_ptr<Session> weak = s.weak_from_this();
  link_->rename(s.id(), irc::fold(nick), nick, event("NICK", s, {nick}),
                [this, weak, nick, r, apply](store::ClaimResult res) {
                  srv_.post([this, weak, nick, r, res, apply] {
                    auto sp = weak.lock();
                    if (!sp || sp->closing()) return;
                    if (res == store::ClaimResult::kClaimed) {
                      apply(*sp, nick, r);
                    } else if (res == store::ClaimResult::kTaken) {
                      srv_.numeric(r, irc::kErrNicknameInUse, {nick, "Nickname is already in use"});
                    } else {
                      srv_.numeric(r, irc::kErrUnavailResource,
                                   {nick,
                                    "Nick change is temporarily unavailable: the pool's store "
                                    "cannot be reached; try again shortly"});
                    }
                  });
                });
}

// ---------------------------------------------------------------------------
// The link asks

void PresenceBridge::announce() {
  if (link_ == nullptr) return;
  std::vector<store::PresenceUser> local;
  for (auto& [id, w] : srv_.sessions()) {
    auto sp = w.lock();
    if (!sp || sp->closing() || !sp->registered()) continue;
    local.push_back(presence_user(*sp));
    sp->set_announced(true);
  }
  link_->hello(std::move(local));
}

void PresenceBridge::on_lost_nicks(const std::vector<uint64_t>& sids) {
  for (uint64_t sid : sids) {
    Session* s = srv_.session_by_id(sid);
    if (s == nullptr) continue;
    spdlog::warn("client {}: nick {} was taken on another server while the store was away", sid,
                 s->nick());
    s->set_announced(false);
    s->close("Nickname " + s->nick() +
             " was taken on another server while this one was cut off; please reconnect");
  }
}

void PresenceBridge::kick_local(uint64_t sid, const std::string& channel, const std::string& kicker,
                                const std::string& reason) {
  Session* target = srv_.session_by_id(sid);
  Channel* c = srv_.find_channel(channel);
  if (target == nullptr || c == nullptr || c->member(target) == nullptr) return;
  irc::Message kick{{}, kicker, "KICK", {c->name(), target->nick(), reason}};
  srv_.release_held(*target, *c);
  srv_.delivery().broadcast(*c, kick);
  left(*target, *c, reason, kicker);
  // Compliance: the victim leaves the room (a PART event, recorded best effort).
  srv_.record_room_event(*target, "PART", c->name(), "Kicked by " + kicker + ": " + reason,
                         nullptr);
  srv_.part_channel(*target, *c);
}

void PresenceBridge::kill_local(uint64_t sid, const std::string& killer,
                                const std::string& reason) {
  Session* target = srv_.session_by_id(sid);
  if (target == nullptr) return;
  const std::string killer_nick = killer.substr(0, killer.find('!'));
  target->send(irc::Message{{}, killer, "KILL", {target->nick(), reason}});
  target->close("Killed (" + killer_nick + " (" + reason + "))");
}

// ---------------------------------------------------------------------------
// Local changes, told to the pool

void PresenceBridge::joined(Session& s, Channel& c) {
  if (link_ == nullptr || !s.announced()) return;
  const Membership& mb = c.members.at(&s);
  std::string modes = PoolPresence::modes_of(mb.op, mb.voice);
  link_->join(s.id(), c.key(), c.name(), modes, event("JOIN", s, {c.name(), modes}));
}

void PresenceBridge::left(Session& s, Channel& c, const std::string& reason,
                          const std::string& kicker) {
  if (link_ == nullptr || !s.announced()) return;
  link_->part(s.id(), c.key(),
              kicker.empty() ? event("PART", s, {c.name(), reason})
                             : event("KICK", s, {c.name(), kicker, reason}));
}

void PresenceBridge::modes(Session& s, Channel& c) {
  if (link_ == nullptr || !s.announced()) return;
  const Membership* mb = c.member(&s);
  if (mb == nullptr) return;
  std::string modes = PoolPresence::modes_of(mb->op, mb->voice);
  link_->set_modes(s.id(), c.key(), modes, event("MODE", s, {c.name(), modes}));
}

void PresenceBridge::away(Session& s) {
  if (link_ == nullptr || !s.announced()) return;
  link_->update(s.id(), store::PresenceLink::Field::kAway,
                s.away().empty() ? std::nullopt : std::optional<std::string>(s.away()),
                event("AWAY", s, {s.away()}));
}

void PresenceBridge::realname(Session& s) {
  if (link_ == nullptr || !s.announced()) return;
  link_->update(s.id(), store::PresenceLink::Field::kRealname, s.realname(),
                event("SETNAME", s, {s.realname()}));
}

void PresenceBridge::quit(Session& s, const std::string& reason) {
  if (link_ == nullptr || !s.announced()) return;
  link_->quit(s.id(), event("QUIT", s, {reason}));
  s.set_announced(false);
}

void PresenceBridge::request_kill(const RemoteUser& u, Session& killer, const std::string& reason) {
  if (link_ == nullptr) return;
  link_->notify(PoolPresence::event("KILLREQ", u.server, u.sid, {killer.prefix(), reason}));
}

void PresenceBridge::request_kick(const RemoteUser& u, Channel& c, Session& kicker,
                                  const std::string& reason) {
  if (link_ == nullptr) return;
  link_->notify(
      PoolPresence::event("KICKREQ", u.server, u.sid, {c.name(), kicker.prefix(), reason}));
}

}  // namespace pchat::server
