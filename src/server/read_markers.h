// IRCv3 draft/read-marker on the loop: MARKREAD get and set, the marker after a JOIN,
// and a moved marker told to every session of its account in the pool. The syntax
// and the rules are server/read_marker.h; the table is store/read_markers.h.
//
// Who may use it: every registered session, for its own markers only. Nothing in a
// request names an account: an account's markers are read and moved by its own
// sessions (keyed by Session::account_), and go to its own sessions only. A guest
// (no account, --allow-guests) has markers of its session only
// (Session::guest_markers_), gone when it leaves: a guest has no identity that
// outlives its connection (its nick can be anyone's next), so a guest never reads an
// account's markers, nor another guest's. A channel's marker is read and set only
// while the session is in the channel, as CHATHISTORY reads a channel's history:
// for any other channel name (absent, Secret, not joined, alike) a get answers "*"
// and a set FAIL MARKREAD INVALID_PARAMS, so the answer says nothing of the room.
//
// Set: the time is clamped to now, stored (store::write_read_marker on the reader
// pool), and only after the commit the setter hears MARKREAD with the stored marker
// (the older one kept when its time was not newer). A marker that moved is NOTIFYed
// on pchat_read_markers by the transaction that stored it; every server of the pool
// (this one included) follows that channel on its message stream's connection and
// sends MARKREAD to its sessions of the account that have the capability, the setter
// excepted (on_note). Why the store's NOTIFY and not the presence event lines: those
// carry this server's users as the presence link writes them, whatever the store
// committed; a marker is an account's committed row, and a notification sent by its
// own transaction reaches the pool exactly when, and only if, it is committed, in
// commit order, on a connection that already follows the store through a failover.
// A notification missed while a stream reconnects is not replayed: that client gets
// the marker at its next JOIN or get.
//
// JOIN (with the capability): JOIN, topic and the RPL_NAMREPLY lines go out at once;
// the marker is read on the reader pool while the channel's live lines to the joiner
// are held (Session::held_, as the JOIN replay does); then MARKREAD (or FAIL
// MARKREAD INTERNAL_ERROR), RPL_ENDOFNAMES and, without chathistory, the JOIN
// replay, all in the JOIN's Response. Nothing blocks the loop.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "server/read_marker.h"
#include "server/response.h"
#include "store/target.h"

namespace pchat::server {

class Server;
class Session;
class Channel;

class ReadMarkers {
 public:
  explicit ReadMarkers(Server& srv) : srv_(srv) {}

  // The store whose epoch fences marker writes (store/target.h). Without one (or
  // without a reader pool) every session keeps its markers as a guest does.
  void set_store(std::shared_ptr<store::StoreTarget> target) { target_ = std::move(target); }

  // MARKREAD from `s`, parsed; the answer goes in `r`.
  void handle(Session& s, const MarkreadRequest& req, const ResponsePtr& r);
  // After a JOIN's RPL_NAMREPLY lines, for a session with the capability: MARKREAD,
  // RPL_ENDOFNAMES, then the JOIN replay (see above).
  void after_names(Session& s, Channel& c, ResponsePtr r);
  // A pchat_read_markers notification (any server's, this one's included).
  void on_note(std::string_view payload);

 private:
  bool in_store(const Session& s) const;
  void get(Session& s, const MarkreadRequest& req, const std::string& display,
           const ResponsePtr& r);
  void set(Session& s, const MarkreadRequest& req, const std::string& display,
           const ResponsePtr& r);
  // RPL_ENDOFNAMES, then the JOIN replay (of messages up to `upto`: those delivered
  // before the JOIN; later ones were held) or the release of the held lines.
  void end_join(Session& s, Channel& c, ResponsePtr r, std::optional<int64_t> upto);
  irc::Message markread(const std::string& target, std::optional<int64_t> ts_us) const;

  Server& srv_;
  std::shared_ptr<store::StoreTarget> target_;
};

}  // namespace pchat::server
