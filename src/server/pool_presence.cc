#include "server/pool_presence.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <set>

#include "irc/casemap.h"
#include "server/server.h"

namespace pchat::server {

namespace {

std::optional<uint64_t> parse_sid(std::string_view text) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
  return v;
}

std::string from_star(const std::string& v) {
  return v == "*" ? std::string() : v;
}

}  // namespace

std::string PoolPresence::event(std::string_view type, const std::string& self, uint64_t sid,
                                std::vector<std::string> rest) {
  irc::Message m;
  m.command = std::string(type);
  m.params.push_back(self);
  m.params.push_back(std::to_string(sid));
  for (auto& r : rest) m.params.push_back(std::move(r));
  std::string line = irc::serialize(m, {.fit_line = false});  // parsed with kInternal
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  return line;
}

std::string PoolPresence::modes_of(bool op, bool voice) {
  std::string m;
  if (op) m.push_back('o');
  if (voice) m.push_back('v');
  return m;
}

RemoteUser* PoolPresence::find_nick(std::string_view nick) {
  auto it = nicks_.find(irc::fold(nick));
  return it == nicks_.end() ? nullptr : it->second;
}

RemoteUser* PoolPresence::find(const std::string& server, std::string_view sid_text) {
  auto sid = parse_sid(sid_text);
  if (!sid) return nullptr;
  auto it = users_.find({server, *sid});
  return it == users_.end() ? nullptr : it->second.get();
}

RemoteUser& PoolPresence::upsert(const std::string& server, uint64_t sid, const std::string& nick,
                                 const std::string& user, const std::string& host,
                                 const std::string& account, const std::string& realname) {
  auto& slot = users_[{server, sid}];
  if (!slot) {
    slot = std::make_unique<RemoteUser>();
    slot->server = server;
    slot->sid = sid;
  }
  RemoteUser& u = *slot;
  if (!u.nick.empty() && u.nick != nick) {
    auto it = nicks_.find(irc::fold(u.nick));
    if (it != nicks_.end() && it->second == &u) nicks_.erase(it);
  }
  u.nick = nick;
  nicks_[irc::fold(nick)] = &u;
  u.user = user;
  u.host = host;
  u.account = account;
  u.realname = realname;
  return u;
}

void PoolPresence::to_peers(RemoteUser& u, const irc::Message& m, uint32_t need_cap) {
  std::vector<Session*> seen;
  for (Channel* c : u.channels) {
    for (auto& [member, mb] : c->members) {
      if (std::find(seen.begin(), seen.end(), member) != seen.end()) continue;
      seen.push_back(member);
      if (member->closing()) continue;
      if (need_cap != 0 && !member->has_cap(static_cast<Cap>(need_cap))) continue;
      member->send_after_held(u.channels, m);
    }
  }
}

void PoolPresence::remember(const RemoteUser& u) {
  srv_.whowas().record(
      {u.nick, u.user, u.host, u.realname, u.server, u.account, std::chrono::system_clock::now()});
}

void PoolPresence::set_nick(RemoteUser& u, const std::string& nick) {
  if (u.nick == nick) return;
  remember(u);
  irc::Message change{{}, u.prefix(), "NICK", {nick}};
  auto it = nicks_.find(irc::fold(u.nick));
  if (it != nicks_.end() && it->second == &u) nicks_.erase(it);
  u.nick = nick;
  nicks_[irc::fold(nick)] = &u;
  to_peers(u, change);
}

void PoolPresence::join(RemoteUser& u, const std::string& channel, std::string_view modes,
                        bool show) {
  Channel* c = srv_.find_channel(channel);
  if (c == nullptr) c = &srv_.create_channel(channel);
  Membership mb;
  mb.op = modes.find('o') != std::string_view::npos;
  mb.voice = modes.find('v') != std::string_view::npos;
  auto [it, added] = c->remote.emplace(&u, mb);
  if (!added) {
    it->second = mb;
    return;
  }
  u.channels.push_back(c);
  if (!show) return;
  irc::Message plain{{}, u.prefix(), "JOIN", {c->name()}};
  irc::Message extended{
      {}, u.prefix(), "JOIN", {c->name(), u.account.empty() ? "*" : u.account, u.realname}};
  if (!u.account.empty()) {
    plain.tags.push_back({"account", u.account});
    extended.tags.push_back({"account", u.account});
  }
  irc::Message away{{}, u.prefix(), "AWAY", {u.away}};
  for (auto& [member, m] : c->members) {
    if (member->closing()) continue;
    member->send(member->has_cap(kCapExtendedJoin) ? extended : plain);
    if (!u.away.empty() && member->has_cap(kCapAwayNotify)) member->send(away);
  }
}

void PoolPresence::leave(RemoteUser& u, Channel& c, const irc::Message* line) {
  if (c.remote.erase(&u) == 0) return;
  std::erase(u.channels, &c);
  if (line != nullptr) srv_.delivery().broadcast(c, *line);
  srv_.remove_channel_if_empty(c);
}

void PoolPresence::quit(RemoteUser& u, const std::string& reason) {
  remember(u);
  irc::Message m{{}, u.prefix(), "QUIT", {reason}};
  to_peers(u, m);
  auto chans = u.channels;
  for (Channel* c : chans) leave(u, *c, nullptr);
  auto it = nicks_.find(irc::fold(u.nick));
  if (it != nicks_.end() && it->second == &u) nicks_.erase(it);
  users_.erase({u.server, u.sid});  // destroys u
}

