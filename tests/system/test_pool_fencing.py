"""Fencing by epoch (docs/design.md#invariant-3-fencing-by-epoch).

Two writable stores: "primary" (a standalone pchatd's PostgreSQL, epoch 1) and
"backup" (another's, its pool state moved on to epoch 2, as after a failover). A
pool member started with both in its topology uses the store with the higher epoch,
and fences the other: made read-only, reported in /healthz and `pchatctl status`,
and no server writes there any more (even the standalone pchatd that owns it).

A store is fenced only if its epoch is still lower when it is read again, under its
pool_state row lock, in the fencing transaction; a store without pool state (its
schema not created yet) is not fenced. Both guard against probes of several stores
not being one snapshot (two servers starting together on a new store with a
synchronous mirror once fenced the primary while the first was migrating it).
"""

from __future__ import annotations

import json
import subprocess
import threading
import time

import pytest

from irc_client import IrcClient
from pchat_harness import HarnessError, pchatctl, wait_until
from store_query import PSQL, conninfo, query

TIMEOUT = 20.0
CAPS = ("echo-message", "message-tags", "labeled-response")


def topology(path, primary_dir, backup_dir, member, primary_dbname="mgc"):
    path.write_text("\n".join([
        "[pool]", 'fqdn = "pool.test.local"', f'active_servers = ["{member.name}"]', "",
        "[datacenters.A]", "", "[datacenters.B]", "",
        "[[servers]]", f'name = "{member.name}"', 'datacenter = "A"',
        f'irc_listen = "127.0.0.1:{member.irc_port}"',
        f'http_listen = "127.0.0.1:{member.http_port}"', "",
        "[stores.primary]", 'datacenter = "A"', f'host = "{primary_dir / "run"}"',
        f'dbname = "{primary_dbname}"', 'user = "pchat"', "",
        "[stores.backup]", 'datacenter = "B"', f'host = "{backup_dir / "run"}"',
        'dbname = "mgc"', 'user = "pchat"', "",
        "[log_shipping]", f'backup_share = "{path.parent / "share"}"',
        f'copy_destination = "{path.parent / "copy"}"', "",
    ]))
    return path


def test_lower_epoch_store_is_fenced_and_never_written(server_factory, base_dir, unique):
    old = server_factory(allow_guests=True)   # owns the "primary" store, epoch 1
    new = server_factory(allow_guests=True)   # owns the "backup" store
    query(new.data_dir, "update pool_state set epoch = 2, pool_state = 'FailedOver',"
                        " primary_store = 'backup'")
    channel = "#" + unique("fen")
    b = IrcClient("b").connect(old.irc_port)
    b.register(unique("fb"), caps=CAPS)
    b.send(f"JOIN {channel}")
    b.expect("366", TIMEOUT)
    member = server_factory(start=False)
    topo = topology(base_dir / f"{member.name}-fence.toml", old.data_dir, new.data_dir, member)
    member.start(base_dir / member.name / "unused",
                 ["--topology", str(topo), "--server", member.name], allow_guests=True)

    def health():
        status, text = member.http_get("/healthz")
        return json.loads(text)

    wait_until(lambda: any(s["name"] == "primary" and s["fenced"] for s in health()["stores"]),
               10, "the lower-epoch store to be fenced")
    h = health()
    assert h["store_in_use"] == "backup", h
    assert h["epoch"] == 2, h
    assert "primary" in h["fenced_by_this_server"], h
    # The fenced store refuses writes to every new session.
    assert query(old.data_dir, "show default_transaction_read_only") == [["on"]]

    before_old = query(old.data_dir, "select count(*) from messages")[0][0]
    # Through the pool member: stored on the new store only.
    a = IrcClient("a").connect(member.irc_port)
    a.register(unique("fa"), caps=CAPS)
    a.send(f"JOIN {channel}")
    a.expect("366", TIMEOUT)
    a.request(f"PRIVMSG {channel} :after the failover", "f1")
    assert a.expect_label("f1", TIMEOUT).command == "PRIVMSG"
    rows = query(new.data_dir, "select body from messages where body = 'after the failover'")
    assert rows == [["after the failover"]]
    # Through the old store's own pchatd (a client connected before the fence):
    # refused, never acknowledged, never stored. New clients cannot even register
    # there (their nick cannot be claimed on a read-only store).
    for i in range(3):
        b.request(f"PRIVMSG {channel} :to the fenced store {i}", f"o{i}")
        reply = b.expect_label(f"o{i}", TIMEOUT)
        assert reply.command == "FAIL", reply.raw
    late = IrcClient("late").connect(old.irc_port)
    late.send(f"NICK {unique('fl')}")
    late.send("USER late 0 * :late")
    assert late.expect(("437", "001"), TIMEOUT).command == "437"
    late.close()
    after_old = query(old.data_dir, "select count(*) from messages")[0][0]
    assert after_old == before_old, "a message was written to the fenced store"

    out = pchatctl(new.data_dir, "--topology", str(topo), "status")
    assert out.returncode == 0, out.stderr
    assert "store primary is FENCED" in out.stdout, out.stdout
    assert "backup" in out.stdout
    a.close()
    b.close()


