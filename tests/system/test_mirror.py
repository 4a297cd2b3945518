"""The synchronous mirror, in the lab.

The mirror is a synchronous standby of the primary (synchronous_standby_names,
synchronous_commit=on); the lab's topology names it as the primary's failover
partner (conninfo host=primary,mirror target_session_attrs=read-write), so servers
follow a mirror failover by reconnecting.

Acceptance shown here:
- a message is acknowledged only after the mirror has it (strict mode: no ack while
  the mirror is gone; the ack comes when it returns, and the message is on it);
- mirror killed in high safety: commits wait, then after mirroring.timeout_s the primary
  continues exposed, alert in `mirror status`; it resynchronizes when the mirror returns;
- planned and forced mirror failover under load: zero acknowledged messages lost,
  servers follow within seconds; planned failover refuses when not synchronized;
- log shipping continues from the new primary."""

from __future__ import annotations

import threading
import time

from irc_client import IrcClient
from pchat_harness import kill_leftover_postmaster, wait_until

CAPS = ("echo-message", "labeled-response", "message-tags")
TIMEOUT = 20.0


def join(lab, unique, channel):
    c = IrcClient("m").connect(lab.servers("A")[0]["irc_port"])
    c.register(unique("mi"), caps=CAPS)
    c.send(f"JOIN {channel}")
    c.expect("366", TIMEOUT)
    return c


def post(c, channel, text, timeout):
    """'ack' (echo), 'fail' (refused) or None (no answer within timeout)."""
    label = "l" + text
    c.request(f"PRIVMSG {channel} :{text}", label)
    try:
        m = c.expect(("PRIVMSG", "FAIL", "ERROR"), timeout,
                     pred=lambda m: m.tags.get("label") == label or m.command == "ERROR")
    except AssertionError:
        return None
    return "ack" if m.command == "PRIVMSG" else "fail"


def bodies(lab, role, channel) -> set:
    return {r[0] for r in lab.query(role, f"select body from messages where target = '{channel}'")}


def test_strict_mode_acknowledges_only_what_the_mirror_has(lab_factory, unique):
    lab = lab_factory(extra_args=("--mirror-mode", "strict"))
    channel = "#" + unique("st")
    c = join(lab, unique, channel)
    try:
        assert post(c, channel, "before", TIMEOUT) == "ack"
        assert "before" in bodies(lab, "mirror", channel)
        kill_leftover_postmaster(lab.store_dir("mirror"))
        # The mirror is gone: the commit waits, nothing is acknowledged.
        assert post(c, channel, "during", 4.0) is None
        st = lab.mirror_status()
        assert st["state"] == "blocked" and st["alert"] is True, st
        lab.start_dc("A")  # brings the mirror back as it was on disk
        c.expect("PRIVMSG", TIMEOUT, pred=lambda m: m.tags.get("label") == "lduring")
        assert "during" in bodies(lab, "mirror", channel)
        wait_until(lambda: lab.mirror_status()["state"] == "synchronized", 20, "synchronized again")
    finally:
        c.close()


def test_high_safety_goes_on_exposed_after_the_timeout_and_resynchronizes(lab_factory, unique):
    lab = lab_factory()
    timeout_s = 5  # the lab's [mirroring] timeout_s
    channel = "#" + unique("hs")
    c = join(lab, unique, channel)
    try:
        assert post(c, channel, "before", TIMEOUT) == "ack"
        kill_leftover_postmaster(lab.store_dir("mirror"))
        t0 = time.monotonic()
        assert post(c, channel, "exposed", TIMEOUT) == "ack"
        waited = time.monotonic() - t0
        print(f"\nmirror lost: the commit waited {waited:.1f} s before the primary went on exposed")
        assert timeout_s - 1.0 <= waited <= timeout_s + 5.0, waited
        st = lab.mirror_status()
        assert st["state"] == "exposed" and st["alert"] is True, st
        assert "EXPOSED" in lab.ctl("mirror", "status").stdout
        log = (lab.dir / "jobs" / "mirror-monitor.log").read_text()
        assert "runs EXPOSED" in log
        a = lab.servers("A")[0]
        wait_until(lambda: lab.metrics(a).get("pchat_mirror_exposed") == 1, 15, "/metrics: exposed")
        # Exposed: commits go on at once.
        t1 = time.monotonic()
        assert post(c, channel, "fast", TIMEOUT) == "ack"
        assert time.monotonic() - t1 < 2.0
        # The mirror returns: it catches up and the pair is synchronous again by itself.
        lab.start_dc("A")
        wait_until(lambda: lab.mirror_status()["state"] == "synchronized", 30, "resynchronized")
        assert {"exposed", "fast"} <= bodies(lab, "mirror", channel)
        wait_until(lambda: lab.metrics(a).get("pchat_mirror_synchronized") == 1, 15,
                   "/metrics: synchronized")
        assert post(c, channel, "after", TIMEOUT) == "ack"
        assert "after" in bodies(lab, "mirror", channel)
    finally:
        c.close()


