"""Pool-wide presence and nicks (server/pool_presence.h, store/presence.h).

Several pchatd share one store; a user on any server sees the users of the others
in NAMES, WHO, WHOIS, ISON, their JOIN/PART/QUIT/NICK/KICK, can message them by
nick, and no two users of the pool hold the same nick. A server killed with
SIGKILL takes its users with it: the others see them quit and their nicks free up."""

from __future__ import annotations

import time

from irc_client import IrcClient
from pool_helpers import CAPS, start_pool

TIMEOUT = 20.0


def connect(server, nick, caps=CAPS, name="c"):
    c = IrcClient(name).connect(server.irc_port)
    c.register(nick, caps=caps)
    return c


def names_of(client, channel):
    client.send(f"NAMES {channel}")
    lines = client.collect_until("366", TIMEOUT)
    names = " ".join(m.last for m in lines if m.command == "353").split()
    plain = [n.lstrip("@+") for n in names]
    assert len(plain) == len(set(plain)), f"a nick listed twice: {names}"
    return set(plain)


def names_until(client, channel, expected, timeout=2.0):
    """NAMES until it lists `expected` (or the timeout): the last answer."""
    deadline = time.monotonic() + timeout
    while True:
        got = names_of(client, channel)
        if got == expected or time.monotonic() > deadline:
            return got
        time.sleep(0.05)


def test_nick_is_unique_in_the_whole_pool(server_factory, base_dir, unique):
    owner, (s1, s2), _ = start_pool(server_factory, base_dir)
    nick = unique("nk")
    a = connect(s1, nick, name="a")
    b = IrcClient("b").connect(s2.irc_port)
    c = connect(s2, unique("nc"), name="c")
    try:
        # Registration on another server: 433, and the client may pick another nick.
        b.send(f"NICK {nick}")
        b.send("USER b 0 * :b")
        m = b.expect(("433", "001"), TIMEOUT)
        assert m.command == "433", m.raw
        other = unique("nb")
        b.send(f"NICK {other}")
        b.expect("001", TIMEOUT)
        # A nick change to a nick held elsewhere: 433 too (case-insensitive).
        c.send(f"NICK {nick.upper()}")
        m = c.expect(("433", "NICK"), TIMEOUT)
        assert m.command == "433", m.raw
        # Once its holder quits, the nick is free everywhere.
        a.quit()
        deadline = time.monotonic() + 5
        while True:
            c.send(f"NICK {nick}")
            m = c.expect(("433", "NICK"), TIMEOUT)
            if m.command == "NICK":
                break
            assert time.monotonic() < deadline, "the nick was not released"
            time.sleep(0.1)
        assert m.last == nick
    finally:
        for x in (a, b, c):
            x.close()


