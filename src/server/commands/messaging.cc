// PRIVMSG, NOTICE and TAGMSG (RFC 2812 3.3, IRCv3 message-tags): every chat
// message is committed before anyone sees it (see Delivery::submit).
#include <algorithm>

#include "irc/casemap.h"
#include "irc/numerics.h"
#include "irc/split.h"
#include "irc/utf8.h"
#include "server/room_policy.h"
#include "server/server.h"

namespace pchat::server {

namespace {

constexpr size_t kMaxTargets = 4;  // ISUPPORT TARGMAX

// The relayed line ":nick!user@host CMD target :text\r\n" must fit 512 bytes;
// text is cut (at a UTF-8 boundary) to fit, as every IRC server does. The stored
// body is the cut one: what is stored is exactly what everyone sees.
std::string fit_body(const Session& s, const std::string& command, const std::string& target,
                     const std::string& body) {
  size_t overhead = 1 + s.prefix().size() + 1 + command.size() + 1 + target.size() + 2 + 2;
  size_t room = overhead >= irc::kMaxLineBytes ? 0 : irc::kMaxLineBytes - overhead;
  return std::string(irc::truncate_utf8(body, room));
}

// The targets of a comma list, each once: a target named twice ("#a,#A") gets the
// message once (stored once, delivered once).
std::vector<std::string> unique_targets(const std::string& list) {
  std::vector<std::string> targets = irc::split_commas(list, irc::Empties::kSkip);
  for (size_t i = 1; i < targets.size(); ++i) {
    if (std::any_of(targets.begin(), targets.begin() + static_cast<std::ptrdiff_t>(i),
                    [&](const std::string& t) { return irc::equal_folded(t, targets[i]); })) {
      targets.erase(targets.begin() + static_cast<std::ptrdiff_t>(i--));
    }
  }
  return targets;
}

void send_message(Server& srv, Session& s, const irc::Message& m, const ResponsePtr& r) {
  const std::string& cmd = m.command;
  const bool notice = cmd == "NOTICE";
  const bool tagmsg = cmd == "TAGMSG";
  // NOTICE never triggers automatic error replies (RFC 2812 3.3.2).
  auto err = [&](const char* code, std::vector<std::string> p) {
    if (!notice) srv.numeric(r, code, std::move(p));
  };
  if (m.params.empty() || m.params[0].empty()) {
    err(irc::kErrNoRecipient, {"No recipient given (" + cmd + ")"});
    return;
  }
  if (!tagmsg && (m.params.size() < 2 || m.params[1].empty())) {
    err(irc::kErrNoTextToSend, {"No text to send"});
    return;
  }
  if (tagmsg && !s.has_cap(kCapMessageTags)) return;  // meaningless without tags
  if (s.account().empty() && !srv.config().allow_guests) {
    err(irc::kErrNeedReggedNick,
        {m.params[0], "You need to be logged in to an account to send messages"});
    return;
  }
  std::vector<irc::Tag> client_tags;
  for (const auto& t : m.tags) {
    if (!t.key.empty() && t.key[0] == '+') client_tags.push_back(t);
  }
  if (tagmsg && client_tags.empty()) return;

  std::vector<std::string> targets = unique_targets(m.params[0]);
  if (targets.empty()) {  // only commas
    err(irc::kErrNoRecipient, {"No recipient given (" + cmd + ")"});
    return;
  }
  if (targets.size() > kMaxTargets) {
    err(irc::kErrTooManyTargets, {m.params[0], "Too many targets"});
    return;
  }
  s.touch_active();
  const std::string body = tagmsg ? std::string() : m.params[1];
  for (const auto& target : targets) {
    if (target[0] == '#') {
      Channel* c = srv.find_channel(target);
      if (c == nullptr || (c->secret && c->member(&s) == nullptr)) {
        err(irc::kErrNoSuchChannel, {target, "No such channel"});
        continue;
      }
      if (auto refused = rooms::check_post(srv, s, *c)) {
        err(refused->first, {c->name(), refused->second});
        continue;
      }
      Membership* mb = c->member(&s);
      if (mb == nullptr && c->no_external) {
        err(irc::kErrCannotSendToChan, {c->name(), "Cannot send to channel (you are not in it)"});
        continue;
      }
      if ((mb == nullptr || (!mb->op && !mb->voice)) && !c->bans.entries().empty() &&
          c->banned({s.nick(), s.user(), s.host(), s.account()})) {
        err(irc::kErrCannotSendToChan, {c->name(), "Cannot send to channel (you are banned)"});
        continue;
      }
      if (c->moderated && (mb == nullptr || (!mb->op && !mb->voice))) {
        err(irc::kErrCannotSendToChan, {c->name(), "Cannot send to channel (+m: voice needed)"});
        continue;
      }
      srv.delivery().submit(s, r, cmd, c->name(), fit_body(s, cmd, c->name(), body), client_tags);
    } else {
      UserRef to = srv.find_user(target);
      if (!to) {
        err(irc::kErrNoSuchNick, {target, "No such nick/channel"});
        continue;
      }
      if (!to.away().empty() && !notice && !tagmsg) {
        srv.numeric(r, irc::kRplAway, {to.nick(), to.away()});
      }
      const std::string nick = to.nick();
      srv.delivery().submit(s, r, cmd, nick, fit_body(s, cmd, nick, body), client_tags);
    }
  }
}

}  // namespace

void register_messaging_commands(std::unordered_map<std::string, CommandSpec>& t) {
  t["PRIVMSG"] = {0, true, send_message};
  t["NOTICE"] = {0, true, send_message};
  t["TAGMSG"] = {1, true, send_message};
}

}  // namespace pchat::server
