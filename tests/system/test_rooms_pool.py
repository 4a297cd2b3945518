"""Rooms across a pool: a rule change made with pchatctl against the pool's
topology reaches clients on every server within a second, and a room created by JOIN
on one server is the same room on the others."""

from __future__ import annotations

import time

from irc_client import IrcClient
from pchat_harness import pchatctl, wait_until
from pool_helpers import start_pool
from rooms_helpers import catalog_caught_up

CAPS = ("echo-message", "multi-prefix")


def login(server, acct, unique):
    c = IrcClient(acct[0]).connect(server.irc_port)
    c.register(unique(acct[0][:4]), caps=CAPS, sasl=acct)
    return c


def names_of(client, chan):
    client.send(f"JOIN {chan}")
    got = client.collect_until(("366", "403", "473", "474"))
    assert got[-1].command == "366", [m.raw for m in got]
    return [n for m in got if m.command == "353" for n in m.last.split()]


def test_rule_changes_reach_every_server_within_a_second(server_factory, base_dir, unique,
                                                          account):
    owner, members, topo = start_pool(server_factory, base_dir)
    alice, bob = account(server=owner), account(server=owner)
    chan = "#" + unique("pr")
    r = pchatctl(owner.data_dir, "--topology", topo,
                 'New-CsPersistentChatCategory -Name Pool -AllowedMembers "*"')
    assert r.returncode == 0, r.stderr
    r = pchatctl(owner.data_dir, "--topology", topo,
                 f'New-CsPersistentChatRoom -Name {chan[1:]} -Category Pool -Privacy Closed '
                 f'-Members "{alice[0]}","{bob[0]}"')
    assert r.returncode == 0, r.stderr
    clients = []
    try:
        a1, a2 = login(members[0], alice, unique), login(members[1], alice, unique)
        b0 = login(owner, bob, unique)
        clients += [a1, a2, b0]
        for c in clients:
            names_of(c, chan)
        t0 = time.monotonic()
        r = pchatctl(owner.data_dir, "--topology", topo,
                     f'Set-CsPersistentChatRoom -Identity "pool.test.local\\{chan[1:]}" '
                     f'-Members @{{Remove="{alice[0]}"}} -Managers "{bob[0]}"')
        assert r.returncode == 0, r.stderr
        written = time.monotonic()
        for c in (a1, a2):  # each also sees the other's KICK (pool presence)
            c.expect("KICK", pred=lambda m, c=c: m.params[1] == c.nick, timeout=5)
        b0.expect("MODE", pred=lambda m: m.params[1] == "+o" and m.params[2] == b0.nick,
                  timeout=5)
        assert time.monotonic() - written < 1.0, time.monotonic() - t0
        # A room JOIN creates on one server is that room on the others.
        fresh = "#" + unique("pj")
        assert names_of(b0, fresh) == ["@" + b0.nick]
        wait_until(lambda: pchatctl(owner.data_dir, "room", "list", fresh).returncode == 0, 10,
                   f"{fresh} stored")
        a3 = login(members[1], alice, unique)
        clients.append(a3)
        catalog_caught_up(owner, a3)  # members[1] has loaded it
        # bob (another server's user, shown by pool presence) keeps his '@'; a3 gets none
        assert sorted(names_of(a3, fresh)) == sorted(["@" + b0.nick, a3.nick])
        a3.send(f"MODE {fresh} +t")
        assert a3.expect("482").params[1] == fresh  # not its manager: the room is bob's
    finally:
        for c in clients:
            c.close()


def test_managers_changes_from_irc_reach_every_server(server_factory, base_dir, unique, account):
    """A manager on one server INVITEs a user connected to another (who becomes a
    member and gets the INVITE from their own server), and changes the room with ROOM
    and MODE: users on the other servers see the result within a second."""
    owner, members, topo = start_pool(server_factory, base_dir)
    alice, bob, carol = (account(server=owner) for _ in range(3))
    chan = "#" + unique("pm")
    for line in ('New-CsPersistentChatCategory -Name Team -AllowedMembers "*" '
                 '-EnableInvitations $true',
                 f'New-CsPersistentChatRoom -Name {chan[1:]} -Category Team -Privacy Closed '
                 f'-Managers "{alice[0]}" -Members "{carol[0]}"'):
        r = pchatctl(owner.data_dir, "--topology", topo, line)
        assert r.returncode == 0, r.stderr
    clients = []
    try:
        a0 = login(owner, alice, unique)
        b1 = login(members[0], bob, unique)
        c2 = login(members[1], carol, unique)
        clients += [a0, b1, c2]
        names_of(a0, chan)
        names_of(c2, chan)
        b1.send(f"JOIN {chan}")
        assert b1.expect(("473", "366")).command == "473"
        a0.send(f"INVITE {b1.nick} {chan}")
        assert a0.expect("341").params[1:3] == [b1.nick, chan]
        written = time.monotonic()
        assert b1.expect("INVITE", timeout=5).params == [b1.nick, chan]
        assert time.monotonic() - written < 1.0
        names_of(b1, chan)
        # ROOM on the owner, seen on the members' servers.
        a0.send(f"ROOM {chan} Type Auditorium")
        assert a0.expect("NOTE", pred=lambda m: m.params[0] == "ROOM").params[1] == "UPDATED"
        written = time.monotonic()
        for c in (b1, c2):
            c.expect("MODE", pred=lambda m: m.params[:2] == [chan, "+m"], timeout=5)
        assert time.monotonic() - written < 1.0
        # MODE +v of a user on another server makes them a presenter there too.
        a0.send(f"MODE {chan} +v {c2.nick}")
        c2.expect("MODE", pred=lambda m: m.params == [chan, "+v", c2.nick], timeout=5)
        c2.send(f"PRIVMSG {chan} :presenting")
        b1.expect("PRIVMSG", pred=lambda m: m.last == "presenting")
        # Removing a member with ROOM kicks them on their server.
        a0.send(f"ROOM {chan} Members -{bob[0]}")
        b1.expect("KICK", pred=lambda m: m.params[1] == b1.nick, timeout=5)
    finally:
        for c in clients:
            c.close()
