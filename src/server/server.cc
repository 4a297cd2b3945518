#include "server/server.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <random>
#include <utility>

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

namespace {

// Variant index for serialize-once fan-out: which tags a recipient takes.
constexpr int kVarTags = 1, kVarTime = 2, kVarAccount = 4;

int variant_of(const Session& s) {
  if (s.has_cap(kCapMessageTags)) return kVarTags;
  return (s.has_cap(kCapServerTime) ? kVarTime : 0) | (s.has_cap(kCapAccountTag) ? kVarAccount : 0);
}

}  // namespace

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
      lines_in_(metrics.counter("pchat_lines_received_total", "IRC lines received")),
      deliveries_(metrics.counter("pchat_deliveries_total",
                                  "Chat messages delivered to recipients (echo included)")),
      delivery_seconds_(metrics.histogram(
          "pchat_message_delivery_seconds",
          "From receiving a message to handing it to its recipients' output (this "
          "server's own senders): queue, commit, message stream, fan-out",
          latency_buckets_seconds())),
      socket_writes_(metrics.counter("pchat_socket_writes_total",
                                     "Writes to client sockets (each takes every line queued)")),
      bounced_(metrics.counter("pchat_connections_bounced_total",
                               "New clients sent to an active server (RPL_BOUNCE)")),
      active_gauge_(metrics.gauge("pchat_server_active", "1 if this server accepts new clients")),
      epoch_gauge_(metrics.gauge("pchat_pool_epoch", "Pool-state epoch this server follows")) {
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
  register_chathistory_commands(commands_);
  register_search_commands(commands_);
  register_room_commands(commands_);
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
  if (!active_ || draining_) {
    bounce(std::move(s), draining_ ? "This server is being drained" : "This server is not active");
    return;
  }
  sessions_[s->id_] = s;
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
// Pool membership

void Server::bounce(std::shared_ptr<Session> s, const std::string& why) {
  bounced_.inc();
  std::string where;
  if (pool_) {
    for (const auto& name : active_list_) {
      for (const auto& [server, ep] : pool_->servers) {
        if (!where.empty() || !store::same_server_name(server, name) ||
            store::same_server_name(server, pool_->self)) {
          continue;
        }
        auto r = std::make_shared<Response>(s, "");
        numeric(r, irc::kRplBounce,
                {ep.host, std::to_string(ep.port), why + "; please use " + server});
        where = server;
      }
    }
  }
  s->close(where.empty() ? why + " and no active server is known" : why + "; use " + where);
}

void Server::drain(bool on) {
  if (on == draining_) return;
  draining_ = on;
  spdlog::info("pool: {}", on ? "draining: new clients are bounced, connected ones sent to an "
                                "active server"
                              : "drain ended: accepting clients again");
  if (!on) return;
  std::vector<std::shared_ptr<Session>> all;
  for (auto& [id, w] : sessions_) {
    if (auto sp = w.lock()) all.push_back(sp);
  }
  for (auto& sp : all) bounce(sp, "This server is being drained");
}

void Server::refresh_pool_state() {
  if (readers_ == nullptr) return;
  post([this] { read_pool_state(); });
}

void Server::read_pool_state() {
  // One read at a time: with several reader threads, an older read could otherwise
  // be applied after a newer one. A request meanwhile reads again afterwards.
  if (pool_read_in_flight_) {
    pool_read_again_ = true;
    return;
  }
  pool_read_in_flight_ = true;
  auto done = [this](std::optional<store::PoolState> st) {
    pool_read_in_flight_ = false;
    if (st)
      apply_pool_state(st->epoch, std::string(store::to_string(st->state)),
                       std::move(st->active_servers));
    if (std::exchange(pool_read_again_, false)) read_pool_state();
  };
  bool queued = readers_->submit([this, done](Result<pg::Connection*> conn) {
    std::optional<store::PoolState> st;
    if (conn) {  // else the stream calls again when it reconnects
      auto read = store::read_pool_state(**conn);
      if (read) {
        st = std::move(*read);
      } else {
        spdlog::warn("pool: cannot read pool_state: {}", read.error().message);
      }
    }
    post([done, st = std::move(st)]() mutable { done(std::move(st)); });
  });
  if (!queued) pool_read_in_flight_ = false;
}

void Server::apply_pool_state(int64_t epoch, std::string status, std::vector<std::string> active) {
  bool now_active = true;
  if (pool_) {
    now_active = store::contains_server(active, pool_->self);
  }
  if (now_active != active_ || epoch != epoch_ || status != pool_status_) {
    spdlog::info("pool: epoch {} state {}; this server is {}", epoch, status,
                 now_active ? "active" : "idle (existing clients stay; new ones are bounced)");
  }
  active_ = now_active;
  epoch_ = epoch;
  pool_status_ = std::move(status);
  active_list_ = std::move(active);
  active_gauge_.set(active_ ? 1 : 0);
  epoch_gauge_.set(epoch_);
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
    if (!s.registered_) {
      numeric(r, irc::kErrNotRegistered, {"You have not registered"});
    } else {
      numeric(r, irc::kErrUnknownCommand, {m.command, "Unknown command"});
    }
    return;
  }
  const CommandSpec& spec = it->second;
  if (spec.needs_registration && !s.registered_) {
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
  auto c = std::make_unique<Channel>(name, now_us() / 1000000);
  auto& ref = *c;
  channels_[c->key()] = std::move(c);
  return ref;
}

void Server::remove_channel_if_empty(Channel& c) {
  if (c.population() != 0) return;
  for (auto& [id, w] : sessions_) {
    if (auto s = w.lock()) s->held_.erase(&c);
  }
  channels_.erase(c.key());
}

bool Server::rename(Session& s, const std::string& nick) {
  auto key = irc::fold(nick);
  auto it = nicks_.find(key);
  if (it != nicks_.end() && it->second != &s) return false;
  if (s.registered_ && s.nick_ != nick) remember_identity(s);
  if (!s.nick_.empty()) nicks_.erase(irc::fold(s.nick_));
  nicks_[key] = &s;
  s.nick_ = nick;
  return true;
}

void Server::unregister_nick(Session& s) {
  if (s.nick_.empty()) return;
  auto it = nicks_.find(irc::fold(s.nick_));
  if (it != nicks_.end() && it->second == &s) nicks_.erase(it);
}

void Server::release_held(Session& s, Channel& c) {
  auto held = s.held_.find(&c);
  if (held == s.held_.end()) return;
  std::vector<std::string> live = std::move(held->second.lines);
  s.held_.erase(held);
  if (s.closing()) return;
  for (const auto& line : live) s.send_line(line);
}

void Server::part_channel(Session& s, Channel& c) {
  release_held(s, c);
  c.members.erase(&s);
  std::erase(s.channels_, &c);
  remove_channel_if_empty(c);
}

void Server::remember_identity(const Session& s) {
  whowas_.record({s.nick_, s.user_, s.host_, s.realname_, pool_self(), s.account_,
                  std::chrono::system_clock::now()});
}

void Server::on_session_closed(Session& s, const std::string& reason) {
  if (s.registered_) remember_identity(s);
  if (s.registered_) {
    irc::Message quit{{}, s.prefix(), "QUIT", {reason}};
    broadcast_to_peers(s, quit, /*include_self=*/false);
  }
  if (link_ != nullptr && s.announced_) {
    link_->quit(s.id_, presence_event("QUIT", s, {reason}));
    s.announced_ = false;
  }
  auto chans = s.channels_;
  for (Channel* c : chans) {
    if (s.registered_) record_room_event(s, "PART", c->name(), reason, nullptr);
    part_channel(s, *c);
  }
  unregister_nick(s);
  if (!s.account_.empty()) {
    auto it = by_account_.find(irc::fold(s.account_));
    if (it != by_account_.end()) {
      std::erase(it->second, &s);
      if (it->second.empty()) by_account_.erase(it);
    }
  }
  // Its messages still in flight are committed or not; either way it cannot be told.
  std::erase_if(pending_, [&s](const auto& kv) { return &kv.second.response->session() == &s; });
  sessions_.erase(s.id_);
  connections_.set(static_cast<int64_t>(sessions_.size()));
}

// ---------------------------------------------------------------------------
// Fan-out

void Server::broadcast(Channel& c, const irc::Message& m, Session* except, uint32_t need_cap) {
  std::array<std::string, 8> variants;
  for (auto& [member, mb] : c.members) {
    if (member == except || member->closing()) continue;
    if (need_cap != 0 && (member->caps_ & need_cap) == 0) continue;
    int v = variant_of(*member);
    if (variants[v].empty()) {
      if (v == kVarTags) {
        irc::append_line(variants[v], m);
      } else {
        irc::Message copy = m;
        std::erase_if(copy.tags, [v](const irc::Tag& t) {
          return !((t.key == "time" && (v & kVarTime)) ||
                   (t.key == "account" && (v & kVarAccount)));
        });
        irc::append_line(variants[v], copy);
      }
    }
    auto held = member->held_.find(&c);
    if (held != member->held_.end()) {
      held->second.lines.push_back(variants[v]);
    } else {
      member->send_line(variants[v]);
    }
  }
}

void Server::broadcast_to_peers(Session& s, const irc::Message& m, bool include_self,
                                uint32_t need_cap, uint32_t exclude_cap) {
  std::vector<Session*> seen;
  if (include_self && (need_cap == 0 || s.has_cap(static_cast<Cap>(need_cap)))) s.send(m);
  seen.push_back(&s);
  for (Channel* c : s.channels_) {
    if (!rooms::sends_participant_updates(*this, *c)) continue;  // ParticipantUpdateLimit
    for (auto& [member, mb] : c->members) {
      if (std::find(seen.begin(), seen.end(), member) != seen.end()) continue;
      seen.push_back(member);
      if (need_cap != 0 && !member->has_cap(static_cast<Cap>(need_cap))) continue;
      if (exclude_cap != 0 && member->has_cap(static_cast<Cap>(exclude_cap))) continue;
      member->send(m);
    }
  }
}

// ---------------------------------------------------------------------------
// Chat messages

std::string Server::dm_identity(const Session& s) {
  return s.account_.empty() ? "~" + irc::fold(s.nick_) : irc::fold(s.account_);
}

std::string Server::dm_identity(const store::HistoryRow& row) {
  if (row.account) return irc::fold(*row.account);
  return "~" + irc::fold(std::string_view(row.sender).substr(0, row.sender.find('!')));
}

std::string Server::next_batch_ref() {
  return "b" + std::to_string(next_batch_++);
}

int64_t Server::now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Server::format_time(int64_t unix_us) {
  std::chrono::sys_seconds secs{std::chrono::seconds(unix_us / 1000000)};
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z", secs, (unix_us / 1000) % 1000);
}

void Server::submit_message(Session& s, const ResponsePtr& r, std::string command,
                            std::string target_display, std::string body,
                            std::vector<irc::Tag> client_tags) {
  store::PendingWrite w;
  w.row.msgid = new_msgid();
  w.row.sender = s.prefix();
  if (!s.account_.empty()) w.row.account = s.account_;
  w.row.command = command;
  w.row.body = std::move(body);
  w.row.ts_us = now_us();
  for (const auto& t : client_tags) {
    if (!w.row.tags.empty()) w.row.tags.push_back(';');
    w.row.tags += t.key;
    if (!t.value.empty()) {
      w.row.tags.push_back('=');
      irc::append_escaped_tag_value(w.row.tags, t.value);
    }
  }
  if (!target_display.empty() && target_display[0] == '#') {
    w.row.target = irc::fold(target_display);
    if (command != "TAGMSG") w.event = chat_event(s, target_display);
  } else {
    UserRef t = find_user(target_display);
    if (!t) return;  // REQUIRES: caller checked
    w.row.target = store::dm_key(dm_identity(s), dm_identity(t));
    target_display = t.nick();
  }
  const std::string msgid = w.row.msgid;
  // Only a failure is handled at commit time; success shows up in the message
  // stream (on_stream_rows), which is where everything is delivered.
  w.done = [this](const Status& st, const store::PendingWrite& pw) {
    if (st) return;
    auto it = pending_.find(pw.row.msgid);
    if (it == pending_.end()) return;
    fail(it->second.response, pw.row.command, "MESSAGE_NOT_STORED", {it->second.echo_target},
         "Message not delivered: it could not be stored (" + st.error().message + ")");
    it->second.response->session().message_settled();
    pending_.erase(it);
  };
  pending_.emplace(msgid, PendingMessage{r, target_display, std::chrono::steady_clock::now()});
  if (!writer_->submit(std::move(w))) {
    pending_.erase(msgid);
    fail(r, command, "MESSAGE_NOT_STORED", {target_display},
         "Message not delivered: the message store is overloaded or stopping");
    return;
  }
  s.message_submitted();
}

void Server::on_committed(std::vector<store::PendingWrite>&& batch, const Status& st) {
  for (auto& w : batch) w.done(st, w);
}

bool Server::defer_flush(Session& s) {
  if (output_batch_depth_ == 0) return false;
  if (!s.flush_deferred_) {
    s.flush_deferred_ = true;
    flush_after_batch_.push_back(s.shared_from_this());
  }
  return true;
}

Server::OutputBatch::~OutputBatch() {
  if (--srv_.output_batch_depth_ > 0) return;
  // Sessions hold themselves alive here: one may have closed during the batch.
  for (auto& s : srv_.flush_after_batch_) {
    s->flush_deferred_ = false;
    s->flush();
  }
  srv_.flush_after_batch_.clear();
}

void Server::on_stream_rows(std::vector<store::HistoryRow>&& rows) {
  OutputBatch batch(*this);
  for (const auto& row : rows) {
    deliver(row);
    delivered_upto_ = row.id;
  }
}

void Server::deliver(const store::HistoryRow& row) {
  // The sending session, when it is ours and still waiting for its acknowledgement.
  std::optional<PendingMessage> mine;
  if (auto it = pending_.find(row.msgid); it != pending_.end()) {
    mine = std::move(it->second);
    pending_.erase(it);
  }
  Session* sender = mine ? &mine->response->session() : nullptr;
  const uint32_t need = row.command == "TAGMSG" ? static_cast<uint32_t>(kCapMessageTags) : 0u;
  if (!row.target.empty() && row.target[0] == '#') {
    Channel* c = find_channel(row.target);
    if (c != nullptr) {
      irc::Message m = history_message(row, c->name());
      deliveries_.inc(c->members.size() - (sender && c->members.count(sender) ? 1 : 0));
      broadcast(*c, m, sender, need);
    }
  } else {
    // A direct message: to the sessions of the other participant.
    // A message to oneself reaches the sender as any recipient (unlabeled); its echo
    // is the labeled reply (labeled-response: one labeled line, not a batch).
    const std::string from = dm_identity(row);
    if (auto to = store::dm_peer(row.target, from); to) {
      for (Session* t : sessions_of_identity(*to)) {
        if (t->closing() || (need != 0 && !t->has_cap(kCapMessageTags))) continue;
        t->send(history_message(row, t->nick_));
        deliveries_.inc();
      }
    }
  }
  if (mine && sender->has_cap(kCapEchoMessage) && !sender->closing()) {
    deliveries_.inc();
    mine->response->add(history_message(row, mine->echo_target));
  }
  if (mine) {  // received here until handed to every recipient's output
    delivery_seconds_.observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - mine->received).count());
    sender->message_settled();  // its next commands may run (posted: after this)
  }
  // Destroying `mine` releases the Response: the labeled ACK, if any, goes now.
}

