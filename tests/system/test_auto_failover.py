"""Automatic mirror failover with a witness, in the lab (docs/lab.md, "Automatic failover").

`pchatctl lab up` starts a witness (datacenter W) and a mirror agent beside each store
of the primary/mirror pair. One lab is shared by the tests of this module (each test
starts from whichever store is the primary now and leaves the pair synchronized), and a
poster posts through datacenter A's server during each fault. Every test checks that
every acknowledged message is on the primary afterwards (and on the mirror once it is
synchronized).

- kill -9 of the primary's postmaster: the mirror is promoted with no command, posting
  resumes on the same server, the old primary comes back as the synchronous mirror
  (pg_rewind) within a minute: `pchatctl status` says "synchronized";
- SIGSTOP of the primary (a hung machine), SIGCONT after the promotion: the old primary
  never acknowledges at the old epoch; it is rewound into the new primary's mirror;
- the witness down: no failover (an alert); back: the failover happens;
- an operator's `mirror failover` holds automatic failover at the witness while it runs,
  and a hold its command left behind ends by itself;
- the mirror down: the primary continues per `mode` (high safety: exposed after
  timeout_s), and is synchronous again once the mirror is back;
- the witness and the mirror flapping (stopped and resumed again and again, each time
  shorter than the delays that would act): no failover, nothing lost, synchronized;
- the witness's endpoint refuses anyone without the admin token, and takes a new one
  on SIGHUP.

All along, a watch checks that no two stores ever accepted writes at the same epoch."""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.error
import urllib.request

import pytest

from conftest import unique_name
from lab_harness import logs_if_failed
from mirror_pair import (PAIR, bodies, check_nothing_lost, epoch, healthy_pair, other, promoted,
                         start_poster, stop_watched_lab, synchronized, watched_lab, witness_pid,
                         writable)
from pchat_harness import (continue_processes, kill_leftover_postmaster, process_tree_stopped,
                           stop_processes, wait_until)

@pytest.fixture(scope="module")
def lab(bins, base_dir):
    lab = watched_lab(base_dir / unique_name("auto"))
    yield lab
    stop_watched_lab(lab)


@pytest.fixture(autouse=True)
def one_writer_per_epoch(request, lab):
    """After every test: no epoch was accepted by two stores (EpochOwners); the lab's
    logs if it failed."""
    yield
    logs_if_failed(request, lab)
    lab.owners.check()


def test_kill_9_of_the_primary_fails_over_and_brings_it_back_as_the_mirror(lab):
    old, e0, poster = healthy_pair(lab, "k9")
    pid = lab.postmaster(old)
    t0 = time.monotonic()
    os.kill(pid, signal.SIGKILL)  # the postmaster only: its backends notice and exit
    # Posting resumes on the same server, with no command.
    rto = wait_until(lambda: poster.first_ack_after(t0), 30, "an acknowledgement after the kill") - t0
    new = other(old)
    wait_until(lambda: promoted(lab, new, e0 + 1), 10, "the new epoch on the promoted mirror")
    # Within a minute the old primary is the synchronous mirror again.
    wait_until(lambda: synchronized(lab), 60, "the old primary back as the synchronous mirror")
    back = time.monotonic() - t0
    assert lab.query(old, "select pg_is_in_recovery()") == [["t"]]
    status = lab.ctl("status").stdout
    assert "synchronized" in status, status
    time.sleep(0.5)
    acked = poster.finish()
    print(f"\nkill -9 of the primary: first acknowledgement on the new primary after {rto:.2f} s, "
          f"old primary synchronized after {back:.1f} s; {len(acked)} acknowledged")
    check_nothing_lost(lab, poster, acked)
    ms = lab.mirror_status()
    q = ms["quorum"]
    assert q["last_failover"]["from"] == old and q["last_failover"]["to"] == new, q
    assert "automatic failover" in lab.ctl("mirror", "status").stdout
    log = (lab.dir / "jobs" / ("mirror-monitor.log" if new == "primary" else "mirror-monitor-mirror.log")).read_text()
    assert "AUTOMATIC FAILOVER" in log


