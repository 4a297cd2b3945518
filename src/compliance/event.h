// Compliance events: what the compliance service hands to an adapter.
//
// One event per JOIN, PART, CHAT (room message), BACKCHAT (a user retrieved room
// history), FILEUPLOAD and FILEDOWNLOAD (docs/design.md#compliance). Plain data; the
// capture side fills it, adapters only read it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pchat::compliance {

struct ComplianceEvent {
  enum Type { kJoin, kPart, kChat, kBackchat, kFileUpload, kFileDownload };

  int64_t id = 0;        // unique, >= 0; assigned by the compliance store, ascending
  Type type = kChat;     //
  int64_t ts_us = 0;     // UTC microseconds since 1970-01-01 (0 .. kMaxTimestampUs)
  std::string room;      // display name, e.g. "#legal"
  std::string room_uri;  // e.g. "ma-chan://pool.fqdn/<uuid-or-name>"; identifies the room
  std::string user;      // account (or nick for a guest)
  std::string user_uri;  // "sip:alice@pool" style or "irc:alice"
  std::string email;     // may be empty
  bool internal = true;  // false: federated / guest
  std::string content;   // CHAT: body; file events: file name; JOIN/PART: empty
  std::string msgid;     // IRCv3 msgid of the chat message, may be empty
};

// 9999-12-31T23:59:59.999999Z, the last instant the DateTimeUTC forms can show.
inline constexpr int64_t kMaxTimestampUs = 253402300799999999;

// "JOIN", "PART", "CHAT", "BACKCHAT", "FILEUPLOAD", "FILEDOWNLOAD": the type
// attribute of the XML format, also the spelling for storage.
const char* to_string(ComplianceEvent::Type type);

// Inverse of to_string (exact, upper case). nullopt for anything else.
std::optional<ComplianceEvent::Type> parse_event_type(std::string_view name);

}  // namespace pchat::compliance
