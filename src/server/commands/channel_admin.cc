// Channel administration: TOPIC, LIST, INVITE, KICK, MODE (channel and user modes).
// RFC 2812 3.1.5, 3.2.3-3.2.8, as modern servers implement them
// (modern.ircdocs.horse), with IRCv3 invite-notify and multi-prefix.
//
// Channel modes (ISUPPORT CHANMODES=beI,k,l,imnst PREFIX=(ov)@+ MODES=4):
//   o v   member prefix, parameter: a nick on the channel (401 / 441 otherwise)
//   k     key; "+k key" sets, "-k [key]" clears (type B: takes a parameter when
//         one is there; clients often send "-k *")
//   l     member limit; "+l N" (N > 0) sets, "-l" clears
//   i m n s t   flags
// At most MODES parameter modes are applied per line; the rest are ignored.
// Only ops change modes (482, once per line). Unknown characters get 472 each and
// do not stop the rest. What was actually applied is broadcast once, in canonical
// form: sign written only when it changes, parameters in order ("+ov-k a a *").
//   b e I ban, ban exception and invite exception masks (server/ban_list.h):
//         "+b mask" adds, "-b mask" removes (ops only); "b" alone lists (anyone):
//         367/368, 348/349, 346/347. A banned client cannot join (474) or speak
//         (404) unless voiced or an op; +I lets a client into a +i channel.
#include <charconv>

#include "core/time.h"
#include "irc/casemap.h"
#include "irc/numerics.h"
#include "irc/split.h"
#include "irc/utf8.h"
#include "server/commands/channel_lists.h"
#include "server/room_policy.h"
#include "server/server.h"
#include "server/text_limits.h"

