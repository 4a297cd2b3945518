"""Compliance in a pool (docs/compliance.md): the topology's [stores.compliance]
turns capture on in every member; one member runs the compliance service (a
session advisory lock on mgc). Here mgc belongs to one standalone pchatd and
mgccomp to another (so mgccomp can go down on its own); pool members use both.

- the service passes to another member when its holder is SIGKILLed, again and
  again at random points of its runs, under load: every acknowledged message is
  in the output exactly once, and no event id appears twice;
- mgccomp outage: chat continues, events wait in the outbox, all arrive after."""

from __future__ import annotations

import collections
import json
import random
import subprocess
import time

from compliance_helpers import comp_events, messages, output_files, validate, wait_drained
from irc_client import IrcClient
from irc_helpers import join
from pchat_harness import binary, sanitizer_env, wait_until
from store_query import StoreError, query

CAPS = ("echo-message", "message-tags", "server-time", "batch", "labeled-response")
FQDN = "pool.test.local"


def write_topology(path, mgc_dir, comp_dir, members, comp_backup_dir=None):
    lines = ["[pool]", f'fqdn = "{FQDN}"',
             "active_servers = [" + ", ".join(f'"{m.name}"' for m in members) + "]", "",
             "[datacenters.A]", ""]
    for m in members:
        lines += ["[[servers]]", f'name = "{m.name}"', 'datacenter = "A"',
                  f'irc_listen = "127.0.0.1:{m.irc_port}"',
                  f'http_listen = "127.0.0.1:{m.http_port}"', ""]
    lines += ["[stores.primary]", 'datacenter = "A"', f'host = "{mgc_dir / "run"}"',
              'dbname = "mgc"', 'user = "pchat"', "",
              "[stores.compliance]", 'datacenter = "A"', f'host = "{comp_dir / "run"}"',
              'dbname = "mgccomp"', 'user = "pchat"', ""]
    if comp_backup_dir is not None:
        lines[lines.index("[datacenters.A]") + 1:lines.index("[datacenters.A]") + 1] = ["", "[datacenters.B]"]
        lines += ["[stores.compliance_backup]", 'datacenter = "B"',
                  f'host = "{comp_backup_dir / "run"}"', 'dbname = "mgccomp"', 'user = "pchat"', ""]
    path.write_text("\n".join(lines))
    return path


def start_pool(server_factory, base_dir, n_members=2, interval_ms=150):
    mgc_owner = server_factory(allow_guests=True)
    comp_owner = server_factory()
    members = [server_factory(start=False) for _ in range(n_members)]
    topo = write_topology(base_dir / f"{mgc_owner.name}-compliance.toml", mgc_owner.data_dir,
                          comp_owner.data_dir, members)
    for m in members:
        m.start(base_dir / m.name / "unused",
                ["--topology", str(topo), "--server", m.name,
                 "--compliance-run-interval-ms", str(interval_ms)], allow_guests=True)
    return mgc_owner, comp_owner, members, topo


def ctl(topo, *args):
    cmd = [str(binary("pchatctl")), "--topology", str(topo), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False,
                          env=sanitizer_env())


def set_output(topo, out):
    r = ctl(topo, "compliance", "set", "--output-dir", str(out))
    assert r.returncode == 0, r.stderr


def pending(mgc_dir, comp_dir) -> int:
    outbox = int(query(mgc_dir, "SELECT count(*) FROM compliance_outbox")[0][0])
    return outbox + comp_events(comp_dir)


def holder(members):
    """The member whose compliance service holds the lock (by its metric)."""
    found = []
    for m in members:
        if m.running and m.metrics().get("pchat_compliance_service_active", 0) == 1:
            found.append(m)
    assert len(found) <= 1, f"two compliance services active: {found}"
    return found[0] if found else None


def client(server, nick):
    c = IrcClient(nick)
    c.connect(server.irc_port)
    c.register(nick, caps=CAPS)
    return c


def post(c, chan, n, acked, tag):
    for i in range(n):
        body = f"{tag} {i}"
        c.send(f"PRIVMSG {chan} :{body}")
        echo = c.expect(("PRIVMSG", "FAIL"),
                        pred=lambda m, body=body: m.command == "FAIL" or m.params[-1] == body)
        if echo.command == "PRIVMSG":
            acked[echo.tags["msgid"]] = body


