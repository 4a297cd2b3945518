// RoomPolicy, its second half: loading the room catalog from the store and applying
// a new one to the live channels (room_policy.h, "Loading").
#include <spdlog/spdlog.h>

#include <utility>

#include "chat/diff.h"
#include "irc/casemap.h"
#include "irc/numerics.h"
#include "server/directory_refresh.h"
#include "server/room_policy.h"
#include "server/server.h"

namespace pchat::server {

namespace {

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
  // Accounts the directory disabled leave (server/directory_refresh.h).
  close_disabled_sessions(srv_, catalog_.disabled_accounts);

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
    if (s == nullptr || !s->registered() || s->closing() || s->account().empty()) continue;
    by_account[irc::fold(s->account())].push_back(s.get());
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
      s->send(irc::Message{{}, srv_.name(), "INVITE", {s->nick(), r->name}});
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
    people.push_back({s->nick(), chat::User{s->account()}});
    by_nick[s->nick()] = s;
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
    irc::Message kick{{}, srv_.name(), "KICK", {live->name(), s->nick(), removal.reason}};
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
      changes.emplace_back(pc.after.op ? "+o" : "-o", s->nick());
    }
    if (pc.before.voice != pc.after.voice && mb->voice != pc.after.voice) {
      mb->voice = pc.after.voice;
      changes.emplace_back(pc.after.voice ? "+v" : "-v", s->nick());
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

}  // namespace pchat::server
