// draft/read-marker (IRCv3): MARKREAD get and set (server/read_marker.h for the
// syntax, server/read_markers.h for who may read and move which marker).
// Registered sessions only; each reads and moves its own account's markers (a
// guest: its session's).
#include "server/read_marker.h"
#include "server/server.h"

namespace pchat::server {

namespace {

void handle_markread(Server& srv, Session& s, const irc::Message& m, const ResponsePtr& r) {
  auto parsed = parse_markread(m.params);
  if (auto* e = std::get_if<MarkreadError>(&parsed)) {
    srv.fail(r, "MARKREAD", e->code, e->context, e->description);
    return;
  }
  srv.read_markers().handle(s, std::get<MarkreadRequest>(parsed), r);
}

}  // namespace

void register_read_marker_commands(std::unordered_map<std::string, CommandSpec>& t) {
  // min_params 0: missing parameters get the spec's FAIL MARKREAD NEED_MORE_PARAMS.
  t["MARKREAD"] = {0, true, handle_markread};
}

}  // namespace pchat::server