def test_stopped_primary_never_acknowledges_at_the_old_epoch_after_sigcont(lab):
    old, e0, poster = healthy_pair(lab, "st")
    new = other(old)
    with process_tree_stopped(lab.postmaster(old)):
        t_stop = time.monotonic()
        wait_until(lambda: promoted(lab, new, e0 + 1), 30, "the mirror promoted at a new epoch")
    t_cont = time.monotonic()
    # From SIGCONT on, whatever the old primary does, nothing is acknowledged there at the
    # old epoch: it ends a standby of the new primary (rewound), and every acknowledged
    # message is on the new primary.
    wait_until(lambda: synchronized(lab) and promoted(lab, new, e0 + 1), 60,
               "the old primary rewound into the new primary's mirror")
    assert lab.query(old, "select pg_is_in_recovery()") == [["t"]]
    assert epoch(lab, old) == e0 + 1  # it follows the new primary's timeline
    acked = poster.finish()
    print(f"\nSIGSTOP of the primary: promoted within {t_cont - t_stop:.1f} s; "
          f"{len(acked)} acknowledged, {poster.refused} refused or unanswered")
    check_nothing_lost(lab, poster, acked)
    # Acknowledged after SIGCONT means acknowledged by the new primary: on it.
    late = [t for t, at in poster.acked if at > t_cont]
    assert late and set(late) <= bodies(lab, new, poster.channel)


def test_witness_down_means_no_failover_and_an_alert(lab):
    wait_until(lambda: synchronized(lab), 60, "the pair synchronized")
    old = writable(lab)
    e0 = epoch(lab, old)
    os.kill(witness_pid(lab), signal.SIGKILL)
    wait_until(lambda: lab.mirror_status()["quorum"]["alert"] is True, 15, "the quorum alert")
    assert "does not answer" in lab.ctl("mirror", "status").stdout
    kill_leftover_postmaster(lab.store_dir(old))
    time.sleep(4.0)  # the lab fails over after 1 s; without the witness, never
    new = other(old)
    assert lab.query(new, "select pg_is_in_recovery()") == [["t"]], "promoted without the witness"
    log = (lab.dir / "jobs" / ("mirror-monitor-mirror.log" if new == "mirror" else "mirror-monitor.log")).read_text()
    assert "the witness does not answer: no failover" in log
    # The witness back: the failover happens, then the old primary rejoins.
    lab.start_dc("W")
    wait_until(lambda: promoted(lab, new, e0 + 1), 30, "the failover")
    poster_after = start_poster(lab, "wb")
    wait_until(lambda: synchronized(lab), 60, "the old primary back as the mirror")
    acked = poster_after.finish()
    check_nothing_lost(lab, poster_after, acked)


def witness_call(lab, path, body=None, token=None):
    """GET ``path`` of the witness, or POST ``body`` to it, with ``token`` (the pool's admin
    token by default): (HTTP status, JSON)."""
    port = lab.state()["witness_port"]
    token = token or (lab.topology.parent / "admin-token").read_text().strip()
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}",
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def agent_log(lab, store):
    return (lab.dir / "jobs" / ("mirror-monitor-mirror.log" if store == "mirror"
                                else "mirror-monitor.log")).read_text()


def test_an_operators_failover_holds_automatic_failover(lab):
    # The planned switch-over stops the primary for a moment; the witness grants the
    # agents nothing meanwhile, so the operator's command is the one that promotes.
    old, e0, poster = healthy_pair(lab, "pl")
    new = other(old)
    grants = lab.mirror_status()["quorum"]["grants"]
    out = lab.ctl("mirror", "failover").stdout
    assert "automatic failover held at the witness" in out, out
    assert "promoted meanwhile" not in out, out
    log = (lab.dir / "jobs" / "witness.log").read_text()
    assert "held for 180 s by" in log and "hold on automatic failover released by" in log, log
    q = lab.mirror_status()["quorum"]
    assert q["grants"] == grants and q["hold"] is None, q
    wait_until(lambda: synchronized(lab) and promoted(lab, new, e0 + 1), 60,
               "the old primary back as the synchronous mirror")
    acked = poster.finish()
    check_nothing_lost(lab, poster, acked)

    # A hold left behind by a failover command that died: while it lasts the primary's
    # death promotes nothing; then it ends by itself and the failover happens.
    assert witness_call(lab, "/hold", {"seconds": 601})[0] == 400
    poster = start_poster(lab, "ph")
    t_hold = time.monotonic()
    status, view = witness_call(lab, "/hold", {"seconds": 8, "by": "a command that died"})
    assert status == 200 and view["hold"]["by"] == "a command that died", view
    kill_leftover_postmaster(lab.store_dir(new))
    time.sleep(max(0.0, t_hold + 5.0 - time.monotonic()))  # 4 s past the lab's 1 s delay
    assert lab.query(old, "select pg_is_in_recovery()") == [["t"]], "promoted during the hold"
    assert "an operator's failover is under way (a command that died)" in agent_log(lab, old)
    wait_until(lambda: promoted(lab, old, e0 + 2), 30, "the failover once the hold ended")
    assert time.monotonic() - t_hold >= 7.0
    wait_until(lambda: synchronized(lab), 60, "the killed primary back as the mirror")
    acked = poster.finish()
    check_nothing_lost(lab, poster, acked)