namespace pchat::server {

namespace {

constexpr size_t kKeyLen = 23;
constexpr int kMaxParamModes = 4;  // ISUPPORT MODES

// The channel as `s` may see it: secret channels do not exist for non-members.
Channel* visible_channel(Server& srv, Session& s, const std::string& name) {
  Channel* c = srv.find_channel(name);
  if (c == nullptr || (c->member(&s) == nullptr && (c->secret || !rooms::exists_for(srv, s, *c))))
    return nullptr;
  return c;
}

bool is_op(Channel& c, Session& s) {
  Membership* mb = c.member(&s);
  return mb != nullptr && mb->op;
}

// ---------------------------------------------------------------------------
// TOPIC

void handle_topic(Server& srv, Session& s, const irc::Message& m, const ResponsePtr& r) {
  Channel* c = visible_channel(srv, s, m.params[0]);
  if (c == nullptr) {
    srv.numeric(r, irc::kErrNoSuchChannel, {m.params[0], "No such channel"});
    return;
  }
  if (m.params.size() < 2) {
    if (c->topic.empty()) {
      srv.numeric(r, irc::kRplNoTopic, {c->name(), "No topic is set"});
    } else {
      srv.numeric(r, irc::kRplTopic, {c->name(), c->topic});
      srv.numeric(r, irc::kRplTopicWhoTime,
                  {c->name(), c->topic_setter, std::to_string(c->topic_time)});
    }
    return;
  }
  if (c->member(&s) == nullptr) {
    srv.numeric(r, irc::kErrNotOnChannel, {c->name(), "You're not on that channel"});
    return;
  }
  if (c->topic_ops && !is_op(*c, s)) {
    srv.numeric(r, irc::kErrChanOPrivsNeeded, {c->name(), "You're not channel operator"});
    return;
  }
  std::string topic(irc::truncate_utf8(m.params[1], kTopicLen));
  c->topic = topic;
  c->topic_setter = topic.empty() ? std::string() : s.prefix();
  c->topic_time = topic.empty() ? 0 : time::now_us() / 1000000;
  irc::Message change{{}, s.prefix(), "TOPIC", {c->name(), topic}};
  srv.delivery().broadcast(*c, change, &s);
  r->add(std::move(change));
}

// ---------------------------------------------------------------------------
// LIST (ELIST=U: "LIST >N" / "LIST <N" filter by user count). A room's RPL_LIST
// carries its category in the tag pchat/category (clients with message-tags).

void list_entry(Server& srv, Channel& c, const ResponsePtr& r) {
  irc::Message m = srv.make_numeric(r->session(), irc::kRplList,
                                    {c.name(), std::to_string(c.population()), c.topic});
  const chat::Room* room = srv.rooms() != nullptr ? srv.rooms()->room(c.name()) : nullptr;
  if (room != nullptr) m.tags.push_back(irc::Tag{std::string(rooms::kCategoryTag), room->category});
  r->add(std::move(m));
}

void handle_list(Server& srv, Session& s, const irc::Message& m, const ResponsePtr& r) {
  srv.numeric(r, irc::kRplListStart, {"Channel", "Users  Name"});
  std::vector<std::string> names;
  size_t min_users = 0, max_users = SIZE_MAX;
  bool filtered = false;
  bool none = false;  // "<0", or ">" the largest count: no room can match
  if (!m.params.empty()) {
    for (const auto& item : irc::split_commas(m.params[0], irc::Empties::kSkip)) {
      if (item[0] == '>' || item[0] == '<') {
        size_t n = 0;
        auto [p, ec] = std::from_chars(item.data() + 1, item.data() + item.size(), n);
        if (ec != std::errc() || p != item.data() + item.size()) continue;  // ignored
        if (item[0] == '>') {
          none |= n == SIZE_MAX;
          if (n != SIZE_MAX) min_users = std::max(min_users, n + 1);
        } else {
          none |= n == 0;
          if (n != 0) max_users = std::min(max_users, n - 1);
        }
        filtered = true;
      } else {
        names.push_back(item);
      }
    }
  }
  if (!names.empty()) {
    for (const auto& name : names) {
      if (Channel* c = visible_channel(srv, s, name)) list_entry(srv, *c, r);
    }
  } else if ((m.params.empty() || filtered) && !none) {
    std::vector<Channel*> all;
    for (const auto& [key, c] : srv.channels()) {
      if (c->member(&s) == nullptr && (c->secret || !rooms::may_find(srv, s, *c))) continue;
      size_t n = c->population();
      if (n < min_users || n > max_users) continue;
      all.push_back(c.get());
    }
    std::sort(all.begin(), all.end(),
              [](const Channel* a, const Channel* b) { return a->key() < b->key(); });
    for (Channel* c : all) list_entry(srv, *c, r);
    if (min_users == 0) rooms::list_idle_rooms(srv, s, r);  // rooms nobody is in
  }
  srv.numeric(r, irc::kRplListEnd, {"End of /LIST"});
}

// ---------------------------------------------------------------------------
// INVITE

void handle_invite(Server& srv, Session& s, const irc::Message& m, const ResponsePtr& r) {
  if (RoomPolicy* rp = srv.rooms()) {  // a room's manager may make the invitee a member
    const chat::Room* room = rp->room(m.params[1]);
    if (room != nullptr && chat::exists_for(*room, rp->standing(s, *room)) &&
        rp->invite(s, m.params[0], *room, r)) {
      return;
    }
  }
  Session* target = srv.find_nick(m.params[0]);
  if (target == nullptr || !target->registered()) {
    srv.numeric(r, irc::kErrNoSuchNick, {m.params[0], "No such nick/channel"});
    return;
  }
  Channel* c = visible_channel(srv, s, m.params[1]);
  if (c == nullptr) {
    srv.numeric(r, irc::kErrNoSuchChannel, {m.params[1], "No such channel"});
    return;
  }
  Membership* mb = c->member(&s);
  if (mb == nullptr) {
    srv.numeric(r, irc::kErrNotOnChannel, {c->name(), "You're not on that channel"});
    return;
  }
  if (c->member(target) != nullptr) {
    srv.numeric(r, irc::kErrUserOnChannel, {target->nick(), c->name(), "is already on channel"});
    return;
  }
  if (c->invite_only && !mb->op) {
    srv.numeric(r, irc::kErrChanOPrivsNeeded, {c->name(), "You're not channel operator"});
    return;
  }
  c->invited.insert(irc::fold(target->nick()));
  srv.numeric(r, irc::kRplInviting, {target->nick(), c->name()});
  if (!target->away().empty()) srv.numeric(r, irc::kRplAway, {target->nick(), target->away()});
  irc::Message invite{{}, s.prefix(), "INVITE", {target->nick(), c->name()}};
  target->send(invite);
  // invite-notify: members who could have sent this invitation themselves (only
  // ops when +i) learn about it.
  for (auto& [member, mmb] : c->members) {
    if (member == &s || member->closing() || !member->has_cap(kCapInviteNotify)) continue;
    if (c->invite_only && !mmb.op) continue;
    member->send(invite);
  }
}

// ---------------------------------------------------------------------------
// KICK

// Kicks `nicks` from `chan_name` (KICK with one channel, or one pair of a list).
void kick_from(Server& srv, Session& s, const std::string& chan_name,
               const std::vector<std::string>& nicks, const std::string& reason,
               const ResponsePtr& r) {
  Channel* c = visible_channel(srv, s, chan_name);
  if (c == nullptr) {
    srv.numeric(r, irc::kErrNoSuchChannel, {chan_name, "No such channel"});
    return;
  }
  if (c->member(&s) == nullptr) {
    srv.numeric(r, irc::kErrNotOnChannel, {c->name(), "You're not on that channel"});
    return;
  }
  if (!is_op(*c, s)) {
    srv.numeric(r, irc::kErrChanOPrivsNeeded, {c->name(), "You're not channel operator"});
    return;
  }
  for (const auto& nick : nicks) {
    // A kick can empty the channel (an op kicking itself): look it up again.
    c = srv.find_channel(chan_name);
    if (c == nullptr) break;
    Session* target = srv.find_nick(nick);
    if (target == nullptr || !target->registered()) {
      if (RemoteUser* u = srv.presence().find_nick(nick)) {
        if (c->remote.count(u) == 0) {
          srv.numeric(r, irc::kErrUserNotInChannel,
                      {u->nick, c->name(), "They aren't on that channel"});
        } else {
          srv.bridge().request_kick(*u, *c, s, reason);  // its server kicks, everyone sees it
        }
        continue;
      }
      srv.numeric(r, irc::kErrNoSuchNick, {nick, "No such nick/channel"});
      continue;
    }
    if (c->member(target) == nullptr) {
      srv.numeric(r, irc::kErrUserNotInChannel,
                  {target->nick(), c->name(), "They aren't on that channel"});
      continue;
    }
    irc::Message kick{{}, s.prefix(), "KICK", {c->name(), target->nick(), reason}};
    // A victim whose JOIN replay is still loading would get the KICK held: stop
    // holding first (the replay is abandoned, as on PART; the lines held until now
    // go out before the KICK).
    srv.release_held(*target, *c);
    srv.delivery().broadcast(*c, kick, &s);
    r->add(std::move(kick));
    srv.bridge().left(*target, *c, reason, s.prefix());
    // Compliance: the victim leaves the room (a PART event, recorded best effort).
    srv.record_room_event(*target, "PART", c->name(), "Kicked by " + s.nick() + ": " + reason,
                          nullptr);
    srv.part_channel(*target, *c);
  }
}

// KICK #chan nick[,nick...] or KICK #a,#b nick1,nick2 (channels and nicks paired,
// RFC 2812 3.2.8); every KICK sent names one channel and one user.
void handle_kick(Server& srv, Session& s, const irc::Message& m, const ResponsePtr& r) {
  const auto chans = irc::split_commas(m.params[0], irc::Empties::kSkip);
  const auto nicks = irc::split_commas(m.params[1], irc::Empties::kSkip);
  const std::string reason = m.params.size() >= 3 && !m.params[2].empty()
                                 ? std::string(irc::truncate_utf8(m.params[2], kKickLen))
                                 : s.nick();
  if (chans.size() <= 1) {
    kick_from(srv, s, chans.empty() ? m.params[0] : chans[0], nicks, reason, r);
    return;
  }
  if (chans.size() != nicks.size()) {
    srv.numeric(r, irc::kErrNeedMoreParams, {"KICK", "One user per channel, or one channel"});
    return;
  }
  for (size_t i = 0; i < chans.size(); ++i) kick_from(srv, s, chans[i], {nicks[i]}, reason, r);
}

// ---------------------------------------------------------------------------
// MODE

// Applied changes, rendered canonically.
struct ModeChanges {
  std::string modes;
  std::vector<std::string> params;
  char sign = 0;

