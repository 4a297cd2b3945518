"""pchatctl lab: the whole two-datacenter topology on one machine.

Acceptance shown here: `lab up` then `lab down` leaves no process and no port
behind; kill-dc SIGKILLs exactly one datacenter; start-dc brings it back as on disk."""

from __future__ import annotations

import os
import socket
import time

from irc_client import IrcClient
from lab_harness import LabError, pchatctl_run
from pchat_harness import pid_alive, wait_until

TIMEOUT = 20.0


def listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def chat(lab, unique, channel, text):
    """Join `channel` on the first server of A and post `text`; the echo comes back."""
    c = IrcClient("c").connect(lab.servers("A")[0]["irc_port"])
    try:
        c.register(unique("lab"), caps=("echo-message",))
        c.send(f"JOIN {channel}")
        c.expect("366", TIMEOUT)
        c.send(f"PRIVMSG {channel} :{text}")
        c.expect("PRIVMSG", TIMEOUT)
    finally:
        c.close()


def test_lab_up_then_down_leaves_no_process_and_no_port(lab_factory, unique):
    lab = lab_factory(servers_per_dc=2)
    print(f"\nlab up (2 servers per datacenter): {lab.up_seconds:.1f} s")
    st = lab.status()
    comps = st["components"]
    # 6 stores, 4 pchatd, 4 jobs (the witness, a mirror agent beside each store of the
    # pair, the copy job); everything runs.
    assert sorted(c["kind"] for c in comps).count("postgres") == 6
    assert [c["kind"] for c in comps].count("pchatd") == 4
    assert {c["name"] for c in comps if c["kind"] == "job"} == {
        "copy-job", "mirror-monitor", "mirror-monitor-mirror", "witness"}
    assert {c["dc"] for c in comps if c["name"] == "witness"} == {"W"}
    assert all(c["running"] for c in comps), comps
    assert {c["dc"] for c in comps if c["name"] in ("primary", "mirror", "compliance")} == {"A"}
    assert {c["dc"] for c in comps if c["name"] in ("backup", "backup_mirror", "compliance_backup")} == {"B"}

    # The topology file is valid and pchatctl status reads it (A active, B idle).
    r = lab.ctl("topology", "validate")
    assert "0 errors" in r.stdout + r.stderr or r.returncode == 0
    status = json_status = lab.ctl("status", "--json").stdout
    import json
    status = json.loads(json_status)
    roles = {s["name"]: s for s in status["servers"]}
    for s in lab.servers("A"):
        assert roles[s["name"]]["listed_active"] is True and roles[s["name"]]["reachable"]
    for s in lab.servers("B"):
        assert roles[s["name"]]["listed_active"] is False and roles[s["name"]]["reachable"]

    # The stores are what the topology says: primary writable, the others standbys.
    assert lab.query("primary", "select pg_is_in_recovery()") == [["f"]]
    for role in ("mirror", "backup", "backup_mirror"):
        assert lab.query(role, "select pg_is_in_recovery()") == [["t"]], role
    assert lab.query("compliance", "select current_database()") == [["mgccomp"]]
    assert lab.query("primary", "select sync_state from pg_stat_replication "
                                "where application_name = 'mirror'") == [["sync"]]

    # A client chats on an active server of A.
    chat(lab, unique, "#lab", "hello lab")

    pids = lab.all_pids()
    ports = lab.ports()
    assert len(pids) > 12
    t0 = time.monotonic()
    r = lab.down()
    took = time.monotonic() - t0
    print(f"lab down: {took:.1f} s ({len(pids)} processes)")
    assert "no process, no port left" in r.stdout
    assert [p for p in pids if pid_alive(p)] == []
    assert [p for p in ports if listening(p)] == []
    # Idempotent: a second down finds nothing to do and succeeds.
    lab.down()
    # Something else on a lab port is named, with the process that listens.
    a1 = lab.servers("A")[0]
    with socket.socket() as stray:
        stray.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        stray.bind(("127.0.0.1", a1["irc_port"]))
        stray.listen(1)
        r = pchatctl_run("lab", "down", "--dir", lab.dir)
    assert r.returncode == 1
    assert f"port {a1['irc_port']} ({a1['name']} IRC) still listens" in r.stderr, r.stderr
    assert f"pid {os.getpid()}: " in r.stderr, r.stderr


def test_lab_up_refuses_an_existing_lab(lab_factory):
    lab = lab_factory()
    r = pchatctl_run("lab", "up", "--dir", lab.dir)
    assert r.returncode == 1
    assert "already exists" in r.stderr


def test_wal_segment_size_is_the_labs_choice(lab_factory, base_dir):
    # Refused before anything is made: initdb takes powers of two from 1 to 1024.
    for bad in ("3", "0", "2048"):
        d = base_dir / f"bad-seg-{bad}"
        r = pchatctl_run("lab", "up", "--dir", d, "--wal-segsize", bad)
        assert r.returncode == 1, r.stdout
        assert "--wal-segsize: a power of two from 1 to 1024" in r.stderr
        assert not d.exists()

    lab = lab_factory(extra_args=("--wal-segsize", "4"))
    for role in ("primary", "mirror", "backup", "backup_mirror"):
        assert lab.query(role, "select current_setting('wal_segment_size')") == [["4MB"]], role
    assert lab.query("primary", "select current_setting('shared_buffers'), "
                                "current_setting('max_wal_size')") == [["128MB", "1GB"]]
    assert "wal_segsize_mb = 4" in open(lab.topology).read()
    # A segment switched on the primary is shipped and replayed by the backup store.
    lab.query("primary", "create table seg_probe(x int); insert into seg_probe values (4)")
    lab.query("primary", "select pg_switch_wal()")
    wait_until(lambda: lab.query("backup", "select to_regclass('seg_probe') is not null")
               == [["t"]], 30, "the backup store to replay the switched segment")
    assert lab.query("backup", "select x from seg_probe") == [["4"]]


def test_kill_dc_then_start_dc(lab_factory, unique):
    lab = lab_factory()
    a_pids_before = [s["pid"] for s in lab.servers("A")]
    b_pids = [s["pid"] for s in lab.servers("B")] + [lab.postmaster(r) for r in
                                                      ("backup", "backup_mirror", "compliance_backup")]
    a_pms = [lab.postmaster(r) for r in ("primary", "mirror", "compliance")]
    r = lab.kill_dc("A")
    assert "killed PostgreSQL primary" in r.stdout
    for pid in a_pids_before + a_pms:
        assert not pid_alive(pid), pid
    for pid in b_pids:
        assert pid_alive(pid), pid
    st = {c["name"]: c for c in lab.status()["components"]}
    assert not st["primary"]["running"] and not st["mirror-monitor"]["running"]
    assert st["backup"]["running"] and st["copy-job"]["running"]

    lab.start_dc("A")
    st = {c["name"]: c for c in lab.status()["components"]}
    assert all(c["running"] for c in st.values()), st
    # Crash recovery kept the primary's data; the mirror is synchronous again.
    wait_until(lambda: lab.query("primary", "select sync_state from pg_stat_replication "
                                            "where application_name = 'mirror'") == [["sync"]],
               30, "the mirror to be synchronous again")
    chat(lab, unique, "#back", "after start-dc")


def test_bad_datacenter_is_refused(lab_factory):
    lab = lab_factory()
    try:
        lab.kill_dc("C")
    except LabError as exc:
        assert "unknown datacenter 'C'" in str(exc)
    else:
        raise AssertionError("kill-dc C was accepted")
