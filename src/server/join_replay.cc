#include "server/join_replay.h"

#include <fmt/format.h>

#include "server/history_query.h"
#include "server/room_policy.h"
#include "server/server.h"

namespace pchat::server {

bool JoinReplay::start(Session& s, Channel& c, ResponsePtr r, std::optional<int64_t> upto_at) {
  if (srv_.config().default_chat_history <= 0 || srv_.readers() == nullptr) return false;
  const uint64_t replay = next_hold();
  s.held()[&c].replay = replay;  // hold live lines for this channel (keeping those held)
  const std::string target = c.key();
  const std::string display = c.name();
  // Rows up to delivered_upto went out before this member joined: replay them.
  // Later ones reach it live through the stream (held until the replay is sent).
  const int64_t upto = upto_at.value_or(srv_.delivery().delivered_upto());
  const int limit = srv_.rooms() != nullptr ? srv_.rooms()->default_chat_history()
                                            : srv_.config().default_chat_history;
  std::weak_ptr<Session> weak = s.weak_from_this();
  Channel* chan = &c;
  // `r` is moved, never copied, off the loop: its last reference must end on the loop.
  bool ok = srv_.readers()->submit([this, weak, chan, target, display, upto, limit, replay,
                                    r = std::move(r)](Result<pg::Connection*> conn) mutable {
    Result<std::vector<store::HistoryRow>> rows =
        conn ? store::latest_rows(**conn, target, upto, limit)
             : Result<std::vector<store::HistoryRow>>(conn.error());
    srv_.post(
        [this, weak, chan, display, replay, rows = std::move(rows), r = std::move(r)]() mutable {
          auto s = weak.lock();
          if (!s || s->closing()) return;
          auto held = s->held().find(chan);
          if (held == s->held().end() || held->second.replay != replay) return;  // parted
          if (!rows || rows->empty() || !srv_.compliance_capture()) {
            finish(weak, chan, replay, display, std::move(rows), std::move(r));
            return;
          }
          // Replayed room history is a BACKCHAT: it goes out once the event is recorded.
          std::string what = fmt::format("JOIN replay: {} messages, {} .. {}", rows->size(),
                                         rows->front().msgid, rows->back().msgid);
          auto shared = std::make_shared<Result<std::vector<store::HistoryRow>>>(std::move(rows));
          srv_.record_room_event(*s, "BACKCHAT", display, std::move(what),
                                 [this, weak, chan, replay, display, shared, r](const Status& st) {
                                   if (!st) *shared = st.error();
                                   finish(weak, chan, replay, display, std::move(*shared), r);
                                 });
        });
  });
  if (!ok) {
    srv_.release_held(s, c);
    return false;
  }
  return true;
}

void JoinReplay::finish(const std::weak_ptr<Session>& weak, Channel* chan, uint64_t replay,
                        const std::string& display, Result<std::vector<store::HistoryRow>> rows,
                        ResponsePtr r) {
  auto s = weak.lock();
  if (!s || s->closing()) return;
  auto held = s->held().find(chan);
  if (held == s->held().end() || held->second.replay != replay) return;  // parted meanwhile
  if (rows) {
    for (const auto& row : *rows) {
      if (row.command == "TAGMSG" && !s->has_cap(kCapMessageTags)) continue;
      r->add(history_message(row, display));
    }
  } else {
    irc::Message note{{},
                      srv_.name(),
                      "NOTE",
                      {"JOIN", "HISTORY_UNAVAILABLE", display,
                       "Recent history could not be loaded: " + rows.error().message}};
    r->add(std::move(note));
  }
  // The JOIN's replies end here (a labeled JOIN's batch goes now, when `r` is the
  // last reference); the live lines held meanwhile come after them.
  r.reset();
  srv_.release_held(*s, *chan);
}

}  // namespace pchat::server
