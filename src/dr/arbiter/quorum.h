// The automatic mirror failover's decisions, as SQL Server's high-safety mirroring
// with a witness takes them (docs/lab.md, "Automatic failover"). Pure: a mirror agent
// (`pchatctl mirror monitor --store ROLE`, beside one store of the primary/mirror
// pair) probes its own store, its partner and the witness each round, and asks here
// what to do. The same agent is the primary's guard while its store is writable, the
// arbiter while its store is the standby, and brings its store back as the mirror once
// the partner has replaced it.
//
// The rules (each one unit-tested in tests/unit/arbiter_quorum_test.cc):
//  Standby side (the arbiter):
//   - promote only when the primary has been unreachable from here for after_ms, the
//     witness answers and has not seen the primary for after_ms either, automatic
//     failover is on, and the mirror was synchronized when contact was lost: seen
//     synchronized (streaming, sync, the primary's synchronous_standby_names set) within
//     timeout_ms / 2 before the loss, and every round since saw the primary still waiting
//     for it (synchronous_standby_names set, not fenced). A primary dying is often seen
//     for one round still answering with its walsender already gone: every commit it
//     acknowledged still needed this mirror. It can only have gone exposed after
//     timeout_ms without the mirror, hence the half. A mirror that was behind would take
//     back acknowledged messages: refuse, with an alert;
//   - never when the witness does not answer (this side may be the isolated one).
//  Primary side (the guard):
//   - the mirror streams: commits are synchronous (synchronous_standby_names set back
//     when it was cleared);
//   - the mirror is gone: commits wait for it; in high safety, after timeout_ms, the
//     primary goes on exposed only while the witness answers and still holds it as the
//     primary; without the witness (quorum lost) commits are made synchronous again, so
//     that nothing is acknowledged by a primary that may have been replaced; strict
//     mode never goes exposed;
//   - neither the mirror (its agent's probe) nor the witness answers: "isolated", commits
//     wait, even while the walsender still lists the mirror as streaming (a cut link is
//     only noticed by PostgreSQL after wal_sender_timeout);
//   - the witness holds the partner as the primary at a higher epoch than this store's
//     (it granted the partner a promotion), or the partner is writable with a higher
//     epoch: this store has been replaced.
//  Either side:
//   - replaced (partner writable with a higher epoch, or this store died a primary and
//     the partner is writable) for rejoin_after_ms: rejoin as the partner's mirror
//     (pg_rewind), unless
//     automatic failover is off (maintenance): then only make commits wait;
//   - the local postmaster runs but does not answer (stopped, hung): do nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace pchat::dr {

enum class LocalState {
  kPrimary,         // answers, writable
  kStandby,         // answers, in recovery
  kHung,            // its postmaster runs but it does not answer
  kDown,            // not running, and it was a standby (standby.signal), or unknown
  kDownWasPrimary,  // not running: it crashed while it was a primary
};

// What one agent sees in one round.
struct QuorumView {
  int64_t now_ms = 0;  // a monotonic clock
  LocalState local = LocalState::kDown;
  int64_t local_epoch = 0;
  bool synchronous_on = false;     // primary side: synchronous_standby_names is set
  bool partner_streaming = false;  // primary side: the partner streams from us
  bool partner_answers = false;
  bool partner_writable = false;
  int64_t partner_epoch = 0;
  // Standby side: the primary (the partner) names us synchronous and we stream, sync.
  bool synchronized = false;
  // Standby side: the primary's commits wait for us (synchronous_standby_names set, not
  // fenced), whether or not we stream at this instant.
  bool partner_waits_for_us = false;
  bool witness_answers = false;
  int64_t witness_unseen_partner_ms = 0;  // how long the witness has not seen the partner
  std::string witness_primary;            // the store the witness holds as primary
  int64_t witness_primary_epoch = 0;      // ... and the epoch it holds it at
  bool auto_enabled = true;               // `pchatctl mirror auto on|off` (the witness's)
};

struct QuorumSettings {
  std::string local_role;    // "primary" or "mirror" (topology role of this store)
  std::string partner_role;  // the other one
  bool has_witness = false;
  bool strict = false;
  int64_t timeout_ms = 10000;  // mirroring.timeout_s
  int64_t after_ms = 10000;    // mirroring.auto_failover_after_s
  // How long "replaced" must hold before the rejoin: a planned `mirror failover` stops
  // the old primary and restarts it as a standby itself, within this.
  int64_t rejoin_after_ms = 1000;
};

enum class QuorumAction {
  kNone,
  kSynchronous,  // set synchronous_standby_names to the partner (resync, or stop acking)
  kExposed,      // clear it: go on without the mirror (high safety, witness agrees)
  kPromote,      // promote this standby (after the witness grants it)
  kRejoin,       // this store was replaced: rewind it and start it as the partner's mirror
};
const char* to_string(QuorumAction a);

struct QuorumDecision {
  QuorumAction action = QuorumAction::kNone;
  std::string state;  // synchronized, lost, exposed, blocked, isolated, replaced, following,
                      // primary-unreachable, refused, promote, hung, down, rejoin
  bool alert = false;
  std::string why;  // one line for the log and `mirror status`
};

class Quorum {
 public:
  explicit Quorum(QuorumSettings s) : s_(std::move(s)) {}
  QuorumDecision step(const QuorumView& v);
  const QuorumSettings& settings() const { return s_; }

 private:
  QuorumDecision primary_side(const QuorumView& v);
  QuorumDecision standby_side(const QuorumView& v);
  // Primary side, neither the partner nor the witness reachable: "isolated", commits wait.
  QuorumDecision cut_off(const QuorumView& v) const;

  QuorumSettings s_;
  std::optional<int64_t> mirror_lost_since_;   // primary side
  std::optional<int64_t> primary_lost_since_;  // standby side
  std::optional<int64_t> replaced_since_;
  // Standby side: the last round that saw the mirror synchronized, while every round
  // since saw the primary waiting for it.
  std::optional<int64_t> synchronized_seen_ms_;
  bool synchronized_at_loss_ = false;
};

}  // namespace pchat::dr
