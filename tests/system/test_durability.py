"""Durability under crashes: no acknowledged message is ever lost or reordered.

Several clients post continuously to one room with echo-message +
labeled-response + message-tags, recording what the server acknowledged: an
echo carrying their label (with its msgid) is an acknowledgement; a FAIL for
the label is a refusal; a connection drop leaves the labels in flight unknown.
Meanwhile the test SIGKILLs, at seeded random moments, pchatd, its PostgreSQL
postmaster, or both (pchatd must restart PostgreSQL by itself; the test
restarts a killed pchatd on the same data dir and ports, and clients
reconnect).  At the end the store is read back with psql and checked:

  * every acknowledged msgid is stored exactly once, with the body sent;
  * per client, acknowledged messages are stored in acknowledgement order;
  * msgids are unique and nothing is stored that no client sent.

Set PCHAT_DURABILITY_SEED to replay a run; each run prints its random seed.
"""

from __future__ import annotations

import os
import random
import threading
import time

from pchat_harness import wait_until
from poster import BODY_RE, CAPS, Poster
from store_query import stored_messages, query

CLIENTS = 4
KILL_ROUNDS = 6


def test_no_acknowledged_message_lost_across_crashes(server_factory, unique):
    seed = int(os.environ.get("PCHAT_DURABILITY_SEED", random.SystemRandom().randrange(1 << 32)))
    print(f"\ndurability seed: {seed} (PCHAT_DURABILITY_SEED={seed} replays the kill schedule)")
    rng = random.Random(seed)
    server = server_factory(allow_guests=True)
    channel = "#" + unique("dur")
    stop = threading.Event()
    posters = [Poster(i, server, channel, unique(f"p{i}n"), stop) for i in range(CLIENTS)]
    kinds = ["pchatd", "postgres", "both"] * (KILL_ROUNDS // 3)
    rng.shuffle(kinds)
    rounds = []
    t_start = time.monotonic()
    try:
        for p in posters:
            p.start()
        wait_until(lambda: all(p.snapshot()[0] > 0 for p in posters), 30,
                   "every poster's first acknowledgement")

        for n, kind in enumerate(kinds, 1):
            delay = rng.uniform(1.5, 5.0)
            time.sleep(delay)
            before = [p.snapshot() for p in posters]
            t_kill = time.monotonic()
            if kind == "pchatd":
                server.kill9()
                server.restart()
            elif kind == "postgres":
                old = server.kill9_postgres()
                wait_until(lambda: server.postgres_pid() not in (None, old), 60,
                           "pchatd to restart PostgreSQL")
                wait_until(lambda: server.http_get("/healthz")[0] == 200, 60,
                           "/healthz 200 after the PostgreSQL restart")
            else:
                server.kill9_postgres()
                server.kill9()
                server.restart()
            recovered = time.monotonic() - t_kill
            # Progress: every client gets new acknowledgements after recovery.
            wait_until(lambda: all(p.snapshot()[0] > b[0] for p, b in zip(posters, before)), 30,
                       f"acknowledgements from every client after kill round {n} ({kind})")
            after = [p.snapshot() for p in posters]
            drops = sum(a[1] - b[1] for a, b in zip(after, before))
            fails = sum(a[2] - b[2] for a, b in zip(after, before))
            rounds.append((n, kind, round(delay, 2), round(recovered, 2), drops, fails))
            print(f"round {n}: after {delay:.2f}s killed {kind}; recovered in {recovered:.2f}s; "
                  f"client drops {drops}; FAILs {fails}")
            if kind == "postgres":
                assert drops == 0, (f"round {n}: clients lost their connection although only "
                                    f"PostgreSQL was killed:\n{server.log_tail()}")
        time.sleep(1.0)
    finally:
        stop.set()
        for p in posters:
            p.join(30)
    assert not any(p.is_alive() for p in posters), "a poster thread did not finish"
    errors = [f"{p.name}: {p.error}" for p in posters if p.error]
    assert not errors, "\n".join(errors)

    rows = stored_messages(server.data_dir)
    elapsed = time.monotonic() - t_start
    by_msgid = {}
    for row in rows:
        by_msgid.setdefault(row[1], []).append(row)
    dup_msgids = [m for m, rs in by_msgid.items() if len(rs) > 1]
    assert not dup_msgids, f"msgids stored more than once: {dup_msgids[:10]}"

    # Classify every stored row of ours by (client, seq) parsed from the body.
    stored_seq = {}  # (client, seq) -> [rows]
    for row in rows:
        if row[2] != channel.lower():
            continue
        m = BODY_RE.match(row[5])
        assert m, f"stored a message no poster sent: {row}"
        stored_seq.setdefault((int(m.group(1)), int(m.group(2))), []).append(row)
    twice = {k: v for k, v in stored_seq.items() if len(v) > 1}
    assert not twice, f"messages stored more than once: {list(twice.items())[:5]}"

    totals = dict(acked=0, failed=0, unknown=0, stuck=0, stored=0, failed_but_stored=0,
                  unknown_stored=0)
    problems = []
    for p in posters:
        problems.extend(f"{p.name}: unexpected reply {u}" for u in p.unexpected[:5])
        if p.stuck:
            problems.append(f"{p.name}: labels never answered on a live connection: "
                            f"seqs {p.stuck[:10]}")
        last_id = 0
        for seq, msgid in p.acked:
            found = by_msgid.get(msgid)
            if not found:
                problems.append(f"{p.name}: acknowledged s{seq} msgid {msgid} is not stored")
                continue
            row = found[0]
            if row[5] != p.sent[seq]:
                problems.append(f"{p.name}: s{seq} stored with body {row[5]!r}, sent {p.sent[seq]!r}")
            if row[2] != channel.lower() or row[4] != "PRIVMSG" or not row[3].startswith(p.nick + "!"):
                problems.append(f"{p.name}: s{seq} stored with wrong target/command/sender: {row}")
            if row[0] <= last_id:
                problems.append(f"{p.name}: s{seq} (id {row[0]}) stored before an earlier "
                                f"acknowledged message (id {last_id})")
            last_id = max(last_id, row[0])
        for (client, seq), rs in stored_seq.items():
            if client != p.index:
                continue
            if seq not in p.sent:
                problems.append(f"{p.name}: stored s{seq} was never sent: {rs[0]}")
        totals["acked"] += len(p.acked)
        totals["failed"] += len(p.failed)
        totals["unknown"] += len(p.unknown)
        totals["stuck"] += len(p.stuck)
        totals["failed_but_stored"] += sum(1 for s in p.failed if (p.index, s) in stored_seq)
        totals["unknown_stored"] += sum(1 for s in p.unknown if (p.index, s) in stored_seq)
    totals["stored"] = len(stored_seq)
    fail_codes = {}
    for p in posters:
        for code, n in p.fail_codes.items():
            fail_codes[code] = fail_codes.get(code, 0) + n
    print(f"durability: {len(rounds)} kill rounds in {elapsed:.1f}s; "
          f"sent {sum(p.seq for p in posters)}, acked {totals['acked']}, "
          f"failed {totals['failed']} {fail_codes}, unknown {totals['unknown']} "
          f"({totals['unknown_stored']} of them stored), stored {totals['stored']}, "
          f"failed-but-stored {totals['failed_but_stored']}, reconnects "
          f"{sum(p.connections - 1 for p in posters)}")
    assert not problems, "\n".join(problems[:40])
    assert len(rounds) == KILL_ROUNDS
    # PostgreSQL kills must surface as refusals, never as silent loss or hangs.
    assert fail_codes.get("MESSAGE_NOT_STORED", 0) > 0, (
        f"no FAIL MESSAGE_NOT_STORED seen while PostgreSQL was down; codes {fail_codes}")
    assert set(fail_codes) <= {"MESSAGE_NOT_STORED"}, f"unexpected FAIL codes {fail_codes}"
    assert totals["acked"] + totals["failed"] + totals["unknown"] + totals["stuck"] == \
        sum(p.seq for p in posters), "some sent message is neither acked, failed nor unknown"


def test_healthz_follows_postgres_restart(server_factory, irc, unique):
    server = server_factory(allow_guests=True)
    channel = "#" + unique("hz")
    client = irc(server)
    client.register(unique("hz"), caps=CAPS)
    client.send(f"JOIN {channel}")
    client.expect("366")
    status, body = server.http_get("/healthz")
    assert status == 200, body

    old = server.kill9_postgres()
    t0 = time.monotonic()
    seen_503 = wait_until(lambda: server.http_get("/healthz")[0] == 503, 15,
                          "/healthz to answer 503 after PostgreSQL was SIGKILLed", interval=0.02)
    assert seen_503
    status, body = server.http_get("/healthz")
    assert status == 503 or status == 200, body
    wait_until(lambda: server.http_get("/healthz")[0] == 200, 60,
               "/healthz back to 200 after pchatd restarted PostgreSQL", interval=0.05)
    print(f"\n/healthz back to 200 {time.monotonic() - t0:.2f}s after the postmaster SIGKILL")
    new = server.postgres_pid()
    assert new is not None and new != old, f"postmaster PID {new} (was {old})"
    assert "PostgreSQL exited unexpectedly" in server.log_tail(400)

    # The client stayed connected and can post again.
    client.request(f"PRIVMSG {channel} :after the restart", "after")
    echo = client.expect_label("after", timeout=15)
    assert echo.command == "PRIVMSG", echo.raw
    msgid = echo.tags["msgid"]
    rows = query(server.data_dir, f"select body from messages where msgid = '{msgid}'")
    assert rows == [["after the restart"]]