def run_load(lab, unique, channel, seconds, during):
    """Posts for `seconds` while `during()` runs in another thread; returns (acked, refused, answer)."""
    c = join(lab, unique, channel)
    acked, refused = [], []
    result = {}

    def act():
        time.sleep(1.0)
        try:
            result["out"] = during()
        except Exception as exc:  # noqa: BLE001 - reported by the test
            result["error"] = exc

    th = threading.Thread(target=act)
    th.start()
    end = time.monotonic() + seconds
    k = 0
    try:
        while time.monotonic() < end or th.is_alive():
            text = f"m{k}"
            k += 1
            r = post(c, channel, text, 10.0)
            if r == "ack":
                acked.append(text)
            else:
                refused.append(text)
                time.sleep(0.1)
                if r is None or c.sock is None:
                    c.close()
                    c = join(lab, unique, channel)
    finally:
        th.join(60)
        c.close()
    if "error" in result:
        raise result["error"]
    return acked, refused, result.get("out")


def test_planned_failover_under_load_loses_nothing(lab_factory, unique):
    lab = lab_factory()
    channel = "#" + unique("pf")
    acked, refused, out = run_load(lab, unique, channel, 6.0,
                                   lambda: lab.ctl("mirror", "failover").stdout)
    assert "mirror promoted" in out
    print(f"\nplanned mirror failover under load: {len(acked)} acknowledged, {len(refused)} refused")
    assert lab.query("mirror", "select pg_is_in_recovery()") == [["f"]]
    stored = bodies(lab, "mirror", channel)
    lost = [a for a in acked if a not in stored]
    assert lost == [], f"acknowledged and lost: {lost}"
    # Servers followed: the last messages were acknowledged by the new primary.
    assert acked[-1] in stored and acked.index(acked[-1]) > len(acked) // 2
    # The old primary came back as the synchronous mirror; log shipping goes on.
    wait_until(lambda: lab.mirror_status()["state"] == "synchronized", 20, "the old primary as mirror")
    lab.query("mirror", "create table if not exists after_fo(x int); insert into after_fo values (1); "
                        "select pg_switch_wal()")
    wait_until(lambda: lab.query("backup", "select to_regclass('after_fo') is not null") == [["t"]],
               30, "log shipping from the new primary")


def test_forced_failover_with_the_primary_dead_loses_nothing(lab_factory, unique):
    # The operator's forced failover: automatic failover off (test_auto_failover.py).
    lab = lab_factory(extra_args=("--auto-failover", "off"))
    channel = "#" + unique("ff")

    def disaster():
        kill_leftover_postmaster(lab.store_dir("primary"))
        r = lab.ctl("mirror", "failover", check=False)
        assert r.returncode == 1 and "--force" in r.stderr, r.stderr
        return lab.ctl("mirror", "failover", "--force").stdout

    acked, refused, out = run_load(lab, unique, channel, 6.0, disaster)
    assert "mirror promoted" in out and "primary fenced" in out
    print(f"\nforced mirror failover under load: {len(acked)} acknowledged, {len(refused)} refused")
    stored = bodies(lab, "mirror", channel)
    lost = [a for a in acked if a not in stored]
    assert lost == [], f"acknowledged and lost: {lost}"
    assert acked and acked[-1] in stored
    # The dead primary is fenced: restarted, it is a standby, never a second writer.
    lab.start_dc("A")
    assert lab.query("primary", "select pg_is_in_recovery()") == [["t"]]
    st = lab.mirror_status()
    assert st["writable"] == "mirror"


