"""Log shipping on PostgreSQL, in the lab.

Backup job: the primary's archive_command is `pchatctl logship archive-wal`; copy
job: `pchatctl logship copy-job` in datacenter B; restore job: the backup store,
a standby whose restore_command reads the copy destination.

Acceptance shown here:
- under continuous load the chain on the share (and in the copy destination) has no
  gap, and every copied file matches its recorded checksum;
- a message acknowledged at time t is replayed on the backup store within the window
  (archive_timeout 1 s + copy 0.2 s + restore poll 0.2 s + slack); the distribution
  is printed;
- a corrupted, truncated, missing or foreign file in the share is reported by the copy
  job and `logship status`, never copied nor applied, and shipping resumes once the
  file is repaired;
- `logship status` figures match the files and the stores."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import signal
import statistics
import threading
import time

import pytest

from irc_client import IrcClient
from lab_harness import LabError
from pchat_harness import wait_until

TIMEOUT = 20.0
SEGSIZE = 1 << 20
# archive_timeout_s + copy_interval_ms + restore_poll_ms of the lab topology, plus
# slack for an ASan build on a shared machine.
WINDOW_S = 1.0 + 0.2 + 0.2 + 1.6


def manifest(folder) -> list:
    path = folder / "pchat-manifest.jsonl"
    if not path.exists():
        return []
    return [json.loads(l) for l in path.read_text().splitlines() if l.strip()]


def segments(records) -> list:
    """Segment numbers (timeline 1) of complete segments, in record order."""
    out = []
    for r in records:
        n = r["name"]
        if len(n) == 24 and n.startswith("00000001"):
            out.append(int(n[8:16], 16) * 4096 + int(n[16:24], 16))
    return out


def assert_no_gap(segs, where):
    assert segs, f"no segment in {where}"
    assert sorted(segs) == list(range(min(segs), max(segs) + 1)), \
        f"gap in {where}: {sorted(set(range(min(segs), max(segs) + 1)) - set(segs))}"


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def switch_wal(lab, rows=1):
    """Some WAL on the primary, then a segment switch: a new file for the backup job."""
    lab.query("primary", "create table if not exists ls_probe(x int); "
                         f"insert into ls_probe select generate_series(1, {rows}); "
                         "select pg_switch_wal()")


def copy_job_pid(lab) -> int:
    return next(j["pid"] for j in lab.state()["jobs"] if j["name"] == "copy-job")


def test_window_under_load_and_chain_without_gap(lab_factory, unique):
    lab = lab_factory()
    a = lab.servers("A")[0]
    channel = "#" + unique("ls")
    c = IrcClient("load").connect(a["irc_port"])
    c.register(unique("ld"), caps=("echo-message",))
    c.send(f"JOIN {channel}")
    c.expect("366", TIMEOUT)

    acked = {}      # k -> ack time
    replayed = {}   # k -> time first seen on the backup store
    stop = threading.Event()

    def poll_backup():
        while not stop.is_set():
            try:
                rows = lab.query("backup", "select coalesce(max(substr(body, 2)::int), -1) "
                                           f"from messages where target = '{channel}'")
            except LabError:  # the schema is not replayed yet
                rows = []
            now = time.monotonic()
            top = int(rows[0][0]) if rows else -1
            for k in range(top + 1):
                replayed.setdefault(k, now)
            time.sleep(0.05)

    poller = threading.Thread(target=poll_backup, daemon=True)
    poller.start()
    try:
        k = 0
        end = time.monotonic() + 20
        while time.monotonic() < end:  # ~100 messages/s in bursts of 10
            burst = range(k, k + 10)
            c.send_raw("".join(f"PRIVMSG {channel} :m{i}\r\n" for i in burst).encode())
            for _ in burst:
                m = c.expect("PRIVMSG", TIMEOUT)
                acked[int(m.last[1:])] = time.monotonic()
            k += 10
            time.sleep(0.1)
        wait_until(lambda: len(replayed) >= k, 30, "every message on the backup store")
    finally:
        stop.set()
        poller.join(10)
        c.close()
    windows = sorted(replayed[i] - acked[i] for i in acked)
    q = statistics.quantiles(windows, n=100)
    print(f"\nlog-shipping window over {len(windows)} messages (ack -> visible on the backup store): "
          f"min {windows[0]:.2f} s, p50 {q[49]:.2f} s, p90 {q[89]:.2f} s, p99 {q[98]:.2f} s, "
          f"max {windows[-1]:.2f} s")
    # p99 within the designed window; the slowest message within twice it (one slow
    # round of an ASan archive or copy process under the suite's load: 3.3 s seen).
    assert q[98] <= WINDOW_S, f"p99 {q[98]:.2f} s to reach the backup store"
    assert windows[-1] <= 2 * WINDOW_S, f"a message took {windows[-1]:.2f} s to reach the backup store"

    # The chain: no gap in the share nor in the copy destination; every copied file
    # has the checksum the backup job recorded.
    share = manifest(lab.dir / "share")
    dest = manifest(lab.dir / "copy-destination")
    assert_no_gap(segments(share), "the share")
    assert_no_gap(segments(dest), "the copy destination")
    recorded = {r["name"]: r["sha256"] for r in share}
    for r in dest:
        assert recorded[r["name"]] == r["sha256"]
        f = lab.dir / "copy-destination" / r["name"]
        if f.exists():
            assert sha256(f) == r["sha256"], r["name"]
    st = lab.logship_status()
    assert st["alerts"] == [], st["alerts"]


@pytest.mark.parametrize("damage", ["corrupted", "truncated", "missing", "foreign"])
def test_copy_job_reports_a_bad_file_and_never_applies_it(lab_factory, damage):
    lab = lab_factory()
    share = lab.dir / "share"
    dest = lab.dir / "copy-destination"
    job = copy_job_pid(lab)
    os.kill(job, signal.SIGSTOP)
    try:
        # Files archived from now on were never seen by the stopped job (one archived
        # just before may be half copied already, and is not the victim).
        before = {r["name"] for r in manifest(share)}
        switch_wal(lab, 1000)
        wait_until(lambda: [r for r in manifest(share) if r["name"] not in before
                            and len(r["name"]) == 24], 20, "a new segment in the share")
        new = [r for r in manifest(share) if r["name"] not in before and len(r["name"]) == 24]
        victim = share / new[0]["name"]
        original = victim.read_bytes()
        if damage == "corrupted":
            data = bytearray(original)
            data[len(data) // 2] ^= 0xFF
            victim.write_bytes(bytes(data))
        elif damage == "truncated":
            victim.write_bytes(original[: len(original) // 3])
        elif damage == "missing":
            victim.unlink()
        else:
            # A WAL-looking file nobody archived (another cluster's, a hand copy).
            victim = share / "000000010000000000000FFF"
            victim.write_bytes(b"\0" * SEGSIZE)
            old = time.time() - 60
            os.utime(victim, (old, old))
    finally:
        os.kill(job, signal.SIGCONT)

    def reported():
        st = lab.logship_status()
        probs = st["copy_job"].get("problems", [])
        hit = [p for p in probs if p["kind"] == damage and p["file"] == victim.name]
        return (st, hit) if hit else None

    st, hit = wait_until(reported, 20, f"the copy job to report the {damage} file")
    assert any(victim.name in a and damage in a for a in st["alerts"]), st["alerts"]
    assert not (dest / victim.name).exists(), "a bad file was copied"
    if damage != "foreign":
        # Nothing at or past the bad segment reached the copy destination or was replayed.
        assert victim.name not in {r["name"] for r in manifest(dest)}
        replay_lsn = lab.query("backup", "select pg_last_wal_replay_lsn()")[0][0]
        hi, lo = replay_lsn.split("/")
        seg = ((int(hi, 16) << 32) | int(lo, 16)) // SEGSIZE
        bad_seg = int(victim.name[8:16], 16) * 4096 + int(victim.name[16:24], 16)
        assert seg <= bad_seg, (replay_lsn, victim.name)
        # Repair: the original file back in place; shipping resumes by itself.
        victim.write_bytes(original)
        os.chown(victim, (lab.dir / "share").stat().st_uid, (lab.dir / "share").stat().st_gid)
        wait_until(lambda: (dest / victim.name).exists(), 20, "the repaired file to be copied")
        wait_until(lambda: lab.logship_status()["copy_job"]["problems"] == [], 20, "problems to clear")
        switch_wal(lab)
        wait_until(lambda: lab.logship_status()["stages"][2]["pending_files"] == 0, 20,
                   "the backup store to replay past the repaired file")
    else:
        victim.unlink()
        wait_until(lambda: lab.logship_status()["copy_job"]["problems"] == [], 20, "problems to clear")


def test_status_figures_match_the_files_and_the_stores(lab_factory):
    lab = lab_factory()
    switch_wal(lab, 100)
    share, dest = lab.dir / "share", lab.dir / "copy-destination"

    def settled():
        st = lab.logship_status()
        return st if st["stages"][1]["pending_files"] == 0 and st["stages"][2]["pending_files"] == 0 \
            and st["replay_delay_s"] == 0 else None

    st = wait_until(settled, 20, "log shipping to catch up")
    backup, copy, restore = st["stages"]
    assert backup["last_file"]["name"] == manifest(share)[-1]["name"]
    assert copy["last_file"]["name"] == manifest(dest)[-1]["name"]
    replay = lab.query("backup", "select pg_last_wal_replay_lsn()")[0][0]
    assert restore["last_file"]["replay_lsn"] == replay
    assert st["primary_last_commit"] == st["backup_last_replayed_commit"]
    assert [s["alert"] for s in st["stages"]] == [False, False, False]
    assert st["copy_job"]["running"] is True and st["alerts"] == []

    # Copy job stopped: the figures show exactly what waits in the share.
    job = copy_job_pid(lab)
    os.kill(job, signal.SIGSTOP)
    try:
        for _ in range(3):
            switch_wal(lab, 100)
        wait_until(lambda: len(manifest(share)) >= len(manifest(dest)) + 3, 20, "3 new files in the share")
        def waiting_files():
            copied = {r["name"] for r in manifest(dest)}
            return [r for r in manifest(share) if r["name"] not in copied]

        # A snapshot the share did not change during (the primary keeps archiving).
        for _ in range(20):
            before = waiting_files()
            st = lab.logship_status()
            waiting = waiting_files()
            if waiting == before:
                break
        assert waiting == before, "the share never held still"
        assert st["stages"][1]["pending_files"] == len(waiting)
        assert st["stages"][1]["lag_bytes"] == sum(r["size"] for r in waiting)
        assert st["stages"][1]["lag_s"] > 0
        assert st["replay_delay_s"] > 0
        # The same figures in every pool server's /metrics (refreshed every 5 s; the
        # share may have grown meanwhile: between the figure above and a fresh one).
        expected = sum(r["size"] for r in waiting)
        for server in lab.servers():
            got = wait_until(lambda: (lambda v: v if v and v >= expected else None)(
                lab.metrics(server).get("pchat_logship_copy_lag_bytes")),
                15, f"/metrics of {server['name']} to show the copy lag")
            assert got <= lab.logship_status()["stages"][1]["lag_bytes"]
            assert lab.metrics(server).get("pchat_logship_replay_delay_ms", 0) > 0
        # The job's silence is an alert once its report is stale.
        st = wait_until(lambda: (lambda s: s if not s["copy_job"]["running"] else None)(lab.logship_status()),
                        25, "the copy job to be reported as not running")
        assert any("copy job is not running" in a for a in st["alerts"])
    finally:
        os.kill(job, signal.SIGCONT)
    wait_until(settled, 20, "log shipping to catch up after the copy job resumed")


def test_backup_keeps_what_was_shipped_when_datacenter_a_dies(lab_factory):
    lab = lab_factory()
    switch_wal(lab, 500)
    lab.wait_backup_replayed()
    n = lab.query("backup", "select count(*) from ls_probe")[0][0]
    # A commit in the segment in use when A dies: after the crash, archive_timeout no
    # longer counts it, and nothing may be written for a long while.
    lab.query("primary", "insert into ls_probe values (-1)")
    lab.kill_dc("A")
    st = lab.logship_status()
    assert any("primary store unreachable" in a for a in st["alerts"])
    assert int(lab.query("backup", "select count(*) from ls_probe")[0][0]) in (int(n), int(n) + 1)
    lab.start_dc("A")
    # The primary's agent closes the segment the crash left open, once, whatever the
    # servers write; the commit made before the crash reaches the backup store.
    agent_log = lab.dir / "jobs" / "mirror-monitor.log"
    wait_until(lambda: "closed WAL segment" in agent_log.read_text(), 30,
               "the agent closing the segment the crash left open")
    wait_until(lambda: lab.query("backup", "select count(*) from ls_probe where x = -1")
               == [["1"]], 60, "the commit made before the crash on the backup store")
    last = {}

    def no_alert():
        last["alerts"] = lab.logship_status()["alerts"]
        return last["alerts"] == []

    try:
        wait_until(no_alert, 60, "no alert once A is back")
    except TimeoutError as e:
        # What the primary's archiver did since the restart, for the log of a failed run.
        archiver = lab.query("primary", "select pg_current_wal_lsn(), "
                             "pg_walfile_name(pg_current_wal_lsn()), archived_count, "
                             "last_archived_wal, failed_count, last_failed_wal, "
                             "stats_reset from pg_stat_archiver")
        status_dir = lab.store_dir("primary") / "pg" / "pg_wal" / "archive_status"
        pending = sorted(p.name for p in status_dir.iterdir()) if status_dir.exists() else []
        raise AssertionError(f"{e}; still alerting: {last['alerts']}; archiver: {archiver}; "
                             f"archive_status: {pending[-6:]}") from None


def test_init_secondary_rebuilds_the_backup_store(lab_factory):
    lab = lab_factory()
    switch_wal(lab, 10)
    r = lab.ctl("logship", "init-secondary", timeout=120)
    assert "backup store initialized" in r.stdout
    assert list((lab.dir / "stores" / "backup").glob("pg.old-*")), "the old cluster was not kept aside"
    assert lab.query("backup", "select pg_is_in_recovery()") == [["t"]]
    switch_wal(lab, 10)
    lab.wait_backup_replayed()


def test_step_one_waits_for_a_copy_round_under_way(lab_factory):
    # A copy round that looked at the step-1 marker before it was written may still be
    # copying. Step 1 waits for the round lock that every round holds (a round under
    # way is simulated here by holding it), not for a fresh report of the job.
    lab = lab_factory()
    dest = lab.dir / "copy-destination"
    lock_file = dest / ".pchat-copy-round.lock"
    lock_file.touch()
    result = {}
    step = threading.Thread(
        target=lambda: result.update(r=lab.ctl("logship", "remove-secondary", check=False)))
    with open(lock_file, "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        step.start()
        wait_until(lambda: (dest / "pchat-secondary-removed.json").exists() and lab.query(
            "backup", "select current_setting('restore_command') = ''") == [["t"]], 30,
            "step 1 to reach its wait for the copy round")
        time.sleep(1.5)
        assert step.is_alive(), result["r"].stdout
    step.join(30)
    r = result["r"]
    assert r.returncode == 0 and "log shipping removed" in r.stdout, (r.stdout, r.stderr)
    # A re-run (as after a crash during that wait) finds log shipping removed, and
    # still waits for a round under way before saying so.
    again = threading.Thread(
        target=lambda: result.update(r=lab.ctl("logship", "remove-secondary", check=False)))
    with open(lock_file, "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        again.start()
        time.sleep(1.5)
        assert again.is_alive(), result["r"].stdout
    again.join(30)
    r = result["r"]
    assert r.returncode == 0 and "already removed" in r.stdout, (r.stdout, r.stderr)
