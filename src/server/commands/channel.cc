// Joining and leaving channels: JOIN, PART, NAMES (RFC 2812 3.2.1, 3.2.2, 3.2.5;
// IRCv3 extended-join, away-notify, multi-prefix, userhost-in-names).
#include <algorithm>

#include "irc/casemap.h"
#include "irc/numerics.h"
#include "irc/split.h"
#include "irc/utf8.h"
#include "server/room_policy.h"
#include "server/server.h"
#include "server/text_limits.h"

namespace pchat::server {

namespace {

// The joiner's own JOIN goes through its Response `r` (one labeled batch with the
// topic and NAMES); the other members get theirs at once.
void announce_join(Server& srv, Session& s, Channel& c, const ResponsePtr& r) {
  irc::Message plain{{}, s.prefix(), "JOIN", {c.name()}};
  irc::Message extended{
      {}, s.prefix(), "JOIN", {c.name(), s.account().empty() ? "*" : s.account(), s.realname()}};
  if (!s.account().empty()) {
    plain.tags.push_back({"account", s.account()});
    extended.tags.push_back({"account", s.account()});
  }
  irc::Message away{{}, s.prefix(), "AWAY", {s.away()}};
  const bool updates = rooms::sends_participant_updates(srv, c);  // ParticipantUpdateLimit
  for (auto& [member, mb] : c.members) {
    if (member->closing() || (!updates && member != &s)) continue;
    const irc::Message& join = member->has_cap(kCapExtendedJoin) ? extended : plain;
    if (member == &s) {
      r->add(join);
    } else {
      member->send(join);
    }
    if (member != &s && !s.away().empty() && member->has_cap(kCapAwayNotify)) member->send(away);
  }
}

void send_topic(Server& srv, Channel& c, const ResponsePtr& r) {
  if (c.topic.empty()) return;
  srv.numeric(r, irc::kRplTopic, {c.name(), c.topic});
  srv.numeric(r, irc::kRplTopicWhoTime, {c.name(), c.topic_setter, std::to_string(c.topic_time)});
}

// Leaves `c` once the PART event is committed (at once when capture is off). On
// failure the member stays and gets FAIL.
void leave(Server& srv, Session& s, Channel& c, const std::string& reason, const ResponsePtr& r) {
  std::weak_ptr<Session> weak = s.weak_from_this();
  const std::string display = c.name();
  srv.record_room_event(s, "PART", display, reason,
                        [&srv, weak, display, reason, r](const Status& st) {
                          auto sp = weak.lock();
                          if (!sp || sp->closing()) return;
                          Channel* ch = srv.find_channel(display);
                          if (ch == nullptr || ch->member(sp.get()) == nullptr) return;
                          if (!st) {
                            srv.fail(r, "PART", "EVENT_NOT_RECORDED", {display},
                                     "Cannot part: the compliance record could not be stored");
                            return;
                          }
                          // Lines held for a JOIN replay still loading happened
                          // before this PART: they go first.
                          srv.release_held(*sp, *ch);
                          irc::Message part{{}, sp->prefix(), "PART", {ch->name()}};
                          if (!reason.empty()) part.params.push_back(reason);
                          if (rooms::sends_participant_updates(srv, *ch)) {
                            srv.delivery().broadcast(*ch, part, sp.get());
                          }
                          r->add(part);
                          srv.bridge().left(*sp, *ch, reason);
                          srv.part_channel(*sp, *ch);
                        });
}

void part_all(Server& srv, Session& s, const ResponsePtr& r) {
  auto chans = s.channels();
  for (Channel* c : chans) leave(srv, s, *c, "", r);
}

// `recorded`: the JOIN's compliance event is committed (or capture is off).
void join_one(Server& srv, Session& s, const std::string& name, const std::string& key,
              const ResponsePtr& r, bool recorded = false) {
  if (!irc::is_valid_channel_name(name)) {
    srv.numeric(r, irc::kErrNoSuchChannel, {name, "No such channel (invalid channel name)"});
    return;
  }
  if (s.account().empty() && !srv.config().allow_guests) {
    srv.numeric(r, irc::kErrNeedReggedNick,
                {name, "You need to be logged in to an account (SASL) to join rooms"});
    return;
  }
  Channel* c = srv.find_channel(name);
  if (c != nullptr && c->member(&s) != nullptr) return;  // already there
  if (static_cast<int>(s.channels().size()) >= srv.config().max_channels_per_client) {
    srv.numeric(r, irc::kErrTooManyChannels, {name, "You have joined too many channels"});
    return;
  }
  const RoomPolicy::JoinVerdict room = rooms::check_join(srv, s, name);
  if (room.numeric != nullptr) {
    srv.numeric(r, room.numeric, {c != nullptr ? c->name() : name, room.reason});
    return;
  }
  if (c != nullptr) {
    const MaskSubject who{s.nick(), s.user(), s.host(), s.account()};
    const bool invited = c->invited.count(irc::fold(s.nick())) > 0;
    if (c->banned(who) && !invited) {
      srv.numeric(r, irc::kErrBannedFromChan, {c->name(), "Cannot join channel (+b)"});
      return;
    }
    if (!c->channel_key.empty() && key != c->channel_key && !invited) {
      srv.numeric(r, irc::kErrBadChannelKey, {c->name(), "Cannot join channel (+k)"});
      return;
    }
    if (c->limit > 0 && static_cast<int>(c->population()) >= c->limit && !invited) {
      srv.numeric(r, irc::kErrChannelIsFull, {c->name(), "Cannot join channel (+l)"});
      return;
    }
    if (c->invite_only && !invited && !room.members_only && !c->invite_exceptions.matches(who)) {
      srv.numeric(r, irc::kErrInviteOnlyChan, {c->name(), "Cannot join channel (+i)"});
      return;
    }
  }
  if (!recorded && srv.compliance_capture()) {
    // Join once the JOIN event is committed; the checks run again then.
    std::weak_ptr<Session> weak = s.weak_from_this();
    const std::string display = c != nullptr ? c->name() : name;
    srv.record_room_event(s, "JOIN", display, "",
                          [&srv, weak, name, key, r, display](const Status& st) {
                            auto sp = weak.lock();
                            if (!sp || sp->closing()) return;
                            if (!st) {
                              srv.fail(r, "JOIN", "EVENT_NOT_RECORDED", {display},
                                       "Cannot join: the compliance record could not be stored");
                              return;
                            }
                            join_one(srv, *sp, name, key, r, true);
                          });
    return;
  }
  bool created = false;
  if (c == nullptr) {
    c = &srv.create_channel(name);
    rooms::on_channel_created(srv, *c);
    created = true;
  }
  c->invited.erase(irc::fold(s.nick()));
  Membership mb;
  mb.op = room.room ? room.prefix.op || (created && room.unmanaged) : created;
  mb.voice = room.prefix.voice;
  c->members.emplace(&s, mb);
  s.joined(c);
  announce_join(srv, s, *c, r);
  srv.bridge().joined(s, *c);
  send_topic(srv, *c, r);
  if (s.has_cap(kCapReadMarker)) {
    // MARKREAD goes before RPL_ENDOFNAMES (draft/read-marker); the replay after it.
    srv.send_names(s, *c, r, /*end=*/false);
    srv.read_markers().after_names(s, *c, r);
    return;
  }
  srv.send_names(s, *c, r);
  if (!s.has_cap(kCapChathistory)) srv.join_replay().start(s, *c, r);
}

// A list of channel names with nothing but commas in it ("," or ",,,").
bool no_name(const std::vector<std::string>& names) {
  return std::all_of(names.begin(), names.end(), [](const auto& n) { return n.empty(); });
}

void handle_join(Server& srv, Session& s, const irc::Message& m, const ResponsePtr& r) {
  if (m.params[0] == "0") {
    part_all(srv, s, r);
    return;
  }
  auto names = irc::split_commas(m.params[0], irc::Empties::kKeep);
  if (no_name(names)) {
    srv.numeric(r, irc::kErrNeedMoreParams, {"JOIN", "Not enough parameters"});
    return;
  }
  auto keys = m.params.size() >= 2 ? irc::split_commas(m.params[1], irc::Empties::kKeep)
                                   : std::vector<std::string>{};
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i].empty()) continue;
    join_one(srv, s, names[i], i < keys.size() ? keys[i] : std::string(), r);
  }
}

