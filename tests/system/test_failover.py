"""The failover runbook, in the lab: datacenter A lost, the pool moved to B.

Acceptance shown here:
- the drill: 2+2 servers, clients posting continuously in several rooms through A's
  servers, recording every acknowledged message and when; `lab kill-dc A`; Lync's
  steps run as seven commands (Lync's SQL and cmdlet lines typed verbatim, with this
  pool's FQDN and the en dash of Lync's documentation) or as `pchatctl failover`;
  clients reconnect to B; every acknowledged message older than the log-shipping
  window is in B exactly once, any loss is within the window and counted by the
  failover report (once A is readable again); posting works in B;
- crash: `pchatctl failover` SIGKILLed after each step in turn, re-run each time: it
  completes, with the same result (one epoch step, B active, B's mirror synchronous);
- fencing: A comes back (`lab start-dc A`) as a writable store with the old epoch:
  the servers fence it and no write reaches it;
- TLS: the failback drill runs in a lab up with `--tls`: before the disaster, after the
  failover and after the failback every client backend and walsender of each running
  store is encrypted (pg_stat_ssl joined with pg_stat_activity and
  pg_stat_replication), a plaintext TCP connection is refused, so is a TLS one without
  the lab's client certificate, and messages go over IRC with TLS."""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import ssl
import threading
import time

from irc_client import IrcClient
from irc_helpers import sign_in
from lab_harness import ROLES
from pchat_harness import wait_until

CAPS = ("echo-message", "labeled-response", "message-tags")
# The lab ships within ~1.6 s (docs/lab.md); what was acknowledged earlier than this
# before the disaster must be in B.
WINDOW_S = 3.0


class Poster(threading.Thread):
    """Posts into one room through one server until stopped or disconnected; records
    each acknowledged message (body -> wall-clock time of the acknowledgement)."""

    def __init__(self, port: int, nick: str, channel: str, prefix: str = ""):
        super().__init__(daemon=True)
        self.channel = channel
        self.prefix = prefix
        self.acked: dict[str, float] = {}
        self.msgids: dict[str, str] = {}  # body -> msgid of the acknowledgement
        self.sent = 0
        self.stop = threading.Event()
        self.c = IrcClient(nick).connect(port)
        self.c.register(nick, caps=CAPS)
        join_retrying(self.c, channel)

    def run(self):
        k = 0
        try:
            while not self.stop.is_set():
                body = f"{self.prefix}{self.channel[1:]}-{k}"
                k += 1
                label = "l" + body
                self.sent += 1
                self.c.request(f"PRIVMSG {self.channel} :{body}", label)
                m = self.c.expect(("PRIVMSG", "FAIL"), 10,
                                  pred=lambda m, label=label: m.tags.get("label") == label)
                if m.command == "PRIVMSG":
                    self.acked[body] = time.time()
                    self.msgids[body] = m.tags.get("msgid", "")
                time.sleep(0.01)
        except Exception:  # noqa: BLE001 - the server died: the poster stops
            pass
        finally:
            self.c.close()


def start_posters(lab, unique, rooms=3):
    servers = lab.servers("A")
    posters = []
    for i in range(rooms):
        channel = "#" + unique(f"fo{i}")
        posters.append(Poster(servers[i % len(servers)]["irc_port"], unique("p"), channel))
    for p in posters:
        p.start()
    return posters


def stored(lab, role, posters) -> dict:
    """body -> how many times the store holds it, for the posters' rooms."""
    rooms = ",".join(f"'{p.channel}'" for p in posters)
    rows = lab.query(role, f"select body, count(*) from messages where target in ({rooms}) "
                           "group by body")
    return {body: int(n) for body, n in rows}


def check_nothing_old_lost(lab, posters, killed_at):
    got = stored(lab, "backup", posters)
    assert all(n == 1 for n in got.values()), "stored more than once: " + \
        str({b: n for b, n in got.items() if n != 1})
    # Each acknowledged message is stored under the msgid its sender saw.
    rooms = ",".join(f"'{p.channel}'" for p in posters)
    ids = {body: msgid for body, msgid in
           lab.query("backup", f"select body, msgid from messages where target in ({rooms})")}
    for p in posters:
        for body, msgid in p.msgids.items():
            assert body not in ids or ids[body] == msgid, (body, msgid, ids[body])
    acked = {b: t for p in posters for b, t in p.acked.items()}
    lost = {b: t for b, t in acked.items() if b not in got}
    old_lost = {b: killed_at - t for b, t in lost.items() if t < killed_at - WINDOW_S}
    assert not old_lost, f"acknowledged more than {WINDOW_S} s before the disaster and lost: {old_lost}"
    print(f"\nfailover drill: {len(acked)} acknowledged, {len(lost)} lost (all within the window), "
          f"{len(got)} in datacenter B")
    return acked, lost