def failed_over_pair(server_factory):
    """(old, new): two standalone stores; new's pool state is at epoch 2, as after a
    failover."""
    old = server_factory(allow_guests=True)
    new = server_factory(allow_guests=True)
    query(new.data_dir, "update pool_state set epoch = 2, pool_state = 'FailedOver',"
                        " primary_store = 'backup'")
    return old, new


def start_member(server_factory, base_dir, old, new, primary_dbname="mgc"):
    member = server_factory(start=False)
    topo = topology(base_dir / f"{member.name}-fence.toml", old.data_dir, new.data_dir, member,
                    primary_dbname)
    member.start(base_dir / member.name / "unused",
                 ["--topology", str(topo), "--server", member.name], allow_guests=True)
    return member


def health(member):
    status, text = member.http_get("/healthz")
    return json.loads(text)


def read_only_settings(data_dir, dbname):
    return query(data_dir, "select count(*) from pg_db_role_setting s join pg_database d"
                           f" on d.oid = s.setdatabase where d.datname = '{dbname}'")[0][0]


def commit_once_the_selector_waits(data_dir, session, wait_event_sql, what, close=False):
    """A thread that writes COMMIT to the psql `session` once the selector's session on
    `data_dir` waits (`wait_event_sql`: a condition on pg_stat_activity), or after 30 s.
    Returns (thread, event set once COMMIT was sent); the event's `waited` says whether
    the selector was seen waiting (the test must assert it: a thread's exception does
    not fail the test)."""
    committed = threading.Event()
    committed.waited = False

    def run():
        try:
            wait_until(lambda: query(data_dir,
                                     "select count(*) from pg_stat_activity where application_name"
                                     f" = 'pchatd-selector' and {wait_event_sql}") == [["1"]],
                       30, what)
            committed.waited = True
        finally:
            session.stdin.write("COMMIT;\n")
            if close:
                session.stdin.close()
            else:
                session.stdin.flush()
            committed.set()

    return threading.Thread(target=run), committed


def test_a_store_without_pool_state_is_not_fenced(server_factory, base_dir):
    old, new = failed_over_pair(server_factory)
    # "primary" is a new, empty database: no schema, no pool state yet.
    query(old.data_dir, "create database fresh")
    member = start_member(server_factory, base_dir, old, new, primary_dbname="fresh")
    h = health(member)
    assert h["store_in_use"] == "backup", h
    time.sleep(2.5)  # more selector rounds (one a second): still not fenced
    h = health(member)
    assert h["fenced_by_this_server"] == [], h
    assert not any(s["name"] == "primary" and s["fenced"] for s in h["stores"]), h
    assert read_only_settings(old.data_dir, "fresh") == "0"
    assert "FENCED" not in member.log_tail(200)


