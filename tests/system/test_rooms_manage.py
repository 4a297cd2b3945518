"""Managers change their rooms from IRC: the ROOM command, MODE +i/+s/+m/
+o/+v stored as the room's privacy, type, managers and presenters, and INVITE that
makes the invitee a member; invitations sent to people newly listed in a room whose
invitations are on. Every change is checked against the store with real pchatctl,
and refusals change nothing."""

from __future__ import annotations

import json
import secrets

import pytest

from conftest import _stop_all, unique_name
from irc_client import IrcClient
from irc_helpers import sync
from pchat_harness import PchatServer, pchatctl
from rooms_helpers import ctl, room

CAPS = ("echo-message", "message-tags", "batch", "multi-prefix")
USERS = ("alice", "bob", "carol", "dave", "mallory")
LIVE = 1.0  # rule changes reach clients within a second


@pytest.fixture(scope="module")
def world(bins, base_dir):
    """Accounts alice..mallory; category "Firm" (invitations on) allows alice, bob,
    carol and dave; category "Quiet" (invitations off) allows the same."""
    server = PchatServer("rooms-manage")
    try:
        server.start(base_dir / "rooms-manage" / "data", allow_guests=True)
        passwords = {}
        for name in USERS:
            passwords[name] = secrets.token_urlsafe(10)
            r = pchatctl(server.data_dir, "user", "add", name, input=passwords[name] + "\n")
            assert r.returncode == 0, r.stderr
        for cat, inv in (("Firm", "$true"), ("Quiet", "$false")):
            ctl(server, f'New-CsPersistentChatCategory -Name {cat} '
                        f'-AllowedMembers "alice","bob","carol","dave" -EnableInvitations {inv}')
        yield server, passwords
    finally:
        _stop_all([server])


def stored(server, chan):
    """The room as the store has it (pchatctl room list --json)."""
    rooms = json.loads(ctl(server, "room", "list", "--json"))
    return next(r for r in rooms if r["name"].lower() == chan.lower())


@pytest.fixture
def login(world):
    server, passwords = world
    clients = []

    def connect(account=None):
        c = IrcClient(account or "guest").connect(server.irc_port)
        clients.append(c)
        sasl = (account, passwords[account]) if account else None
        c.register(unique_name((account or "gst")[:3]), caps=CAPS, sasl=sasl)
        return c

    yield connect
    for c in clients:
        c.close()


def new_room(server, privacy="Closed", category="Firm", **lists):
    return room(server, "#" + unique_name("mg"), privacy, category=category, **lists)


def join(client, chan):
    client.send(f"JOIN {chan}")
    return client.collect_until(("366", "403", "473", "474"))[-1].command


def room_cmd(client, line):
    """Sends a ROOM command; returns its NOTE/FAIL lines up to the last one."""
    client.send(line)
    got = []
    while True:
        m = client.expect(("NOTE", "FAIL"), pred=lambda m: m.params[0] == "ROOM")
        got.append(m)
        if m.command == "FAIL" or m.params[1] in ("END", "UPDATED", "UNCHANGED"):
            return got


def settings(client, chan):
    return {m.params[3]: m.last for m in room_cmd(client, f"ROOM {chan}")
            if m.params[1] == "SETTING"}


