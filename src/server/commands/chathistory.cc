// draft/chathistory (IRCv3): history of channels and direct messages from the store.
//
// How a CHATHISTORY command is answered:
//   1. parse it (server/history_query.h); a bad one gets FAIL CHATHISTORY ...;
//   2. on the loop, decide what may be read (pchat's rule: a channel's history only
//      while one is a member of it, so a missing, secret or foreign channel are all
//      INVALID_TARGET alike; a DM conversation by its two participants) and the
//      conversation key (as Delivery::submit computes it);
//   3. a ReaderPool job resolves msgid references (within that conversation only),
//      runs the reads plan_reads() gives, and posts the rows back to the loop;
//   4. the rows go out in a `chathistory` batch (ascending id), through the
//      command's Response, which the job keeps alive: a labeled-response ACK or
//      batch follows the answer, never precedes it.
// TARGETS lists the requester's channels and DM conversations with activity in a
// time range, in a `draft/chathistory-targets` batch.
//
// Guests: their DM identity is "~nick" (Server::dm_identity), a namespace no
// account name can enter, so a guest using an account holder's name as nick never
// reads that account's conversations.
#include <fmt/format.h>

#include <memory>
#include <optional>

#include "core/time.h"
#include "irc/casemap.h"
#include "server/history_query.h"
#include "server/server.h"
#include "store/history.h"