std::vector<Session*> Server::sessions_of_identity(const std::string& identity) {
  std::vector<Session*> out;
  if (identity.starts_with('~')) {
    Session* s = find_nick(std::string_view(identity).substr(1));
    if (s != nullptr && s->account_.empty()) out.push_back(s);
    return out;
  }
  if (auto it = by_account_.find(identity); it != by_account_.end()) out = it->second;
  return out;
}

// ---------------------------------------------------------------------------
// Registration and welcome

void Server::try_complete_registration(Session& s) {
  if (s.registered_ || s.claiming_ || s.nick_.empty() || !s.got_user_ || s.cap_negotiating_ ||
      s.sasl_busy_) {
    return;
  }
  claim_and_welcome(s);
}

void Server::finish_registration(Session& s) {
  s.registered_ = true;
  spdlog::info("client {} registered as {} from {}{}", s.id_, s.nick_, s.host_,
               s.account_.empty() ? "" : " (account " + s.account_ + ")");
  send_welcome(s);
}

void Server::send_welcome(Session& s) {
  auto r = std::make_shared<Response>(s.shared_from_this(), "");
  numeric(r, irc::kRplWelcome,
          {"Welcome to the " + config_.network_name + " IRC Network " + s.prefix()});
  numeric(r, irc::kRplYourHost,
          {"Your host is " + config_.server_name + ", running version pchat-" PCHAT_VERSION});
  numeric(r, irc::kRplCreated,
          {"This server was created " +
           format_time(
               std::chrono::duration_cast<std::chrono::microseconds>(started_at_.time_since_epoch())
                   .count())});
  numeric(r, irc::kRplMyInfo, {config_.server_name, "pchat-" PCHAT_VERSION, "i", "imnst", "klov"});
  send_isupport(s, r);
  send_lusers(r);
  send_motd(s, r);
}

