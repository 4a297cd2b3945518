"""Compliance, standalone (docs/compliance.md): `pchatd --compliance` records a
JOIN, PART, CHAT or BACKCHAT event in mgc's outbox in the same transaction as the
chat write; its compliance service moves them to the mgccomp database of the
private instance, writes XML files (src/compliance/README.md) and purges them.
Lync's Get-/Set-CsPersistentChatComplianceConfiguration and `pchatctl
compliance status` are checked against the store."""

from __future__ import annotations

import collections
import json
import time

from compliance_helpers import comp_events, messages, output_files, validate, wait_drained
from irc_helpers import join, registered, sync
from pchat_harness import pchatctl, wait_until
from store_query import query

CAPS = ("echo-message", "message-tags", "server-time", "batch", "labeled-response")
FAST = ("--compliance", "--compliance-run-interval-ms", "200")


def pending(data_dir) -> int:
    outbox = int(query(data_dir, "SELECT count(*) FROM compliance_outbox")[0][0])
    return outbox + comp_events(data_dir)


def test_every_event_kind_reaches_the_xml_exactly_once(server_factory, irc, unique):
    srv = server_factory(extra_args=FAST, allow_guests=True)
    out_dir = srv.data_dir / "compliance"
    chan = "#" + unique("legal")
    alice = registered(irc, unique, "alice", server=srv, caps=CAPS + ("draft/chathistory",))
    join(alice, chan)
    acked = []
    for body in ("Q3 terms < 5% & \"final\" 📈", "line two", "tab\there"):
        alice.send(f"PRIVMSG {chan} :{body}")
        echo = alice.expect("PRIVMSG", pred=lambda m: m.params[0] == chan)
        acked.append((echo.tags["msgid"], body))
    # bob has no chathistory: his JOIN replays history, a BACKCHAT
    bob = registered(irc, unique, "bob", server=srv)
    join(bob, chan)
    for _ in acked:
        bob.expect("PRIVMSG", pred=lambda m: m.params[0] == chan)
    # alice reads history explicitly: another BACKCHAT
    alice.send(f"CHATHISTORY LATEST {chan} * 10")
    alice.expect("BATCH", pred=lambda m: m.params[0].startswith("-"))
    bob.send(f"PART {chan} :done")
    bob.expect("PART")
    # a direct message is not a room event
    alice.send(f"PRIVMSG {bob.nick} :private")
    alice.expect("PRIVMSG", pred=lambda m: m.params[0] == bob.nick)
    alice.quit("gone")

    # alice's PART (from her QUIT) is recorded after her connection closed
    wait_until(lambda: len([m for m in messages(out_dir) if m["room"] == chan]) >= 9, 30,
               "the room's 9 events in the output")
    wait_drained(lambda: pending(srv.data_dir))
    files = output_files(out_dir)
    assert files, f"no output file in {out_dir}"
    for f in files:
        validate(f)
    got = [m for m in messages(out_dir) if m["room"] == chan]
    ids = [m["id"] for m in messages(out_dir)]
    assert len(ids) == len(set(ids)), "an event id appears twice"
    kinds = collections.Counter(m["type"] for m in got)
    assert kinds == {"JOIN": 2, "CHAT": 3, "BACKCHAT": 2, "PART": 2}, kinds
    chats = [(m["msgid"], m["content"]) for m in got if m["type"] == "CHAT"]
    assert chats == acked  # same order, exact content (tab, emoji, markup)
    first = got[0]
    assert first["type"] == "JOIN" and first["user"] == alice.nick
    assert first["user_uri"] == f"irc:{alice.nick}" and first["internal"] == "false"
    assert first["room_uri"] == f"ma-chan://{srv_name(srv)}/{chan[1:].lower()}"
    backchats = [m["content"] for m in got if m["type"] == "BACKCHAT"]
    assert any(c.startswith("JOIN replay: 3 messages") for c in backchats), backchats
    assert any(c.startswith("CHATHISTORY LATEST: 3 messages") for c in backchats), backchats
    parts = [m for m in got if m["type"] == "PART"]
    assert {(p["user"], p["content"]) for p in parts} == {(bob.nick, "done"), (alice.nick, "Quit: gone")}
    assert all("private" != m["content"] for m in messages(out_dir))
    # the times are the chat times (within the test's span)
    times = [m["since1970"] for m in got]
    assert times == sorted(times)

    status = json.loads(pchatctl(srv.data_dir, "compliance", "status", "--json").stdout)
    assert status["outbox_events"] == 0 and status["mgccomp_events"] == 0
    assert status["last_error"] == ""
    assert status["holder"] == srv_name(srv)
    assert status["last_file"].endswith(".xml")


def srv_name(srv) -> str:
    return "pchat.local"


