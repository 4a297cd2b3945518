#include "server/read_markers.h"

#include <spdlog/spdlog.h>

#include "core/time.h"
#include "irc/casemap.h"
#include "irc/numerics.h"
#include "server/server.h"
#include "store/read_markers.h"

namespace pchat::server {

namespace {

constexpr const char* kCmd = "MARKREAD";
constexpr const char* kNotRead = "The read timestamp could not be read";
constexpr const char* kNotSet = "The read timestamp could not be set";
// A guest session keeps at most this many markers (its own memory).
constexpr size_t kMaxGuestMarkers = 1000;

}  // namespace

bool ReadMarkers::in_store(const Session& s) const {
  return !s.account().empty() && target_ != nullptr && srv_.readers() != nullptr;
}

irc::Message ReadMarkers::markread(const std::string& target, std::optional<int64_t> ts_us) const {
  return irc::Message{{}, srv_.name(), kCmd, {target, markread_param(ts_us)}};
}

void ReadMarkers::handle(Session& s, const MarkreadRequest& req, const ResponsePtr& r) {
  std::string display = req.target;
  if (req.channel) {
    Channel* c = srv_.find_channel(req.key);
    if (c == nullptr || c->member(&s) == nullptr) {  // absent, Secret, not joined: alike
      if (req.ts_us) {
        srv_.fail(r, kCmd, "INVALID_PARAMS", {req.target},
                  "A channel's read marker is set only while you are in it");
      } else {
        r->add(markread(req.target, std::nullopt));
      }
      return;
    }
    display = c->name();
  }
  if (req.ts_us) {
    set(s, req, display, r);
  } else {
    get(s, req, display, r);
  }
}

void ReadMarkers::get(Session& s, const MarkreadRequest& req, const std::string& display,
                      const ResponsePtr& r) {
  if (!in_store(s)) {
    auto it = s.guest_markers().find(req.key);
    r->add(markread(display, it == s.guest_markers().end() ? std::nullopt
                                                           : std::optional<int64_t>(it->second)));
    return;
  }
  const std::string account = s.account(), key = req.key;
  bool ok = srv_.readers()->submit(
      [this, r, account, key, display](Result<pg::Connection*> conn) mutable {
        auto ts = conn ? store::read_marker(**conn, account, key)
                       : Result<std::optional<int64_t>>(conn.error());
        srv_.post([this, r = std::move(r), ts = std::move(ts), display] {
          if (r->session().closing()) return;
          if (!ts) {
            spdlog::warn("read marker of {}: {}", display, ts.error().message);
            srv_.fail(r, kCmd, "INTERNAL_ERROR", {display}, kNotRead);
            return;
          }
          r->add(markread(display, *ts));
        });
      });
  if (!ok) srv_.fail(r, kCmd, "INTERNAL_ERROR", {display}, kNotRead);
}

void ReadMarkers::set(Session& s, const MarkreadRequest& req, const std::string& display,
                      const ResponsePtr& r) {
  const int64_t ts = clamp_marker(*req.ts_us, time::now_us());
  if (!in_store(s)) {
    const bool fresh = !s.guest_markers().contains(req.key);
    if (fresh && s.guest_markers().size() >= kMaxGuestMarkers) {
      srv_.fail(r, kCmd, "INTERNAL_ERROR", {display},
                std::string(kNotSet) + ": too many read markers");
      return;
    }
    int64_t& stored = s.guest_markers()[req.key];
    if (fresh || marker_moves(stored, ts)) stored = ts;
    r->add(markread(display, stored));
    return;
  }
  const std::string origin = srv_.writer() != nullptr ? srv_.writer()->writer_id() : srv_.name();
  const std::string payload =
      format_marker_note({origin, s.id(), irc::fold(s.account()), ts, display});
  const std::string account = s.account(), key = req.key;
  auto target = target_;
  bool ok = srv_.readers()->submit([this, r, account, key, ts, payload, display,
                                    target](Result<pg::Connection*> conn) mutable {
    auto w = conn ? store::write_read_marker(**conn, account, key, ts, target->min_epoch(), payload)
                  : Result<store::MarkerWrite>(conn.error());
    srv_.post([this, r = std::move(r), w = std::move(w), display] {
      if (r->session().closing()) return;
      if (!w) {
        spdlog::warn("read marker of {}: {}", display, w.error().message);
        const bool full = w.error().kind == ErrorKind::kDenied;
        srv_.fail(r, kCmd, "INTERNAL_ERROR", {display},
                  full ? std::string(kNotSet) + ": too many read markers" : kNotSet);
        return;
      }
      r->add(markread(display, w->ts_us));  // the others hear it from on_note
    });
  });
  if (!ok) srv_.fail(r, kCmd, "INTERNAL_ERROR", {display}, kNotSet);
}

void ReadMarkers::on_note(std::string_view payload) {
  auto note = parse_marker_note(payload);
  if (!note) {
    spdlog::warn("read marker notification not understood: '{}'", payload);
    return;
  }
  const bool ours = srv_.writer() != nullptr && note->origin == srv_.writer()->writer_id();
  const irc::Message m = markread(note->target, note->ts_us);
  for (Session* s : srv_.sessions_of_identity(note->account)) {
    if (s->closing() || !s->registered() || !s->has_cap(kCapReadMarker) ||
        (ours && s->id() == note->session)) {
      continue;
    }
    s->send(m);
  }
}

void ReadMarkers::after_names(Session& s, Channel& c, ResponsePtr r) {
  if (!in_store(s)) {
    auto it = s.guest_markers().find(c.key());
    r->add(markread(c.name(), it == s.guest_markers().end() ? std::nullopt
                                                            : std::optional<int64_t>(it->second)));
    end_join(s, c, std::move(r), std::nullopt);
    return;
  }
  // Hold the channel's live lines to `s` until the marker and RPL_ENDOFNAMES are out;
  // a JOIN replay then replays only what was delivered before them.
  const uint64_t hold = srv_.join_replay().next_hold();
  const int64_t upto = srv_.delivery().delivered_upto();
  s.held()[&c] = Session::Held{hold, {}};
  Channel* chan = &c;
  const std::string account = s.account(), key = c.key();
  // The job's copy of `r` goes back to the loop inside the posted callback, so the
  // last reference always ends on the loop.
  bool ok = srv_.readers()->submit(
      [this, chan, hold, upto, account, key, r](Result<pg::Connection*> conn) mutable {
        auto ts = conn ? store::read_marker(**conn, account, key)
                       : Result<std::optional<int64_t>>(conn.error());
        srv_.post([this, chan, hold, upto, r = std::move(r), ts = std::move(ts)]() mutable {
          Session& me = r->session();
          if (me.closing()) return;
          auto held = me.held().find(chan);
          if (held == me.held().end() || held->second.replay != hold) return;  // left meanwhile
          if (ts) {
            r->add(markread(chan->name(), *ts));
          } else {
            spdlog::warn("read marker of {}: {}", chan->name(), ts.error().message);
            srv_.fail(r, kCmd, "INTERNAL_ERROR", {chan->name()}, kNotRead);
          }
          end_join(me, *chan, std::move(r), upto);
        });
      });
  if (!ok) {
    srv_.fail(r, kCmd, "INTERNAL_ERROR", {c.name()}, kNotRead);
    end_join(s, c, std::move(r), upto);
  }
}

void ReadMarkers::end_join(Session& s, Channel& c, ResponsePtr r, std::optional<int64_t> upto) {
  srv_.numeric(r, irc::kRplEndOfNames, {c.name(), "End of /NAMES list."});
  if (!s.has_cap(kCapChathistory) && srv_.join_replay().start(s, c, r, upto)) return;
  r.reset();
  srv_.release_held(s, c);
}

}  // namespace pchat::server