void Server::send_isupport(Session&, const ResponsePtr& r) {
  std::vector<std::string> tokens = {
      "AWAYLEN=" + std::to_string(kAwayLen),
      "CASEMAPPING=ascii",
      "CHANLIMIT=#:" + std::to_string(config_.max_channels_per_client),
      "CHANMODES=,k,l,imnst",
      "CHANNELLEN=64",
      "CHANTYPES=#",
      "CHATHISTORY=100",
      "ELIST=U",
      "HOSTLEN=64",
      "KICKLEN=" + std::to_string(kKickLen),
      "MODES=4",
      "MSGREFTYPES=msgid,timestamp",
      "NETWORK=" + config_.network_name,
      "NICKLEN=30",
      "PREFIX=(ov)@+",
      "TARGMAX=PRIVMSG:4,NOTICE:4,TAGMSG:4,JOIN:,PART:,NAMES:1,WHOIS:1,KICK:4",
      "TOPICLEN=" + std::to_string(kTopicLen),
      "USERLEN=18",
      "UTF8ONLY",
      "WHOX",
      "ACCOUNTLEN=32",
  };
  // The file host (server/file_host.h), as the soju.im/FILEHOST extension names it.
  if (!files_url_.empty()) tokens.push_back("soju.im/FILEHOST=" + files_url_);
  for (size_t i = 0; i < tokens.size(); i += 12) {
    std::vector<std::string> p(tokens.begin() + static_cast<long>(i),
                               tokens.begin() + static_cast<long>(std::min(tokens.size(), i + 12)));
    p.push_back("are supported by this server");
    numeric(r, irc::kRplISupport, std::move(p));
  }
}

