// A channel (room) as clients see it: members with their prefixes, topic, modes.
// Lives on the event loop; no locks. Messages themselves are in the store.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "server/ban_list.h"

namespace pchat::server {

class Session;
struct RemoteUser;

struct Membership {
  bool op = false;     // '@' (+o)
  bool voice = false;  // '+' (+v)
};

class Channel {
 public:
  explicit Channel(std::string name, int64_t created_at);

  const std::string& name() const { return name_; }
  const std::string& key() const { return folded_; }

  // Members in join order would need more state; NAMES and WHO list by session id,
  // which is stable and cheap.
  std::map<Session*, Membership> members;
  // Members connected to the pool's other servers (server/pool_presence.h).
  std::map<RemoteUser*, Membership> remote;
  std::set<std::string> invited;  // folded nicks invited (+i)

  std::string topic;
  std::string topic_setter;
  int64_t topic_time = 0;
  int64_t created_at = 0;

  // Modes.
  bool invite_only = false;    // +i
  bool secret = false;         // +s
  bool moderated = false;      // +m
  bool topic_ops = true;       // +t
  bool no_external = true;     // +n
  std::string channel_key;     // +k (empty: none)
  int limit = 0;               // +l (0: none)
  MaskList bans;               // +b: may not join, may not speak
  MaskList ban_exceptions;     // +e: a ban does not apply
  MaskList invite_exceptions;  // +I: may join while +i without an invitation

  // Members on every server of the pool.
  size_t population() const { return members.size() + remote.size(); }
  Membership* member(Session* s) {
    auto it = members.find(s);
    return it == members.end() ? nullptr : &it->second;
  }
  // Whether `who` is banned here (+b and no +e matches).
  bool banned(const MaskSubject& who) const {
    return !bans.entries().empty() && bans.matches(who) && !ban_exceptions.matches(who);
  }
  // "+ntk key" style, with parameters only when `show_params`.
  std::string mode_string(bool show_params) const;
  // Highest prefix ("@", "+", ""), or all of them with multi_prefix.
  static std::string prefix_of(const Membership& m, bool multi_prefix);

 private:
  std::string name_;
  std::string folded_;
};

}  // namespace pchat::server