def registered_retrying(connect, nick, seconds=10.0):
    """A client from `connect()` registered with CAPS under a nick from `nick()`; tries
    again for `seconds` while the server turns clients away (a server of B becoming
    active after the failover)."""
    deadline = time.monotonic() + seconds
    while True:
        c = connect()
        try:
            c.register(nick(), caps=CAPS)
            return c
        except (AssertionError, OSError):
            c.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def connect_to_b(lab, unique):
    """A registered client on B's first server (active within a second of the change)."""
    b = lab.servers("B")[0]
    return registered_retrying(lambda: IrcClient("b").connect(b["irc_port"]), lambda: unique("pb"))


def join_retrying(c, channel, seconds=10.0):
    """JOIN; a server that has just followed the pool to a new store may answer FAIL
    (store unavailable, nothing recorded) for a moment: a client tries again."""
    deadline = time.monotonic() + seconds
    while True:
        c.send(f"JOIN {channel}")
        m = c.expect(("366", "FAIL"), 20)
        if m.command == "366":
            return
        assert time.monotonic() < deadline, str(m)
        time.sleep(0.3)


def first_ack_in_b(lab, unique, channel, seconds=15.0) -> float:
    """Tries every 50 ms (connect, register, JOIN, PRIVMSG) until B's first server
    acknowledges a message; returns how long that took."""
    port = lab.servers("B")[0]["irc_port"]
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        c = IrcClient("first")
        try:
            c.connect(port)
            c.register(unique("f"), caps=CAPS, timeout=5)
            c.send(f"JOIN {channel}")
            if c.expect(("366", "FAIL"), 5).command == "366":
                c.request(f"PRIVMSG {channel} :first in B", "first")
                m = c.expect(("PRIVMSG", "FAIL"), 5, pred=lambda m: m.tags.get("label") == "first")
                if m.command == "PRIVMSG":
                    return time.monotonic() - t0
        except (AssertionError, OSError):
            pass  # bounced (010, not active yet), refused, closed: try again
        finally:
            c.close()
        time.sleep(0.05)
    raise AssertionError(f"B acknowledged no message within {seconds} s")


def post_and_close(c, channel, body, label):
    """JOIN `channel`, post `body` and wait for its acknowledgement; closes `c`."""
    try:
        join_retrying(c, channel)
        c.request(f"PRIVMSG {channel} :{body}", label)
        m = c.expect(("PRIVMSG", "FAIL"), 20, pred=lambda m: m.tags.get("label") == label)
        assert m.command == "PRIVMSG", str(m)
    finally:
        c.close()


def post_in_b(lab, unique, channel):
    post_and_close(connect_to_b(lab, unique), channel, "after the failover", "lb")
    assert lab.query("backup", f"select count(*) from messages where target = '{channel}' "
                               "and body = 'after the failover'") == [["1"]]


def drive_disaster(lab, unique):
    posters = start_posters(lab, unique)
    wait_until(lambda: all(len(p.acked) >= 20 for p in posters), 30, "posting under way")
    time.sleep(2.0)
    killed_at = time.time()
    lab.kill_dc("A")
    for p in posters:
        p.stop.set()
        p.join(15)
    return posters, killed_at


def fqdn(lab) -> str:
    return re.search(r'fqdn\s*=\s*"([^"]+)"', lab.topology.read_text()).group(1)


