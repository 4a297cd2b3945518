#include "dr/arbiter/quorum.h"

namespace pchat::dr {

const char* to_string(QuorumAction a) {
  switch (a) {
    case QuorumAction::kNone:
      return "none";
    case QuorumAction::kSynchronous:
      return "synchronous";
    case QuorumAction::kExposed:
      return "exposed";
    case QuorumAction::kPromote:
      return "promote";
    case QuorumAction::kRejoin:
      return "rejoin";
  }
  return "?";
}

namespace {

QuorumDecision decide(QuorumAction a, std::string state, bool alert, std::string why) {
  return {a, std::move(state), alert, std::move(why)};
}

std::string ms(int64_t v) {
  return std::to_string(v) + " ms";
}

}  // namespace

QuorumDecision Quorum::step(const QuorumView& v) {
  const bool partner_primary = v.partner_answers && v.partner_writable;
  if (v.local == LocalState::kHung) {
    mirror_lost_since_.reset();
    synchronized_seen_ms_.reset();  // what the primary did meanwhile was not seen
    return decide(QuorumAction::kNone, "hung", true,
                  "the " + s_.local_role +
                      " store's postmaster runs but does not answer: nothing is done until it "
                      "answers");
  }
  // Replaced: the partner is the primary at a higher epoch (or this store died a
  // primary and the partner is writable now): come back as its mirror.
  const bool replaced =
      partner_primary && (v.local == LocalState::kDownWasPrimary ||
                          (v.local == LocalState::kPrimary && v.partner_epoch > v.local_epoch));
  if (!replaced) replaced_since_.reset();
  if (replaced && !replaced_since_) replaced_since_ = v.now_ms;
  if (replaced) {
    if (!v.auto_enabled) {
      const bool ack_off = v.local != LocalState::kPrimary || v.synchronous_on;
      return decide(ack_off ? QuorumAction::kNone : QuorumAction::kSynchronous, "replaced", true,
                    "the " + s_.partner_role + " is the primary (epoch " +
                        std::to_string(v.partner_epoch) +
                        "); automatic failover is off: rebuild the " + s_.local_role +
                        " as its mirror by hand (`pchatctl mirror install --drop-existing`)");
    }
    if (v.now_ms - *replaced_since_ < s_.rejoin_after_ms) {
      const bool ack_off = v.local != LocalState::kPrimary || v.synchronous_on;
      return decide(ack_off ? QuorumAction::kNone : QuorumAction::kSynchronous, "replaced", true,
                    "the " + s_.partner_role + " is the primary (epoch " +
                        std::to_string(v.partner_epoch) + "): the " + s_.local_role +
                        " rejoins as its mirror in " +
                        ms(s_.rejoin_after_ms - (v.now_ms - *replaced_since_)));
    }
    return decide(QuorumAction::kRejoin, "rejoin", true,
                  "the " + s_.partner_role + " is the primary (epoch " +
                      std::to_string(v.partner_epoch) + "): the " + s_.local_role +
                      " comes back as its mirror");
  }
  switch (v.local) {
    case LocalState::kPrimary:
      primary_lost_since_.reset();
      return primary_side(v);
    case LocalState::kStandby:
      mirror_lost_since_.reset();
      return standby_side(v);
    default:
      mirror_lost_since_.reset();
      primary_lost_since_.reset();
      synchronized_seen_ms_.reset();
      return decide(QuorumAction::kNone, "down", true,
                    "the " + s_.local_role + " store is down" +
                        (v.local == LocalState::kDownWasPrimary
                             ? " (it was the primary; no writable partner to rejoin yet)"
                             : ""));
  }
}

QuorumDecision Quorum::primary_side(const QuorumView& v) {
  // A grant (or the partner seen writable at a higher epoch), not a stale view: after an
  // operator's failover the witness holds the old primary until it sees the new epoch.
  const bool replaced_by_witness = s_.has_witness && v.witness_answers &&
                                   v.witness_primary == s_.partner_role &&
                                   v.witness_primary_epoch > v.local_epoch;
  if (replaced_by_witness) {
    // The witness granted the partner the primary role: whatever the partner looks
    // like from here, nothing may be acknowledged on this store any more.
    return decide(v.synchronous_on ? QuorumAction::kNone : QuorumAction::kSynchronous, "replaced",
                  true,
                  "the witness holds the " + s_.partner_role +
                      " as the primary: commits here wait (never acknowledged)");
  }
  const bool isolated = s_.has_witness && !v.witness_answers;
  // Cut off from both: the walsender may still list the mirror as streaming (it only
  // learns that the link is dead after wal_sender_timeout), but nothing it sends is
  // confirmed any more. Commits wait, whatever the partner side decides meanwhile.
  if (isolated && !v.partner_answers) return cut_off(v);
  if (v.partner_streaming) {
    mirror_lost_since_.reset();
    if (!v.synchronous_on) {
      return decide(QuorumAction::kSynchronous, "synchronized", false,
                    "the " + s_.partner_role + " streams again: commits are synchronous again");
    }
    return decide(QuorumAction::kNone, "synchronized", false,
                  "every commit is on the " + s_.partner_role + " before it is acknowledged");
  }
  if (!mirror_lost_since_) mirror_lost_since_ = v.now_ms;
  const int64_t lost_ms = v.now_ms - *mirror_lost_since_;
  if (s_.strict) {
    return decide(v.synchronous_on ? QuorumAction::kNone : QuorumAction::kSynchronous, "blocked",
                  true,
                  "the " + s_.partner_role +
                      " is gone and the mode is strict: commits wait until it is back");
  }
  if (isolated) return cut_off(v);
  if (!v.synchronous_on) {
    return decide(
        QuorumAction::kNone, "exposed", true,
        "the primary runs EXPOSED: commits are acknowledged without the " + s_.partner_role);
  }
  if (lost_ms >= s_.timeout_ms) {
    return decide(
        QuorumAction::kExposed, "exposed", true,
        "the " + s_.partner_role + " has been gone for " + ms(lost_ms) +
            (s_.has_witness ? " and the witness agrees the " + s_.local_role + " is the primary"
                            : "") +
            ": the primary goes on EXPOSED");
  }
  return decide(QuorumAction::kNone, "lost", true,
                "the " + s_.partner_role + " is gone for " + ms(lost_ms) +
                    ": commits wait; exposed after " + ms(s_.timeout_ms));
}

QuorumDecision Quorum::cut_off(const QuorumView& v) const {
  return decide(v.synchronous_on ? QuorumAction::kNone : QuorumAction::kSynchronous, "isolated",
                true,
                "the " + s_.local_role + " sees neither the " + s_.partner_role +
                    " nor the witness: commits wait (never acknowledged) until one is back");
}

QuorumDecision Quorum::standby_side(const QuorumView& v) {
  if (v.partner_answers && v.partner_writable) {
    primary_lost_since_.reset();
    if (v.synchronized) {
      synchronized_seen_ms_ = v.now_ms;
    } else if (!v.partner_waits_for_us) {
      synchronized_seen_ms_.reset();  // it acknowledges without us (exposed, fenced)
    }
    return decide(QuorumAction::kNone, "following", false,
                  "the " + s_.partner_role + " is the primary; this mirror is " +
                      (v.synchronized ? "synchronized" : "not synchronized"));
  }
  if (!primary_lost_since_) {
    primary_lost_since_ = v.now_ms;
    synchronized_at_loss_ =
        synchronized_seen_ms_ && v.now_ms - *synchronized_seen_ms_ <= s_.timeout_ms / 2;
  }
  const int64_t lost_ms = v.now_ms - *primary_lost_since_;
  const std::string lost = "the " + s_.partner_role + " has been unreachable for " + ms(lost_ms);
  if (!s_.has_witness) {
    return decide(QuorumAction::kNone, "primary-unreachable", true,
                  lost +
                      "; no witness in the topology: no automatic failover (`pchatctl mirror "
                      "failover --force` is the operator's call)");
  }
  if (lost_ms < s_.after_ms) {
    return decide(QuorumAction::kNone, "primary-unreachable", true,
                  lost + " (automatic failover after " + ms(s_.after_ms) + ")");
  }
  if (!v.witness_answers) {
    return decide(QuorumAction::kNone, "refused", true,
                  lost +
                      ", but the witness does not answer: no failover (this side may be the "
                      "isolated one)");
  }
  if (!v.auto_enabled) {
    return decide(QuorumAction::kNone, "refused", true,
                  lost + ", but automatic failover is off (`pchatctl mirror auto on`)");
  }
  if (v.witness_unseen_partner_ms < s_.after_ms) {
    return decide(QuorumAction::kNone, "refused", true,
                  lost + ", but the witness saw it " + ms(v.witness_unseen_partner_ms) +
                      " ago: no failover while the witness sees the primary");
  }
  if (!synchronized_at_loss_) {
    return decide(QuorumAction::kNone, "refused", true,
                  lost +
                      ", but this mirror was not synchronized when contact was lost: "
                      "promoting it could take back acknowledged messages (no failover; "
                      "`pchatctl mirror failover --force` is the operator's call)");
  }
  return decide(QuorumAction::kPromote, "promote", true,
                lost + " and from the witness for " + ms(v.witness_unseen_partner_ms) +
                    "; this mirror was synchronized when contact was lost: promoting it");
}

}  // namespace pchat::dr
