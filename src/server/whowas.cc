#include "server/whowas.h"

#include "irc/casemap.h"

namespace pchat::server {

void WhowasHistory::record(WhowasEntry entry) {
  if (capacity_ == 0) return;
  entries_.push_back(std::move(entry));
  while (entries_.size() > capacity_) entries_.pop_front();
}

std::vector<const WhowasEntry*> WhowasHistory::find(std::string_view nick, int count) const {
  const std::string pattern = irc::fold(nick);
  const bool mask = pattern.find_first_of("*?") != std::string::npos;
  std::vector<const WhowasEntry*> out;
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (count > 0 && static_cast<int>(out.size()) >= count) break;
    const std::string folded = irc::fold(it->nick);
    if (mask ? irc::glob_match(pattern, folded) : folded == pattern) out.push_back(&*it);
  }
  return out;
}

}  // namespace pchat::server