def test_lync_lines_typed_verbatim_fail_the_pool_over(lab_factory, unique):
    lab = lab_factory(servers_per_dc=2)
    posters, killed_at = drive_disaster(lab, unique)
    pool = fqdn(lab)
    b_names = [s["name"] for s in lab.servers("B")]

    def sql(line):
        return lab.ctl("sql", "--store", "backup", line).stdout

    # 1. Remove log shipping (query window on master).
    out = sql("use master\nexec sp_delete_log_shipping_secondary_database mgc")
    assert "log shipping removed" in out, out
    assert "already removed" in sql("exec sp_delete_log_shipping_secondary_database mgc")
    # 2-3. Copy what is left, apply it in order.
    lab.ctl("logship", "copy")
    out = lab.ctl("logship", "apply").stdout
    assert "nothing to apply" in out or "applied" in out, out
    # 4. End the connections to mgc, bring it online.
    listing = sql("exec sp_who2")
    for line in listing.splitlines()[1:]:
        cols = line.split()
        if len(cols) > 5 and cols[0].isdigit() and "(this)" not in line and " mgc " in line \
                and "client" in line:
            r = lab.ctl("sql", "--store", "backup", f"kill {cols[0]}", check=False)
            assert r.returncode == 0 or "no session with SPID" in r.stderr, r.stderr
    out = sql("restore database mgc with recovery")
    assert "online" in out, out
    assert lab.query("backup", "select pg_is_in_recovery()") == [["f"]]
    # 5. Lync's line, en dash and all.
    out = lab.ctl("cmdlet", f'Set-CsPersistentChatState -Identity "service:{pool}" '
                            "\u2013PoolState FailedOver").stdout
    assert "FailedOver" in out and "epoch 1 -> 2" in out, out
    # 6. The mirror of the new primary.
    out = lab.ctl("cmdlet", "Install-CsMirrorDatabase -DatabaseType PersistentChat "
                            "-SqlServerFqdn backup.lab -DropExistingDatabasesOnMirror").stdout
    assert "backup_mirror" in out, out
    assert lab.query("backup", "select application_name, sync_state from pg_stat_replication") \
        == [["backup_mirror", "sync"]]
    # 7. B's servers active (A's refused would be far away: the list is replaced).
    lab.ctl("cmdlet", f'Set-CsPersistentChatActiveServer -Identity "service:{pool}" '
                      "-ActiveServers $null")
    adds = ",".join(f'"{n}"' for n in b_names)
    lab.ctl("cmdlet", f'Set-CsPersistentChatActiveServer -Identity "service:{pool}" '
                      f"-ActiveServers @{{Add={adds}}}")
    r = lab.ctl("cmdlet", f'Set-CsPersistentChatActiveServer -Identity "service:{pool}" '
                          f'-ActiveServers @{{Add="{lab.servers("A")[0]["name"]}"; Remove="{b_names[1]}"}}',
                check=False)
    assert r.returncode == 1 and "low-latency" in r.stderr, r.stderr

    check_nothing_old_lost(lab, posters, killed_at)
    post_in_b(lab, unique, posters[0].channel)