def test_room_command_shows_and_changes_the_room(world, login):
    server, _ = world
    chan = new_room(server, managers="alice", members="carol")
    alice, carol, dave, mallory = (login(u) for u in ("alice", "carol", "dave", "mallory"))
    assert join(alice, chan) == "366" and join(carol, chan) == "366"
    assert join(dave, chan) == "473"

    shown = settings(alice, chan)
    assert shown["Privacy"] == "Closed" and shown["Category"] == "Firm"
    assert shown["Members"] == "carol" and shown["Managers"] == "alice"
    # Someone in scope but not a member sees the room, not its lists.
    assert "Members" not in settings(dave, chan) and settings(dave, chan)["Privacy"] == "Closed"
    # Outside the category's scope: the same answer as for a name never used.
    hidden = room_cmd(mallory, f"ROOM {chan}")[-1]
    missing = room_cmd(mallory, "ROOM #" + unique_name("none"))[-1]
    assert (hidden.command, hidden.params[1], hidden.last) == \
        (missing.command, missing.params[1], missing.last) == ("FAIL", "NO_SUCH_ROOM", "No such room")

    # A non-manager may look, not change.
    fail = room_cmd(dave, f"ROOM {chan} Privacy Open")[-1]
    assert fail.params[1] == "NOT_MANAGER"
    before = stored(server, chan)
    # Bad input: a clear error each, and nothing changes.
    for line, code in ((f"ROOM {chan} Privacy Public", "INVALID_VALUE"),
                       (f"ROOM {chan} Colour red", "INVALID_SETTING"),
                       (f"ROOM {chan} Members +bob,,carol", "INVALID_VALUE"),
                       (f"ROOM {chan} Members +mailto:x@y", "INVALID_VALUE"),
                       (f"ROOM {chan} Addin NoSuchAddin", "INVALID_VALUE"),
                       (f"ROOM {chan} Category Quiet", "CATEGORY_FIXED"),
                       (f"ROOM {chan} DELETE", "CANNOT_DELETE")):
        got = room_cmd(alice, line)[-1]
        assert (got.command, got.params[1]) == ("FAIL", code), (line, got)
        assert got.last, line
    assert stored(server, chan) == before

    # Description, with spaces, stored.
    upd = room_cmd(alice, f"ROOM {chan} Description :Contracts and more")[-1]
    assert upd.params[1:4] == ["UPDATED", chan, "Description"] and upd.last == "Contracts and more"
    assert stored(server, chan)["description"] == "Contracts and more"

    # A new member is invited (Firm has invitations on) and may join.
    upd = room_cmd(alice, f"ROOM {chan} Members +dave")[-1]
    assert upd.params[1] == "UPDATED" and upd.last == "carol, dave"
    inv = dave.expect("INVITE", timeout=LIVE)
    assert inv.params == [dave.nick, chan]
    assert join(dave, chan) == "366"
    # A removed member is kicked, within a second.
    room_cmd(alice, f"ROOM {chan} Members -carol")
    kick = carol.expect("KICK", pred=lambda m: m.params[1] == carol.nick, timeout=LIVE)
    assert kick.params[0] == chan
    # Auditorium: +m shows, only managers/presenters post.
    room_cmd(alice, f"ROOM {chan} Type Auditorium")
    dave.expect("MODE", pred=lambda m: m.params[:2] == [chan, "+m"], timeout=LIVE)
    dave.send(f"PRIVMSG {chan} :may I?")
    assert dave.expect(("404", "PRIVMSG")).command == "404"
    assert stored(server, chan)["type"] == "Auditorium"

    # Disabled: everyone leaves; the manager re-enables it from outside.
    # The manager's own KICK comes before the NOTE: success is told once applied.
    alice.send(f"ROOM {chan} Disabled true")
    got = alice.collect_until("NOTE", pred=lambda m: m.params[:2] == ["ROOM", "UPDATED"])
    assert any(m.command == "KICK" and m.params[1] == alice.nick for m in got), got
    dave.expect("KICK", pred=lambda m: m.params[1] == dave.nick, timeout=LIVE)
    assert join(dave, chan) == "474"
    assert room_cmd(alice, f"ROOM {chan} Disabled false")[-1].params[1] == "UPDATED"
    assert stored(server, chan)["disabled"] is False
    sync(alice)
    assert join(alice, chan) == "366"
    # Unchanged values say so.
    assert room_cmd(alice, f"ROOM {chan} Privacy closed")[-1].params[1] == "UNCHANGED"


def test_a_managers_modes_are_stored_as_the_room(world, login):
    server, _ = world
    chan = new_room(server, privacy="Open", managers="alice")
    alice, bob, carol = (login(u) for u in ("alice", "bob", "carol"))
    for c in (alice, bob, carol):
        assert join(c, chan) == "366"

    alice.send(f"MODE {chan} +v {bob.nick}")
    carol.expect("MODE", pred=lambda m: m.params == [chan, "+v", bob.nick], timeout=LIVE)
    assert stored(server, chan)["presenters"] == ["bob"]
    alice.send(f"MODE {chan} +o {bob.nick}")
    carol.expect("MODE", pred=lambda m: m.params == [chan, "+o", bob.nick], timeout=LIVE)
    assert stored(server, chan)["managers"] == ["alice", "bob"]

    # +s: Secret. carol is no member: she leaves, the room no longer exists for her.
    alice.send(f"MODE {chan} +s")
    kick = carol.expect("KICK", pred=lambda m: m.params[1] == carol.nick, timeout=LIVE)
    assert kick.params[0] == chan
    assert stored(server, chan)["privacy"] == "Secret"
    assert join(carol, chan) == "403"
    # -is: Open again, by the other manager.
    bob.send(f"MODE {chan} -is")
    alice.expect("MODE", pred=lambda m: m.params[0] == chan and "-" in m.params[1]
                 and "s" in m.params[1], timeout=LIVE)
    assert stored(server, chan)["privacy"] == "Open"
    assert join(carol, chan) == "366"
    # +m: Auditorium.
    alice.send(f"MODE {chan} +m")
    carol.expect("MODE", pred=lambda m: m.params == [chan, "+m"], timeout=LIVE)
    assert stored(server, chan)["type"] == "Auditorium"
    # bob de-ops alice: she is no longer a manager.
    bob.send(f"MODE {chan} -o {alice.nick}")
    carol.expect("MODE", pred=lambda m: m.params == [chan, "-o", alice.nick], timeout=LIVE)
    assert stored(server, chan)["managers"] == ["bob"]
    # A non-manager's MODE: refused, nothing stored.
    before = stored(server, chan)
    carol.send(f"MODE {chan} -m")
    assert carol.expect("482").params[1] == chan
    alice.send(f"MODE {chan} +o {carol.nick}")
    assert alice.expect("482").params[1] == chan
    sync(carol)
    assert stored(server, chan) == before


