"""A pool through store outages
(docs/design.md#invariant-1-acknowledged-means-committed).

Two pool members share the store of a standalone pchatd. Posters on both members
post continuously (labels, echo-message); observers on every server record each
message shown to them. The store's PostgreSQL is killed with SIGKILL twice under
that load (its pchatd restarts it). Then:

  * every acknowledged message is stored exactly once;
  * every message shown to anyone is stored (nothing unacknowledged was shown);
  * clients stayed connected through the outages, and the servers resumed by
    themselves (same processes): posting succeeds again after the last outage.
"""

from __future__ import annotations

import collections
import threading
import time

from irc_client import IrcClient, IrcError
from pool_helpers import start_pool
from poster import Poster
from store_query import query

TIMEOUT = 20.0


class Observer(threading.Thread):
    """Records the msgid of every PRIVMSG shown on ``channel``."""

    def __init__(self, server, channel, nick, stop):
        super().__init__(daemon=True)
        self.client = IrcClient("obs").connect(server.irc_port)
        self.client.register(nick, caps=("message-tags",))
        self.client.send(f"JOIN {channel}")
        self.client.expect("366", TIMEOUT)
        self.stop = stop
        self.seen = []
        self.dropped = False

    def run(self):
        try:
            while not self.stop.is_set():
                try:
                    m = self.client.recv_msg(timeout=0.2)
                except TimeoutError:
                    continue
                if m.command == "PRIVMSG" and "msgid" in m.tags:
                    self.seen.append(m.tags["msgid"])
        except (ConnectionError, OSError, IrcError):
            self.dropped = True
        finally:
            self.client.close()


def test_acknowledged_messages_survive_store_kills_under_load(server_factory, base_dir, unique):
    owner, members, _ = start_pool(server_factory, base_dir)
    pids = [m.pid for m in members]
    channel = "#" + unique("out")
    stop = threading.Event()
    stop_observers = threading.Event()
    observers = [Observer(s, channel, unique("ob"), stop_observers) for s in [owner] + members]
    posters = [Poster(i, members[i % 2], channel, unique(f"po{i}"), stop) for i in range(4)]
    for t in observers + posters:
        t.start()
    try:
        def acked():
            return sum(p.snapshot()[0] for p in posters)

        deadline = time.monotonic() + 30
        while acked() < 100 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert acked() >= 100, "posting never got going"
        for _ in range(2):
            owner.kill9_postgres()
            time.sleep(1.5)
            # Resumed by themselves: new acknowledgements after the restart.
            before = acked()
            deadline = time.monotonic() + 60
            while acked() < before + 50 and time.monotonic() < deadline:
                time.sleep(0.1)
            assert acked() >= before + 50, "the pool did not resume after the store restart"
    finally:
        stop.set()
        for t in posters:
            t.join(30)
        # The last messages are still on their way to some observers: let them land.
        settle = time.monotonic() + 20
        last = None
        while time.monotonic() < settle:
            now = [len(o.seen) for o in observers]
            if now == last and len(set(now)) == 1:
                break
            last = now
            time.sleep(0.5)
        stop_observers.set()
        for t in observers:
            t.join(30)

    assert [m.pid for m in members] == pids, "a server was restarted"
    for p in posters:
        assert p.error is None, p.error
        assert not p.unexpected, p.unexpected[:5]
    for o in observers:
        assert not o.dropped, "an observer was disconnected by a store outage"

    rows = query(owner.data_dir, "select msgid from messages")
    stored = collections.Counter(r[0] for r in rows)
    acked_ids = [msgid for p in posters for _, msgid in p.acked]
    failed = sum(len(p.failed) for p in posters)
    print(f"\nacknowledged {len(acked_ids)}, refused {failed}, stored {len(stored)}")
    missing = [m for m in acked_ids if stored[m] != 1]
    assert not missing, f"{len(missing)} acknowledged messages not stored exactly once"
    for o in observers:
        unstored = [m for m in o.seen if m not in stored]
        assert not unstored, f"{len(unstored)} messages shown that are not stored"
        assert len(o.seen) == len(set(o.seen)), "a message was shown twice"
    # Every observer saw the same sequence (one order everywhere).
    first = observers[0].seen
    for o in observers[1:]:
        assert o.seen == first, "servers showed different sequences"
