// Connection registration and upkeep: CAP, PASS, NICK, USER, AUTHENTICATE (SASL),
// PING, PONG, QUIT. (RFC 2812 section 3.1, IRCv3 capability negotiation 3.2,
// IRCv3 SASL 3.1/3.2.)
#include <sodium.h>

#include <charconv>
#include <cstdint>

#include "directory/sign_in.h"
#include "irc/casemap.h"
#include "irc/numerics.h"
#include "irc/utf8.h"
#include "server/commands/sasl_external.h"
#include "server/commands/sasl_scram.h"
#include "server/server.h"
#include "server/text_limits.h"
#include "store/accounts.h"

namespace pchat::server {

namespace {

constexpr size_t kSaslChunk = 400;
constexpr size_t kSaslMax = 8192;

// The IRCv3 sts policy for `s` ("" without a TLS listener): plaintext clients are
// told the TLS port (and the duration they will keep once there), TLS clients the
// duration. Not in all_caps(): a client cannot REQ it (NAK). Not for WebSocket
// clients: the policy names a TCP port, which a browser cannot use.
std::string sts_value(Server& srv, const Session& s) {
  if (srv.tls_port() == 0 || s.is_websocket()) return "";
  const std::string duration = "duration=" + std::to_string(srv.config().sts_duration);
  if (s.is_tls()) return duration;
  return "port=" + std::to_string(srv.tls_port()) + "," + duration;
}

void cap_ls(Server& srv, Session& s, const irc::Message& m, const ResponsePtr& r) {
  if (!s.registered()) s.set_cap_negotiating(true);
  if (m.params.size() >= 2) {
    // A version number; one too large for an int is still at least 302.
    const std::string& p = m.params[1];
    int64_t v = 0;
    const auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), v);
    if (ec == std::errc::result_out_of_range || (ec == std::errc() && v >= 302)) {
      s.set_cap_version(302);
      s.set_caps(s.caps() | kCapNotify);  // implied by 302
    }
  }
  std::vector<std::string> items;
  for (const auto& c : all_caps()) {
    std::string item = c.name;
    if (s.cap_version() >= 302 && c.value != nullptr) {
      if (std::string v = c.value(srv.config()); !v.empty()) item += "=" + v;
    }
    items.push_back(std::move(item));
  }
  if (std::string sts = sts_value(srv, s); !sts.empty()) {
    items.push_back(s.cap_version() >= 302 ? "sts=" + sts : std::string("sts"));
  }
  // Lines of at most ~400 bytes of capabilities; all but the last carry '*'.
  std::vector<std::string> lines(1);
  for (const auto& it : items) {
    if (!lines.back().empty() && lines.back().size() + it.size() + 1 > 400) lines.emplace_back();
    if (!lines.back().empty()) lines.back().push_back(' ');
    lines.back() += it;
  }
  for (size_t i = 0; i < lines.size(); ++i) {
    irc::Message out{{}, srv.name(), "CAP", {s.nick_or_star(), "LS"}};
    if (i + 1 < lines.size() && s.cap_version() >= 302) out.params.push_back("*");
    out.params.push_back(lines[i]);
    r->add(std::move(out));
  }
}

void cap_list(Server& srv, Session& s, const ResponsePtr& r) {
  std::string enabled;
  for (const auto& c : all_caps()) {
    if (!s.has_cap(c.bit)) continue;
    if (!enabled.empty()) enabled.push_back(' ');
    enabled += c.name;
  }
  r->add(irc::Message{{}, srv.name(), "CAP", {s.nick_or_star(), "LIST", enabled}});
}

void cap_req(Server& srv, Session& s, const irc::Message& m, const ResponsePtr& r) {
  if (!s.registered()) s.set_cap_negotiating(true);
  const std::string& want = m.params.size() >= 2 ? m.params[1] : std::string();
  uint32_t add = 0, remove = 0;
  bool ok = !want.empty();
  size_t pos = 0;
  while (ok && pos < want.size()) {
    size_t end = want.find(' ', pos);
    if (end == std::string::npos) end = want.size();
    std::string_view item(want.data() + pos, end - pos);
    pos = end + 1;
    if (item.empty()) continue;
    bool minus = item[0] == '-';
    if (minus) item.remove_prefix(1);
    auto cap = cap_by_name(item);
    if (!cap) {
      ok = false;
      break;
    }
    if (minus) {
      remove |= *cap;
    } else {
      add |= *cap;
    }
  }
  if (!ok) {
    r->add(irc::Message{{}, srv.name(), "CAP", {s.nick_or_star(), "NAK", want}});
    return;
  }
  s.set_caps((s.caps() | add) & ~remove);
  r->add(irc::Message{{}, srv.name(), "CAP", {s.nick_or_star(), "ACK", want}});
}