def test_service_survives_sigkill_of_its_holder_under_load(server_factory, base_dir, unique):
    mgc_owner, comp_owner, members, topo = start_pool(server_factory, base_dir)
    out = base_dir / f"{topo.stem}-out"
    set_output(topo, out)
    wait_until(lambda: holder(members) is not None, 20, "a compliance service holder")
    chan = "#" + unique("crash")
    acked = {}
    rng = random.Random(7)
    for round_no in range(4):
        h = holder(members)
        other = next(m for m in members if m is not h)
        c = client(other, unique("p"))
        join(c, chan)
        post(c, chan, 40, acked, f"r{round_no}")
        time.sleep(rng.uniform(0.0, 0.4))  # somewhere inside a run of the holder
        h.kill9()
        post(c, chan, 20, acked, f"r{round_no}b")
        wait_until(lambda: holder(members) is other, 20, "the service to pass to the survivor")
        h.restart()
        c.quit("round done")
    wait_drained(lambda: pending(mgc_owner.data_dir, comp_owner.data_dir), timeout=60)

    files = output_files(out)
    assert files
    for f in files:
        validate(f)
    got = messages(out)
    ids = collections.Counter(m["id"] for m in got)
    assert [i for i, n in ids.items() if n > 1] == [], "event ids written twice"
    chats = collections.Counter(m["msgid"] for m in got if m["type"] == "CHAT" and m["room"] == chan)
    assert set(chats) == set(acked), "acknowledged messages missing from (or extra in) the output"
    assert all(n == 1 for n in chats.values()), "a message written twice"
    by_msgid = {m["msgid"]: m["content"] for m in got if m["type"] == "CHAT"}
    assert all(by_msgid[k] == v for k, v in acked.items())
    runs = query(comp_owner.data_dir, "SELECT count(*), count(DISTINCT server) FROM runs",
                 dbname="mgccomp")
    assert int(runs[0][1]) == 2, f"runs by both members expected: {runs}"


def test_mgccomp_outage_chat_continues_and_events_arrive_later(server_factory, base_dir, unique):
    mgc_owner, comp_owner, members, topo = start_pool(server_factory, base_dir)
    out = base_dir / f"{topo.stem}-out"
    set_output(topo, out)
    chan = "#" + unique("outage")
    c = client(members[0], unique("o"))
    join(c, chan)
    acked = {}
    post(c, chan, 5, acked, "before")
    wait_drained(lambda: pending(mgc_owner.data_dir, comp_owner.data_dir))

    comp_owner.stop()  # its private PostgreSQL, holding mgccomp, stops with it
    post(c, chan, 10, acked, "during")
    assert len(acked) == 15, "chat must continue while mgccomp is down"
    waiting = int(query(mgc_owner.data_dir, "SELECT count(*) FROM compliance_outbox")[0][0])
    assert waiting >= 10
    wait_until(lambda: "mgccomp" in json.loads(ctl(topo, "compliance", "status", "--json").stdout)
               ["last_error"], 20, "the outage in compliance status")
    status = json.loads(ctl(topo, "compliance", "status", "--json").stdout)
    assert status["mgccomp_events"] is None and "cannot reach mgccomp" in status["mgccomp_error"]

    comp_owner.restart()
    post(c, chan, 5, acked, "after")
    wait_drained(lambda: pending(mgc_owner.data_dir, comp_owner.data_dir), timeout=40)
    got = messages(out)
    chats = collections.Counter(m["msgid"] for m in got if m["type"] == "CHAT")
    assert set(chats) == set(acked) and all(n == 1 for n in chats.values())
    status = json.loads(ctl(topo, "compliance", "status", "--json").stdout)
    assert status["outbox_events"] == 0 and status["mgccomp_events"] == 0
    assert status["last_error"] == ""
    c.quit()