  void add(bool plus, char mode, std::string param = {}) {
    char want = plus ? '+' : '-';
    if (sign != want) {
      modes.push_back(want);
      sign = want;
    }
    modes.push_back(mode);
    if (!param.empty()) params.push_back(std::move(param));
  }
  bool empty() const { return modes.empty(); }
};

bool valid_key(const std::string& key) {
  if (key.empty() || key.size() > kKeyLen || key[0] == ':') return false;
  for (char ch : key) {
    if (ch == ',' || ch == ' ' || static_cast<unsigned char>(ch) < 0x21) return false;
  }
  return true;
}

// A room manager's +o/-o (managers) or +v/-v (presenters) of `account`.
void edit_role(chat::Room& room, char mode, bool plus, const std::string& account) {
  std::vector<chat::Principal>& list = mode == 'o' ? room.managers : room.presenters;
  const chat::Principal p{chat::PrincipalKind::kAccount, irc::fold(account)};
  auto it = std::find(list.begin(), list.end(), p);
  if (plus && it == list.end()) list.push_back(p);
  if (!plus && it != list.end()) list.erase(it);
}

// A room manager's +i/-i/+s/-s (privacy) or +m/-m (type): -i opens the room, +i
// closes an open one, +s makes it secret, -s makes a secret one closed.
void edit_room_mode(chat::Room& room, char mode, bool plus) {
  if (mode == 'm') {
    room.type = plus ? chat::RoomType::kAuditorium : chat::RoomType::kNormal;
  } else if (mode == 's') {
    if (plus) {
      room.privacy = chat::Privacy::kSecret;
    } else if (room.privacy == chat::Privacy::kSecret) {
      room.privacy = chat::Privacy::kClosed;
    }
  } else if (plus) {
    if (room.privacy == chat::Privacy::kOpen) room.privacy = chat::Privacy::kClosed;
  } else {
    room.privacy = chat::Privacy::kOpen;
  }
}

void send_channel_modes(Server& srv, Session& s, Channel& c, const ResponsePtr& r) {
  // Keys and limits are shown to members only.
  std::string modes = c.mode_string(c.member(&s) != nullptr);
  std::vector<std::string> params{c.name()};
  size_t pos = 0;
  while (pos <= modes.size()) {
    size_t sp = modes.find(' ', pos);
    if (sp == std::string::npos) sp = modes.size();
    params.push_back(modes.substr(pos, sp - pos));
    pos = sp + 1;
  }
  srv.numeric(r, irc::kRplChannelModeIs, std::move(params));
  srv.numeric(r, irc::kRplCreationTime, {c.name(), std::to_string(c.created_at)});
}

void channel_mode(Server& srv, Session& s, Channel& c, const irc::Message& m,
                  const ResponsePtr& r) {
  if (m.params.size() < 2 || m.params[1].empty()) {
    send_channel_modes(srv, s, c, r);
    return;
  }
  const std::string& modestring = m.params[1];
  size_t next_arg = 2;
  auto take_arg = [&](std::string& out) {
    if (next_arg >= m.params.size()) return false;
    out = m.params[next_arg++];
    return true;
  };
  // A room's managers change the room itself: +i/-i/+s/-s its privacy, +m/-m its
  // type, +o/-o and +v/-v its managers and presenters (accounts). The change is
  // stored and comes back from the server as MODE on every server of the pool.
  RoomPolicy* rp = srv.rooms();
  const chat::Room* managed = rp != nullptr ? rp->managed_room(s, c.name()) : nullptr;
  std::optional<chat::Room> room_edit;
  if (managed != nullptr) room_edit = *managed;
  const bool op = is_op(c, s) || managed != nullptr;
  bool denied = false;
  auto deny = [&] {
    if (!denied)
      srv.numeric(r, irc::kErrChanOPrivsNeeded, {c.name(), "You're not channel operator"});
    denied = true;
  };
  int param_modes = 0;
  // Takes the mode's argument (if it has one), applies the MODES limit and the
  // operator check. False when the mode is skipped (any reply is already sent).
  enum class Arg { kNone, kOptional, kRequired };
  auto admit = [&](Arg kind, std::string* arg) {
    if (kind != Arg::kNone) {
      const bool have = take_arg(*arg);
      if (kind == Arg::kRequired && !have) {
        srv.numeric(r, irc::kErrNeedMoreParams, {"MODE", "Not enough parameters"});
        return false;
      }
      if (++param_modes > kMaxParamModes) return false;
    }
    if (!op) {
      deny();
      return false;
    }
    return true;
  };
  bool plus = true;
  ModeChanges done;
  for (char ch : modestring) {
    if (ch == '+' || ch == '-') {
      plus = ch == '+';
      continue;
    }
    switch (ch) {
      case 'o':
      case 'v': {
        std::string nick;
        if (!admit(Arg::kRequired, &nick)) break;
        Session* target = srv.find_nick(nick);
        if (target == nullptr || !target->registered()) {
          RemoteUser* u = room_edit ? srv.presence().find_nick(nick) : nullptr;
          if (u == nullptr) {
            srv.numeric(r, irc::kErrNoSuchNick, {nick, "No such nick/channel"});
          } else if (c.remote.count(u) == 0) {
            srv.numeric(r, irc::kErrUserNotInChannel,
                        {u->nick, c.name(), "They aren't on that channel"});
          } else if (u->account.empty()) {
            srv.fail(r, "MODE", "ACCOUNT_REQUIRED", {u->nick},
                     u->nick + " is not logged in: only accounts can be a room's " +
                         (ch == 'o' ? "managers" : "presenters"));
          } else {
            edit_role(*room_edit, ch, plus, u->account);
          }
          break;
        }
        Membership* tm = c.member(target);
        if (tm == nullptr) {
          srv.numeric(r, irc::kErrUserNotInChannel,
                      {target->nick(), c.name(), "They aren't on that channel"});
          break;
        }
        if (room_edit && !target->account().empty()) {
          edit_role(*room_edit, ch, plus, target->account());
          break;  // a guest's +o/+v stays on the channel only
        }
        bool& flag = ch == 'o' ? tm->op : tm->voice;
        if (flag != plus) {
          flag = plus;
          done.add(plus, ch, target->nick());
          srv.bridge().modes(*target, c);
        }
        break;
      }
      case 'k': {
        std::string key;
        if (!admit(plus ? Arg::kRequired : Arg::kOptional, &key)) break;
        if (plus) {
          if (!valid_key(key)) {
            srv.numeric(r, irc::kErrInvalidKey, {c.name(), "Key is not well-formed"});
            break;
          }
          if (c.channel_key != key) {
            c.channel_key = key;
            done.add(true, 'k', key);
          }
        } else if (!c.channel_key.empty()) {
          c.channel_key.clear();
          done.add(false, 'k', "*");
        }
        break;
      }
      case 'l': {
        if (plus) {
          std::string arg;
          if (!admit(Arg::kRequired, &arg)) break;
          int n = 0;
          auto [p, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), n);
          if (ec != std::errc() || p != arg.data() + arg.size() || n <= 0) {
            srv.numeric(r, irc::kErrInvalidModeParam,
                        {c.name(), "l", arg, "Limit must be a positive number"});
            break;
          }
          if (c.limit != n) {
            c.limit = n;
            done.add(true, 'l', std::to_string(n));
          }
        } else {
          if (!admit(Arg::kNone, nullptr)) break;
          if (c.limit != 0) {
            c.limit = 0;
            done.add(false, 'l');
          }
        }
        break;
      }
      case 'i':
      case 'm':
      case 'n':
      case 's':
      case 't': {
        if (!admit(Arg::kNone, nullptr)) break;
        if (room_edit && (ch == 'i' || ch == 'm' || ch == 's')) {
          edit_room_mode(*room_edit, ch, plus);
          break;
        }
        bool& flag = ch == 'i'   ? c.invite_only
                     : ch == 'm' ? c.moderated
                     : ch == 'n' ? c.no_external
                     : ch == 's' ? c.secret
                                 : c.topic_ops;
        if (flag != plus) {
          flag = plus;
          done.add(plus, ch);
        }
        break;
      }
      case 'b':
      case 'e':
      case 'I': {
        if (next_arg >= m.params.size()) {  // no mask: the list
          list_masks(srv, c, ch, r);
          break;
        }
        std::string mask;
        if (!admit(Arg::kRequired, &mask)) break;
        if (auto applied = edit_mask_list(srv, s, c, ch, plus, mask, r)) {
          done.add(plus, ch, *applied);
        }
        break;
      }
      default:
        srv.numeric(r, irc::kErrUnknownMode, {std::string(1, ch), "is unknown mode char to me"});
        break;
    }
  }
  if (room_edit && !(*room_edit == *managed)) {
    rp->change_room(s, *managed, std::move(*room_edit), [&srv, r, name = c.name()](Status st) {
      if (!st) srv.fail(r, "MODE", rooms::fail_code(st.error()), {name}, st.error().message);
    });
  }
  if (done.empty()) return;
  irc::Message change{{}, s.prefix(), "MODE", {c.name(), done.modes}};
  for (auto& p : done.params) change.params.push_back(std::move(p));
  srv.delivery().broadcast(c, change, &s);
  r->add(std::move(change));
}

void user_mode(Server& srv, Session& s, const irc::Message& m, const ResponsePtr& r) {
  Session* target = srv.find_nick(m.params[0]);
  if (target == nullptr || !target->registered()) {
    srv.numeric(r, irc::kErrNoSuchNick, {m.params[0], "No such nick/channel"});
    return;
  }
  if (target != &s) {
    srv.numeric(r, irc::kErrUsersDontMatch,
                {m.params.size() < 2 ? "Can't view modes for other users"
                                     : "Can't change mode for other users"});
    return;
  }
  if (m.params.size() < 2 || m.params[1].empty()) {
    srv.numeric(r, irc::kRplUModeIs,
                {std::string("+") + (s.invisible() ? "i" : "") + (s.oper() ? "o" : "") +
                 (s.wallops() ? "w" : "")});
    return;
  }
  bool plus = true, unknown = false;
  ModeChanges done;
  for (char ch : m.params[1]) {
    if (ch == '+' || ch == '-') {
      plus = ch == '+';
    } else if (ch == 'i' || ch == 'w') {
      if ((ch == 'i' ? s.invisible() : s.wallops()) != plus) {
        ch == 'i' ? s.set_invisible(plus) : s.set_wallops(plus);
        done.add(plus, ch);
      }
    } else if (ch == 'o') {
      // +o only through OPER (ignored here, as IRC servers do); -o gives it up.
      if (!plus && s.oper()) {
        s.set_oper(false);
        done.add(false, 'o');
      }
    } else {
      unknown = true;
    }
  }
  if (unknown) srv.numeric(r, irc::kErrUModeUnknownFlag, {"Unknown MODE flag"});
  if (!done.empty()) r->add(irc::Message{{}, s.prefix(), "MODE", {s.nick(), done.modes}});
}

void handle_mode(Server& srv, Session& s, const irc::Message& m, const ResponsePtr& r) {
  const std::string& target = m.params[0];
  if (!target.empty() && target[0] == '#') {
    Channel* c = visible_channel(srv, s, target);
    if (c == nullptr) {
      srv.numeric(r, irc::kErrNoSuchChannel, {target, "No such channel"});
      return;
    }
    channel_mode(srv, s, *c, m, r);
    return;
  }
  user_mode(srv, s, m, r);
}

}  // namespace

void register_channel_admin_commands(std::unordered_map<std::string, CommandSpec>& t) {
  t["TOPIC"] = {1, true, handle_topic};
  t["LIST"] = {0, true, handle_list};
  t["INVITE"] = {2, true, handle_invite};
  t["KICK"] = {2, true, handle_kick};
  t["MODE"] = {1, true, handle_mode};
}

}  // namespace pchat::server
