// The automatic mirror failover's rules (dr/arbiter/quorum.h), one test per rule.
#include <gtest/gtest.h>

#include "dr/arbiter/quorum.h"

namespace pchat::dr {
namespace {

QuorumSettings mirror_side() {
  return {"mirror", "primary", /*has_witness=*/true, /*strict=*/false, 5000, 1000};
}
QuorumSettings primary_side() {
  return {"primary", "mirror", /*has_witness=*/true, /*strict=*/false, 5000, 1000};
}

// The mirror, following a synchronized primary at t.
QuorumView following(int64_t t) {
  QuorumView v;
  v.now_ms = t;
  v.local = LocalState::kStandby;
  v.local_epoch = 3;
  v.partner_answers = true;
  v.partner_writable = true;
  v.partner_epoch = 3;
  v.synchronized = true;
  v.partner_waits_for_us = true;
  v.witness_answers = true;
  v.witness_primary = "primary";
  return v;
}

// The same mirror at t once the primary is gone from here and from the witness
// (the witness has not seen it for `witness_unseen` ms).
QuorumView primary_gone(int64_t t, int64_t witness_unseen) {
  QuorumView v = following(t);
  v.partner_answers = false;
  v.partner_writable = false;
  v.synchronized = false;
  v.witness_unseen_partner_ms = witness_unseen;
  return v;
}

TEST(ArbiterQuorum, PromotesOnlyAfterTheDelayWhenPrimaryGoneFromBothSides) {
  Quorum q(mirror_side());
  EXPECT_EQ(q.step(following(0)).action, QuorumAction::kNone);
  auto d = q.step(primary_gone(100, 100));
  EXPECT_EQ(d.action, QuorumAction::kNone);
  EXPECT_EQ(d.state, "primary-unreachable");
  EXPECT_EQ(q.step(primary_gone(1000, 1000)).action, QuorumAction::kNone);  // 900 ms
  d = q.step(primary_gone(1100, 1100));
  EXPECT_EQ(d.action, QuorumAction::kPromote) << d.why;
}

TEST(ArbiterQuorum, RefusesWhenTheWitnessStillSeesThePrimary) {
  Quorum q(mirror_side());
  q.step(following(0));
  q.step(primary_gone(100, 0));
  auto d = q.step(primary_gone(5000, 200));
  EXPECT_EQ(d.action, QuorumAction::kNone);
  EXPECT_EQ(d.state, "refused");
  EXPECT_TRUE(d.alert);
  EXPECT_NE(d.why.find("witness saw it"), std::string::npos) << d.why;
}

TEST(ArbiterQuorum, NeverPromotesWhenTheWitnessDoesNotAnswer) {
  Quorum q(mirror_side());
  q.step(following(0));
  q.step(primary_gone(100, 100));
  QuorumView v = primary_gone(60000, 60000);
  v.witness_answers = false;
  auto d = q.step(v);
  EXPECT_EQ(d.action, QuorumAction::kNone);
  EXPECT_EQ(d.state, "refused");
  EXPECT_NE(d.why.find("witness does not answer"), std::string::npos) << d.why;
}

TEST(ArbiterQuorum, RefusesAMirrorThatWasNotSynchronizedWhenContactWasLost) {
  Quorum q(mirror_side());
  QuorumView behind = following(0);
  behind.synchronized = false;  // catching up while the primary runs exposed
  behind.partner_waits_for_us = false;
  q.step(behind);
  q.step(primary_gone(100, 100));
  auto d = q.step(primary_gone(5000, 5000));
  EXPECT_EQ(d.action, QuorumAction::kNone);
  EXPECT_EQ(d.state, "refused");
  EXPECT_NE(d.why.find("not synchronized"), std::string::npos) << d.why;
}

TEST(ArbiterQuorum, SynchronizedStateIsTheOneAtTheMomentOfLoss) {
  // Synchronized before, but the last round that saw the primary saw it exposed: refuse.
  Quorum q(mirror_side());
  q.step(following(0));
  QuorumView behind = following(100);
  behind.synchronized = false;
  behind.partner_waits_for_us = false;
  q.step(behind);
  q.step(primary_gone(200, 200));
  EXPECT_EQ(q.step(primary_gone(5000, 5000)).action, QuorumAction::kNone);
  // A mirror that never saw the primary (agent just started) does not promote either.
  Quorum fresh(mirror_side());
  fresh.step(primary_gone(0, 5000));
  EXPECT_EQ(fresh.step(primary_gone(5000, 10000)).action, QuorumAction::kNone);
}

TEST(ArbiterQuorum, ADyingPrimarySeenWithoutItsWalsenderStillLeavesTheMirrorSynchronized) {
  // kill -9 of the postmaster: for one round the primary still answers (a backend that
  // has not noticed yet) but its walsender is gone. Its commits still waited for us.
  Quorum q(mirror_side());
  q.step(following(0));
  QuorumView dying = following(200);
  dying.synchronized = false;  // no "streaming sync" row any more
  q.step(dying);
  q.step(primary_gone(400, 400));
  auto d = q.step(primary_gone(1500, 1500));
  EXPECT_EQ(d.action, QuorumAction::kPromote) << d.why;
}

TEST(ArbiterQuorum, WaitingWithoutStreamingForHalfTheTimeoutIsNoLongerSynchronized) {
  // The primary may go exposed timeout_ms after it lost the mirror: a synchronized
  // round older than half of it no longer vouches for the mirror.
  Quorum q(mirror_side());
  q.step(following(0));
  for (int64_t t = 200; t <= 2600; t += 200) {
    QuorumView waiting = following(t);
    waiting.synchronized = false;
    q.step(waiting);
  }
  q.step(primary_gone(2800, 2800));
  auto d = q.step(primary_gone(5000, 5000));
  EXPECT_EQ(d.state, "refused") << d.why;
  EXPECT_NE(d.why.find("not synchronized"), std::string::npos) << d.why;
}

TEST(ArbiterQuorum, AMirrorThatHungForgetsItWasSynchronized) {
  // While this store did not answer, the primary may have gone exposed unseen.
  Quorum q(mirror_side());
  q.step(following(0));
  QuorumView hung = following(100);
  hung.local = LocalState::kHung;
  q.step(hung);
  q.step(primary_gone(200, 200));
  EXPECT_EQ(q.step(primary_gone(5000, 5000)).action, QuorumAction::kNone);
}

TEST(ArbiterQuorum, RefusesWhenAutomaticFailoverIsOff) {
  Quorum q(mirror_side());
  q.step(following(0));
  q.step(primary_gone(100, 100));
  QuorumView v = primary_gone(5000, 5000);
  v.auto_enabled = false;
  auto d = q.step(v);
  EXPECT_EQ(d.action, QuorumAction::kNone);
  EXPECT_NE(d.why.find("automatic failover is off"), std::string::npos);
  v.auto_enabled = true;
  EXPECT_EQ(q.step(v).action, QuorumAction::kPromote);
}

TEST(ArbiterQuorum, NoWitnessInTheTopologyMeansNoAutomaticFailover) {
  auto s = mirror_side();
  s.has_witness = false;
  Quorum q(s);
  q.step(following(0));
  q.step(primary_gone(100, 100));
  EXPECT_EQ(q.step(primary_gone(60000, 60000)).action, QuorumAction::kNone);
}

TEST(ArbiterQuorum, ThePrimaryComingBackResetsTheDelay) {
  Quorum q(mirror_side());
  q.step(following(0));
  q.step(primary_gone(100, 100));
  q.step(following(900));  // flapping: back before the delay
  q.step(primary_gone(1000, 100));
  EXPECT_EQ(q.step(primary_gone(1500, 1000)).action, QuorumAction::kNone);  // 500 ms only
  EXPECT_EQ(q.step(primary_gone(2000, 1500)).action, QuorumAction::kPromote);
}

// Primary side.
QuorumView primary_ok(int64_t t) {
  QuorumView v;
  v.now_ms = t;
  v.local = LocalState::kPrimary;
  v.local_epoch = 3;
  v.synchronous_on = true;
  v.partner_streaming = true;
  v.partner_answers = true;
  v.partner_writable = false;
  v.partner_epoch = 3;
  v.witness_answers = true;
  v.witness_primary = "primary";
  return v;
}

QuorumView mirror_gone(int64_t t) {
  QuorumView v = primary_ok(t);
  v.partner_streaming = false;
  v.partner_answers = false;
  return v;
}

TEST(ArbiterQuorum, PrimaryGoesExposedAfterTheTimeoutOnlyWithTheWitness) {
  Quorum q(primary_side());
  EXPECT_EQ(q.step(primary_ok(0)).state, "synchronized");
  auto d = q.step(mirror_gone(100));
  EXPECT_EQ(d.action, QuorumAction::kNone);
  EXPECT_EQ(d.state, "lost");
  d = q.step(mirror_gone(5100));
  EXPECT_EQ(d.action, QuorumAction::kExposed) << d.why;
}

TEST(ArbiterQuorum, PrimaryThatLosesMirrorAndWitnessStopsAcknowledging) {
  Quorum q(primary_side());
  q.step(primary_ok(0));
  QuorumView v = mirror_gone(100);
  v.witness_answers = false;
  auto d = q.step(v);
  EXPECT_EQ(d.state, "isolated");
  EXPECT_EQ(d.action, QuorumAction::kNone);  // synchronous already: commits wait
  v.now_ms = 60000;
  EXPECT_EQ(q.step(v).action, QuorumAction::kNone);  // never exposed without the witness
  // Already exposed (the mirror went first), then the witness goes: synchronous again.
  v.synchronous_on = false;
  d = q.step(v);
  EXPECT_EQ(d.action, QuorumAction::kSynchronous);
  EXPECT_EQ(d.state, "isolated");
}

TEST(ArbiterQuorum, PrimaryCutOffWhileItsWalsenderStillStreamsIsIsolated) {
  // A network partition: the walsender has not noticed yet, the probes have.
  Quorum q(primary_side());
  q.step(primary_ok(0));
  QuorumView v = primary_ok(100);
  v.partner_answers = false;
  v.witness_answers = false;
  auto d = q.step(v);
  EXPECT_EQ(d.state, "isolated");
  EXPECT_TRUE(d.alert);
  EXPECT_EQ(d.action, QuorumAction::kNone);  // synchronous already: commits wait
  v.synchronous_on = false;                  // exposed before the cut: synchronous again
  EXPECT_EQ(q.step(v).action, QuorumAction::kSynchronous);
  // Only the witness gone, the mirror still answering and streaming: synchronized.
  v = primary_ok(200);
  v.witness_answers = false;
  EXPECT_EQ(q.step(v).state, "synchronized");
}

TEST(ArbiterQuorum, StrictModeNeverGoesExposed) {
  auto s = primary_side();
  s.strict = true;
  Quorum q(s);
  q.step(primary_ok(0));
  q.step(mirror_gone(100));
  auto d = q.step(mirror_gone(60000));
  EXPECT_EQ(d.action, QuorumAction::kNone);
  EXPECT_EQ(d.state, "blocked");
  QuorumView v = mirror_gone(60100);
  v.synchronous_on = false;
  EXPECT_EQ(q.step(v).action, QuorumAction::kSynchronous);
}

TEST(ArbiterQuorum, WithoutWitnessThePrimaryGoesExposedAsBefore) {
  auto s = primary_side();
  s.has_witness = false;
  Quorum q(s);
  q.step(primary_ok(0));
  QuorumView v = mirror_gone(100);
  v.witness_answers = false;
  q.step(v);
  v.now_ms = 5100;
  EXPECT_EQ(q.step(v).action, QuorumAction::kExposed);
}

TEST(ArbiterQuorum, MirrorStreamingAgainMakesCommitsSynchronousAgain) {
  Quorum q(primary_side());
  QuorumView v = primary_ok(0);
  v.synchronous_on = false;  // exposed
  auto d = q.step(v);
  EXPECT_EQ(d.action, QuorumAction::kSynchronous);
  EXPECT_EQ(d.state, "synchronized");
}

TEST(ArbiterQuorum, PrimaryReplacedInTheWitnessNeverGoesExposed) {
  Quorum q(primary_side());
  q.step(primary_ok(0));
  QuorumView v = mirror_gone(100);
  v.witness_primary = "mirror";  // granted to the mirror while this primary was hung
  v.witness_primary_epoch = 4;
  q.step(v);
  v.now_ms = 60000;
  auto d = q.step(v);
  EXPECT_EQ(d.action, QuorumAction::kNone);
  EXPECT_EQ(d.state, "replaced");
  v.synchronous_on = false;
  EXPECT_EQ(q.step(v).action, QuorumAction::kSynchronous);
}

TEST(ArbiterQuorum, AStaleWitnessViewDoesNotMakeANewPrimaryWait) {
  // An operator's failover: the witness still holds the old store at the old epoch
  // until it sees the new epoch; the new primary is not "replaced" by that.
  Quorum q(primary_side());
  QuorumView v = mirror_gone(0);
  v.witness_primary = "mirror";
  v.witness_primary_epoch = 3;  // == local_epoch
  EXPECT_EQ(q.step(v).state, "lost");
  v.now_ms = 5000;
  EXPECT_EQ(q.step(v).action, QuorumAction::kExposed);
}

TEST(ArbiterQuorum, OldPrimaryWithLowerEpochRejoins) {
  Quorum q(primary_side());
  QuorumView v = primary_ok(0);
  v.partner_writable = true;  // promoted while this one was stopped
  v.partner_streaming = false;
  v.partner_epoch = 4;
  auto d = q.step(v);
  EXPECT_EQ(d.state, "replaced");  // not at once: a planned failover restarts it itself
  v.now_ms = 1000;
  d = q.step(v);
  EXPECT_EQ(d.action, QuorumAction::kRejoin) << d.why;
  // Same epoch (a promotion whose epoch is not written yet): not yet.
  v.partner_epoch = 3;
  EXPECT_NE(q.step(v).action, QuorumAction::kRejoin);
  // Automatic failover off (maintenance): no rejoin, commits only made to wait.
  v.partner_epoch = 4;
  v.auto_enabled = false;
  v.synchronous_on = false;
  auto off = q.step(v);
  EXPECT_EQ(off.action, QuorumAction::kSynchronous);
  EXPECT_EQ(off.state, "replaced");
}

TEST(ArbiterQuorum, DeadPrimaryRejoinsOnceThePartnerIsWritable) {
  Quorum q(primary_side());
  QuorumView v;
  v.now_ms = 0;
  v.local = LocalState::kDownWasPrimary;
  v.witness_answers = true;
  EXPECT_EQ(q.step(v).state, "down");  // the mirror is not promoted yet
  v.partner_answers = true;
  v.partner_writable = true;
  v.partner_epoch = 4;
  EXPECT_EQ(q.step(v).action, QuorumAction::kNone);
  v.now_ms = 500;
  v.local = LocalState::kDown;  // a planned failover made it a standby meanwhile
  EXPECT_EQ(q.step(v).action, QuorumAction::kNone);
  v.local = LocalState::kDownWasPrimary;
  v.now_ms = 1000;
  EXPECT_EQ(q.step(v).action, QuorumAction::kNone);  // the delay starts again
  v.now_ms = 2000;
  EXPECT_EQ(q.step(v).action, QuorumAction::kRejoin);
}

TEST(ArbiterQuorum, DeadStandbyIsLeftAlone) {
  Quorum q(mirror_side());
  QuorumView v;
  v.local = LocalState::kDown;
  v.partner_answers = true;
  v.partner_writable = true;
  v.partner_epoch = 3;
  auto d = q.step(v);
  EXPECT_EQ(d.action, QuorumAction::kNone);
  EXPECT_EQ(d.state, "down");
}

TEST(ArbiterQuorum, HungLocalStoreIsLeftAlone) {
  Quorum q(primary_side());
  QuorumView v = primary_ok(0);
  v.local = LocalState::kHung;
  v.partner_writable = true;
  v.partner_epoch = 9;
  auto d = q.step(v);
  EXPECT_EQ(d.action, QuorumAction::kNone);
  EXPECT_EQ(d.state, "hung");
}

}  // namespace
}  // namespace pchat::dr
