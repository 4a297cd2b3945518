// What the witness knows (`pchatctl mirror witness`, docs/lab.md "Automatic failover"):
// when it last saw each store of the primary/mirror pair, which one it holds as the
// primary, whether automatic failover is on, the agents' last reports, and the last
// automatic failover it granted. Pure: the witness process feeds it its probes and
// its HTTP requests, and persists to_json() (state()) across restarts.
//
// The witness is the quorum's third vote and the one place a promotion is granted:
// grant() refuses unless automatic failover is on, `from` is the primary it holds,
// it has not seen `from` for after_ms itself, it sees `to`, and no chat store outside
// the pair (the backup, the backup mirror) is writable: then the pool has been failed
// over to the other datacenter, which stays the operator's call (a failback rebuilds
// the pair while its old mirror is still a standby of the old primary), and no operator's
// failover holds it (hold()). Once it grants, it
// holds `to` as the primary, so the old primary's guard, asking it, learns that it
// has been replaced (quorum.h).
//
// Thread safety: none (the witness guards it with a mutex).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace pchat::dr {

struct WitnessGrant {
  bool granted = false;
  std::string why;
};

class WitnessBook {
 public:
  // `stores`: the pair's role names ("primary", "mirror"); `now_ms` a monotonic clock.
  WitnessBook(std::vector<std::string> stores, int64_t after_ms, int64_t now_ms);

  // One probe of a store by the witness.
  void observe(const std::string& store, bool answers, bool writable, int64_t epoch,
               int64_t now_ms);
  // One probe of a chat store outside the pair (backup, backup_mirror).
  void observe_other(const std::string& store, bool answers, bool writable, int64_t epoch);
  // An agent's round (quorum.h): its store, state, action and why.
  void report(const std::string& store, const nlohmann::json& what, int64_t now_ms);
  WitnessGrant grant(const std::string& from, const std::string& to, const std::string& why,
                     int64_t now_ms, const std::string& wall_time);
  void set_auto(bool on) { auto_ = on; }
  // An operator's failover under way (`pchatctl mirror failover`): grant() refuses until
  // `until_ms`, naming `by`, so the mirror agents do not promote a store the operator is
  // switching over. until_ms <= now releases it. Not kept across a restart: a restarted
  // witness grants nothing for after_ms anyway.
  void hold(int64_t until_ms, std::string by);
  // ms the hold has left (0 when there is none).
  int64_t held_ms(int64_t now_ms) const;
  bool auto_enabled() const { return auto_; }
  // ms since the witness last saw `store` answer (since the witness started, if never).
  int64_t unseen_ms(const std::string& store, int64_t now_ms) const;
  const std::string& primary() const { return primary_; }

  // Everything, for GET /witness and `mirror status`.
  nlohmann::json view(int64_t now_ms) const;
  // What survives a restart: auto, primary, epoch, last failover.
  nlohmann::json state() const;
  void restore(const nlohmann::json& state);

 private:
  struct Seen {
    bool answers = false;
    bool writable = false;
    int64_t epoch = 0;
    int64_t last_seen_ms;
  };
  std::map<std::string, Seen> seen_;
  std::map<std::string, Seen> others_;
  std::map<std::string, std::pair<nlohmann::json, int64_t>> reports_;
  int64_t after_ms_;
  bool auto_ = true;
  std::string primary_;  // empty until a probe or a grant says
  int64_t primary_epoch_ = 0;
  nlohmann::json last_failover_;  // null until the first grant
  int64_t hold_until_ms_ = 0;
  std::string hold_by_;
  uint64_t grants_ = 0;
  uint64_t refusals_ = 0;

 public:
  uint64_t grants() const { return grants_; }
  uint64_t refusals() const { return refusals_; }
};

}  // namespace pchat::dr