def test_an_old_primary_back_writable_after_a_forced_failover_is_fenced(lab_factory):
    # The primary was cut off, not dead: it comes back writable (here: started without
    # the standby.signal the failover left for it). The failover raised the pool's
    # epoch on the mirror, so the servers fence the old primary instead of going on
    # writing there (the lab's primary conninfo tries the old primary first).
    lab = lab_factory(extra_args=("--auto-failover", "off"))
    kill_leftover_postmaster(lab.store_dir("primary"))
    out = lab.ctl("mirror", "failover", "--force").stdout
    assert "pool state: epoch 1 -> 2, primary store mirror" in out, out
    assert lab.query("mirror", "select epoch, primary_store from pool_state") == [["2", "mirror"]]
    (lab.store_dir("primary") / "pg" / "standby.signal").unlink()
    lab.start_dc("A")
    assert lab.query("primary", "select pg_is_in_recovery()") == [["f"]]
    wait_until(lambda: "store primary is FENCED" in lab.ctl("status", check=False).stdout, 30,
               "the old primary fenced")
    assert lab.query("primary", "show default_transaction_read_only") == [["on"]]
    assert lab.query("mirror", "show default_transaction_read_only") == [["off"]]


def test_failover_refuses_when_not_synchronized(lab_factory):
    lab = lab_factory()
    kill_leftover_postmaster(lab.store_dir("mirror"))
    wait_until(lambda: lab.mirror_status()["state"] in ("lost", "exposed"), 10, "mirror lost")
    r = lab.ctl("mirror", "failover", check=False)
    assert r.returncode == 1 and "not synchronized" in r.stderr, r.stderr
    assert lab.query("primary", "select pg_is_in_recovery()") == [["f"]]
    r = lab.ctl("mirror", "failover", "--dry-run", check=False)
    assert r.returncode == 1


def test_install_mirror_cmdlet_rebuilds_a_lost_mirror(lab_factory, unique):
    lab = lab_factory()
    r = lab.ctl("Install-CsMirrorDatabase", "-DatabaseType", "PersistentChat", "-WhatIf")
    assert "Dry run: would install mirror as the synchronous mirror of primary" in r.stdout
    # Already streaming: only configured (idempotent).
    r = lab.ctl("Install-CsMirrorDatabase", "-DatabaseType", "PersistentChat")
    assert "already streams from primary" in r.stdout
    # The mirror's cluster is lost for good: refused without -DropExistingDatabasesOnMirror.
    kill_leftover_postmaster(lab.store_dir("mirror"))
    r = lab.ctl("Install-CsMirrorDatabase", check=False)
    assert r.returncode == 1 and "DropExistingDatabasesOnMirror" in r.stderr, r.stderr
    r = lab.ctl("Install-CsMirrorDatabase", "-DropExistingDatabasesOnMirror", "-Verbose")
    assert "base backup of primary" in r.stdout and "is synchronous" in r.stdout, r.stdout
    assert list(lab.store_dir("mirror").glob("pg.old-*")), "the old cluster was not kept aside"
    assert lab.mirror_status()["state"] == "synchronized"
    channel = "#" + unique("im")
    c = join(lab, unique, channel)
    try:
        assert post(c, channel, "mirrored", TIMEOUT) == "ack"
        assert "mirrored" in bodies(lab, "mirror", channel)
    finally:
        c.close()
    r = lab.ctl("Install-CsMirrorDatabase", "-DatabaseType", "Monitoring", check=False)
    assert r.returncode == 1 and "PersistentChat" in r.stderr


def test_runbook_step_6_mirrors_the_promoted_backup(lab_factory):
    lab = lab_factory()
    lab.query("primary", "create table step6(x int); insert into step6 values (1); select pg_switch_wal()")
    lab.wait_backup_replayed()
    lab.kill_dc("A")
    lab.ctl("sql", "--store", "backup", "exec sp_delete_log_shipping_secondary_database mgc")
    lab.ctl("sql", "--store", "backup", "restore database mgc with recovery")
    assert lab.query("backup", "select pg_is_in_recovery()") == [["f"]]
    r = lab.ctl("Install-CsMirrorDatabase", "-DatabaseType", "PersistentChat")
    assert "backup_mirror as the synchronous mirror of backup" in r.stdout, r.stdout
    assert lab.query("backup", "select application_name, sync_state from pg_stat_replication") == \
        [["backup_mirror", "sync"]]
    lab.query("backup", "insert into step6 values (2)")
    assert lab.query("backup_mirror", "select count(*) from step6") == [["2"]]