namespace pchat::server {

namespace {

constexpr const char* kCmd = "CHATHISTORY";
constexpr const char* kNotRetrieved = "Messages could not be retrieved";

// What a job hands back to the loop.
struct Answer {
  std::optional<Error> error;  // the store failed
  std::vector<store::HistoryRow> rows;
  std::vector<store::ConversationActivity> targets;
};

// Runs `work` on the ReaderPool and `done` with its Answer back on the loop.
// False if the pool refused the job (then neither runs).
template <typename Work, typename Done>
bool run_query(Server& srv, Work work, Done done) {
  if (srv.readers() == nullptr) return false;
  Server* sp = &srv;
  return srv.readers()->submit(
      [sp, work = std::move(work), done = std::move(done)](Result<pg::Connection*> conn) mutable {
        Answer a;
        if (!conn) {
          a.error = conn.error();
        } else {
          work(**conn, a);
        }
        sp->post([a = std::move(a), done = std::move(done)]() mutable { done(std::move(a)); });
      });
}

std::optional<RefPos> time_pos(const MsgRef& ref) {
  if (ref.kind != MsgRef::Kind::kTimestamp) return std::nullopt;
  return RefPos{false, 0, ref.ts_us, ref.span_us};
}

// Resolves `ref` in conversation `key`. False when it names no message there (the
// answer is then empty) or the store failed (a.error set).
bool resolve(pg::Connection& c, const std::string& key, const MsgRef& ref,
             std::optional<RefPos>& out, Answer& a) {
  if (ref.kind != MsgRef::Kind::kMsgid) {
    out = time_pos(ref);
    return true;
  }
  auto pos = store::find_message(c, key, ref.msgid);
  if (!pos) {
    a.error = pos.error();
    return false;
  }
  if (!*pos) return false;
  out = RefPos{true, (*pos)->id, (*pos)->ts_us, 1};
  return true;
}

void send_failure(Server& srv, const ResponsePtr& r, const HistoryRequest& req,
                  const std::string& target, const Answer& a) {
  if (a.error) {
    srv.fail(r, kCmd, "MESSAGE_ERROR", {req.sub_name, target}, kNotRetrieved);
  } else {
    srv.fail(r, kCmd, "INVALID_TARGET", {req.sub_name, target}, kNotRetrieved);
  }
}

// Wraps `lines` in a batch of `type` (when the client takes batches) and adds them.
void add_batch(Server& srv, const ResponsePtr& r, std::vector<std::string> batch_params,
               std::vector<irc::Message> lines) {
  Session& s = r->session();
  if (!s.has_cap(kCapBatch)) {
    r->add_all(std::move(lines));
    return;
  }
  const std::string ref = srv.next_batch_ref();
  std::vector<irc::Message> out;
  out.reserve(lines.size() + 2);
  batch_params.insert(batch_params.begin(), "+" + ref);
  out.push_back(irc::Message{{}, srv.name(), "BATCH", std::move(batch_params)});
  for (auto& m : lines) {
    m.tags.insert(m.tags.begin(), irc::Tag{"batch", ref});
    out.push_back(std::move(m));
  }
  out.push_back(irc::Message{{}, srv.name(), "BATCH", {"-" + ref}});
  r->add_all(std::move(out));
}

void handle_targets(Server& srv, Session& s, const HistoryRequest& req, const ResponsePtr& r) {
  std::vector<std::string> channel_keys;
  for (Channel* c : s.channels()) channel_keys.push_back(c->key());
  const std::string identity = Server::dm_identity(s);
  // Both ends inclusive (a paging client sees the edge target again rather than
  // missing one that shares its time); either order, the limit counting from the
  // first.
  const bool newest_first = req.a.ts_us > req.b.ts_us;
  const MsgRef& lo = newest_first ? req.b : req.a;
  const MsgRef& hi = newest_first ? req.a : req.b;
  const int64_t from_us = lo.ts_us, until_us = hi.ts_us + hi.span_us;
  const int limit = req.limit;
  bool ok = run_query(
      srv,
      [channel_keys, identity, from_us, until_us, newest_first, limit](pg::Connection& c,
                                                                       Answer& a) {
        auto t = store::conversation_activity(c, channel_keys, identity, from_us, until_us,
                                              newest_first, limit);
        if (!t) {
          a.error = t.error();
          return;
        }
        a.targets = std::move(*t);
      },
      [&srv, r, req, identity](Answer a) {
        if (r->session().closing()) return;
        if (a.error) {
          srv.fail(r, kCmd, "MESSAGE_ERROR", {req.sub_name}, kNotRetrieved);
          return;
        }
        std::vector<irc::Message> lines;
        for (const auto& t : a.targets) {
          std::string name;
          if (auto peer = store::dm_peer(t.target, identity)) {
            name = peer->starts_with('~') ? peer->substr(1) : *peer;
          } else if (Channel* c = srv.find_channel(t.target)) {
            name = c->name();
          } else {
            name = t.target;
          }
          lines.push_back(irc::Message{
              {}, srv.name(), kCmd, {"TARGETS", std::move(name), time::iso8601_ms(t.latest_us)}});
        }
        add_batch(srv, r, {"draft/chathistory-targets"}, std::move(lines));
      });
  if (!ok) srv.fail(r, kCmd, "MESSAGE_ERROR", {req.sub_name}, kNotRetrieved);
}

// Where a CHATHISTORY request may read: a channel `s` is in, or a direct-message
// conversation of `s` (`self`: its DM identity). Nullopt after failing `r`.
struct Readable {
  std::string key, display;
  bool dm = false;
};

std::optional<Readable> readable_target(Server& srv, Session& s, const HistoryRequest& req,
                                        const std::string& self, const ResponsePtr& r) {
  if (!req.target.empty() && req.target[0] == '#') {
    Channel* c = srv.find_channel(req.target);
    if (c == nullptr || c->member(&s) == nullptr) {
      srv.fail(r, kCmd, "INVALID_TARGET", {req.sub_name, req.target}, kNotRetrieved);
      return std::nullopt;
    }
    return Readable{c->key(), c->name(), false};
  }
  if (!irc::is_valid_nick(req.target) && !irc::is_valid_account_name(req.target)) {
    srv.fail(r, kCmd, "INVALID_TARGET", {req.sub_name, req.target}, kNotRetrieved);
    return std::nullopt;
  }
  // Online: that user's identity; offline: the target names an account.
  UserRef peer = srv.find_user(req.target);
  return Readable{store::dm_key(self, peer ? Server::dm_identity(peer) : irc::fold(req.target)),
                  peer ? peer.nick() : req.target, true};
}

void handle_chathistory(Server& srv, Session& s, const irc::Message& m, const ResponsePtr& r) {
  auto parsed = parse_history_request(m.params);
  if (auto* e = std::get_if<HistoryError>(&parsed)) {
    srv.fail(r, kCmd, e->code, e->context, e->description);
    return;
  }
  const HistoryRequest req = std::get<HistoryRequest>(std::move(parsed));
  if (req.sub == HistorySub::kTargets) {
    handle_targets(srv, s, req, r);
    return;
  }

  const std::string self = Server::dm_identity(s);
  auto where = readable_target(srv, s, req, self, r);
  if (!where) return;
  const std::string key = where->key, display = where->display;
  const bool dm = where->dm;

  bool ok = run_query(
      srv,
      [req, key](pg::Connection& c, Answer& a) {
        std::optional<RefPos> pa, pb;
        if (!resolve(c, key, req.a, pa, a)) return;
        if (req.sub == HistorySub::kBetween && !resolve(c, key, req.b, pb, a)) return;
        for (const auto& read : plan_reads(req, pa, pb)) {
          auto rows = store::window_rows(c, key, read.window, read.newest_first, read.limit);
          if (!rows) {
            a.error = rows.error();
            return;
          }
          for (auto& row : *rows) a.rows.push_back(std::move(row));
        }
      },
      [&srv, r, req, display, self, dm](Answer a) {
        Session& me = r->session();
        if (me.closing()) return;
        if (a.error) {
          send_failure(srv, r, req, req.target, a);
          return;
        }
        std::vector<irc::Message> lines;
        lines.reserve(a.rows.size());
        for (const auto& row : a.rows) {
          // A DM line names its recipient: the peer for our own messages, else us.
          const std::string& to = !dm || Server::dm_identity(row) == self ? display : me.nick();
          lines.push_back(history_message(row, to));
        }
        if (dm || lines.empty() || !srv.compliance_capture()) {
          add_batch(srv, r, {"chathistory", display}, std::move(lines));
          return;
        }
        // A room's history goes out once its BACKCHAT event is recorded.
        std::string what = fmt::format("CHATHISTORY {}: {} messages, {} .. {}", req.sub_name,
                                       a.rows.size(), a.rows.front().msgid, a.rows.back().msgid);
        auto shared = std::make_shared<std::vector<irc::Message>>(std::move(lines));
        srv.record_room_event(
            me, "BACKCHAT", display, std::move(what),
            [&srv, r, req, display, shared](const Status& st) {
              if (r->session().closing()) return;
              if (!st) {
                srv.fail(r, kCmd, "MESSAGE_ERROR", {req.sub_name, display}, kNotRetrieved);
                return;
              }
              add_batch(srv, r, {"chathistory", display}, std::move(*shared));
            });
      });
  if (!ok) srv.fail(r, kCmd, "MESSAGE_ERROR", {req.sub_name, req.target}, kNotRetrieved);
}

}  // namespace

void register_chathistory_commands(std::unordered_map<std::string, CommandSpec>& t) {
  // min_params 0: missing parameters get the spec's FAIL ... NEED_MORE_PARAMS.
  t["CHATHISTORY"] = {0, true, handle_chathistory};
}

}  // namespace pchat::server
