// IRCv3 capabilities that pchatd offers, as bits in a Session's cap set.
//
// Adding one: a bit here, its name (and 302 value, if any) in caps.cc, and the
// behaviour where it applies. Dependencies (e.g. draft/chathistory wants batch and
// server-time) are the client's business per the spec; we do not force them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pchat::server {

enum Cap : uint32_t {
  kCapNotify = 1u << 0,
  kCapMessageTags = 1u << 1,
  kCapServerTime = 1u << 2,
  kCapBatch = 1u << 3,
  kCapEchoMessage = 1u << 4,
  kCapLabeledResponse = 1u << 5,
  kCapAccountTag = 1u << 6,
  kCapAccountNotify = 1u << 7,
  kCapExtendedJoin = 1u << 8,
  kCapMultiPrefix = 1u << 9,
  kCapAwayNotify = 1u << 10,
  kCapUserhostInNames = 1u << 11,
  kCapSasl = 1u << 12,
  kCapChathistory = 1u << 13,
  kCapStandardReplies = 1u << 14,
  kCapInviteNotify = 1u << 15,
  kCapSetname = 1u << 16,
};

struct CapInfo {
  Cap bit;
  const char* name;
  const char* value;  // shown in CAP LS 302 (nullptr: none)
};

const std::vector<CapInfo>& all_caps();
std::optional<Cap> cap_by_name(std::string_view name);

}  // namespace pchat::server
