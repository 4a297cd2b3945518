"""Helpers shared by the rooms system tests: pchatctl that must succeed, a room made
with Lync's cmdlets, the rooms world (a server with accounts alice..mallory), its
`login` fixture, and IRC helpers that try a JOIN, a post or a SEARCH."""

from __future__ import annotations

import secrets

import pytest

from conftest import _stop_all, unique_name
from irc_client import IrcClient
from pchat_harness import PchatServer, pchatctl, wait_until


def ctl(server, *args):
    """Runs pchatctl against `server`'s store; fails the test on a non-zero exit."""
    r = pchatctl(server.data_dir, *args)
    assert r.returncode == 0, f"{args}: {r.stdout}{r.stderr}"
    return r.stdout


def room(server, name, privacy="Open", type_="Normal", category="Legal", **lists):
    """New-CsPersistentChatRoom, then Set-CsPersistentChatRoom -Members/-Managers/
    -Presenters as given (e.g. managers="alice"). Returns `name`."""
    ctl(server, f"New-CsPersistentChatRoom -Name {name[1:]} -Category {category} "
                f"-Privacy {privacy} -Type {type_}")
    if lists:
        ctl(server, f"Set-CsPersistentChatRoom -Identity {name[1:]} " +
            " ".join(f'-{k.capitalize()} "{v}"' for k, v in lists.items()))
    return name


CAPS = ("echo-message", "message-tags", "batch", "draft/chathistory", "multi-prefix")
USERS = ("alice", "bob", "carol", "dave", "mallory")
LIVE = 1.0  # rule changes reach clients within a second


def add_accounts(server, names):
    """Creates an account for each name with a random password; returns {name: password}."""
    passwords = {}
    for name in names:
        passwords[name] = secrets.token_urlsafe(10)
        r = pchatctl(server.data_dir, "user", "add", name, input=passwords[name] + "\n")
        assert r.returncode == 0, r.stderr
    return passwords


def rooms_world(base_dir, name):
    """One server with accounts alice..mallory and a category "Legal" that allows
    alice, bob, carol and dave (mallory is outside it); data in base_dir/name."""
    server = PchatServer(name)
    try:
        server.start(base_dir / name / "data")
        passwords = add_accounts(server, USERS)
        ctl(server, 'New-CsPersistentChatCategory -Name Legal '
                    '-AllowedMembers "alice","bob","carol","dave" -Creators alice')
        yield server, passwords
    finally:
        _stop_all([server])


@pytest.fixture
def login(world):
    server, passwords = world
    clients = []

    def connect(account):
        c = IrcClient(account).connect(server.irc_port)
        clients.append(c)
        c.register(unique_name(account[:3]), caps=CAPS, sasl=(account, passwords[account]))
        return c

    yield connect
    for c in clients:
        c.close()


def try_join(client, chan):
    """JOIN; returns ("366", names) or (numeric, reason)."""
    client.send(f"JOIN {chan}")
    got = client.collect_until(("366", "403", "473", "474", "477"))
    m = got[-1]
    if m.command != "366":
        return m.command, m.last
    names = [x for x in got if x.command == "353" and x.params[2].lower() == chan.lower()]
    return "366", names[-1].last.split() if names else []


def try_post(client, chan, text):
    """PRIVMSG with echo-message: "ok" or (numeric, reason)."""
    client.send(f"PRIVMSG {chan} :{text}")
    m = client.expect(("PRIVMSG", "403", "404"),
                      pred=lambda m: m.command != "PRIVMSG" or m.last == text)
    return "ok" if m.command == "PRIVMSG" else (m.command, m.last)


def search(client, target, query, limit=10, cursor="*"):
    """SEARCH; returns (bodies newest first, next cursor) or the FAIL line's params."""
    client.send(f"SEARCH {target} {limit} {cursor} :{query}")
    got = client.collect_until(("NOTE", "FAIL"), pred=lambda m: m.params[0] == "SEARCH")
    if got[-1].command == "FAIL":
        return got[-1].params
    bodies = [(m.params[0], m.last) for m in got if m.command == "PRIVMSG"]
    assert got[-1].params[3] == str(len(bodies))
    return bodies, got[-1].params[4]


def listed(client):
    """LIST: the channel names shown to `client` (rooms it may find, idle ones too)."""
    client.send("LIST")
    return [m.params[1] for m in client.collect_until("323") if m.command == "322"]


def catalog_caught_up(server, client, timeout=10.0):
    """Waits until the server `client` is connected to has loaded every room, category,
    group and configuration change committed so far to the store of `server`: adds an
    Open marker room in the default category and waits for `client` to find it in LIST. The server loads the catalog in one
    snapshot, so one that holds the marker holds everything committed before it."""
    marker = "#" + unique_name("sync")
    ctl(server, "room", "add", marker, "--category", "default", "--privacy", "Open")
    wait_until(lambda: marker in listed(client), timeout, f"{marker} in LIST for {client.nick}")
