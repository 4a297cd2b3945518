// Compliance capture (docs/design.md#compliance): which IRC actions become compliance
// events, and how they reach the outbox. Every event goes through the group-commit
// writer (store/writer.h), in the same transaction as the batch's messages, so:
//  - CHAT: the event rides with its message row; if it cannot be recorded the
//    message is not stored either (FAIL ... MESSAGE_NOT_STORED), and no one sees it;
//  - JOIN, PART, BACKCHAT: the action completes only after its event committed
//    (record_room_event's `then`); on failure the client gets FAIL and the action
//    does not happen (no join, no part, no history sent);
//  - a disconnect (QUIT, error, kill) leaves its channels whatever happens: its PART
//    events are recorded when the store can take them, and counted as lost when not.
// Only room (channel) actions are events; direct messages are not (Lync Server 2013 Persistent Chat
// records chat rooms only).
#include <spdlog/spdlog.h>

#include "core/time.h"
#include "irc/casemap.h"
#include "server/server.h"

namespace pchat::server {

bool Server::compliance_capture() const {
  return writer_ != nullptr && writer_->compliance_capture();
}

std::optional<store::OutboxEvent> Server::chat_event(const Session& s,
                                                     const std::string& room_name) const {
  if (!compliance_capture() || room_name.empty() || room_name[0] != '#') return std::nullopt;
  store::OutboxEvent e;
  e.type = "CHAT";
  e.room = irc::fold(room_name);
  e.room_name = room_name;
  if (!s.account().empty()) e.account = s.account();
  e.nick = s.nick();
  return e;  // content, msgid and time: the writer takes them from the message row
}

void Server::record_room_event(Session& s, const std::string& type, const std::string& room_name,
                               std::string content, std::function<void(const Status&)> then) {
  std::optional<std::string> account;
  if (!s.account().empty()) account = s.account();
  record_room_event(account, s.nick(), type, room_name, std::move(content), std::move(then));
}

void Server::record_room_event(const std::optional<std::string>& account, const std::string& nick,
                               const std::string& type, const std::string& room_name,
                               std::string content, std::function<void(const Status&)> then) {
  if (!compliance_capture()) {
    if (then) then(ok_status());
    return;
  }
  store::PendingWrite w;
  w.event_only = true;
  store::OutboxEvent& e = w.event.emplace();
  e.type = type;
  e.room = irc::fold(room_name);
  e.room_name = room_name;
  e.account = account;
  e.nick = nick;
  e.content = std::move(content);
  e.ts_us = time::now_us();
  auto shared_then = std::make_shared<std::function<void(const Status&)>>(std::move(then));
  w.done = [shared_then, type, room_name](const Status& st, const store::PendingWrite&) {
    if (!st) {
      spdlog::warn("compliance: {} event in {} not recorded: {}", type, room_name,
                   st.error().message);
    }
    if (*shared_then) (*shared_then)(st);
  };
  if (!writer_->submit(std::move(w)) && *shared_then) {
    (*shared_then)(
        make_error(ErrorKind::kUnavailable, "the message store is overloaded or stopping"));
  }
}

}  // namespace pchat::server
