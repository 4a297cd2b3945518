#include "server/server.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <random>
#include <utility>

#include "core/time.h"
#include "irc/casemap.h"
#include "irc/numerics.h"
#include "irc/utf8.h"
#include "server/history_query.h"
#include "server/listen_address.h"
#include "server/msgid.h"
#include "server/reload.h"
#include "server/room_policy.h"
#include "server/text_limits.h"
#include "store/history.h"
#include "store/pool_state.h"

namespace pchat::server {

Server::Server(asio::io_context& io, ServerConfig config, store::Writer* writer,
               store::ReaderPool* readers, MetricsRegistry& metrics)
    : io_(io),
      config_(std::move(config)),
      writer_(writer),
      readers_(readers),
      metrics_(metrics),
      listener_(io, "irc", [this](tcp::socket sock) { on_accept(Link(std::move(sock))); }),
      tls_listener_(io, "irc-tls", [this](tcp::socket sock) { on_tls_accept(std::move(sock)); }),
      started_at_(std::chrono::system_clock::now()),
      connections_(metrics.gauge("pchat_connections", "Connected IRC clients")),
      connections_total_(metrics.counter("pchat_connections_total", "IRC connections accepted")),
      lines_in_(metrics.counter("pchat_lines_received_total", "IRC lines received")) {
  register_commands();
}

Server& Server::of(Session& s) {
  return s.server_;
}

void Server::register_commands() {
  register_connection_commands(commands_);
  register_channel_commands(commands_);
  register_channel_admin_commands(commands_);
  register_messaging_commands(commands_);
  register_query_commands(commands_);
  register_search_commands(commands_);
  register_room_commands(commands_);
  register_operator_commands(commands_);
  register_cap_commands(commands_);
}

void Server::listen() {
  if (config_.irc_listen) {
    auto bound = listener_.listen(*config_.irc_listen);
    spdlog::info("irc: listening on {}", format_addresses(bound));
  }
  if (config_.irc_tls_listen) {
    if (tls_ == nullptr) throw ListenError("irc_tls_listen is set but TLS is not configured");
    auto bound = tls_listener_.listen(*config_.irc_tls_listen);
    spdlog::info("irc: listening with TLS on {}", format_addresses(bound));
  }
  accepting_ = true;
}

void Server::reconfigure(const ServerConfig& next) {
  copy_live_keys(config_, next);
}

void Server::on_accept(Link link) {
  if (!accepting_) return;
  auto s = std::make_shared<Session>(*this, std::move(link), next_session_id_++);
  if (!pool_.active() || pool_.draining()) {
    pool_.bounce(std::move(s),
                 pool_.draining() ? "This server is being drained" : "This server is not active");
    return;
  }
  sessions_[s->id()] = s;
  connections_.set(static_cast<int64_t>(sessions_.size()));
  connections_total_.inc();
  s->start();
}

void Server::stop_accepting() {
  accepting_ = false;
  reading_ = false;
  listener_.stop();
  tls_listener_.stop();
}

void Server::shutdown(const std::string& reason) {
  stop_accepting();
  std::vector<std::shared_ptr<Session>> all;
  for (auto& [id, w] : sessions_) {
    if (auto s = w.lock()) all.push_back(s);
  }
  for (auto& s : all) s->close(reason);
}

// ---------------------------------------------------------------------------
// Dispatch

void Server::dispatch(Session& s, irc::Message&& m) {
  if (!reading_) return;
  lines_in_.inc();
  std::string label;
  if (s.has_cap(kCapLabeledResponse)) {
    if (const std::string* l = m.tag("label"); l && !l->empty() && l->size() <= 64) label = *l;
  }
  auto r = std::make_shared<Response>(s.shared_from_this(), std::move(label));
  auto it = commands_.find(m.command);
  if (it == commands_.end()) {
    if (!s.registered()) {
      numeric(r, irc::kErrNotRegistered, {"You have not registered"});
    } else {
      numeric(r, irc::kErrUnknownCommand, {m.command, "Unknown command"});
    }
    return;
  }
  const CommandSpec& spec = it->second;
  if (spec.needs_registration && !s.registered()) {
    numeric(r, irc::kErrNotRegistered, {"You have not registered"});
    return;
  }
  if (static_cast<int>(m.params.size()) < spec.min_params) {
    numeric(r, irc::kErrNeedMoreParams, {m.command, "Not enough parameters"});
    return;
  }
  spec.handler(*this, s, m, r);
}

void Server::on_line_error(Session& s, irc::LineError e) {
  auto r = std::make_shared<Response>(s.shared_from_this(), "");
  switch (e) {
    case irc::LineError::kEmpty:
      return;
    case irc::LineError::kInputTooLong:
      numeric(r, irc::kErrInputTooLong, {"Input line was too long"});
      return;
    case irc::LineError::kInvalidUtf8:
      fail(r, "*", "INVALID_UTF8", {}, "Message rejected: it is not valid UTF-8");
      return;
    case irc::LineError::kNulByte:
    case irc::LineError::kCrOrLf:
      fail(r, "*", "INVALID_MESSAGE", {}, std::string("Message rejected: ") + irc::to_string(e));
      return;
    case irc::LineError::kNoCommand:
    case irc::LineError::kMalformedTags:
      fail(r, "*", "INVALID_MESSAGE", {}, std::string("Message rejected: ") + irc::to_string(e));
      return;
  }
}

irc::Message Server::make_numeric(Session& s, const char* code,
                                  std::vector<std::string> params) const {
  irc::Message m;
  m.source = config_.server_name;
  m.command = code;
  m.params.reserve(params.size() + 1);
  m.params.push_back(s.nick_or_star());
  for (auto& p : params) m.params.push_back(std::move(p));
  return m;
}

void Server::numeric(const ResponsePtr& r, const char* code, std::vector<std::string> params) {
  r->add(make_numeric(r->session(), code, std::move(params)));
}

void Server::fail(const ResponsePtr& r, const std::string& command, const std::string& code,
                  std::vector<std::string> context, const std::string& description) {
  irc::Message m;
  m.source = config_.server_name;
  m.command = "FAIL";
  m.params.push_back(command);
  m.params.push_back(code);
  for (auto& c : context) m.params.push_back(std::move(c));
  m.params.push_back(description);
  r->add(std::move(m));
}

// ---------------------------------------------------------------------------
// Names

Session* Server::find_nick(std::string_view nick) {
  auto it = nicks_.find(irc::fold(nick));
  return it == nicks_.end() ? nullptr : it->second;
}

Channel* Server::find_channel(std::string_view name) {
  auto it = channels_.find(irc::fold(name));
  return it == channels_.end() ? nullptr : it->second.get();
}

Channel& Server::create_channel(const std::string& name) {
  auto c = std::make_unique<Channel>(name, time::now_us() / 1000000);
  auto& ref = *c;
  channels_[c->key()] = std::move(c);
  return ref;
}

void Server::remove_channel_if_empty(Channel& c) {
  if (c.population() != 0) return;
  for (auto& [id, w] : sessions_) {
    if (auto s = w.lock()) s->held().erase(&c);
  }
  channels_.erase(c.key());
}

bool Server::rename(Session& s, const std::string& nick) {
  auto key = irc::fold(nick);
  auto it = nicks_.find(key);
  if (it != nicks_.end() && it->second != &s) return false;
  if (s.registered() && s.nick() != nick) remember_identity(s);
  if (!s.nick().empty()) nicks_.erase(irc::fold(s.nick()));
  nicks_[key] = &s;
  s.set_nick(nick);
  return true;
}

void Server::unregister_nick(Session& s) {
  if (s.nick().empty()) return;
  auto it = nicks_.find(irc::fold(s.nick()));
  if (it != nicks_.end() && it->second == &s) nicks_.erase(it);
}

void Server::release_held(Session& s, Channel& c) {
  auto held = s.held().find(&c);
  if (held == s.held().end()) return;
  std::vector<std::string> live = std::move(held->second.lines);
  s.held().erase(held);
  if (s.closing()) return;
  for (const auto& line : live) s.send_line(line);
}

void Server::part_channel(Session& s, Channel& c) {
  release_held(s, c);
  c.members.erase(&s);
  s.left(&c);
  remove_channel_if_empty(c);
}

void Server::remember_identity(const Session& s) {
  whowas_.record({s.nick(), s.user(), s.host(), s.realname(), pool_.self(), s.account(),
                  std::chrono::system_clock::now()});
}

void Server::on_session_closed(Session& s, const std::string& reason) {
  if (s.registered()) remember_identity(s);
  if (s.registered()) {
    irc::Message quit{{}, s.prefix(), "QUIT", {reason}};
    delivery_.to_peers(s, quit, /*include_self=*/false);
  }
  bridge_.quit(s, reason);
  auto chans = s.channels();
  for (Channel* c : chans) {
    if (s.registered()) record_room_event(s, "PART", c->name(), reason, nullptr);
    part_channel(s, *c);
  }
  unregister_nick(s);
  if (!s.account().empty()) {
    auto it = by_account_.find(irc::fold(s.account()));
    if (it != by_account_.end()) {
      std::erase(it->second, &s);
      if (it->second.empty()) by_account_.erase(it);
    }
  }
  // Its messages still in flight are committed or not; either way it cannot be told.
  delivery_.forget(s);
  sessions_.erase(s.id());
  connections_.set(static_cast<int64_t>(sessions_.size()));
}

const Membership* UserRef::member_of(Channel& c) const {
  if (local != nullptr) return c.member(local);
  auto it = c.remote.find(remote);
  return it == c.remote.end() ? nullptr : &it->second;
}

UserRef Server::find_user(std::string_view nick) {
  UserRef u;
  if (Session* s = find_nick(nick); s != nullptr && s->registered()) {
    u.local = s;
  } else {
    u.remote = presence_.find_nick(nick);
  }
  return u;
}

Session* Server::session_by_id(uint64_t id) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return nullptr;
  auto sp = it->second.lock();
  return sp && !sp->closing() ? sp.get() : nullptr;
}

