// IRC operators: OPER, KILL, WALLOPS, and INFO (server/operators.h).
//
// Who may use them: OPER anyone registered (the check is throttled like a sign-in:
// server/sign_in.h, under the name "oper:NAME"); KILL and WALLOPS operators only
// (481 otherwise); INFO anyone. An operator has no power in rooms beyond what the
// room model gives its account: no command here joins, reads or changes a room.
#include <spdlog/spdlog.h>

#include "core/time.h"
#include "irc/casemap.h"
#include "irc/numerics.h"
#include "irc/utf8.h"
#include "server/operators.h"
#include "server/room_policy.h"
#include "server/server.h"
#include "server/text_limits.h"

namespace pchat::server {

namespace {

// OPER's answer, back on the loop.
void finish_oper(Server& srv, Session& s, const ResponsePtr& r, const std::string& name,
                 OperCheck res) {
  if (res != OperCheck::kOk) {
    if (res != OperCheck::kWrongAccount) srv.sign_in().failed("oper:" + name, s.host());
    spdlog::warn("client {} ({}): OPER {} refused ({})", s.id(), s.host(), name,
                 res == OperCheck::kWrongAccount ? "not signed in as its account"
                                                 : "wrong name or password");
    if (res == OperCheck::kWrongAccount) {
      srv.numeric(r, irc::kErrNoOperHost, {"No operator block for your account"});
    } else {
      srv.numeric(r, irc::kErrPasswdMismatch, {"Password incorrect"});
    }
    return;
  }
  srv.sign_in().succeeded("oper:" + name);
  spdlog::info("client {} ({}): {} is now an IRC operator ({})", s.id(), s.host(), s.nick(), name);
  if (!s.oper()) {
    s.set_oper(true);
    r->add(irc::Message{{}, s.prefix(), "MODE", {s.nick(), "+o"}});
  }
  srv.numeric(r, irc::kRplYoureOper, {"You are now an IRC operator"});
}

void handle_oper(Server& srv, Session& s, const irc::Message& m, const ResponsePtr& r) {
  const std::string name = m.params[0], password = m.params[1];
  if (const int64_t secs = srv.sign_in().seconds_to_wait("oper:" + name, s.host()); secs > 0) {
    srv.numeric(r, irc::kErrPasswdMismatch,
                {"Password incorrect (too many failed attempts: try again in " +
                 std::to_string(secs) + " s)"});
    return;
  }
  std::weak_ptr<Session> weak = s.weak_from_this();
  const RoomPolicy* rooms = srv.rooms();
  auto groups = operator_groups_of(srv.config().operators, name, s.account(),
                                   rooms != nullptr ? &rooms->groups() : nullptr);
  auto check = [&srv, weak, r, name, password, blocks = srv.config().operators,
                account = s.account(),
                groups = std::move(groups)](Result<pg::Connection*>) mutable {
    const OperCheck res = check_operator(blocks, name, password, account, groups);
    // `r` is moved, not copied, off the loop: its last reference must end on the loop.
    srv.post([&srv, weak, r = std::move(r), name, res] {
      auto s = weak.lock();
      if (!s || s->closing()) return;
      finish_oper(srv, *s, r, name, res);
    });
  };
  if (!srv.sign_in().pool(srv.readers())->submit(std::move(check))) {
    srv.sign_in().count_busy();
    srv.fail(r, "OPER", "TEMPORARILY_UNAVAILABLE", {}, "The server is busy; try again");
  }
}

bool require_oper(Server& srv, Session& s, const ResponsePtr& r) {
  if (s.oper()) return true;
  srv.numeric(r, irc::kErrNoPrivileges, {"Permission Denied- You're not an IRC operator"});
  return false;
}

// KILL <nick> [<reason>]: disconnects a user of this server, or asks the user's
// server to (a user elsewhere in the pool).
void handle_kill(Server& srv, Session& s, const irc::Message& m, const ResponsePtr& r) {
  if (!require_oper(srv, s, r)) return;
  const std::string reason = m.params.size() >= 2 && !m.params[1].empty()
                                 ? std::string(irc::truncate_utf8(m.params[1], kReasonLen))
                                 : "No reason given";
  UserRef u = srv.find_user(m.params[0]);
  if (!u) {
    srv.numeric(r, irc::kErrNoSuchNick, {m.params[0], "No such nick/channel"});
    return;
  }
  spdlog::info("KILL {} by {} ({})", u.nick(), s.prefix(), reason);
  const std::string why = "Killed (" + s.nick() + " (" + reason + "))";
  if (u.local != nullptr) {
    irc::Message kill{{}, s.prefix(), "KILL", {u.nick(), reason}};
    if (u.local != &s) u.local->send(kill);
    u.local->close(why);
    return;
  }
  srv.bridge().request_kill(*u.remote, s, reason);
}

// WALLOPS <text>: to every local user with +w (the sender included when it has +w).
void handle_wallops(Server& srv, Session& s, const irc::Message& m, const ResponsePtr& r) {
  if (!require_oper(srv, s, r)) return;
  irc::Message line{{}, s.prefix(), "WALLOPS", {m.params[0]}};
  for (const auto& [id, weak] : srv.sessions()) {
    auto u = weak.lock();
    if (u && u->registered() && u->wallops() && !u->closing()) u->send(line);
  }
}

// INFO [<target>]: about this server; a target must name it (or one of its users).
void handle_info(Server& srv, Session&, const irc::Message& m, const ResponsePtr& r) {
  if (!m.params.empty() && !m.params[0].empty()) {
    const std::string& t = m.params[0];
    const bool here = irc::glob_match(irc::fold(t), irc::fold(srv.name())) || srv.find_user(t);
    if (!here) {
      srv.numeric(r, irc::kErrNoSuchServer, {t, "No such server"});
      return;
    }
  }
  for (const char* line :
       {"pchat " PCHAT_VERSION ": persistent group chat over IRC.",
        "Every message is committed to PostgreSQL before anyone sees it.",
        "An open replacement for Lync Server 2013 Persistent Chat.",
        "Built on PostgreSQL, OpenSSL, libsodium, Boost.Asio, spdlog, fmt, toml++, CLI11",
        "and nlohmann/json."}) {
    srv.numeric(r, irc::kRplInfo, {line});
  }
  srv.numeric(
      r, irc::kRplInfo,
      {"Running since " + time::iso8601_s(std::chrono::duration_cast<std::chrono::microseconds>(
                                              srv.started_at().time_since_epoch())
                                              .count())});
  srv.numeric(r, irc::kRplEndOfInfo, {"End of INFO list"});
}

}  // namespace

void register_operator_commands(std::unordered_map<std::string, CommandSpec>& t) {
  t["OPER"] = {2, true, handle_oper};
  t["KILL"] = {1, true, handle_kill};
  t["WALLOPS"] = {1, true, handle_wallops};
  t["INFO"] = {0, true, handle_info};
}

}  // namespace pchat::server
