#include "server/delivery.h"

#include <optional>

#include "core/time.h"
#include "irc/casemap.h"
#include "server/history_query.h"
#include "server/msgid.h"
#include "server/room_policy.h"
#include "server/server.h"
#include "server/tag_variants.h"
#include "store/history.h"

namespace pchat::server {

namespace {

int variant_of(const Session& s) {
  return tag_variant(s.has_cap(kCapMessageTags), s.has_cap(kCapServerTime),
                     s.has_cap(kCapAccountTag));
}

}  // namespace

Delivery::Delivery(Server& srv, MetricsRegistry& metrics)
    : srv_(srv),
      deliveries_(metrics.counter("pchat_deliveries_total",
                                  "Chat messages delivered to recipients (echo included)")),
      delivery_seconds_(metrics.histogram(
          "pchat_message_delivery_seconds",
          "From receiving a message to handing it to its recipients' output (this "
          "server's own senders): queue, commit, message stream, fan-out",
          latency_buckets_seconds())),
      socket_writes_(metrics.counter("pchat_socket_writes_total",
                                     "Writes to client sockets (each takes every line queued)")) {}

// ---------------------------------------------------------------------------
// Chat messages

void Delivery::submit(Session& s, const ResponsePtr& r, std::string command,
                      std::string target_display, std::string body,
                      std::vector<irc::Tag> client_tags) {
  store::PendingWrite w;
  w.row.msgid = new_msgid();
  w.row.sender = s.prefix();
  if (!s.account().empty()) w.row.account = s.account();
  w.row.command = command;
  w.row.body = std::move(body);
  w.row.ts_us = time::now_us();
  w.row.tags = stored_tags(client_tags);
  if (!target_display.empty() && target_display[0] == '#') {
    w.row.target = irc::fold(target_display);
    if (command != "TAGMSG") w.event = srv_.chat_event(s, target_display);
  } else {
    UserRef t = srv_.find_user(target_display);
    if (!t) return;  // REQUIRES: caller checked
    w.row.target = store::dm_key(Server::dm_identity(s), Server::dm_identity(t));
    target_display = t.nick();
  }
  const std::string msgid = w.row.msgid;
  // Only a failure is handled at commit time; success shows up in the message
  // stream (on_stream_rows), which is where everything is delivered.
  w.done = [this](const Status& st, const store::PendingWrite& pw) {
    if (st) return;
    auto it = pending_.find(pw.row.msgid);
    if (it == pending_.end()) return;
    srv_.fail(it->second.response, pw.row.command, "MESSAGE_NOT_STORED", {it->second.echo_target},
              "Message not delivered: it could not be stored (" + st.error().message + ")");
    it->second.response->session().message_settled();
    pending_.erase(it);
  };
  pending_.emplace(msgid, PendingMessage{r, target_display, std::chrono::steady_clock::now()});
  if (!srv_.writer()->submit(std::move(w))) {
    pending_.erase(msgid);
    srv_.fail(r, command, "MESSAGE_NOT_STORED", {target_display},
              "Message not delivered: the message store is overloaded or stopping");
    return;
  }
  s.message_submitted();
}

void Delivery::forget(const Session& s) {
  std::erase_if(pending_, [&s](const auto& kv) { return &kv.second.response->session() == &s; });
}

void Delivery::on_committed(std::vector<store::PendingWrite>&& batch, const Status& st) {
  for (auto& w : batch) w.done(st, w);
}

void Delivery::on_stream_rows(std::vector<store::HistoryRow>&& rows) {
  OutputBatch batch(*this);
  for (const auto& row : rows) {
    deliver(row);
    delivered_upto_ = row.id;
  }
}

void Delivery::deliver(const store::HistoryRow& row) {
  // The sending session, when it is ours and still waiting for its acknowledgement.
  std::optional<PendingMessage> mine;
  if (auto it = pending_.find(row.msgid); it != pending_.end()) {
    mine = std::move(it->second);
    pending_.erase(it);
  }
  Session* sender = mine ? &mine->response->session() : nullptr;
  const uint32_t need = row.command == "TAGMSG" ? static_cast<uint32_t>(kCapMessageTags) : 0u;
  if (!row.target.empty() && row.target[0] == '#') {
    Channel* c = srv_.find_channel(row.target);
    if (c != nullptr) {
      irc::Message m = history_message(row, c->name());
      deliveries_.inc(c->members.size() - (sender && c->members.count(sender) ? 1 : 0));
      broadcast(*c, m, sender, need);
    }
  } else {
    // A direct message: to the sessions of the other participant.
    // A message to oneself reaches the sender as any recipient (unlabeled); its echo
    // is the labeled reply (labeled-response: one labeled line, not a batch).
    const std::string from = Server::dm_identity(row);
    if (auto to = store::dm_peer(row.target, from); to) {
      for (Session* t : srv_.sessions_of_identity(*to)) {
        if (t->closing() || (need != 0 && !t->has_cap(kCapMessageTags))) continue;
        t->send(history_message(row, t->nick()));
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

// ---------------------------------------------------------------------------
// Fan-out

void Delivery::broadcast(Channel& c, const irc::Message& m, Session* except, uint32_t need_cap) {
  VariantLines variants(m);
  for (auto& [member, mb] : c.members) {
    if (member == except || member->closing()) continue;
    if (need_cap != 0 && (member->caps() & need_cap) == 0) continue;
    const std::string& line = variants.line(variant_of(*member));
    auto held = member->held().find(&c);
    if (held != member->held().end()) {
      held->second.lines.push_back(line);
    } else {
      member->send_line(line);
    }
  }
}

void Delivery::to_peers(Session& s, const irc::Message& m, bool include_self, uint32_t need_cap,
                        uint32_t exclude_cap) {
  std::vector<Session*> seen;
  if (include_self && (need_cap == 0 || s.has_cap(static_cast<Cap>(need_cap)))) s.send(m);
  seen.push_back(&s);
  for (Channel* c : s.channels()) {
    if (!rooms::sends_participant_updates(srv_, *c)) continue;  // ParticipantUpdateLimit
    for (auto& [member, mb] : c->members) {
      if (std::find(seen.begin(), seen.end(), member) != seen.end()) continue;
      seen.push_back(member);
      if (need_cap != 0 && !member->has_cap(static_cast<Cap>(need_cap))) continue;
      if (exclude_cap != 0 && member->has_cap(static_cast<Cap>(exclude_cap))) continue;
      member->send_after_held(s.channels(), m);
    }
  }
}

// ---------------------------------------------------------------------------
// Output batching

bool Delivery::defer_flush(Session& s) {
  if (batch_depth_ == 0) return false;
  if (!s.flush_deferred_) {
    s.flush_deferred_ = true;
    flush_after_batch_.push_back(s.shared_from_this());
  }
  return true;
}

Delivery::OutputBatch::~OutputBatch() {
  if (--d_.batch_depth_ > 0) return;
  // Sessions hold themselves alive here: one may have closed during the batch.
  for (auto& s : d_.flush_after_batch_) {
    s->flush_deferred_ = false;
    s->flush();
  }
  d_.flush_after_batch_.clear();
}

}  // namespace pchat::server
