// Server and user queries, and user state: MOTD, LUSERS, VERSION, TIME, WHO (with
// WHOX), WHOIS, WHOWAS, ISON, USERHOST, AWAY, SETNAME (RFC 2812 3.4, 3.6, 4.1, 4.8, 4.9,
// modern.ircdocs.horse; IRCv3 away-notify, setname, multi-prefix).
//
// Visibility, as usual: a secret channel's members and a +i user are shown only
// to those who share a channel with them (or ask for that exact nick); WHOIS
// hides secret channels the asker is not on.
#include <fmt/chrono.h>

#include <charconv>

#include "irc/casemap.h"
#include "irc/numerics.h"
#include "irc/utf8.h"
#include "server/room_policy.h"
#include "server/server.h"
#include "server/text_limits.h"

namespace pchat::server {

namespace {

constexpr size_t kMaxUserhost = 5;  // RFC 2812 4.8
constexpr int kWhowasTargets = 4;   // nicks answered per WHOWAS

// ---------------------------------------------------------------------------
// MOTD, LUSERS, VERSION

void handle_motd(Server& srv, Session&, const irc::Message&, const ResponsePtr& r) {
  srv.registration().send_motd(r);
}

void handle_lusers(Server& srv, Session&, const irc::Message&, const ResponsePtr& r) {
  srv.registration().send_lusers(r);
}

void handle_version(Server& srv, Session&, const irc::Message&, const ResponsePtr& r) {
  srv.numeric(
      r, irc::kRplVersion,
      {"pchat-" PCHAT_VERSION, srv.name(), "persistent chat; messages stored in PostgreSQL"});
  srv.registration().send_isupport(r);
}

// TIME (RFC 2812 3.4.6): this server's time, UTC, readable.
void handle_time(Server& srv, Session&, const irc::Message&, const ResponsePtr& r) {
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  srv.numeric(r, irc::kRplTime,
              {srv.name(), fmt::format("{:%A %B %d %Y -- %H:%M:%S +00:00}", now)});
}

// ---------------------------------------------------------------------------
// WHO

// Seconds since the user last sent a chat message (WHOIS 317, WHOX 'l').
int64_t idle_seconds(const Session& u) {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                          u.last_active())
      .count();
}

bool shares_channel(const Session& a, const Session& b) {
  for (Channel* c : a.channels()) {
    if (c->members.count(const_cast<Session*>(&b)) > 0) return true;
  }
  return false;
}

// WHOX request: "%<fields>[,<token>]"; fields from "tcuihsnfdlaor".
struct Whox {
  bool on = false;
  std::string fields;
  std::string token = "0";
  bool has(char f) const { return fields.find(f) != std::string::npos; }
};

Whox parse_whox(const irc::Message& m) {
  Whox w;
  if (m.params.size() < 2 || m.params[1].empty() || m.params[1][0] != '%') return w;
  w.on = true;
  std::string_view spec(m.params[1]);
  spec.remove_prefix(1);
  auto comma = spec.find(',');
  w.fields = std::string(spec.substr(0, comma));
  if (comma != std::string_view::npos) {
    std::string token(spec.substr(comma + 1));
    if (!token.empty() && token.size() <= 3 &&
        std::all_of(token.begin(), token.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
      w.token = token;
    }
  }
  return w;
}

// The server a user is on, as WHO and WHOIS name it.
const std::string& server_of(Server& srv, const UserRef& u) {
  return u.remote != nullptr ? u.remote->server : srv.name();
}

void who_reply(Server& srv, Session& asker, const UserRef& u, Channel* c, const Whox& w,
               const ResponsePtr& r) {
  std::string flags = u.away().empty() ? "H" : "G";
  if (u.local != nullptr && u.local->oper()) flags += '*';
  if (c != nullptr) {
    if (const Membership* mb = u.member_of(*c)) {
      flags += Channel::prefix_of(*mb, asker.has_cap(kCapMultiPrefix));
    }
  }
  const std::string chan = c != nullptr ? c->name() : "*";
  if (!w.on) {
    srv.numeric(
        r, irc::kRplWhoReply,
        {chan, u.user(), u.host(), server_of(srv, u), u.nick(), flags, "0 " + u.realname()});
    return;
  }
  std::vector<std::string> p;
  for (char f : std::string_view("tcuihsnfdlaor")) {
    if (!w.has(f)) continue;
    switch (f) {
      case 't':
        p.push_back(w.token);
        break;
      case 'c':
        p.push_back(chan);
        break;
      case 'u':
        p.push_back(u.user());
        break;
      case 'i':
        p.push_back(u.host());
        break;
      case 'h':
        p.push_back(u.host());
        break;
      case 's':
        p.push_back(server_of(srv, u));
        break;
      case 'n':
        p.push_back(u.nick());
        break;
      case 'f':
        p.push_back(flags);
        break;
      case 'd':
        p.push_back("0");
        break;
      case 'l':
        p.push_back(std::to_string(u.local != nullptr ? idle_seconds(*u.local) : 0));
        break;
      case 'a':
        p.push_back(u.account().empty() ? "0" : u.account());
        break;
      case 'o':
        p.push_back("n/a");
        break;
      case 'r':
        p.push_back(u.realname());
        break;
    }
  }
  srv.numeric(r, irc::kRplWhoSpcRpl, std::move(p));
}

void handle_who(Server& srv, Session& s, const irc::Message& m, const ResponsePtr& r) {
  std::string mask = m.params.empty() || m.params[0].empty() ? "*" : m.params[0];
  const Whox w = parse_whox(m);
  if (mask[0] == '#') {
    Channel* c = srv.find_channel(mask);
    if (c != nullptr && (!c->secret || c->member(&s) != nullptr)) {
      const bool member = c->member(&s) != nullptr;
      for (auto& [u, mb] : c->members) {
        if (!member && u->invisible()) continue;
        who_reply(srv, s, UserRef{u, nullptr}, c, w, r);
      }
      for (auto& [u, mb] : c->remote) who_reply(srv, s, UserRef{nullptr, u}, c, w, r);
    }
  } else if (mask != "0" && mask.find_first_of("*?") == std::string::npos) {
    if (UserRef u = srv.find_user(mask)) who_reply(srv, s, u, nullptr, w, r);
  } else {
    const std::string pat = irc::fold(mask == "0" ? "*" : mask);
    std::vector<Session*> found;
    for (const auto& [id, weak] : srv.sessions()) {
      auto u = weak.lock();
      if (!u || !u->registered() || u->closing()) continue;
      if (u->invisible() && u.get() != &s && !shares_channel(s, *u)) continue;
      if (irc::glob_match(pat, irc::fold(u->nick())) ||
          irc::glob_match(pat, irc::fold(u->user())) ||
          irc::glob_match(pat, irc::fold(u->host())) ||
          irc::glob_match(pat, irc::fold(u->realname()))) {
        found.push_back(u.get());
      }
    }
    std::sort(found.begin(), found.end(),
              [](const Session* a, const Session* b) { return a->id() < b->id(); });
    for (Session* u : found) who_reply(srv, s, UserRef{u, nullptr}, nullptr, w, r);
    for (const auto& [key, u] : srv.presence().users()) {
      if (irc::glob_match(pat, irc::fold(u->nick)) || irc::glob_match(pat, irc::fold(u->user)) ||
          irc::glob_match(pat, irc::fold(u->host)) ||
          irc::glob_match(pat, irc::fold(u->realname))) {
        who_reply(srv, s, UserRef{nullptr, u.get()}, nullptr, w, r);
      }
    }
  }
  srv.numeric(r, irc::kRplEndOfWho, {mask, "End of WHO list"});
}

// ---------------------------------------------------------------------------
// WHOIS

void handle_whois(Server& srv, Session& s, const irc::Message& m, const ResponsePtr& r) {
  // "WHOIS <nick>" or "WHOIS <server> <nick>"; one target (TARGMAX WHOIS:1).
  std::string nick = m.params.size() >= 2 ? m.params[1] : m.params[0];
  if (auto comma = nick.find(','); comma != std::string::npos) nick.resize(comma);
  if (nick.empty()) {
    srv.numeric(r, irc::kErrNoNicknameGiven, {"No nickname given"});
    return;
  }
  UserRef u = srv.find_user(nick);
  if (!u) {
    srv.numeric(r, irc::kErrNoSuchNick, {nick, "No such nick/channel"});
    srv.numeric(r, irc::kRplEndOfWhois, {nick, "End of /WHOIS list"});
    return;
  }
  srv.numeric(r, irc::kRplWhoisUser, {u.nick(), u.user(), u.host(), "*", u.realname()});
  std::string chans;
  const bool multi = s.has_cap(kCapMultiPrefix);
  for (Channel* c : u.channels()) {
    if (c->member(&s) == nullptr && (c->secret || !rooms::may_find(srv, s, *c))) continue;
    if (!chans.empty()) chans.push_back(' ');
    chans += Channel::prefix_of(*u.member_of(*c), multi) + c->name();
  }
  if (!chans.empty()) srv.numeric(r, irc::kRplWhoisChannels, {u.nick(), chans});
  srv.numeric(r, irc::kRplWhoisServer, {u.nick(), server_of(srv, u), srv.config().network_name});
  if (!u.away().empty()) srv.numeric(r, irc::kRplAway, {u.nick(), u.away()});
  if (u.local != nullptr && u.local->oper()) {
    srv.numeric(r, irc::kRplWhoisOperator, {u.nick(), "is an IRC operator"});
  }
  if (!u.account().empty()) {
    srv.numeric(r, irc::kRplWhoisAccount, {u.nick(), u.account(), "is logged in as"});
  }
  if (u.local != nullptr && u.local->is_tls()) {
    srv.numeric(r, irc::kRplWhoisSecure, {u.nick(), "is using a secure connection"});
  }
  // The certificate's fingerprint names a person across networks: only its owner
  // sees it (as Solanum and Ergo do for non-operators).
  if (u.local == &s && !s.cert_fingerprint().empty()) {
    srv.numeric(r, irc::kRplWhoisCertFp,
                {u.nick(), "has client certificate fingerprint " + s.cert_fingerprint()});
  }
  if (u.local != nullptr) {
    auto idle = idle_seconds(*u.local);
    auto signon =
        std::chrono::duration_cast<std::chrono::seconds>(u.local->signon().time_since_epoch())
            .count();
    srv.numeric(
        r, irc::kRplWhoisIdle,
        {u.nick(), std::to_string(idle), std::to_string(signon), "seconds idle, signon time"});
  }
  srv.numeric(r, irc::kRplEndOfWhois, {u.nick(), "End of /WHOIS list"});
}

// ---------------------------------------------------------------------------
// WHOWAS <nick>{,<nick>} [<count> [<server>]]: the pool's history (server/whowas.h).

void handle_whowas(Server& srv, Session&, const irc::Message& m, const ResponsePtr& r) {
  int count = 0;  // RFC 2812: a non-positive (or absent) count is a full search
  if (m.params.size() >= 2) {
    const std::string& c = m.params[1];
    if (std::from_chars(c.data(), c.data() + c.size(), count).ptr != c.data() + c.size()) count = 0;
  }
  size_t start = 0;
  int nicks = 0;
  const std::string& list = m.params[0];
  while (start <= list.size() && nicks < kWhowasTargets) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    const std::string nick = list.substr(start, comma - start);
    start = comma + 1;
    if (nick.empty()) continue;
    ++nicks;
    auto found = srv.whowas().find(nick, count);
    if (found.empty()) srv.numeric(r, irc::kErrWasNoSuchNick, {nick, "There was no such nickname"});
    for (const WhowasEntry* e : found) {
      srv.numeric(r, irc::kRplWhoWasUser, {e->nick, e->user, e->host, "*", e->realname});
      srv.numeric(
          r, irc::kRplWhoisServer,
          {e->nick, e->server, fmt::format("{:%a %b %d %H:%M:%S %Y}", fmt::gmtime(e->left))});
    }
    srv.numeric(r, irc::kRplEndOfWhoWas, {nick, "End of WHOWAS"});
  }
}

// ---------------------------------------------------------------------------
// ISON, USERHOST

// Nicks from every parameter, split at spaces (clients send them either way).
std::vector<std::string> nick_words(const irc::Message& m) {
  std::vector<std::string> out;
  for (const auto& p : m.params) {
    size_t pos = 0;
    while (pos < p.size()) {
      size_t sp = p.find(' ', pos);
      if (sp == std::string::npos) sp = p.size();
      if (sp > pos) out.push_back(p.substr(pos, sp - pos));
      pos = sp + 1;
    }
  }
  return out;
}

void handle_ison(Server& srv, Session&, const irc::Message& m, const ResponsePtr& r) {
  std::string online;
  for (const auto& nick : nick_words(m)) {
    UserRef u = srv.find_user(nick);
    if (!u) continue;
    if (!online.empty()) online.push_back(' ');
    online += u.nick();
  }
  srv.numeric(r, irc::kRplIsOn, {online});
}

void handle_userhost(Server& srv, Session&, const irc::Message& m, const ResponsePtr& r) {
  std::string reply;
  auto nicks = nick_words(m);
  if (nicks.size() > kMaxUserhost) nicks.resize(kMaxUserhost);
  for (const auto& nick : nicks) {
    UserRef u = srv.find_user(nick);
    if (!u) continue;
    if (!reply.empty()) reply.push_back(' ');
    reply += u.nick() + "=" + (u.away().empty() ? "+" : "-") + u.user() + "@" + u.host();
  }
  srv.numeric(r, irc::kRplUserHost, {reply});
}

// ---------------------------------------------------------------------------
// AWAY, SETNAME

void handle_away(Server& srv, Session& s, const irc::Message& m, const ResponsePtr& r) {
  std::string text =
      m.params.empty() ? std::string() : std::string(irc::truncate_utf8(m.params[0], kAwayLen));
  if (text.empty()) {
    const bool was_away = !s.away().empty();
    s.set_away("");
    srv.numeric(r, irc::kRplUnAway, {"You are no longer marked as being away"});
    if (was_away) {
      srv.delivery().to_peers(s, irc::Message{{}, s.prefix(), "AWAY", {}}, false, kCapAwayNotify);
      srv.bridge().away(s);
    }
    return;
  }
  const bool changed = s.away() != text;
  s.set_away(text);
  srv.numeric(r, irc::kRplNowAway, {"You have been marked as being away"});
  if (changed) {
    srv.delivery().to_peers(s, irc::Message{{}, s.prefix(), "AWAY", {text}}, false, kCapAwayNotify);
    srv.bridge().away(s);
  }
}

void handle_setname(Server& srv, Session& s, const irc::Message& m, const ResponsePtr& r) {
  const std::string& name = m.params[0];
  if (name.empty() || name.size() > kRealnameLen || !irc::is_valid_utf8(name)) {
    srv.fail(r, "SETNAME", "INVALID_REALNAME", {}, "Realname is not valid");
    return;
  }
  s.set_realname(name);
  irc::Message change{{}, s.prefix(), "SETNAME", {name}};
  srv.delivery().to_peers(s, change, false, kCapSetname);
  srv.bridge().realname(s);
  // The client sees its own change as the reply (setname spec), if it asked for it.
  if (s.has_cap(kCapSetname)) r->add(std::move(change));
}

}  // namespace

void register_query_commands(std::unordered_map<std::string, CommandSpec>& t) {
  t["MOTD"] = {0, true, handle_motd};
  t["LUSERS"] = {0, true, handle_lusers};
  t["VERSION"] = {0, true, handle_version};
  t["TIME"] = {0, true, handle_time};
  t["WHO"] = {0, true, handle_who};
  t["WHOIS"] = {1, true, handle_whois};
  t["WHOWAS"] = {1, true, handle_whowas};
  t["ISON"] = {1, true, handle_ison};
  t["USERHOST"] = {1, true, handle_userhost};
  t["AWAY"] = {0, true, handle_away};
}

void register_setname_commands(std::unordered_map<std::string, CommandSpec>& t) {
  t["SETNAME"] = {1, true, handle_setname};
}

}  // namespace pchat::server
