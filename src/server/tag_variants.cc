#include "server/tag_variants.h"

namespace pchat::server {

int tag_variant(bool message_tags, bool server_time, bool account_tag) {
  if (message_tags) return kVarTags;
  return (server_time ? kVarTime : 0) | (account_tag ? kVarAccount : 0);
}

irc::Message for_variant(const irc::Message& m, int v) {
  irc::Message copy = m;
  if (v & kVarTags) return copy;
  std::erase_if(copy.tags, [v](const irc::Tag& t) {
    return !((t.key == "time" && (v & kVarTime)) || (t.key == "account" && (v & kVarAccount)));
  });
  return copy;
}

const std::string& VariantLines::line(int v) {
  std::string& out = lines_.at(static_cast<size_t>(v));
  if (out.empty()) irc::append_line(out, (v & kVarTags) ? m_ : for_variant(m_, v));
  return out;
}

std::string stored_tags(const std::vector<irc::Tag>& client_tags) {
  std::string out;
  for (const auto& t : client_tags) {
    if (!out.empty()) out.push_back(';');
    out += t.key;
    if (!t.value.empty()) {
      out.push_back('=');
      irc::append_escaped_tag_value(out, t.value);
    }
  }
  return out;
}

}  // namespace pchat::server
