// The JOIN replay for clients without draft/chathistory: the last
// default_chat_history messages of a room (the room's setting, else the server's),
// sent as replies to the JOIN, while the channel's live lines for that client are
// held (Session::held_) and sent after the replay, in order.
//
// The replay reads up to the newest message delivered when the JOIN ran
// (Delivery::delivered_upto); later messages reach the new member live. With
// compliance capture on, replayed room history is recorded as a BACKCHAT event first
// and goes out only once that commits.
// Runs on the event loop, like the Server; the read runs on the reader pool.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "server/response.h"
#include "store/history.h"

namespace pchat::server {

class Server;
class Session;
class Channel;

class JoinReplay {
 public:
  explicit JoinReplay(Server& srv) : srv_(srv) {}

  // Starts the replay of `c` to `s`. The rows are replies in `r`, the JOIN's
  // Response, kept until the replay is sent: the client's later commands are answered
  // after it. Lines of `c` already held for `s` (server/read_markers.h) stay held and
  // go out after the replay. Returns whether a replay started (then it releases the
  // held lines when done); false when replays are off, the server has no store, or
  // the reader pool refused (held lines of `c` are then released at once).
  // `upto`: the newest message delivered when the JOIN ran (Delivery::delivered_upto),
  // when lines have been held since then; default: now.
  bool start(Session& s, Channel& c, ResponsePtr r, std::optional<int64_t> upto = std::nullopt);
  // A new number for Session::Held::replay, for anyone holding a channel's lines.
  uint64_t next_hold() { return ++replays_; }

 private:
  // Sends a replay's rows (or a NOTE when `rows` failed), then the held lines;
  // nothing when the session no longer waits for replay number `replay` of `chan`.
  void finish(const std::weak_ptr<Session>& weak, Channel* chan, uint64_t replay,
              const std::string& display, Result<std::vector<store::HistoryRow>> rows,
              ResponsePtr r);

  Server& srv_;
  uint64_t replays_ = 0;  // replays started (Session::Held::replay)
};

}  // namespace pchat::server