void Server::send_lusers(const ResponsePtr& r) {
  size_t invisible = 0, unknown = 0, users = 0;
  for (auto& [id, w] : sessions_) {
    auto s = w.lock();
    if (!s) continue;
    if (!s->registered_) {
      ++unknown;
      continue;
    }
    ++users;
    if (s->invisible_) ++invisible;
  }
  const size_t remote = presence_.count();
  max_local_users_ = std::max(max_local_users_, users);
  max_global_users_ = std::max(max_global_users_, users + remote);
  numeric(
      r, irc::kRplLUserClient,
      {fmt::format("There are {} users and {} invisible on {} servers", users + remote - invisible,
                   invisible, pool_ ? pool_->servers.size() : size_t{1})});
  numeric(r, irc::kRplLUserOp, {"0", "operator(s) online"});
  if (unknown > 0)
    numeric(r, irc::kRplLUserUnknown, {std::to_string(unknown), "unknown connection(s)"});
  numeric(r, irc::kRplLUserChannels, {std::to_string(channels_.size()), "channels formed"});
  numeric(r, irc::kRplLUserMe, {fmt::format("I have {} clients and 0 servers", users)});
  numeric(r, irc::kRplLocalUsers,
          {std::to_string(users), std::to_string(max_local_users_),
           fmt::format("Current local users {}, max {}", users, max_local_users_)});
  numeric(r, irc::kRplGlobalUsers,
          {std::to_string(users + remote), std::to_string(max_global_users_),
           fmt::format("Current global users {}, max {}", users + remote, max_global_users_)});
}

