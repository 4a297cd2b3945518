"""Automatic mirror failover when the primary is cut off from the mirror and the witness
but still reachable by the servers (docs/lab.md, "Automatic failover").

The lab runs with `--tls`, so every link is TCP, and tests/system/partition.py cuts it:
the primary's PostgreSQL and its mirror agent on one side; the mirror's PostgreSQL, its
agent and the witness on the other; the servers on neither, so they still reach the
primary. The primary cannot know whether it has been replaced: it must stop
acknowledging (commits wait for the mirror) before the mirror is promoted, so that no
message is acknowledged by both. Once the partition heals, the old primary is rewound
into the new primary's mirror, and every acknowledged message is on the new primary."""

from __future__ import annotations

import time

import pytest

from conftest import unique_name
from lab_harness import logs_if_failed
from mirror_pair import (agent_pid, check_nothing_lost, epoch, healthy_pair, other, promoted,
                         stop_watched_lab, synchronized, watched_lab, witness_pid)
from partition import Partition
from pchat_harness import child_pids, wait_until


@pytest.fixture(scope="module")
def lab(bins, base_dir):
    lab = watched_lab(base_dir / unique_name("iso"), "--tls")
    yield lab
    stop_watched_lab(lab)


@pytest.fixture(autouse=True)
def logs_on_failure(request, lab):
    yield
    logs_if_failed(request, lab)


def store_tree(lab, role) -> list:
    pm = lab.postmaster(role)
    assert pm, f"the {role} store is not running"
    return [pm] + child_pids(pm)


def test_isolated_primary_stops_acknowledging_before_the_mirror_is_promoted(lab):
    old, e0, poster = healthy_pair(lab, "iso")
    new = other(old)
    part = Partition(unique_name("iso"))
    try:
        part.side("old", store_tree(lab, old) + [agent_pid(lab, old)])
        part.side("new", store_tree(lab, new) + [agent_pid(lab, new), witness_pid(lab)])
        part.drop("old", [lab.store_port(new), lab.state()["witness_port"]])
        part.drop("new", [lab.store_port(old)])
        t_cut = time.monotonic()
        part.cut()
        wait_until(lambda: promoted(lab, new, e0 + 1), 30, "the mirror promoted at a new epoch")
        t_promoted = time.monotonic()
        # The old primary is still there for the servers: writable, over TCP and TLS, at
        # the old epoch; its agent knows it is cut off.
        assert lab.query_tls(old, "select pg_is_in_recovery(), (select epoch from pool_state)") \
            == [["f", str(e0)]]
        wait_until(lambda: "isolated" in (lab.dir / "jobs" / log_name(old)).read_text(), 10,
                   "the old primary's agent saying it is isolated")
        # Nothing sent after the cut was acknowledged until the partition heals: the old
        # primary's commits wait for a mirror it cannot reach.
        time.sleep(1.0)
        t_heal = time.monotonic()
        during = [b for b, at in poster.acked if poster.sent_at[b] > t_cut + 0.5 and at < t_heal]
        part.heal()
        assert not during, f"acknowledged while the primary was cut off: {during[:5]}"
        wait_until(lambda: synchronized(lab) and promoted(lab, new, e0 + 1), 90,
                   "the old primary rewound into the new primary's mirror")
    finally:
        part.close()
    assert lab.query(old, "select pg_is_in_recovery()") == [["t"]]
    assert epoch(lab, old) == e0 + 1
    acked = poster.finish()
    print(f"\nprimary cut off from mirror and witness: promoted after {t_promoted - t_cut:.1f} s; "
          f"{len(acked)} acknowledged, {poster.refused} refused or unanswered")
    check_nothing_lost(lab, poster, acked)
    late = [b for b, at in poster.acked if at > t_heal]
    assert late, "posting did not resume after the partition healed"
    lab.owners.check()


def log_name(role) -> str:
    return "mirror-monitor.log" if role == "primary" else f"mirror-monitor-{role}.log"