def test_compliance_configuration_cmdlets(server_factory, tmp_path_factory):
    srv = server_factory(extra_args=FAST)
    d = srv.data_dir

    got = pchatctl(d, "Get-CsPersistentChatComplianceConfiguration")
    assert got.returncode == 0, got.stderr
    assert "AdapterType              : XmlAdapter" in got.stdout
    assert "RunInterval              : 00:15:00" in got.stdout

    low = pchatctl(d, "Set-CsPersistentChatComplianceConfiguration", "-RunInterval", "00:00:30")
    assert low.returncode == 1
    assert "RunInterval: 00:00:30 is under the minimum of 00:01:00" in low.stderr
    bad = pchatctl(d, "Set-CsPersistentChatComplianceConfiguration", "-AdapterType", "CsvAdapter")
    assert bad.returncode == 1 and "unknown adapter 'CsvAdapter'" in bad.stderr
    rel = pchatctl(d, "Set-CsPersistentChatComplianceConfiguration", "-AdapterOutputDirectory", "x/y")
    assert rel.returncode == 1 and "not an absolute path" in rel.stderr
    assert query(d, "SELECT run_interval_s, adapter_type FROM compliance_config") == [["900", "XmlAdapter"]]

    out = d.parent / "archive"
    dry = pchatctl(d, "cmdlet", f"Set-CsPersistentChatComplianceConfiguration -Identity Global "
                               f"-AdapterOutputDirectory {out} -OneChatRoomPerOutputFile $true -WhatIf")
    assert dry.returncode == 0 and "Dry run" in dry.stdout
    assert query(d, "SELECT adapter_output_directory = '' FROM compliance_config") == [["t"]]

    ok = pchatctl(d, "cmdlet", f"Set-CsPersistentChatComplianceConfiguration -AdapterOutputDirectory {out} "
                              "-OneChatRoomPerOutputFile $true -AddUserDetails $true "
                              "-AddChatRoomDetails $true -RunInterval 00:20:00 -AdapterName Archive")
    assert ok.returncode == 0, ok.stderr
    again = pchatctl(d, "compliance", "set", "--run-interval", "20m", "--json")
    assert json.loads(again.stdout)["changed"] is False
    cfg = json.loads(pchatctl(d, "compliance", "config", "--json").stdout)
    assert cfg["AdapterOutputDirectory"] == str(out)
    assert cfg["OneChatRoomPerOutputFile"] is True and cfg["AddUserDetails"] is True
    assert cfg["AddChatRoomDetails"] is True and cfg["AdapterName"] == "Archive"
    assert cfg["RunInterval"] == "00:20:00" and cfg["RunIntervalSeconds"] == 1200
    assert cfg["UpdatedBy"].startswith("pchatctl ")
    nothing = pchatctl(d, "compliance", "set")
    assert nothing.returncode == 1 and "nothing to change" in nothing.stderr
    scope = pchatctl(d, "Get-CsPersistentChatComplianceConfiguration", "-Identity", "site:Redmond")
    assert scope.returncode == 1 and "use Global" in scope.stderr

    status = pchatctl(d, "compliance", "status")
    assert status.returncode == 0, status.stderr
    assert "Outbox (mgc)      : 0 events waiting" in status.stdout
    assert f"Output directory  : {out}" in status.stdout


def test_one_file_per_room_with_details_in_the_configured_directory(server_factory, irc, unique):
    srv = server_factory(extra_args=FAST, allow_guests=True)
    out = srv.data_dir.parent / "per-room"
    r = pchatctl(srv.data_dir, "compliance", "set", "--output-dir", str(out),
                 "--one-room-per-file", "true", "--user-details", "true", "--room-details", "true")
    assert r.returncode == 0, r.stderr
    rooms = ["#" + unique("ra"), "#" + unique("rb")]
    c = registered(irc, unique, "c", server=srv, caps=CAPS)
    for room in rooms:
        join(c, room)
        c.send(f"PRIVMSG {room} :hello {room}")
        c.expect("PRIVMSG", pred=lambda m, room=room: m.params[0] == room)
    sync(c)
    wait_drained(lambda: pending(srv.data_dir))
    files = output_files(out)
    assert len(files) >= 2
    for f in files:
        validate(f)
        text = f.read_text()
        assert "<ChatRoomDetails" in text and "<Participant " in text
    # Each room in its own files: a file holds one room. (A run every 200 ms can
    # split a room's events over two runs, so over two files.)
    by_file = collections.defaultdict(set)
    for m in messages(out):
        by_file[m["file"]].add(m["room"])
    assert all(len(in_file) == 1 for in_file in by_file.values()), by_file
    assert set().union(*by_file.values()) == set(rooms), by_file


def test_a_kick_is_recorded_as_the_victims_part(server_factory, irc, unique):
    srv = server_factory(extra_args=FAST, allow_guests=True)
    chan = "#" + unique("kick")
    op = registered(irc, unique, "op", server=srv, caps=CAPS)
    victim = registered(irc, unique, "v", server=srv, caps=CAPS)
    join(op, chan)
    join(victim, chan)
    op.send(f"KICK {chan} {victim.nick} :spam")
    victim.expect("KICK")
    out_dir = srv.data_dir / "compliance"
    wait_until(lambda: any(m["type"] == "PART" for m in messages(out_dir)), 30, "the PART event")
    parts = [m for m in messages(out_dir) if m["type"] == "PART"]
    assert [(p["user"], p["content"], p["room"]) for p in parts] == [
        (victim.nick, f"Kicked by {op.nick}: spam", chan)]


