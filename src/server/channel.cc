#include "server/channel.h"

#include "irc/casemap.h"

namespace pchat::server {

Channel::Channel(std::string name, int64_t created)
    : created_at(created), name_(std::move(name)), folded_(irc::fold(name_)) {}

std::string Channel::mode_string(bool show_params) const {
  std::string modes = "+";
  std::string params;
  if (invite_only) modes += 'i';
  if (moderated) modes += 'm';
  if (no_external) modes += 'n';
  if (secret) modes += 's';
  if (topic_ops) modes += 't';
  if (!channel_key.empty()) {
    modes += 'k';
    if (show_params) params += " " + channel_key;
  }
  if (limit > 0) {
    modes += 'l';
    if (show_params) params += " " + std::to_string(limit);
  }
  return modes + params;
}

std::string Channel::prefix_of(const Membership& m, bool multi_prefix) {
  std::string p;
  if (m.op) p += '@';
  if (m.voice && (multi_prefix || p.empty())) p += '+';
  return p;
}

}  // namespace pchat::server
