"""pchatctl sql: Lync's query-window statements on the store (runbook steps 1,
4a, 4b): exec sp_who2, kill <spid>, restore database mgc with recovery,
exec sp_delete_log_shipping_secondary_database mgc, use."""

from __future__ import annotations

import re
import time

from irc_client import IrcClient
from pchat_harness import pchatctl

CAPS = ("echo-message", "message-tags", "labeled-response", "batch")


def sessions(server):
    r = pchatctl(server.data_dir, "sql", "exec sp_who2")
    assert r.returncode == 0, r.stderr
    rows = [line.split() for line in r.stdout.splitlines()[1:-1]]
    assert re.match(r"\(\d+ sessions?\)", r.stdout.splitlines()[-1])
    return rows


def test_who_kill_and_the_server_recovers(server_factory, unique):
    server = server_factory(allow_guests=True)
    a = IrcClient("a").connect(server.irc_port)
    a.register(unique("sq"), caps=CAPS)
    b = IrcClient("b").connect(server.irc_port)
    b.register(unique("sq"), caps=CAPS)
    chan = "#" + unique("sql")
    try:
        for c in (a, b):
            c.send(f"JOIN {chan}")
            c.expect("366")
        rows = sessions(server)
        mine = [r for r in rows if "(this)" in " ".join(r)]
        assert len(mine) == 1
        server_sessions = [r for r in rows if "mgc" in r and "(this)" not in " ".join(r)]
        assert len(server_sessions) >= 3, rows  # writer, stream, readers
        # A typo runs nothing: the batch is checked before any statement runs.
        spid = server_sessions[0][0]
        r = pchatctl(server.data_dir, "sql", f"kill {spid}; drop table messages")
        assert r.returncode == 1 and "not supported: drop table messages" in r.stderr
        assert spid in [row[0] for row in sessions(server)]
        # The command's own session and unknown ones are refused.
        r = pchatctl(server.data_dir, "sql", "kill 2147483647")
        assert r.returncode == 1 and "no session with SPID 2147483647" in r.stderr
        r = pchatctl(server.data_dir, "sql", "kill <spid>")
        assert r.returncode == 1 and "placeholder" in r.stderr
        # End every session pchatd holds on mgc (Lync's step 4a).
        for row in server_sessions:
            r = pchatctl(server.data_dir, "sql", f"kill {row[0]}")
            assert r.returncode == 0 and f"ended session {row[0]}" in r.stdout, r.stderr
        # pchatd reconnects by itself: a post is committed and delivered again.
        deadline = time.monotonic() + 20
        while True:
            label = f"k{int(time.monotonic() * 1000)}"
            a.request(f"PRIVMSG {chan} :after kill {label}", label)
            reply = a.expect(("PRIVMSG", "FAIL"), pred=lambda m: m.tags.get("label") == label)
            if reply.command == "PRIVMSG":
                break
            assert time.monotonic() < deadline, "pchatd did not reconnect"
            time.sleep(0.2)
        got = b.expect("PRIVMSG", pred=lambda m: m.last == reply.last)
        assert got.tags["msgid"] == reply.tags["msgid"]
    finally:
        a.close()
        b.close()


def test_restore_and_log_shipping_statements_are_idempotent(server_factory):
    server = server_factory()
    batch = ("use master\nGO\n"
             "exec sp_delete_log_shipping_secondary_database mgc\n"
             "RESTORE DATABASE [mgc] WITH RECOVERY;\n")
    for _ in range(2):
        r = pchatctl(server.data_dir, "sql", input=batch)
        assert r.returncode == 0, r.stderr
        assert "Changed database context to 'master'." in r.stdout
        assert "nothing to remove" in r.stdout
        assert "online already" in r.stdout
    r = pchatctl(server.data_dir, "sql", "restore database other with recovery")
    assert r.returncode == 1 and "no database 'other'" in r.stderr
    r = pchatctl(server.data_dir, "sql", "select 1")
    assert r.returncode == 1 and "Supported statements" in r.stderr
