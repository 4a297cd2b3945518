// IRCv3 draft/read-marker, the pure part: the MARKREAD command's syntax, the marker
// rules, and the pool notification that tells every server a marker moved
// (server/read_markers.h does the rest, on the loop).
//
//   MARKREAD <target>                     get: the stored marker, or "*"
//   MARKREAD <target> timestamp=<time>    set: YYYY-MM-DDThh:mm:ss.sssZ (1 to 6
//                                         fraction digits taken)
//
// A target is a channel name or a nick (a direct-message buffer), keyed casefolded
// (irc::fold, the server's CASEMAPPING). Thread-safe: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace pchat::server {

struct MarkreadRequest {
  std::string target;            // as the client wrote it
  std::string key;               // irc::fold(target)
  bool channel = false;          // a channel name (else a nick)
  std::optional<int64_t> ts_us;  // set: unix microseconds; get: none
};

// A FAIL MARKREAD reply: FAIL MARKREAD <code> <context...> :<description>.
struct MarkreadError {
  std::string code;  // NEED_MORE_PARAMS, INVALID_PARAMS
  std::vector<std::string> context;
  std::string description;
};

// No parameter or an empty target: NEED_MORE_PARAMS. A target that is neither a
// valid channel name nor a valid nick, a second parameter that is not
// timestamp=<time> (a client may not send "*"), or a third parameter: INVALID_PARAMS
// naming the parameter.
std::variant<MarkreadRequest, MarkreadError> parse_markread(const std::vector<std::string>& params);

// The marker parameter of a server MARKREAD: "timestamp=<time, milliseconds>", or
// "*" when there is none.
std::string markread_param(std::optional<int64_t> ts_us);

// What a set at `ts_us` stores when the server's clock says `now_us`: never later
// than now (a marker says what was read; a future one would hide later messages).
int64_t clamp_marker(int64_t ts_us, int64_t now_us);

// Whether a set at `ts_us` moves the stored marker: only strictly forward.
bool marker_moves(std::optional<int64_t> stored, int64_t ts_us);

// NOTIFY pchat_read_markers payload: "<origin> <session> <account> <ts_us> <target>".
// `origin` names the server that set it (its writer id) and `session` the setter,
// who has its reply already; `account` is casefolded; `target` is as the setter
// wrote it. None of the fields hold a space (the target, the last, is a valid
// channel name or nick).
struct MarkerNote {
  std::string origin;
  uint64_t session = 0;
  std::string account;
  int64_t ts_us = 0;
  std::string target;
};
std::string format_marker_note(const MarkerNote& n);
// Nullopt for anything format_marker_note does not write.
std::optional<MarkerNote> parse_marker_note(std::string_view payload);

}  // namespace pchat::server