def test_a_store_whose_epoch_rises_while_it_is_being_fenced_is_not_fenced(server_factory,
                                                                           base_dir):
    # The selector probes "primary" at epoch 1 and "backup" at epoch 2, so it sets out
    # to fence primary; meanwhile primary's epoch rises to 2 (a transaction that
    # commits while the selector waits for the pool_state row). Read again under the
    # row lock, it is no longer lower: not fenced.
    old, new = failed_over_pair(server_factory)
    raiser = subprocess.Popen([PSQL, conninfo(old.data_dir), "-X", "-q", "-v", "ON_ERROR_STOP=1"],
                              stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    try:
        raiser.stdin.write("BEGIN;\nUPDATE pool_state SET epoch = 2 WHERE id = 1;\n")
        raiser.stdin.flush()
        wait_until(lambda: query(old.data_dir,
                                 "select count(*) from pg_stat_activity where state ="
                                 " 'idle in transaction'") == [["1"]], 10, "the epoch raise")
        committer, committed = commit_once_the_selector_waits(
            old.data_dir, raiser, "wait_event_type = 'Lock'",
            "the selector to wait for the pool_state row", close=True)
        committer.start()
        member = start_member(server_factory, base_dir, old, new)
        committer.join(timeout=40)
        assert committed.is_set() and committed.waited
    finally:
        if not committed.is_set():
            raiser.kill()
        assert raiser.wait(timeout=20) == 0, raiser.stderr.read()
    wait_until(lambda: "not fencing store primary" in member.log_tail(200), 10,
               "the selector to see the raised epoch")
    h = health(member)
    assert h["fenced_by_this_server"] == [], h
    assert read_only_settings(old.data_dir, "mgc") == "0"
    assert query(old.data_dir, "select epoch from pool_state") == [["2"]]
    assert "FENCED" not in member.log_tail(200)


def test_a_new_store_is_not_used_while_another_store_does_not_answer(server_factory, base_dir):
    # The topology's backup does not answer (here: nothing there); it may hold the
    # pool at a higher epoch. The primary is a new, empty database. A server that
    # migrated it would commit at epoch 1 beside the pool: it waits instead.
    old = server_factory(allow_guests=True)
    query(old.data_dir, "create database fresh")
    member = server_factory(start=False)
    topo = topology(base_dir / f"{member.name}-silent.toml", old.data_dir,
                    base_dir / f"{member.name}-nowhere", member, primary_dbname="fresh")
    with pytest.raises(HarnessError):
        member.start(base_dir / member.name / "unused",
                     ["--topology", str(topo), "--server", member.name], timeout=4)
    log = member.log_tail(200)
    assert "store primary has no pool state yet and store backup does not answer" in log, log
    assert query(old.data_dir, "select to_regclass('pool_state') is null", dbname="fresh") == [["t"]]


def test_nothing_commits_on_a_fenced_store_even_in_a_session_opened_before(server_factory,
                                                                           base_dir):
    # A psql session on "primary" does what a writer does: it takes the pool-wide
    # message lock, passes the fence check and inserts, then waits before COMMIT. The
    # selector's fence waits for that lock, so the commit in flight lands before the
    # fence. Afterwards the same session (opened before the fence, so not read-only by
    # default) cannot commit a message: the fence check finds the fence in the catalog.
    old, new = failed_over_pair(server_factory)
    session = subprocess.Popen(
        [PSQL, conninfo(old.data_dir) + " application_name=fence-test", "-X", "-q"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lock = "SELECT pg_advisory_xact_lock(7305692317), pchat_fence_check(1);\n"
    insert = ("INSERT INTO messages (msgid, target, sender, command, body, ts)"
              " VALUES ('{0}', '#fence', 'x!y@z', 'PRIVMSG', '{0}', now());\n")
    try:
        session.stdin.write("BEGIN;\n" + lock + insert.format("in flight"))
        session.stdin.flush()
        wait_until(lambda: query(old.data_dir,
                                 "select count(*) from pg_stat_activity where application_name"
                                 " = 'fence-test' and state = 'idle in transaction'") == [["1"]],
                   10, "the session to hold the message lock")
        committer, committed = commit_once_the_selector_waits(
            old.data_dir, session, "wait_event = 'advisory'",
            "the fence to wait for the message lock")
        committer.start()
        member = start_member(server_factory, base_dir, old, new)
        committer.join(timeout=40)
        assert committed.is_set() and committed.waited
        wait_until(lambda: "primary" in health(member)["fenced_by_this_server"], 10,
                   "the fence")
        _, err = session.communicate(
            "BEGIN;\n" + lock + insert.format("after the fence") + "COMMIT;\n", timeout=20)
    finally:
        if session.poll() is None:
            session.kill()
            session.wait(timeout=20)
    assert "this store is fenced: database mgc is read-only for new sessions" in err, err
    assert query(old.data_dir, "select body from messages where target = '#fence'"
                               " order by id") == [["in flight"]]