def test_killed_between_files_and_purge_the_successor_rewrites_nothing(
        server_factory, base_dir, unique, monkeypatch):
    """The holder is SIGKILLed after a run's files are durable but before its purge
    (a test-only pause holds it there): the successor finishes the recorded run,
    finds identical files (no second copy), purges; every event exactly once."""
    monkeypatch.setenv("PCHAT_TEST_COMPLIANCE_PAUSE_BEFORE_PURGE_MS", "3000")
    mgc_owner, comp_owner, members, topo = start_pool(server_factory, base_dir)
    out = base_dir / f"{topo.stem}-out"
    set_output(topo, out)
    wait_until(lambda: holder(members) is not None, 20, "a compliance service holder")
    h = holder(members)
    other = next(m for m in members if m is not h)
    chan = "#" + unique("purge")
    c = client(other, unique("k"))
    join(c, chan)
    acked = {}
    post(c, chan, 10, acked, "m")
    wait_until(lambda: any(m.get("msgid") in acked for m in messages(out)), 20,
               "a file holding the messages (run paused before its purge)")
    open_runs = query(comp_owner.data_dir, "SELECT count(*) FROM runs WHERE completed_at IS NULL",
                      dbname="mgccomp")
    assert open_runs == [["1"]]
    names_before = [p.name for p in output_files(out)]
    h.kill9()
    wait_until(lambda: holder(members) is other, 20, "the service to pass to the survivor")
    wait_until(lambda: "finishing open run" in other.log_tail(400), 20, "the open run finished")
    wait_drained(lambda: pending(mgc_owner.data_dir, comp_owner.data_dir), timeout=40)
    assert query(comp_owner.data_dir, "SELECT count(*) FROM runs WHERE completed_at IS NULL",
                 dbname="mgccomp") == [["0"]]
    got = messages(out)
    ids = collections.Counter(m["id"] for m in got)
    assert all(n == 1 for n in ids.values()), "an event written twice"
    chats = collections.Counter(m["msgid"] for m in got if m["type"] == "CHAT")
    assert set(chats) == set(acked) and all(n == 1 for n in chats.values())
    names_after = [p.name for p in output_files(out)]
    assert names_after[:len(names_before)] == names_before  # the same files, not copies
    h.restart()
    c.quit()


def test_after_failover_the_service_uses_the_compliance_backup_store(
        server_factory, base_dir, unique):
    """Pool state FailedOver (the backup store primary) makes the service use
    [stores.compliance_backup]: events recorded before the switch are written
    through A's mgccomp, those after through B's, each exactly once. (The chat store
    itself is not failed over here: that is the lab's test.)"""
    mgc_owner = server_factory(allow_guests=True)
    comp_a = server_factory()
    comp_b = server_factory()
    members = [server_factory(start=False) for _ in range(2)]
    topo = write_topology(base_dir / f"{mgc_owner.name}-fo.toml", mgc_owner.data_dir,
                          comp_a.data_dir, members, comp_backup_dir=comp_b.data_dir)
    for m in members:
        m.start(base_dir / m.name / "unused",
                ["--topology", str(topo), "--server", m.name,
                 "--compliance-run-interval-ms", "150"], allow_guests=True)
    out = base_dir / f"{topo.stem}-out"
    set_output(topo, out)
    chan = "#" + unique("fo")
    c = client(members[0], unique("f"))
    join(c, chan)
    before, after = {}, {}
    post(c, chan, 10, before, "before")
    wait_drained(lambda: pending(mgc_owner.data_dir, comp_a.data_dir))
    runs_a = query(comp_a.data_dir, "SELECT count(*) FROM runs", dbname="mgccomp")

    r = ctl(topo, "Set-CsPersistentChatState", "-Identity", f"service:{FQDN}",
            "-PoolState", "FailedOver", "-Force")
    assert r.returncode == 0, r.stdout + r.stderr
    post(c, chan, 10, after, "after")
    seen = {}

    def written_through_b():
        try:
            runs_b = query(comp_b.data_dir, "SELECT count(*) FROM runs", dbname="mgccomp")
        except StoreError as e:  # the service has not created B's mgccomp (or its tables) yet
            seen["runs_b"] = str(e)[:200]
            return False
        outbox = query(mgc_owner.data_dir, "SELECT count(*) FROM compliance_outbox")
        seen.update(runs_b=runs_b, outbox=outbox, events_b=comp_events(comp_b.data_dir))
        return int(runs_b[0][0]) > 0 and outbox == [["0"]] and seen["events_b"] == 0

    try:
        wait_until(written_through_b, 60, "events written through the compliance backup store")
    except TimeoutError as e:
        status = ctl(topo, "compliance", "status", "--json")
        raise AssertionError(f"{e}; last seen {seen}; status {status.stdout}{status.stderr}; "
                             f"logs: {[m.log_tail(30) for m in members]}") from e
    wait_drained(lambda: pending(mgc_owner.data_dir, comp_b.data_dir))
    assert query(comp_a.data_dir, "SELECT count(*) FROM runs", dbname="mgccomp") == runs_a
    got = messages(out)
    chats = collections.Counter(m["msgid"] for m in got if m["type"] == "CHAT")
    assert set(chats) == set(before) | set(after) and all(n == 1 for n in chats.values())
    status = json.loads(ctl(topo, "compliance", "status", "--json").stdout)
    assert status["mgccomp_store"] == "compliance_backup" and status["mgccomp_events"] == 0
    c.quit()