void Server::send_motd(Session&, const ResponsePtr& r) {
  if (config_.motd.empty()) {
    numeric(r, irc::kErrNoMotd, {"MOTD File is missing"});
    return;
  }
  numeric(r, irc::kRplMotdStart, {"- " + config_.server_name + " Message of the day - "});
  std::string_view motd = config_.motd;
  while (!motd.empty()) {
    auto nl = motd.find('\n');
    numeric(r, irc::kRplMotd, {"- " + std::string(motd.substr(0, nl))});
    motd = nl == std::string_view::npos ? std::string_view{} : motd.substr(nl + 1);
  }
  numeric(r, irc::kRplEndOfMotd, {"End of /MOTD command."});
}

void Server::send_names(Session& s, Channel& c, const ResponsePtr& r) {
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
    if (!member && m->invisible_) continue;
    add(mb, m->nick_, m->prefix());
  }
  for (auto& [u, mb] : c.remote) add(mb, u->nick, u->prefix());
  flush_line();
  numeric(r, irc::kRplEndOfNames, {c.name(), "End of /NAMES list."});
}

void Server::login(Session& s, const std::string& account, const ResponsePtr& r) {
  s.account_ = account;
  by_account_[irc::fold(account)].push_back(&s);
  std::string mask =
      (s.nick_.empty() ? "*" : s.nick_) + "!" + (s.user_.empty() ? "*" : s.user_) + "@" + s.host_;
  numeric(r, irc::kRplLoggedIn, {mask, account, "You are now logged in as " + account});
  if (s.registered_) {
    irc::Message m{{}, s.prefix(), "ACCOUNT", {account}};
    broadcast_to_peers(s, m, false, kCapAccountNotify);
  }
}

