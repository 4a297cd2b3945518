#include "server/caps.h"

#include "server/commands/sasl_external.h"
#include "server/config.h"
#include "server/history_query.h"
#include "server/server.h"

namespace pchat::server {

namespace {

std::vector<std::string> chathistory_isupport(const ServerConfig&) {
  return {"CHATHISTORY=" + std::to_string(kChathistoryMaxLimit), "MSGREFTYPES=msgid,timestamp"};
}

}  // namespace

const std::vector<CapInfo>& all_caps() {
  static const std::vector<CapInfo> caps = {
      {.bit = kCapAccountNotify, .name = "account-notify"},
      {.bit = kCapAccountTag, .name = "account-tag", .tags = {"account"}},
      {.bit = kCapAwayNotify, .name = "away-notify"},
      {.bit = kCapBatch, .name = "batch", .tags = {"batch"}, .tags_need_this_cap = true},
      {.bit = kCapNotify, .name = "cap-notify"},
      {.bit = kCapChathistory,
       .name = "draft/chathistory",
       .isupport = chathistory_isupport,
       .commands = register_chathistory_commands},
      {.bit = kCapReadMarker,
       .name = "draft/read-marker",
       .commands = register_read_marker_commands},
      {.bit = kCapEchoMessage, .name = "echo-message"},
      {.bit = kCapExtendedJoin, .name = "extended-join"},
      {.bit = kCapInviteNotify, .name = "invite-notify"},
      {.bit = kCapLabeledResponse,
       .name = "labeled-response",
       .tags = {"label"},
       .tags_need_this_cap = true},
      {.bit = kCapMessageTags, .name = "message-tags"},
      {.bit = kCapMultiPrefix, .name = "multi-prefix"},
      {.bit = kCapSasl,
       .name = "sasl",
       .value = sasl_mechanisms,
       .commands = register_sasl_commands},
      {.bit = kCapServerTime, .name = "server-time", .tags = {"time"}},
      {.bit = kCapSetname, .name = "setname", .commands = register_setname_commands},
      {.bit = kCapStandardReplies, .name = "standard-replies"},
      {.bit = kCapUserhostInNames, .name = "userhost-in-names"},
  };
  return caps;
}

std::optional<Cap> cap_by_name(std::string_view name) {
  for (const auto& c : all_caps()) {
    if (name == c.name) return c.bit;
  }
  return std::nullopt;
}

bool tag_allowed(std::string_view key, uint32_t caps) {
  // Built once from the table: tag -> (capabilities that let it through, whether
  // message-tags alone is not enough).
  struct Gate {
    uint32_t caps = 0;
    bool need_own = false;
  };
  static const auto gates = [] {
    std::unordered_map<std::string_view, Gate> g;
    for (const auto& c : all_caps()) {
      for (auto tag : c.tags) {
        g[tag].caps |= c.bit;
        g[tag].need_own = g[tag].need_own || c.tags_need_this_cap;
      }
    }
    return g;
  }();
  auto it = gates.find(key);
  if (it == gates.end()) return (caps & kCapMessageTags) != 0;
  if ((caps & it->second.caps) != 0) return true;
  return !it->second.need_own && (caps & kCapMessageTags) != 0;
}

std::vector<std::string> caps_isupport(const ServerConfig& config) {
  std::vector<std::string> out;
  for (const auto& c : all_caps()) {
    if (c.isupport == nullptr) continue;
    for (auto& t : c.isupport(config)) out.push_back(std::move(t));
  }
  return out;
}

void register_cap_commands(CommandTable& t) {
  for (const auto& c : all_caps()) {
    if (c.commands != nullptr) c.commands(t);
  }
}

}  // namespace pchat::server