void handle_part(Server& srv, Session& s, const irc::Message& m, const ResponsePtr& r) {
  std::string reason =
      m.params.size() >= 2 ? std::string(irc::truncate_utf8(m.params[1], kReasonLen)) : "";
  const auto names = irc::split_commas(m.params[0], irc::Empties::kKeep);
  if (no_name(names)) {
    srv.numeric(r, irc::kErrNeedMoreParams, {"PART", "Not enough parameters"});
    return;
  }
  for (const auto& name : names) {
    if (name.empty()) continue;
    Channel* c = srv.find_channel(name);
    if (c == nullptr || (c->secret && c->member(&s) == nullptr)) {
      srv.numeric(r, irc::kErrNoSuchChannel, {name, "No such channel"});
      continue;
    }
    if (c->member(&s) == nullptr) {
      srv.numeric(r, irc::kErrNotOnChannel, {c->name(), "You're not on that channel"});
      continue;
    }
    leave(srv, s, *c, reason, r);
  }
}

void handle_names(Server& srv, Session& s, const irc::Message& m, const ResponsePtr& r) {
  if (m.params.empty()) {
    srv.numeric(r, irc::kRplEndOfNames, {"*", "End of /NAMES list."});
    return;
  }
  for (const auto& name : irc::split_commas(m.params[0], irc::Empties::kKeep)) {
    Channel* c = srv.find_channel(name);
    if (c == nullptr || (c->member(&s) == nullptr && (c->secret || !rooms::may_find(srv, s, *c)))) {
      srv.numeric(r, irc::kRplEndOfNames, {name, "End of /NAMES list."});
      continue;
    }
    srv.send_names(s, *c, r);
  }
}

}  // namespace

void register_channel_commands(std::unordered_map<std::string, CommandSpec>& t) {
  t["JOIN"] = {1, true, handle_join};
  t["PART"] = {1, true, handle_part};
  t["NAMES"] = {0, true, handle_names};
}

}  // namespace pchat::server