// ---------------------------------------------------------------------------
// JOIN replay for clients without chathistory

void Server::replay_history(Session& s, Channel& c, ResponsePtr r) {
  if (config_.default_chat_history <= 0 || readers_ == nullptr) return;
  const uint64_t replay = ++replays_;
  s.held_[&c] = Session::Held{replay, {}};  // start holding live lines for this channel
  const std::string target = c.key();
  const std::string display = c.name();
  // Rows up to delivered_upto_ went out before this member joined: replay them.
  // Later ones reach it live through the stream (held until the replay is sent).
  const int64_t upto = delivered_upto_;
  const int limit =
      rooms_ != nullptr ? rooms_->default_chat_history() : config_.default_chat_history;
  std::weak_ptr<Session> weak = s.weak_from_this();
  Channel* chan = &c;
  // `r` is moved, never copied, off the loop: its last reference must end on the loop.
  bool ok = readers_->submit([this, weak, chan, target, display, upto, limit, replay,
                              r = std::move(r)](Result<pg::Connection*> conn) mutable {
    Result<std::vector<store::HistoryRow>> rows =
        conn ? store::latest_rows(**conn, target, upto, limit)
             : Result<std::vector<store::HistoryRow>>(conn.error());
    post([this, weak, chan, display, replay, rows = std::move(rows), r = std::move(r)]() mutable {
      auto s = weak.lock();
      if (!s || s->closing()) return;
      auto held = s->held_.find(chan);
      if (held == s->held_.end() || held->second.replay != replay) return;  // parted
      if (!rows || rows->empty() || !compliance_capture()) {
        finish_replay(weak, chan, replay, display, std::move(rows), std::move(r));
        return;
      }
      // Replayed room history is a BACKCHAT: it goes out once the event is recorded.
      std::string what = fmt::format("JOIN replay: {} messages, {} .. {}", rows->size(),
                                     rows->front().msgid, rows->back().msgid);
      auto shared = std::make_shared<Result<std::vector<store::HistoryRow>>>(std::move(rows));
      record_room_event(*s, "BACKCHAT", display, std::move(what),
                        [this, weak, chan, replay, display, shared, r](const Status& st) {
                          if (!st) *shared = st.error();
                          finish_replay(weak, chan, replay, display, std::move(*shared), r);
                        });
    });
  });
  if (!ok) s.held_.erase(&c);
}

void Server::finish_replay(const std::weak_ptr<Session>& weak, Channel* chan, uint64_t replay,
                           const std::string& display, Result<std::vector<store::HistoryRow>> rows,
                           ResponsePtr r) {
  auto s = weak.lock();
  if (!s || s->closing()) return;
  auto held = s->held_.find(chan);
  if (held == s->held_.end() || held->second.replay != replay) return;  // parted meanwhile
  if (rows) {
    for (const auto& row : *rows) {
      if (row.command == "TAGMSG" && !s->has_cap(kCapMessageTags)) continue;
      r->add(history_message(row, display));
    }
  } else {
    irc::Message note{{},
                      config_.server_name,
                      "NOTE",
                      {"JOIN", "HISTORY_UNAVAILABLE", display,
                       "Recent history could not be loaded: " + rows.error().message}};
    r->add(std::move(note));
  }
  // The JOIN's replies end here (a labeled JOIN's batch goes now, when `r` is the
  // last reference); the live lines held meanwhile come after them.
  r.reset();
  release_held(*s, *chan);
}

}  // namespace pchat::server
