// The IRCv3 capabilities pchatd offers: one description each, in caps.cc's table.
//
// A description says everything a capability brings: its name, its CAP LS 302 value,
// the ISUPPORT tokens it advertises, the message tags it lets through to a client,
// and the commands it registers (its command file under server/commands/). The
// server builds CAP LS, ISUPPORT, the tag filter and the command table from the
// table, so adding a capability is one entry there (and a bit here) plus its command
// file and the behaviour where it applies. Dependencies (draft/chathistory wants batch
// and server-time) are the client's business per the spec; we do not force them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace pchat::server {

struct ServerConfig;
struct CommandSpec;
using CommandTable = std::unordered_map<std::string, CommandSpec>;

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
  kCapReadMarker = 1u << 17,
};

struct CapInfo {
  Cap bit;
  const char* name;
  // The value shown in CAP LS 302 for this configuration; null or "": none.
  std::string (*value)(const ServerConfig&) = nullptr;
  // ISUPPORT tokens it advertises ("CHATHISTORY=100"), for this configuration.
  std::vector<std::string> (*isupport)(const ServerConfig&) = nullptr;
  // Message tags it lets through to a client. A client with message-tags takes them
  // too, unless `tags_need_this_cap` (label and batch need their own capability).
  std::vector<std::string_view> tags = {};
  bool tags_need_this_cap = false;
  // Registers the commands it brings (its command file); null: none of its own.
  void (*commands)(CommandTable&) = nullptr;
};

// Every capability, sorted by name (the order of CAP LS).
const std::vector<CapInfo>& all_caps();
std::optional<Cap> cap_by_name(std::string_view name);
// Whether a client with capability set `caps` may receive tag `key`. A tag no
// capability names needs message-tags.
bool tag_allowed(std::string_view key, uint32_t caps);
// The ISUPPORT tokens of every capability, for this configuration.
std::vector<std::string> caps_isupport(const ServerConfig& config);
// Registers every capability's commands into `t`.
void register_cap_commands(CommandTable& t);

}  // namespace pchat::server
