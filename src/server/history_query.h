// CHATHISTORY requests (IRCv3 draft/chathistory): parsing the command, and turning
// a request into the store reads that answer it. Pure: no I/O, no server state.
//
// Syntax (the spec's; subcommand names are case-insensitive):
//   CHATHISTORY LATEST  <target> <* | msgid=X | timestamp=T> <limit>
//   CHATHISTORY BEFORE  <target> <msgid=X | timestamp=T> <limit>
//   CHATHISTORY AFTER   <target> <msgid=X | timestamp=T> <limit>
//   CHATHISTORY AROUND  <target> <msgid=X | timestamp=T> <limit>
//   CHATHISTORY BETWEEN <target> <ref> <ref> <limit>
//   CHATHISTORY TARGETS <timestamp=T> <timestamp=T> <limit>
//
// Order: every read is ordered by the store sequence `id` (docs/design.md#messages-in-the-store),
// never by time. A msgid reference names a position in that order; a timestamp reference names an
// instant of the precision written ("...:17.123Z" is the whole millisecond 17.123..17.124, which is
// what clients saw in `time` tags): "after T" starts after that instant, "before T" ends before it,
// so the message a client took T from is neither before nor after it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "irc/message.h"
#include "store/history.h"

namespace pchat::server {

// Most messages one CHATHISTORY command returns (ISUPPORT CHATHISTORY=100); larger
// limits are clamped to it.
inline constexpr int kChathistoryMaxLimit = 100;

enum class HistorySub {
  kLatest,
  kBefore,
  kAfter,
  kAround,
  kBetween,
  kTargets,
};

// A message reference as written by the client.
struct MsgRef {
  enum class Kind {
    kStar,       // "*": LATEST only, no bound
    kMsgid,      // "msgid=X"
    kTimestamp,  // "timestamp=T"
  };
  Kind kind = Kind::kStar;
  std::string msgid;
  int64_t ts_us = 0;    // kTimestamp: start of the instant named (unix microseconds)
  int64_t span_us = 0;  // kTimestamp: its length (1000 for millisecond precision)
};

struct HistoryRequest {
  HistorySub sub = HistorySub::kLatest;
  std::string sub_name;  // upper-cased, for FAIL context
  std::string target;    // as given; empty for TARGETS
  MsgRef a;
  MsgRef b;       // BETWEEN and TARGETS only
  int limit = 0;  // 1..kChathistoryMaxLimit
};

// A FAIL CHATHISTORY reply: code, context parameters, description.
struct HistoryError {
  std::string code;
  std::vector<std::string> context;
  std::string description;
};

// Parses the parameters of CHATHISTORY (after the command name). Errors:
// NEED_MORE_PARAMS (too few), UNKNOWN_COMMAND (unknown subcommand), INVALID_PARAMS
// (a bad reference, a reference type the subcommand does not take, a limit that is
// not a positive decimal number).
std::variant<HistoryRequest, HistoryError> parse_history_request(
    const std::vector<std::string>& params);

// "YYYY-MM-DDThh:mm:ss[.f{1,6}]Z" -> unix microseconds, and the span of the instant
// written (10^(6-digits) us). nullopt for anything else (including out-of-range
// fields and years outside 1970..9999).
std::optional<int64_t> parse_timestamp(std::string_view text, int64_t* span_us = nullptr);
// "*" (when allow_star), "msgid=X" (X non-empty), "timestamp=T".
std::optional<MsgRef> parse_msgref(std::string_view text, bool allow_star);
// A positive decimal number, clamped to kChathistoryMaxLimit; nullopt for 0, signs,
// non-digits, empty.
std::optional<int> parse_limit(std::string_view text);

// A reference resolved against the store: a msgid's row (id and time), or a time.
struct RefPos {
  bool has_id = false;
  int64_t id = 0;
  int64_t ts_us = 0;
  int64_t span_us = 1;
};

// One store read: rows of the window, the `limit` nearest one end of it.
struct HistoryRead {
  store::HistoryWindow window;
  bool newest_first = false;  // take the newest `limit` rows (else the oldest)
  int limit = 0;
};

// The reads answering `req` (not TARGETS), given its references resolved (`a` is
// nullopt for "*"; `b` is used by BETWEEN only). Their rows, concatenated in the
// order returned and each sorted by id, are the answer in ascending order.
//   LATEST: newest `limit` (after `a`, if given). BEFORE: newest before `a`.
//   AFTER: oldest after `a`. AROUND: limit/2 newest before `a`, then the rest from
//   `a` on (the referenced message included). BETWEEN: exclusive of both ends, the
//   `limit` nearest the first reference, whichever way it points.
std::vector<HistoryRead> plan_reads(const HistoryRequest& req, const std::optional<RefPos>& a,
                                    const std::optional<RefPos>& b);

// Client-only tags as stored ("+a=1;+b", wire form) back to Tags.
std::vector<irc::Tag> parse_stored_tags(std::string_view wire);

// The line a stored row is replayed as, for a reply batch: its client-only tags,
// msgid, time and (if any) account, then ":<sender> <COMMAND> <target> :<body>".
// The session's send() strips what the client did not negotiate.
irc::Message history_message(const store::HistoryRow& row, const std::string& target);

}  // namespace pchat::server
