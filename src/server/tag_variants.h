// Serialize-once fan-out: which of a chat line's tags a recipient takes, by the
// capabilities it enabled, and each variant's line built once per message
// (server/delivery.h broadcasts with it).
//   message-tags:              every tag the line has (msgid, time, account, +client);
//   server-time / account-tag: only `time` / `account`, each when enabled;
//   none of them:              no tags.
// Pure: no I/O, not thread-safe.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "irc/message.h"

namespace pchat::server {

inline constexpr int kVarTags = 1, kVarTime = 2, kVarAccount = 4, kTagVariants = 8;

// The variant of a recipient with these capabilities (0..kTagVariants-1).
int tag_variant(bool message_tags, bool server_time, bool account_tag);

// `m` with only the tags variant `v` keeps.
irc::Message for_variant(const irc::Message& m, int v);

// The serialized lines (CRLF-terminated) of one message, each variant built the first
// time it is asked for. REQUIRES: `m` outlives this.
class VariantLines {
 public:
  explicit VariantLines(const irc::Message& m) : m_(m) {}
  const std::string& line(int v);

 private:
  const irc::Message& m_;
  std::array<std::string, kTagVariants> lines_;
};

// A message's client-only tags as the store keeps them: "key=escaped;key2".
std::string stored_tags(const std::vector<irc::Tag>& client_tags);

}  // namespace pchat::server