def test_presence_across_servers(server_factory, base_dir, unique):
    owner, (s1, s2), _ = start_pool(server_factory, base_dir)
    channel = "#" + unique("pr")
    caps = CAPS + ("extended-join", "multi-prefix")
    a = connect(s1, unique("pa"), caps=caps, name="a")
    b = connect(s2, unique("pb"), caps=caps, name="b")
    try:
        a.send(f"JOIN {channel}")
        a.expect("366", TIMEOUT)
        b.send(f"JOIN {channel}")
        b.expect("JOIN", TIMEOUT)
        # a (on s1) sees b (on s2) join, with extended-join's realname.
        j = a.expect("JOIN", TIMEOUT, pred=lambda m: m.nick == b.nick)
        assert j.params[0] == channel
        # Both servers list both users, once each (presence travels through the
        # store: allow it a moment).
        for me in (a, b):
            assert names_until(me, channel, {a.nick, b.nick}) == {a.nick, b.nick}
        a.send(f"WHO {channel}")
        who = [m for m in a.collect_until("315", TIMEOUT) if m.command == "352"]
        servers = {m.params[5]: m.params[4] for m in who}
        assert servers == {a.nick: s1.name, b.nick: s2.name}, who
        a.send(f"WHOIS {b.nick}")
        lines = a.collect_until("318", TIMEOUT)
        whois_server = [m for m in lines if m.command == "312"]
        assert whois_server and whois_server[0].params[2] == s2.name, [m.raw for m in lines]
        a.send(f"ISON {b.nick} nobody{b.nick}")
        assert a.expect("303", TIMEOUT).last == b.nick
        # A direct message by nick to a user on another server.
        a.send(f"PRIVMSG {b.nick} :hello across")
        dm = b.expect("PRIVMSG", TIMEOUT, pred=lambda m: m.params[0] == b.nick)
        assert dm.last == "hello across" and dm.nick == a.nick
        # Nick change, PART, QUIT are seen on the other server.
        new = unique("pn")
        b.send(f"NICK {new}")
        b.expect("NICK", TIMEOUT)
        n = a.expect("NICK", TIMEOUT)
        assert n.last == new
        b.send(f"PART {channel} :later")
        p = a.expect("PART", TIMEOUT)
        assert p.nick == new and p.params[0] == channel
        b.send(f"JOIN {channel}")
        a.expect("JOIN", TIMEOUT, pred=lambda m: m.nick == new)
        b.send("QUIT :gone home")
        q = a.expect("QUIT", TIMEOUT)
        assert q.nick == new and "gone home" in q.last
        assert names_until(a, channel, {a.nick}) == {a.nick}
        # WHOWAS on s1 knows both of b's nicks on s2, newest first.
        a.send(f"WHOWAS {new}")
        lines = a.collect_until("369", TIMEOUT)
        assert [m.command for m in lines] == ["314", "312", "369"], [m.raw for m in lines]
        assert lines[0].params[1] == new and lines[1].params[2] == s2.name
        a.send(f"WHOWAS {b.nick}")
        assert a.expect("314", TIMEOUT).params[1] == b.nick
    finally:
        a.close()
        b.close()


def test_kick_of_a_user_on_another_server(server_factory, base_dir, unique):
    owner, (s1, s2), _ = start_pool(server_factory, base_dir)
    channel = "#" + unique("pk")
    op = connect(s1, unique("po"), name="op")
    victim = connect(s2, unique("pv"), name="victim")
    try:
        op.send(f"JOIN {channel}")
        op.expect("366", TIMEOUT)  # first in: channel operator
        victim.send(f"JOIN {channel}")
        victim.expect("366", TIMEOUT)
        op.expect("JOIN", TIMEOUT, pred=lambda m: m.nick == victim.nick)
        op.send(f"KICK {channel} {victim.nick} :out")
        k = victim.expect("KICK", TIMEOUT)
        assert k.params[1] == victim.nick and k.nick == op.nick and k.last == "out"
        k2 = op.expect("KICK", TIMEOUT)
        assert k2.params[1] == victim.nick
        assert names_until(op, channel, {op.nick}) == {op.nick}
    finally:
        op.close()
        victim.close()


def test_killed_server_takes_its_users_with_it(server_factory, base_dir, unique):
    owner, (s1, s2), _ = start_pool(server_factory, base_dir)
    channel = "#" + unique("pd")
    a = connect(s1, unique("pa"), name="a")
    doomed_nick = unique("pz")
    z = connect(s2, doomed_nick, name="z")
    try:
        a.send(f"JOIN {channel}")
        a.expect("366", TIMEOUT)
        z.send(f"JOIN {channel}")
        a.expect("JOIN", TIMEOUT, pred=lambda m: m.nick == doomed_nick)
        start = time.monotonic()
        s2.kill9()
        q = a.expect("QUIT", TIMEOUT, pred=lambda m: m.nick == doomed_nick)
        took = time.monotonic() - start
        assert s2.name in q.last
        assert took < 5, f"the dead server's users quit after {took:.1f}s"
        # Its nick is free again.
        again = connect(s1, doomed_nick, name="again")
        again.close()
    finally:
        a.close()
        z.close()