def test_without_compliance_nothing_is_recorded(server_factory, irc, unique):
    srv = server_factory(allow_guests=True)
    chan = "#" + unique("off")
    c = registered(irc, unique, "c", server=srv, caps=CAPS)
    join(c, chan)
    c.send(f"PRIVMSG {chan} :hi")
    c.expect("PRIVMSG")
    assert query(srv.data_dir, "SELECT count(*) FROM compliance_outbox") == [["0"]]
    assert not (srv.data_dir / "compliance").exists()


def test_nothing_is_acknowledged_when_its_event_cannot_be_recorded(server_factory, irc, unique):
    """A real constraint on the outbox makes chosen events fail to commit: the
    message is refused (FAIL MESSAGE_NOT_STORED), stored nowhere and seen by no
    one; a JOIN is refused and does not happen; the rest of the chat goes on."""
    srv = server_factory(extra_args=FAST, allow_guests=True)
    d = srv.data_dir
    chan = "#" + unique("refuse")
    a = registered(irc, unique, "a", server=srv, caps=CAPS)
    b = registered(irc, unique, "b", server=srv, caps=CAPS)
    join(a, chan)
    join(b, chan)
    query(d, "ALTER TABLE compliance_outbox ADD CONSTRAINT test_refuse "
             "CHECK (content <> 'poison' AND NOT (event_type = 'JOIN' AND nick LIKE 'late%'))")
    a.send(f"PRIVMSG {chan} :poison")
    fail = a.expect("FAIL")
    assert fail.params[:2] == ["PRIVMSG", "MESSAGE_NOT_STORED"], fail.raw
    a.send(f"PRIVMSG {chan} :fine")
    a.expect("PRIVMSG", pred=lambda m: m.params[-1] == "fine")
    got = b.expect("PRIVMSG", pred=lambda m: m.params[0] == chan)
    assert got.params[-1] == "fine"  # b never saw the poison
    assert query(d, "SELECT count(*) FROM messages WHERE body = 'poison'") == [["0"]]

    late = registered(irc, lambda p: "late" + unique("x"), "late", server=srv, caps=CAPS)
    late.send(f"JOIN {chan}")
    refused = late.expect("FAIL")
    assert refused.params[:3] == ["JOIN", "EVENT_NOT_RECORDED", chan], refused.raw
    late.send(f"NAMES {chan}")
    names = late.expect("353", pred=lambda m: m.params[2] == chan)
    assert late.nick not in names.params[-1].replace("@", "").split()
    b.assert_no_message(0.3, pred=lambda m: m.command == "JOIN")
    query(d, "ALTER TABLE compliance_outbox DROP CONSTRAINT test_refuse")
    join(late, chan)


def test_a_shorter_run_interval_applies_at_once(server_factory, irc, unique):
    """Set-CsPersistentChatComplianceConfiguration -RunInterval wakes the running
    service: its next run is due at its last run + the new interval, not at the end
    of the old interval it was waiting out. RunInterval's minimum is a minute, so
    this test waits for the last run to be a minute old (about 65 s in all)."""
    srv = server_factory(extra_args=("--compliance",), allow_guests=True)
    d = srv.data_dir
    out_dir = d / "compliance"
    wait_until(lambda: query(d, "SELECT last_run_at IS NOT NULL FROM compliance_status") == [["t"]],
               30, "the service's first run")
    long = pchatctl(d, "Set-CsPersistentChatComplianceConfiguration", "-RunInterval", "01:00:00")
    assert long.returncode == 0, long.stderr
    chan = "#" + unique("interval")
    alice = registered(irc, unique, "alice", server=srv, caps=CAPS)
    join(alice, chan)
    alice.send(f"PRIVMSG {chan} :held for the next run")
    alice.expect("PRIVMSG", pred=lambda m: m.params[0] == chan)
    wait_until(lambda: query(d, "SELECT now() - last_run_at > interval '61 seconds' "
                                "FROM compliance_status") == [["t"]],
               120, "the last run to be more than a minute old")
    assert pending(d) >= 2, "the events of the JOIN and the message wait for the next run"
    assert not [m for m in messages(out_dir) if m["room"] == chan]

    short = pchatctl(d, "Set-CsPersistentChatComplianceConfiguration", "-RunInterval", "00:01:00")
    assert short.returncode == 0, short.stderr
    changed = time.monotonic()
    wait_until(lambda: [m for m in messages(out_dir) if m["room"] == chan and m["type"] == "CHAT"],
               5, "the message in the output within seconds of the change")
    assert time.monotonic() - changed < 5
    assert "applies it at once" in short.stdout