def test_invite_by_a_manager_makes_a_member(world, login):
    server, _ = world
    chan = new_room(server, managers="alice", members="carol")
    alice, bob, carol, dave, mallory = (login(u) for u in USERS)
    guest = login(None)
    assert join(alice, chan) == "366" and join(carol, chan) == "366"
    assert join(dave, chan) == "473"

    alice.send(f"INVITE {dave.nick} {chan}")
    assert alice.expect("341").params[1:3] == [dave.nick, chan]
    assert dave.expect("INVITE", timeout=LIVE).params == [dave.nick, chan]
    assert "dave" in stored(server, chan)["members"]
    assert join(dave, chan) == "366"

    before = stored(server, chan)
    # Outside the category: refused with the reason; a guest has no account; a
    # member who is no manager cannot invite into a Closed room.
    alice.send(f"INVITE {mallory.nick} {chan}")
    fail = alice.expect("FAIL")
    assert fail.params[:2] == ["INVITE", "NOT_ALLOWED"] and "Firm" in fail.last
    alice.send(f"INVITE {guest.nick} {chan}")
    assert alice.expect("FAIL").params[:2] == ["INVITE", "ACCOUNT_REQUIRED"]
    carol.send(f"INVITE {bob.nick} {chan}")
    assert carol.expect("482").params[1] == chan
    mallory.assert_no_message(0.3, pred=lambda m: m.command == "INVITE")
    bob.assert_no_message(0.1, pred=lambda m: m.command == "INVITE")
    assert stored(server, chan) == before

    # The room's Invitations False: INVITE is refused, nothing changes.
    ctl(server, f"Set-CsPersistentChatRoom -Identity {chan[1:]} -Invitations False")
    sync(alice)
    alice.send(f"INVITE {bob.nick} {chan}")
    fail = alice.expect("FAIL")
    assert fail.params[:2] == ["INVITE", "INVITATIONS_OFF"]
    assert "bob" not in stored(server, chan)["members"]


def test_invitations_follow_the_lists_only_where_they_are_on(world, login):
    server, _ = world
    firm = new_room(server, managers="alice")
    quiet = new_room(server, category="Quiet", managers="alice")
    bob = login("bob")
    ctl(server, f'Set-CsPersistentChatRoom -Identity {quiet[1:]} -Members @{{Add="bob"}}')
    ctl(server, f'Set-CsPersistentChatRoom -Identity {firm[1:]} -Members @{{Add="bob"}}')
    inv = bob.expect("INVITE", timeout=LIVE)
    assert inv.params == [bob.nick, firm]  # the Firm room only (its first)
    bob.assert_no_message(0.5, pred=lambda m: m.command == "INVITE")
    # A new room listing bob invites him too; one already joined is not invited.
    third = new_room(server, members="bob")
    assert bob.expect("INVITE", timeout=LIVE).params == [bob.nick, third]
    assert join(bob, third) == "366"
    ctl(server, f'Set-CsPersistentChatRoom -Identity {third[1:]} -Presenters "bob"')
    bob.expect("MODE", pred=lambda m: m.params == [third, "+v", bob.nick], timeout=LIVE)
    bob.assert_no_message(0.3, pred=lambda m: m.command == "INVITE")


def test_a_group_newly_listed_invites_its_members(world, login):
    server, _ = world
    group = unique_name("grp")
    ctl(server, "group", "add", group, "--members", "carol")
    chan = new_room(server, managers="alice")
    carol, dave = login("carol"), login("dave")
    ctl(server, f'Set-CsPersistentChatRoom -Identity {chan[1:]} -Members "group:{group}"')
    assert carol.expect("INVITE", timeout=LIVE).params == [carol.nick, chan]
    dave.assert_no_message(0.3, pred=lambda m: m.command == "INVITE")
    assert join(carol, chan) == "366" and join(dave, chan) == "473"