def test_drain_writes_what_was_left_in_datacenter_a_exactly_once(server_factory, base_dir, unique):
    """Events reach A's mgccomp but are not written (no output directory yet) when
    the pool fails over to B. Two of them also reach B (their outbox delete "was not
    shipped": re-inserted into the outbox by hand). `compliance drain --from A`
    writes the others, drops those two (B writes them); every event exactly once."""
    mgc_owner = server_factory(allow_guests=True)
    comp_a, comp_b = server_factory(), server_factory()
    members = [server_factory(start=False) for _ in range(2)]
    topo = write_topology(base_dir / f"{mgc_owner.name}-drain.toml", mgc_owner.data_dir,
                          comp_a.data_dir, members, comp_backup_dir=comp_b.data_dir)
    for m in members:
        m.start(base_dir / m.name / "unused", ["--topology", str(topo), "--server", m.name,
                                               "--compliance-run-interval-ms", "150"],
                allow_guests=True)
    chan = "#" + unique("dr")
    c = client(members[0], unique("d"))
    join(c, chan)
    acked = {}
    post(c, chan, 5, acked, "in A")
    wait_until(lambda: query(mgc_owner.data_dir, "SELECT count(*) FROM compliance_outbox") == [["0"]]
               and comp_events(comp_a.data_dir) == 6, 20, "6 events stranded in A's mgccomp")
    refused = ctl(topo, "compliance", "drain", "--from", "A")
    assert refused.returncode == 1 and "is the one in use" in refused.stderr

    r = ctl(topo, "Set-CsPersistentChatState", "-Identity", f"service:{FQDN}",
            "-PoolState", "FailedOver", "-Force")
    assert r.returncode == 0, r.stdout + r.stderr
    # the last two moves of A "were not shipped": they are in the outbox again
    rows = query(comp_a.data_dir, "SELECT mgc_event_id, event_type, ts_us, split_part(room_uri, '/', 4), "
                                  "room, user_name, content, msgid FROM events "
                                  "ORDER BY mgc_event_id DESC LIMIT 2", dbname="mgccomp")
    values = ", ".join(f"({i}, '{t}', to_timestamp({ts} / 1e6), '#{room}', '{name}', '{user}', "
                       f"'{content}', '{msgid}')"
                       for i, t, ts, room, name, user, content, msgid in rows)
    # one statement: a promoted mgc shows its outbox all at once
    query(mgc_owner.data_dir, "INSERT INTO compliance_outbox "
                              "(id, event_type, ts, room, room_name, nick, content, msgid) "
                              f"VALUES {values}")
    out = base_dir / f"{topo.stem}-out"
    set_output(topo, out)
    post(c, chan, 5, acked, "in B")

    dry = json.loads(ctl(topo, "compliance", "drain", "--from", "A", "--dry-run", "--json").stdout)
    assert (dry["events"], dry["to_write"], dry["delivered_by_store_in_use"]) == (6, 4, 2), dry
    assert comp_events(comp_a.data_dir) == 6  # a dry run changes nothing
    done = ctl(topo, "compliance", "drain", "--from", "A")
    assert done.returncode == 0, done.stderr
    assert "Written: 4 events" in done.stdout
    again = json.loads(ctl(topo, "compliance", "drain", "--from", "A", "--json").stdout)
    assert again["events"] == 0 and again["written"] == 0
    wait_drained(lambda: pending(mgc_owner.data_dir, comp_b.data_dir))
    got = messages(out)
    for f in output_files(out):
        validate(f)
    chats = collections.Counter(m["msgid"] for m in got if m["type"] == "CHAT")
    assert set(chats) == set(acked) and all(n == 1 for n in chats.values()), chats
    joins = [m for m in got if m["type"] == "JOIN" and m["room"] == chan]
    assert len(joins) == 1
    c.quit()