void handle_cap(Server& srv, Session& s, const irc::Message& m, const ResponsePtr& r) {
  std::string sub = m.params[0];
  for (auto& ch : sub) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  if (sub == "LS") {
    cap_ls(srv, s, m, r);
  } else if (sub == "LIST") {
    cap_list(srv, s, r);
  } else if (sub == "REQ") {
    cap_req(srv, s, m, r);
  } else if (sub == "END") {
    if (!s.registered()) {
      s.set_cap_negotiating(false);
      srv.registration().try_complete(s);
    }
  } else {
    srv.numeric(r, "410", {m.params[0], "Invalid CAP command"});
  }
}

void handle_pass(Server& srv, Session& s, const irc::Message& m, const ResponsePtr& r) {
  if (s.registered()) {
    srv.numeric(r, irc::kErrAlreadyRegistered, {"You may not reregister"});
    return;
  }
  s.set_pass(m.params[0]);
}

void handle_nick(Server& srv, Session& s, const irc::Message& m, const ResponsePtr& r) {
  if (m.params.empty() || m.params[0].empty()) {
    srv.numeric(r, irc::kErrNoNicknameGiven, {"No nickname given"});
    return;
  }
  const std::string& nick = m.params[0];
  if (!irc::is_valid_nick(nick)) {
    srv.numeric(r, irc::kErrErroneusNickname, {nick, "Erroneous nickname"});
    return;
  }
  if (nick == s.nick()) return;
  Session* other = srv.find_nick(nick);
  if ((other != nullptr && other != &s) ||
      (!s.registered() && srv.presence().find_nick(nick) != nullptr)) {
    srv.numeric(r, irc::kErrNicknameInUse, {nick, "Nickname is already in use"});
    return;
  }
  if (s.claiming()) {
    srv.numeric(r, irc::kErrUnavailResource,
                {nick, "Registration is in progress with your previous nick"});
    return;
  }
  if (!s.registered()) {
    srv.rename(s, nick);
    srv.registration().try_complete(s);
    return;
  }
  srv.bridge().change_nick(s, nick, r);
}

void handle_user(Server& srv, Session& s, const irc::Message& m, const ResponsePtr& r) {
  if (s.registered() || s.got_user()) {
    srv.numeric(r, irc::kErrAlreadyRegistered, {"You may not reregister"});
    return;
  }
  std::string user = m.params[0];
  if (user.empty() || m.params[3].empty()) {  // neither may be empty (modern IRC)
    srv.numeric(r, irc::kErrNeedMoreParams, {"USER", "Not enough parameters"});
    return;
  }
  // No ident lookup: the '~' says the username is unverified, as usual.
  std::string clean;
  for (char ch : user) {
    if (std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.') {
      clean.push_back(ch);
    }
  }
  if (clean.empty()) clean = "user";
  s.set_user("~" + clean.substr(0, 17), std::string(irc::truncate_utf8(m.params[3], kRealnameLen)));
  srv.registration().try_complete(s);
}

void handle_ping(Server& srv, Session&, const irc::Message& m, const ResponsePtr& r) {
  r->add(irc::Message{{}, srv.name(), "PONG", {srv.name(), m.params[0]}});
}

void handle_pong(Server&, Session&, const irc::Message&, const ResponsePtr&) {}

void handle_quit(Server&, Session& s, const irc::Message& m, const ResponsePtr&) {
  std::string reason = m.params.empty() || m.params[0].empty()
                           ? "Client Quit"
                           : "Quit: " + std::string(irc::truncate_utf8(m.params[0], kReasonLen));
  s.close(reason);
}

// Checks `password` for `authcid` on the sign-in pool, behind the throttle
// (server/sign_in.h), then answers 903 or 904 and goes on with registration.
void check_password(Server& srv, Session& s, const ResponsePtr& r, const std::string& authcid,
                    const std::string& password) {
  SignIn& sign_in = srv.sign_in();
  if (const int64_t secs = sign_in.seconds_to_wait(authcid, s.host()); secs > 0) {
    srv.numeric(r, irc::kErrSaslFail,
                {"SASL authentication failed: too many failed attempts, try again in " +
                 std::to_string(secs) + " s"});
    return;
  }
  s.sasl().busy = true;
  std::weak_ptr<Session> weak = s.weak_from_this();
  auto check = [&srv, weak, r, authcid, password,
                address = s.host()](Result<pg::Connection*> c) mutable {
    Result<std::string> res =
        c ? srv.sign_in().check(**c, authcid, password) : Result<std::string>(c.error());
    // `r` is moved, not copied, off the loop: its last reference must end on the loop.
    srv.post([&srv, weak, r = std::move(r), res = std::move(res), authcid, address] {
      if (res) {
        srv.sign_in().succeeded(authcid);
      } else if (res.error().kind == ErrorKind::kDenied) {
        srv.sign_in().failed(authcid, address);
      }
      auto s = weak.lock();
      if (!s || s->closing()) return;
      s->sasl().busy = false;
      if (res) {
        srv.login(*s, *res, r);
        srv.numeric(r, irc::kRplSaslSuccess, {"SASL authentication successful"});
      } else if (res.error().kind == ErrorKind::kDenied) {
        srv.numeric(r, irc::kErrSaslFail, {"SASL authentication failed"});
      } else if (res.error().message == directory::kDirectoryUnavailable) {
        srv.numeric(
            r, irc::kErrSaslFail,
            {std::string("SASL authentication failed: ") + directory::kDirectoryUnavailable});
      } else {
        srv.numeric(r, irc::kErrSaslFail,
                    {"SASL authentication failed: the account store is unavailable"});
      }
      srv.registration().try_complete(*s);
    });
  };
  if (!sign_in.pool(srv.readers())->submit(std::move(check))) {
    s.sasl().busy = false;
    sign_in.count_busy();
    srv.numeric(r, irc::kErrSaslFail, {"SASL authentication failed: server busy"});
  }
}