void PoolPresence::server_gone(const std::string& server) {
  std::vector<RemoteUser*> gone;
  for (auto& [key, u] : users_) {
    if (key.first == server) gone.push_back(u.get());
  }
  if (!gone.empty()) {
    spdlog::info("pool: server {} left the pool; {} of its users are gone", server, gone.size());
  }
  for (RemoteUser* u : gone) quit(*u, server + " left the pool");
}

void PoolPresence::apply_snapshot(std::vector<store::PresenceUser> users) {
  std::set<std::pair<std::string, uint64_t>> present;
  for (const auto& pu : users) present.insert({pu.server, pu.sid});
  // Gone since the last view: they quit.
  std::vector<RemoteUser*> gone;
  for (auto& [key, u] : users_) {
    if (!present.count(key)) gone.push_back(u.get());
  }
  for (RemoteUser* u : gone) quit(*u, u->server + " left the pool");
  for (auto& pu : users) {
    if (auto it = users_.find({pu.server, pu.sid}); it != users_.end()) {
      set_nick(*it->second, pu.nick);
    }
    RemoteUser& u = upsert(pu.server, pu.sid, pu.nick, pu.username, pu.host,
                           pu.account.value_or(""), pu.realname);
    u.away = pu.away;
    std::set<std::string> now;
    for (const auto& m : pu.channels) {
      now.insert(m.key);
      join(u, m.channel, m.modes, /*show=*/true);
    }
    auto chans = u.channels;
    for (Channel* c : chans) {
      if (now.count(c->key())) continue;
      irc::Message part{{}, u.prefix(), "PART", {c->name()}};
      leave(u, *c, &part);
    }
  }
}

void PoolPresence::apply_payload(std::string_view payload) {
  while (!payload.empty()) {
    auto nl = payload.find('\n');
    std::string_view line = payload.substr(0, nl);
    payload = nl == std::string_view::npos ? std::string_view{} : payload.substr(nl + 1);
    auto parsed = irc::parse_line(line, irc::TagLimit::kInternal);
    if (!parsed.ok()) {
      spdlog::warn("pool: ignoring a malformed presence event: {}", line);
      continue;
    }
    apply(parsed.value());
  }
}

void PoolPresence::apply(const irc::Message& m) {
  const auto& p = m.params;
  if (p.empty()) return;
  const std::string& server = p[0];
  const std::string& type = m.command;
  if (type == "KICKREQ") {  // addressed to the user's server
    if (p.size() >= 5 && srv_.pool().self() == server) {
      if (auto sid = parse_sid(p[1])) srv_.bridge().kick_local(*sid, p[2], p[3], p[4]);
    }
    return;
  }
  if (type == "KILLREQ") {  // addressed to the user's server
    if (p.size() >= 4 && srv_.pool().self() == server) {
      if (auto sid = parse_sid(p[1])) srv_.bridge().kill_local(*sid, p[2], p[3]);
    }
    return;
  }
  if (srv_.pool().self() == server) return;  // our own change, coming back
  if (type == "GONE") {
    server_gone(server);
    return;
  }
  if (type == "HELLO" || p.size() < 2) return;  // HELLO: the stream reads a snapshot
  if (type == "USER" && p.size() >= 7) {
    auto sid = parse_sid(p[1]);
    if (sid) upsert(server, *sid, p[2], p[3], p[4], from_star(p[5]), p[6]);
    return;
  }
  RemoteUser* u = find(server, p[1]);
  if (u == nullptr) {  // not known (yet): the next snapshot will say
    spdlog::debug("pool: presence event for an unknown user: {} {} {}", type, server, p[1]);
    return;
  }
  if (type == "NICK" && p.size() >= 3) {
    set_nick(*u, p[2]);
  } else if (type == "QUIT") {
    quit(*u, p.size() >= 3 ? p[2] : std::string());
  } else if (type == "JOIN" && p.size() >= 4) {
    join(*u, p[2], p[3], /*show=*/true);
  } else if (type == "MODE" && p.size() >= 4) {
    join(*u, p[2], p[3], /*show=*/false);
  } else if (type == "PART" && p.size() >= 3) {
    if (Channel* c = srv_.find_channel(p[2])) {
      irc::Message part{{}, u->prefix(), "PART", {c->name()}};
      if (p.size() >= 4 && !p[3].empty()) part.params.push_back(p[3]);
      leave(*u, *c, &part);
    }
  } else if (type == "KICK" && p.size() >= 5) {
    if (Channel* c = srv_.find_channel(p[2])) {
      irc::Message kick{{}, p[3], "KICK", {c->name(), u->nick, p.size() >= 5 ? p[4] : u->nick}};
      leave(*u, *c, &kick);
    }
  } else if (type == "AWAY") {
    std::string text = p.size() >= 3 ? p[2] : std::string();
    if (text == u->away) return;
    u->away = text;
    irc::Message away{{}, u->prefix(), "AWAY", {}};
    if (!text.empty()) away.params.push_back(text);
    to_peers(*u, away, kCapAwayNotify);
  } else if (type == "ACCOUNT" && p.size() >= 3) {
    u->account = from_star(p[2]);
    to_peers(*u, irc::Message{{}, u->prefix(), "ACCOUNT", {p[2]}}, kCapAccountNotify);
  } else if (type == "SETNAME" && p.size() >= 3) {
    u->realname = p[2];
    to_peers(*u, irc::Message{{}, u->prefix(), "SETNAME", {p[2]}}, kCapSetname);
  }
}

}  // namespace pchat::server