def test_mirror_down_primary_continues_exposed_then_resynchronizes(lab):
    primary, e0, poster = healthy_pair(lab, "md")
    mirror = other(primary)
    kill_leftover_postmaster(lab.store_dir(mirror))
    t0 = time.monotonic()
    # High safety: commits wait timeout_s (5 s in the lab), then go on exposed.
    wait_until(lambda: any(t > t0 + 1.0 for _, t in poster.acked) and
               lab.mirror_status()["state"] == "exposed", 30, "the primary exposed")
    assert writable(lab) == primary and epoch(lab, primary) == e0  # no failover
    lab.start_dc("A")  # the mirror as it was on disk
    wait_until(lambda: synchronized(lab), 60, "synchronous again")
    acked = poster.finish()
    check_nothing_lost(lab, poster, acked)


def stop_for(pids, seconds):
    """SIGSTOP ``pids`` for ``seconds``; every one stopped is continued whatever happens."""
    stopped = stop_processes(pids)
    try:
        time.sleep(seconds)
    finally:
        continue_processes(stopped)


def test_witness_and_mirror_flapping_cause_no_failover_and_lose_nothing(lab):
    primary, e0, poster = healthy_pair(lab, "fl")
    mirror = other(primary)
    flaps = 0
    for _ in range(8):
        # The mirror (its postmaster and every backend): commits wait meanwhile; 0.6 s is
        # far below the lab's timeout_s (5 s) before the primary would go on exposed.
        with process_tree_stopped(lab.postmaster(mirror)):
            time.sleep(0.6)
        # The witness: the agents cannot report; nothing is decided without it.
        stop_for([witness_pid(lab)], 0.6)
        flaps += 2
        time.sleep(0.3)
    wait_until(lambda: synchronized(lab), 60, "the pair synchronized after the flapping")
    assert writable(lab) == primary and epoch(lab, primary) == e0, "a failover happened"
    acked = poster.finish()
    print(f"\n{flaps} flaps of the mirror and the witness: {len(acked)} acknowledged, "
          f"{poster.refused} refused or unanswered, no failover")
    assert len(acked) > 10
    check_nothing_lost(lab, poster, acked)


def test_the_witness_endpoint_needs_the_admin_token(lab):
    port = lab.state()["witness_port"]
    url = f"http://127.0.0.1:{port}"
    for path, data in (("/witness", None), ("/grant", b'{"from":"primary","to":"mirror"}'),
                       ("/auto", b'{"enabled":false}'), ("/hold", b'{"seconds":60}')):
        for headers in ({}, {"Authorization": "Bearer not-the-token"}):
            req = urllib.request.Request(url + path, data=data, headers=headers)
            with pytest.raises(urllib.error.HTTPError) as e:
                urllib.request.urlopen(req, timeout=5)
            assert e.value.code == 401, (path, headers)
    # /metrics is open (scrapers), and says what the witness sees.
    with urllib.request.urlopen(url + "/metrics", timeout=5) as r:
        body = r.read().decode()
    assert 'pchat_witness_sees{store="primary"}' in body and "pchat_witness_auto_enabled 1" in body
    # SIGHUP makes the witness read the token file again: the old token is refused, the
    # new one (which the agents and pchatctl read from the same file) accepted.
    token_file = lab.topology.parent / "admin-token"
    old_token = token_file.read_text().strip()
    new_token = "rotated-" + unique_name("tok")

    def witness_says(token):
        return witness_call(lab, "/witness", token=token)[0]

    assert witness_says(old_token) == 200
    try:
        token_file.write_text(new_token + "\n")
        os.kill(witness_pid(lab), signal.SIGHUP)
        wait_until(lambda: witness_says(new_token) == 200, 10, "the witness taking the new token")
        assert witness_says(old_token) == 401
        assert "admin token rotated" in (lab.dir / "jobs" / "witness.log").read_text()
    finally:
        token_file.write_text(old_token + "\n")
        os.kill(witness_pid(lab), signal.SIGHUP)
        wait_until(lambda: witness_says(old_token) == 200, 10, "the witness back on the old token")
    # The operator's way, with the token: off, then on again.
    assert "OFF" in lab.ctl("mirror", "auto", "off").stdout
    assert lab.mirror_status()["quorum"]["auto"] is False
    assert "ON" in lab.ctl("mirror", "auto", "on").stdout
    q = json.loads(lab.ctl("mirror", "status", "--json").stdout)["quorum"]
    assert q["auto"] is True and set(q["agents"]) == set(PAIR)