def test_failover_command_drill_report_and_fencing(lab_factory, unique):
    lab = lab_factory(servers_per_dc=2)
    posters, killed_at = drive_disaster(lab, unique)
    t0 = time.monotonic()
    run = lab.ctl("failover")
    out = run.stdout
    took = time.monotonic() - t0
    # B's servers follow the promoted store within a fifth of a second and learn the
    # runbook's pool-state writes by NOTIFY: B takes a message at once.
    waited = first_ack_in_b(lab, unique, posters[0].channel)
    # Step 7 sets B's servers active: no note telling the operator to do it next.
    assert "set the active servers next" not in run.stderr, run.stderr
    assert waited < 1.5, f"B acknowledged a first message {waited:.2f} s after failover returned"
    print(f"\n{out}\n(pchatctl failover took {took:.2f} s)")
    for n in range(1, 8):
        assert f"Step {n} done" in out, out
    assert "acknowledged messages not shipped: unknown" in out
    last = re.search(r"last replayed transaction \(.*\): (\S+)", out).group(1)
    acked, lost = check_nothing_old_lost(lab, posters, killed_at)
    # The report's last replayed transaction: everything acknowledged before it is in B.
    last_s = time.mktime(time.strptime(last[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone \
        + float("0" + last[19:-1])
    assert all(t >= last_s - 0.5 for b, t in lost.items()), (last, lost)
    # The clients reconnect to B and carry on in their rooms.
    b_port = lab.servers("B")[0]["irc_port"]
    wait_until(lambda: connect_to_b(lab, unique).close() is None, 15, "B accepting clients")
    again = [Poster(b_port, unique("p"), p.channel, prefix="b-") for p in posters]
    for p in again:
        p.start()
    wait_until(lambda: all(len(p.acked) >= 10 for p in again), 30, "posting in B")
    for p in again:
        p.stop.set()
        p.join(15)
    in_b = stored(lab, "backup", again)
    assert all(b in in_b for p in again for b in p.acked), "acknowledged in B and not stored"
    post_in_b(lab, unique, posters[1].channel)
    health = lab.status()
    assert health is not None

    # A comes back: its old primary is writable with epoch 1; the servers fence it.
    a_before = lab.query("backup", "select count(*) from messages")
    lab.start_dc("A")
    wait_until(lambda: "store primary is FENCED" in lab.ctl("status", check=False).stdout, 30,
               "A's primary fenced")
    count_a = lab.query("primary", "select count(*) from messages")[0][0]
    post_in_b(lab, unique, posters[2].channel)
    assert lab.query("primary", "select count(*) from messages")[0][0] == count_a, \
        "a write reached the fenced primary"
    assert lab.query("backup", "select count(*) from messages") != a_before
    # Re-run with A readable: the report counts what was not shipped. A has every
    # acknowledged message; it may also hold one committed but unacknowledged per poster.
    out = lab.ctl("failover").stdout
    n = int(re.search(r"acknowledged messages not shipped: (\d+)", out).group(1))
    assert len(lost) <= n <= len(lost) + len(posters), (n, len(lost), out)
    # B goes silent: failback cannot tell where the pool is, so it refuses (it once
    # read the fenced, writable old primary as "nothing to fail back").
    lab.kill_dc("B")
    r = lab.ctl("failback", check=False)
    assert r.returncode == 1 and "the backup store (datacenter B) does not answer" in r.stderr, \
        (r.stdout, r.stderr)
    assert not (lab.dir / "copy-destination" / "pchat-failback.json").exists()


def stop_store(lab, role):
    """Stops a lab store cleanly (fast shutdown by its postmaster's PID): its cluster
    stays on disk, not running."""
    pid = lab.postmaster(role)
    assert pid is not None, role
    os.kill(pid, signal.SIGINT)
    wait_until(lambda: lab.postmaster(role) is None, 30, f"the {role} store to stop")


def test_failover_killed_after_each_step_resumes(lab_factory, unique):
    lab = lab_factory(servers_per_dc=1)
    lab.query("primary", "create table crash_probe(x int); insert into crash_probe values (1); "
                         "select pg_switch_wal()")
    lab.wait_backup_replayed()
    # A failback journal of an earlier cycle: the failback of this failover must not
    # resume it (it would skip its first steps).
    stale = lab.dir / "copy-destination" / "pchat-failback.json"
    stale.write_text('{"started_at": "2026-01-01T00:00:00Z", "runs": 1, "steps": {"1": {}, "2": {}}}')
    lab.kill_dc("A")
    for step in range(1, 8):
        r = lab.ctl("failover", check=False, env_extra={"PCHAT_TEST_FAILOVER_KILL_AFTER_STEP": str(step)})
        assert r.returncode == -9, (step, r.returncode, r.stdout, r.stderr)
        assert f"Step {step} done" in r.stdout, r.stdout
        if step > 1:
            assert "did not finish; it is resumed" in r.stdout, r.stdout
        assert not stale.exists()
        if step == 2:
            plan = lab.ctl("failover", "--dry-run").stdout
            lines = [l for l in plan.splitlines() if l.startswith("  step ")]
            assert len(lines) == 7 and all("(done in an earlier run)" in l for l in lines[:2]) \
                and not any("(done" in l for l in lines[2:]), plan
        if step == 4:
            # Stopped between the promotion and the new epoch: both stores writable at
            # the same epoch, so nothing fences A. A coming back now could take writes
            # beside B: the re-run refuses unless forced.
            lab.start_dc("A")
            wait_until(lambda: lab.query("primary", "select pg_is_in_recovery()") == [["f"]], 30,
                       "A's primary writable")
            r = lab.ctl("failover", check=False)
            assert r.returncode == 1 and "the pool state does not name it yet" in r.stderr, \
                (r.returncode, r.stdout, r.stderr)
            lab.kill_dc("A")
        if step == 5:
            # The backup mirror holds a cluster that does not stream (as a base backup
            # cut short would leave): step 6 moves it aside and builds it again (Lync's
            # -DropExistingDatabasesOnMirror).
            stop_store(lab, "backup_mirror")
    out = lab.ctl("failover").stdout
    assert "Failover report" in out and "(8 run(s))" in out, out
    assert list((lab.store_dir("backup_mirror")).glob("pg.old-*")), "the backup mirror rebuilt"
    state = lab.ctl("Get-CsPersistentChatState", "--json").stdout
    assert '"epoch": 2' in state and '"state": "FailedOver"' in state, state
    assert lab.query("backup", "select count(*) from crash_probe") == [["1"]]
    assert lab.query("backup", "select application_name, sync_state from pg_stat_replication") \
        == [["backup_mirror", "sync"]]
    active = lab.ctl("Get-CsPersistentChatActiveServer", "--json").stdout
    assert lab.servers("B")[0]["name"] in active and lab.servers("A")[0]["name"] not in \
        re.search(r'"active_servers": \[[^\]]*\]', active).group(0)
    # A completed failover run again changes nothing.
    again = lab.ctl("failover").stdout
    assert "nothing to do" in again and '"epoch": 2' in lab.ctl("Get-CsPersistentChatState",
                                                                 "--json").stdout
    assert os.path.exists(lab.dir / "copy-destination" / "pchat-failover.json")


def check_store_links_encrypted(lab, roles, walsenders, pool_store):
    """Over TLS on each store of `roles`: every client backend and walsender
    (pg_stat_activity joined with pg_stat_ssl) is encrypted, the walsenders of
    `walsenders` ({role: [application_name]}) among them (pg_stat_replication), and
    pchatd's among those of `pool_store`; a plaintext TCP connection is refused, and
    so is a TLS one without the lab's client certificate."""
    for role in roles:
        rows = lab.query_tls(role, "select a.backend_type, coalesce(a.application_name, ''), "
                                   "coalesce(s.ssl, false), coalesce(s.version, ''), "
                                   "coalesce(s.client_dn, '') "
                                   "from pg_stat_activity a left join pg_stat_ssl s using (pid) "
                                   "where a.backend_type in ('client backend', 'walsender')")
        plain = [r for r in rows if r[2] != "t"]
        assert not plain, f"unencrypted connections to {role}: {plain}"
        # Each signed in with the lab's client certificate (PostgreSQL cert auth).
        assert all(r[3].startswith("TLSv1.") and r[4] == "/CN=pchat" for r in rows), rows
        if role == pool_store:
            assert [r for r in rows if r[0] == "client backend" and r[1] != "lab-test"], rows
        want = walsenders.get(role, [])
        if want:
            wait_until(lambda: sorted(a for a, in lab.query_tls(
                role, "select r.application_name from pg_stat_replication r "
                      "join pg_stat_ssl s using (pid) where s.ssl and r.state = 'streaming'"))
                == sorted(want), 60, f"{want} streaming over TLS from {role}")
        err = lab.plain_tcp_error(role)
        assert "no encryption" in err and "rejects connection" in err, (role, err)
        err = lab.connect_error(lab.tls_conninfo(role, client_cert=False))
        assert "certificate" in err, (role, err)  # TLS without the client certificate


def post_over_tls(lab, unique, server, channel, body):
    """One message through a server's IRC-over-TLS listener, verified against the lab's
    CA; returns once acknowledged (registered_retrying: B's server may still be
    turning clients away just after the failover)."""
    ctx = ssl.create_default_context(cafile=str(lab.ca))
    c = registered_retrying(lambda: IrcClient("tls").connect_tls(server["irc_tls_port"], ctx),
                            lambda: unique("t"))
    post_and_close(c, channel, body, "tls")


def accounts_of(lab, store: str) -> list:
    """`pchatctl --topology T user list`, checking that it used `store`."""
    r = lab.ctl("user", "list")
    assert f"in its {store} store" in r.stderr, r.stderr
    return sorted(line.split()[0] for line in r.stdout.splitlines())


def test_failback_brings_the_pool_home_with_nothing_lost(lab_factory, unique):
    lab = lab_factory(servers_per_dc=1, extra_args=("--tls",))
    tls_room = "#" + unique("tls")
    post_over_tls(lab, unique, lab.servers("A")[0], tls_room, "tls-in-a")
    check_store_links_encrypted(lab, ROLES, {"primary": ["mirror"], "backup": ["backup_mirror"]},
                                "primary")
    # An account added through the topology signs in on A, then B, then A again.
    carol = secrets.token_urlsafe(12)
    lab.ctl("user", "add", "carol", input=carol + "\n")
    sign_in(lab.servers("A")[0]["irc_port"], "carol", carol, unique("ca")).close()
    assert accounts_of(lab, "primary") == ["carol"]
    lab.wait_backup_replayed(60)
    posters, killed_at = drive_disaster(lab, unique)
    lab.ctl("failover")
    acked, _ = check_nothing_old_lost(lab, posters, killed_at)
    post_over_tls(lab, unique, lab.servers("B")[0], tls_room, "tls-in-b")
    check_store_links_encrypted(lab, ("backup", "backup_mirror", "compliance_backup"),
                                {"backup": ["backup_mirror"]}, "backup")
    b_port = lab.servers("B")[0]["irc_port"]
    sign_in(b_port, "carol", carol, unique("cb"), seconds=10).close()
    dave = secrets.token_urlsafe(12)
    lab.ctl("user", "add", "dave", input=dave + "\n")
    assert accounts_of(lab, "backup") == ["carol", "dave"]
    sign_in(b_port, "dave", dave, unique("db")).close()
    in_b = stored(lab, "backup", posters)
    # Posted in B while A is away.
    c = connect_to_b(lab, unique)
    channel = posters[0].channel
    join_retrying(c, channel)
    posted_in_b = []
    for k in range(30):
        c.request(f"PRIVMSG {channel} :in-b-{k}", f"b{k}")
        m = c.expect(("PRIVMSG", "FAIL"), 20, pred=lambda m, k=k: m.tags.get("label") == f"b{k}")
        assert m.command == "PRIVMSG", str(m)
        posted_in_b.append(f"in-b-{k}")
    c.close()
    r = lab.ctl("failback", check=False)
    assert r.returncode == 1 and "bring datacenter A back first" in r.stderr, r.stderr

    lab.start_dc("A")
    # Killed after step 2 (A rebuilt as B's synchronous standby); A's primary then
    # stops: the re-run builds it again rather than refusing at step 3 for ever.
    r = lab.ctl("failback", check=False, env_extra={"PCHAT_TEST_FAILBACK_KILL_AFTER_STEP": "2"},
                timeout=300)
    assert r.returncode == -9 and "Step 2 done" in r.stdout, (r.returncode, r.stdout, r.stderr)
    stop_store(lab, "primary")
    # Killed inside step 3, right after A's promotion and before its settings.
    r = lab.ctl("failback", check=False,
                env_extra={"PCHAT_TEST_FAILBACK_KILL_AFTER_PROMOTE": "1"}, timeout=300)
    assert r.returncode == -9 and "Step 2 done" in r.stdout and "Step 3 done" not in r.stdout, \
        (r.returncode, r.stdout, r.stderr)
    assert "done in an earlier run; checked again" in r.stdout, r.stdout
    # Killed after step 3 (switched over: the re-run finishes the promotion).
    r = lab.ctl("failback", check=False, env_extra={"PCHAT_TEST_FAILBACK_KILL_AFTER_STEP": "3"},
                timeout=300)
    assert r.returncode == -9 and "Step 3 done" in r.stdout, (r.returncode, r.stdout, r.stderr)
    assert "writable already: switched over" in r.stdout, r.stdout
    out = lab.ctl("failback", timeout=240).stdout
    print("\n" + out)
    assert "Failback report" in out and "(" in out and "4 run(s)" in out, out
    # A's old mirror followed A's old primary, whose history B's forked off: it may show
    # up in pg_stat_replication between refused connections, but never streams, so it is
    # rebuilt, not taken as a mirror already in place.
    step5 = out.split("Step 5:")[1].split("Step 6:")[0]
    assert "configuring only" not in step5 and "base backup of primary" in step5, step5
    state = lab.ctl("Get-CsPersistentChatState", "--json").stdout
    assert '"state": "Normal"' in state and '"epoch": 3' in state and \
        '"primary_store": "primary"' in state, state
    assert lab.query("primary", "select pg_is_in_recovery()") == [["f"]]
    # Everything B had, and everything posted in B, is in A exactly once.
    home = stored(lab, "primary", posters)
    assert all(n == 1 for n in home.values())
    missing = [b for b in list(in_b) + posted_in_b if b not in home]
    assert not missing, f"lost in the failback: {missing}"
    # A's mirror is synchronous; log shipping runs A -> B again.
    assert lab.query("primary", "select application_name, sync_state from pg_stat_replication "
                                "where application_name = 'mirror'") == [["mirror", "sync"]]
    assert lab.query("backup", "select pg_is_in_recovery()") == [["t"]]
    lab.query("primary", "create table home_again(x int); insert into home_again values (1); "
                         "select pg_switch_wal()")
    lab.wait_backup_replayed(60)
    assert lab.query("backup", "select count(*) from home_again") == [["1"]]
    # Clients use A again.
    a = lab.servers("A")[0]
    wait_until(lambda: "a" in lab.ctl("Get-CsPersistentChatActiveServer", "--json").stdout, 5, "A")
    deadline = time.monotonic() + 10
    while True:
        c = IrcClient("a").connect(a["irc_port"])
        try:
            c.register(unique("pa"), caps=CAPS)
            break
        except (AssertionError, OSError):
            c.close()
            assert time.monotonic() < deadline, "A's server does not accept clients"
            time.sleep(0.2)
    join_retrying(c, channel)
    c.request(f"PRIVMSG {channel} :home", "h")
    assert c.expect(("PRIVMSG", "FAIL"), 20, pred=lambda m: m.tags.get("label") == "h").command \
        == "PRIVMSG"
    c.close()
    assert lab.query("primary", f"select count(*) from messages where target = '{channel}' "
                                "and body = 'home'") == [["1"]]
    assert len(acked) > 0
    # Every store rebuilt by the failback (A's primary and mirror, the backup store and
    # its mirror) has TLS on and refuses plaintext; IRC over TLS on A again.
    post_over_tls(lab, unique, a, tls_room, "tls-home")
    check_store_links_encrypted(lab, ROLES, {"primary": ["mirror"], "backup": ["backup_mirror"]},
                                "primary")
    assert sorted(b for b, in lab.query("primary", f"select body from messages where target = "
                                                   f"'{tls_room}'")) == \
        ["tls-home", "tls-in-a", "tls-in-b"]
    # Both accounts, the one added in B included, sign in on A again.
    assert accounts_of(lab, "primary") == ["carol", "dave"]
    sign_in(a["irc_port"], "carol", carol, unique("ca")).close()
    sign_in(a["irc_port"], "dave", dave, unique("da")).close()
    # Nothing to fail back any more.
    assert "nothing to fail back" in lab.ctl("failback").stdout


def test_compliance_events_follow_the_failover(lab_factory, unique):
    """Compliance stays put: before the disaster events go through
    datacenter A's mgccomp; after the failover the servers write them to the compliance
    backup store (B); every CHAT of an acknowledged message written once. Events still
    in A's mgccomp when it died are reported by the failover and drained from A later."""
    from compliance_helpers import messages

    lab = lab_factory(servers_per_dc=1, extra_args=("--compliance-run-interval-ms", "300"))
    out = lab.dir / "compliance-out"
    lab.ctl("compliance", "set", "--output-dir", str(out))
    posters = start_posters(lab, unique, rooms=1)
    wait_until(lambda: len(posters[0].acked) >= 20, 30, "posting under way")
    wait_until(lambda: len([m for m in messages(out) if m["type"] == "CHAT"]) >= 10, 30,
               "events written through datacenter A's mgccomp")
    # A's server dies first: B's server takes the compliance service over and runs it
    # through A's mgccomp; then the rest of datacenter A goes. After the failover that
    # same service must prepare and use B's mgccomp (a new store, no tables yet).
    a1 = lab.servers("A")[0]
    os.kill(a1["pid"], signal.SIGKILL)
    b1 = lab.servers("B")[0]["name"]

    def compliance_status():
        return json.loads(lab.ctl("compliance", "status", "--json").stdout)

    wait_until(lambda: compliance_status()["holder"] == b1, 30, "B's server taking the service")
    first = compliance_status()["last_run_at"]
    wait_until(lambda: compliance_status()["last_run_at"] != first, 30,
               "a run of B's server through A's mgccomp")
    assert compliance_status()["mgccomp_store"] == "compliance"
    lab.kill_dc("A")
    for p in posters:
        p.stop.set()
        p.join(15)
    report = lab.ctl("failover").stdout
    assert "compliance: unknown" in report, report
    post_in_b(lab, unique, posters[0].channel)

    def through_b():
        try:
            runs = lab.query("compliance_backup", "select count(*) from runs")
        except AssertionError:  # B's mgccomp has no tables before its first run
            return False
        return int(runs[0][0]) > 0 and any(m["content"] == "after the failover"
                                           for m in messages(out))

    wait_until(through_b, 30, "events written through the compliance backup store")
    status = lab.ctl("compliance", "status", "--json").stdout
    assert '"mgccomp_store": "compliance_backup"' in status, status
    chats = [m["content"] for m in messages(out) if m["type"] == "CHAT"]
    assert len(chats) == len(set(chats)), "an event was written twice"
    in_b = stored(lab, "backup", posters)
    # Every message B holds from before the disaster is written, or still waits in A's
    # mgccomp (moved there, not yet written when A died): the report counts those.
    lab.start_dc("A")
    again = lab.ctl("failover").stdout
    left = re.search(r"compliance: (\d+) event\(s\)", again)
    waiting_in_a = int(left.group(1)) if left else 0
    missing = [b for b in in_b if b not in chats]
    assert len(missing) <= waiting_in_a, (len(missing), waiting_in_a, again)
    # The operator drains what was stranded in A: then every message B holds (posted
    # before the disaster and after the failover) has its CHAT event written exactly once.
    drained = lab.ctl("compliance", "drain", "--from", "A")
    assert drained.returncode == 0, drained.stderr

    def all_written():
        got = [m["content"] for m in messages(out) if m["type"] == "CHAT"]
        return set(in_b) | {"after the failover"} <= set(got) and len(got) == len(set(got))

    wait_until(all_written, 30, "every event written once after the drain")
    chats = [m["content"] for m in messages(out) if m["type"] == "CHAT"]
    assert len(chats) == len(set(chats)), "an event was written twice"


def test_steps_one_to_four_one_command_each(lab_factory):
    """Runbook steps 1-4 as native commands: the restore job really stops, files copied
    afterwards wait until `logship apply`, a gap is refused and named, `recover`
    refuses while copied files are not applied; --dry-run changes nothing; each step
    run twice says it is done."""
    lab = lab_factory(servers_per_dc=1)
    lab.query("primary", "create table s1(x int); insert into s1 values (1); select pg_switch_wal()")
    lab.wait_backup_replayed()
    assert "would remove" in lab.ctl("logship", "remove-secondary", "--dry-run").stdout
    out = lab.ctl("logship", "remove-secondary").stdout
    assert "log shipping removed" in out, out
    assert "already removed" in lab.ctl("logship", "remove-secondary").stdout
    assert lab.query("backup", "select current_setting('restore_command') = ''") == [["t"]]
    # New WAL after the removal: shipped to the share, not copied, not applied.
    for k in range(3):
        # Committed first, then switched: psql -c runs its statements as one
        # transaction, whose commit record would come after the switch.
        lab.query("primary", f"create table if not exists s2(x int); insert into s2 values ({k})")
        last_seg = lab.query("primary", "select pg_walfile_name(pg_switch_wal())")[0][0]
    # Stored in the share once its manifest records it (archive_timeout may ship
    # more segments around these).
    manifest = lab.dir / "share" / "pchat-manifest.jsonl"
    wait_until(lambda: manifest.exists() and f'"name":"{last_seg}"' in manifest.read_text(),
               30, f"segment {last_seg} (the last insert) in the share")
    out = lab.ctl("logship", "copy", "--dry-run").stdout
    m = re.search(r"(\d+) file\(s\) to copy", out)
    assert m and int(m.group(1)) >= 3, out
    time.sleep(1.0)
    assert lab.query("backup", "select to_regclass('s2') is null") == [["t"]]
    out = lab.ctl("logship", "copy").stdout
    assert "0 left" in out and "copied" in out, out
    # A gap in the copy destination is refused and named.
    dest = lab.dir / "copy-destination"
    replay = lab.query("backup", "select pg_last_wal_replay_lsn()")
    segs = sorted(p.name for p in dest.iterdir() if re.fullmatch(r"[0-9A-F]{24}", p.name))
    assert len(segs) >= 3
    hidden = segs[-2]
    (dest / hidden).rename(lab.dir / hidden)
    r = lab.ctl("logship", "apply", check=False)
    assert r.returncode == 1 and hidden in r.stderr, (replay, r.stderr)
    r = lab.ctl("recover", check=False)
    assert r.returncode == 1 and ("not applied" in r.stderr or hidden in r.stderr), r.stderr
    (lab.dir / hidden).rename(dest / hidden)
    r = lab.ctl("recover", check=False)
    assert r.returncode == 1 and "not applied yet" in r.stderr, r.stderr
    assert "would apply" in lab.ctl("logship", "apply", "--dry-run").stdout
    out = lab.ctl("logship", "apply").stdout
    assert re.search(r"applied [1-9]\d* file\(s\)", out), out
    assert lab.query("backup", "select count(*) from s2") == [["3"]]
    assert "nothing to apply" in lab.ctl("logship", "apply").stdout
    assert lab.query("backup", "select current_setting('restore_command') = ''") == [["t"]]
    out = lab.ctl("sessions", "--store", "backup").stdout
    assert "session(s) on mgc of the backup store" in out, out
    # Datacenter A is up in this drill: promoting the backup would split the pool.
    for argv in (("recover",), ("recover", "--dry-run")):
        r = lab.ctl(*argv, check=False)
        assert r.returncode == 1 and "primary store of datacenter A is up and writable" \
            in r.stderr, r.stderr
    assert "would end" in lab.ctl("recover", "--dry-run", "--force").stdout
    assert lab.query("backup", "select pg_is_in_recovery()") == [["t"]]
    assert "online" in lab.ctl("recover", "--force").stdout
    assert "online already" in lab.ctl("recover").stdout
    assert lab.query("backup", "select count(*) from s2") == [["3"]]