// ---------------------------------------------------------------------------
// Identities and helpers

std::string Server::dm_identity(const Session& s) {
  return s.account().empty() ? "~" + irc::fold(s.nick()) : irc::fold(s.account());
}

std::string Server::dm_identity(const store::HistoryRow& row) {
  if (row.account) return irc::fold(*row.account);
  return "~" + irc::fold(std::string_view(row.sender).substr(0, row.sender.find('!')));
}

std::string Server::dm_identity(const UserRef& u) {
  if (u.local != nullptr) return dm_identity(*u.local);
  return u.account().empty() ? "~" + irc::fold(u.nick()) : irc::fold(u.account());
}

std::string Server::next_batch_ref() {
  return "b" + std::to_string(next_batch_++);
}

std::vector<Session*> Server::sessions_of_identity(const std::string& identity) {
  std::vector<Session*> out;
  if (identity.starts_with('~')) {
    Session* s = find_nick(std::string_view(identity).substr(1));
    if (s != nullptr && s->account().empty()) out.push_back(s);
    return out;
  }
  if (auto it = by_account_.find(identity); it != by_account_.end()) out = it->second;
  return out;
}

void Server::send_names(Session& s, Channel& c, const ResponsePtr& r, bool end) {
  const bool multi = s.has_cap(kCapMultiPrefix);
  const bool uhnames = s.has_cap(kCapUserhostInNames);
  const bool member = c.member(&s) != nullptr;
  const std::string symbol = c.secret ? "@" : "=";
  std::string line;
  auto flush_line = [&] {
    if (line.empty()) return;
    numeric(r, irc::kRplNamReply, {symbol, c.name(), line});
    line.clear();
  };
  auto add = [&](const Membership& mb, const std::string& nick, const std::string& prefix) {
    std::string entry = Channel::prefix_of(mb, multi) + (uhnames ? prefix : nick);
    if (line.size() + entry.size() + 1 > 400) flush_line();
    if (!line.empty()) line.push_back(' ');
    line += entry;
  };
  for (auto& [m, mb] : c.members) {
    if (!member && m->invisible()) continue;
    add(mb, m->nick(), m->prefix());
  }
  for (auto& [u, mb] : c.remote) add(mb, u->nick, u->prefix());
  flush_line();
  if (end) numeric(r, irc::kRplEndOfNames, {c.name(), "End of /NAMES list."});
}

void Server::login(Session& s, const std::string& account, const ResponsePtr& r) {
  s.set_account(account);
  by_account_[irc::fold(account)].push_back(&s);
  std::string mask = (s.nick().empty() ? "*" : s.nick()) + "!" +
                     (s.user().empty() ? "*" : s.user()) + "@" + s.host();
  numeric(r, irc::kRplLoggedIn, {mask, account, "You are now logged in as " + account});
  if (s.registered()) {
    irc::Message m{{}, s.prefix(), "ACCOUNT", {account}};
    delivery_.to_peers(s, m, false, kCapAccountNotify);
  }
}

}  // namespace pchat::server