// SASL PLAIN: "authzid \0 authcid \0 password", base64, in 400-byte chunks.
void sasl_plain(Server& srv, Session& s, const ResponsePtr& r) {
  std::string decoded(s.sasl().buffer.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(decoded.data()), decoded.size(),
                        s.sasl().buffer.data(), s.sasl().buffer.size(), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0) {
    s.sasl().mech.clear();
    srv.numeric(r, irc::kErrSaslFail, {"SASL authentication failed: invalid base64"});
    return;
  }
  decoded.resize(len);
  auto z1 = decoded.find('\0');
  auto z2 = z1 == std::string::npos ? std::string::npos : decoded.find('\0', z1 + 1);
  s.sasl().mech.clear();
  s.sasl().buffer.clear();
  if (z2 == std::string::npos) {
    srv.numeric(r, irc::kErrSaslFail, {"SASL authentication failed: malformed PLAIN message"});
    return;
  }
  std::string authzid = decoded.substr(0, z1);
  std::string authcid = decoded.substr(z1 + 1, z2 - z1 - 1);
  std::string password = decoded.substr(z2 + 1);
  if (!authzid.empty() && !irc::equal_folded(authzid, authcid)) {
    srv.numeric(r, irc::kErrSaslFail,
                {"SASL authentication failed: authorization identity differs"});
    return;
  }
  if (!irc::is_valid_utf8(authcid)) {  // no account has such a name: no store needed
    srv.numeric(r, irc::kErrSaslFail, {"SASL authentication failed"});
    return;
  }
  check_password(srv, s, r, authcid, password);
}

void handle_authenticate(Server& srv, Session& s, const irc::Message& m, const ResponsePtr& r) {
  const std::string& arg = m.params[0];
  if (!s.account().empty()) {
    srv.numeric(r, irc::kErrSaslAlready, {"You have already authenticated using SASL"});
    return;
  }
  if (s.sasl().busy) return;  // one verification at a time
  if (arg == "*") {
    reset_sasl(s);
    srv.numeric(r, irc::kErrSaslAborted, {"SASL authentication aborted"});
    return;
  }
  if (s.sasl().mech.empty()) {
    std::string mech = arg;
    for (auto& ch : mech) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (mech == "EXTERNAL") return sasl_external_start(srv, s, r);
    if (mech != "PLAIN" && mech != "SCRAM-SHA-256") {
      srv.numeric(r, irc::kRplSaslMechs,
                  {sasl_mechanisms(srv.config()), "are available SASL mechanisms"});
      srv.numeric(r, irc::kErrSaslFail, {"SASL authentication failed"});
      return;
    }
    s.sasl().mech = mech;
    s.sasl().buffer.clear();
    r->add(irc::Message{{}, "", "AUTHENTICATE", {"+"}});
    return;
  }
  if (arg.size() > kSaslChunk) {
    reset_sasl(s);
    srv.numeric(r, irc::kErrSaslTooLong, {"SASL message too long"});
    return;
  }
  if (arg != "+") s.sasl().buffer += arg;
  if (s.sasl().buffer.size() > kSaslMax) {
    reset_sasl(s);
    srv.numeric(r, irc::kErrSaslTooLong, {"SASL message too long"});
    return;
  }
  if (arg.size() == kSaslChunk) return;  // more to come
  if (s.sasl().mech == "PLAIN") {
    sasl_plain(srv, s, r);
  } else if (s.sasl().mech == "EXTERNAL") {
    sasl_external(srv, s, r);
  } else {
    sasl_scram(srv, s, r);
  }
}

}  // namespace

void register_connection_commands(std::unordered_map<std::string, CommandSpec>& t) {
  t["CAP"] = {1, false, handle_cap};
  t["PASS"] = {1, false, handle_pass};
  t["NICK"] = {0, false, handle_nick};
  t["USER"] = {4, false, handle_user};
  t["PING"] = {1, false, handle_ping};
  t["PONG"] = {0, false, handle_pong};
  t["QUIT"] = {0, false, handle_quit};
}

void register_sasl_commands(std::unordered_map<std::string, CommandSpec>& t) {
  t["AUTHENTICATE"] = {1, false, handle_authenticate};
}

}  // namespace pchat::server
