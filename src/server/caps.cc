#include "server/caps.h"

namespace pchat::server {

const std::vector<CapInfo>& all_caps() {
  static const std::vector<CapInfo> caps = {
      {kCapAccountNotify, "account-notify", nullptr},
      {kCapAccountTag, "account-tag", nullptr},
      {kCapAwayNotify, "away-notify", nullptr},
      {kCapBatch, "batch", nullptr},
      {kCapNotify, "cap-notify", nullptr},
      {kCapChathistory, "draft/chathistory", nullptr},
      {kCapEchoMessage, "echo-message", nullptr},
      {kCapExtendedJoin, "extended-join", nullptr},
      {kCapInviteNotify, "invite-notify", nullptr},
      {kCapLabeledResponse, "labeled-response", nullptr},
      {kCapMessageTags, "message-tags", nullptr},
      {kCapMultiPrefix, "multi-prefix", nullptr},
      {kCapSasl, "sasl", "PLAIN,SCRAM-SHA-256"},  // + EXTERNAL with TLS (connection.cc)
      {kCapServerTime, "server-time", nullptr},
      {kCapSetname, "setname", nullptr},
      {kCapStandardReplies, "standard-replies", nullptr},
      {kCapUserhostInNames, "userhost-in-names", nullptr},
  };
  return caps;
}

std::optional<Cap> cap_by_name(std::string_view name) {
  for (const auto& c : all_caps()) {
    if (name == c.name) return c.bit;
  }
  return std::nullopt;
}

}  // namespace pchat::server
