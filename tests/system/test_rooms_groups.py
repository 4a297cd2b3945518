"""Groups: `group:NAME` and directory names (`OU=...`) in categories' and rooms'
lists, resolved from pchat's own directory (`pchatctl group ...`, table `groups` in mgc).
Real PostgreSQL, pchatd and pchatctl; rules and groups change while clients are
connected, and those changes reach them within a second."""

from __future__ import annotations

import json
import time
import urllib.parse

import pytest

from conftest import unique_name
from irc_client import IrcClient
from pchat_harness import pchatctl
# The rooms world's accounts (alice..mallory on a server of its own) and IRC helpers.
from rooms_helpers import (LIVE, catalog_caught_up, ctl, login, rooms_world,  # noqa: F401
                           search, try_join, try_post)

LEGAL_OU = "OU=Legal,DC=litwareinc,DC=com"


@pytest.fixture(scope="module")
def world(bins, base_dir):
    yield from rooms_world(base_dir, "groups")


def fails(server, *args):
    r = pchatctl(server.data_dir, *args)
    assert r.returncode != 0, f"{args} should fail: {r.stdout}"
    assert r.stderr.startswith("pchatctl: error: "), r.stderr
    return r.stderr


def group(server, name, *members, description=None):
    args = ["group", "add", name]
    if members:
        args += ["--members", ",".join(members)]
    if description is not None:
        args += ["--description", description]
    ctl(server, *args)
    return name


def groups_json(server):
    return json.loads(ctl(server, "group", "list", "--expand", "--json"))


def closed_room(server, category="default", privacy="Closed", **lists):
    name = "#" + unique_name("g")
    args = ["room", "add", name, "--category", category, "--privacy", privacy]
    for k, v in lists.items():
        args += [f"--{k}", v]
    ctl(server, *args)
    return name


def test_a_closed_room_of_a_group_lets_its_members_in(world, login):
    server, _ = world
    legal = group(server, unique_name("legal"), "alice")
    chan = closed_room(server, members=f"group:{legal.upper()}")  # any case
    alice, bob = login("alice"), login("bob")
    catalog_caught_up(server, alice)
    assert try_join(alice, chan)[0] == "366"
    assert try_post(alice, chan, "in by group") == "ok"
    got = try_join(bob, chan)
    assert got[0] == "473", got


def test_directory_name_category_and_an_ethical_wall_by_group(world, login):
    """A category allows an OU (a group of that name); a group in DeniedMembers walls
    off its members even when a room lists them as manager."""
    server, _ = world
    ou = group(server, LEGAL_OU.replace("Legal", unique_name("Legal")), "alice", "bob", "carol")
    walled = group(server, unique_name("walled"), "carol")
    cat = unique_name("LegalDept")
    ctl(server, "category", "add", cat, "--allowed-members", ou,
        "--denied-members", f"group:{walled}")
    chan = closed_room(server, category=cat, privacy="Open", managers="carol")
    clients = {u: login(u) for u in ("alice", "bob", "carol", "dave")}
    catalog_caught_up(server, clients["alice"])
    assert try_join(clients["alice"], chan)[0] == "366"
    assert try_join(clients["bob"], chan)[0] == "366"
    assert try_join(clients["carol"], chan)[0] == "474"  # walled: the wall wins
    assert try_join(clients["dave"], chan)[0] == "474"  # not in the OU
    # The OU written with other case and blanks names the same group.
    spaced = ou.lower().replace(",", ", ")
    ctl(server, "category", "set", cat, "--allowed-members", spaced)
    catalog_caught_up(server, clients["alice"])
    assert try_join(login("bob"), chan)[0] == "366"


def test_nested_groups(world, login):
    server, _ = world
    legal = group(server, unique_name("legal"), "alice")
    staff = group(server, unique_name("staff"), f"group:{legal}", "sip:dave@litwareinc.com")
    chan = closed_room(server, members=f"group:{staff}")
    alice = login("alice")
    catalog_caught_up(server, alice)
    assert try_join(alice, chan)[0] == "366"  # through legal
    assert try_join(login("dave"), chan)[0] == "366"
    assert try_join(login("bob"), chan)[0] == "473"
    expanded = {g["name"]: g for g in groups_json(server)}
    assert expanded[staff]["accounts"] == ["alice", "dave"]
    assert expanded[staff]["members"] == [f"group:{legal}", "dave"]
    shown = ctl(server, "group", "list", staff)
    assert "Accounts" in shown and "alice, dave" in shown
    # A cycle is harmless: legal now contains staff, which contains legal.
    ctl(server, "group", "set", legal, "--add-members", f"group:{staff}")
    expanded = {g["name"]: g for g in groups_json(server)}
    assert expanded[legal]["accounts"] == expanded[staff]["accounts"] == ["alice", "dave"]
    assert try_join(login("dave"), chan)[0] == "366"


def test_group_changes_reach_joined_clients_within_a_second(world, login):
    """Leaving a group KICKs from the rooms it opened; joining one lets in; a manager
    group gives and takes '@' (diffed with the groups before and after the change)."""
    server, _ = world
    team = group(server, unique_name("team"), "alice", "carol")
    mods = group(server, unique_name("mods"))
    chan = closed_room(server, members=f"group:{team}", managers=f"group:{mods}")
    alice, bob, carol = login("alice"), login("bob"), login("carol")
    catalog_caught_up(server, alice)
    assert try_join(alice, chan)[0] == "366"
    assert try_join(carol, chan)[0] == "366"
    assert try_join(bob, chan)[0] == "473"

    ctl(server, "group", "set", team, "--remove-members", "alice")
    t0 = time.monotonic()
    kick = alice.expect("KICK", timeout=LIVE)
    assert kick.params[:2] == [chan, alice.nick]
    assert "no longer a member" in kick.last
    carol.expect("KICK", pred=lambda m: m.params[1] == alice.nick, timeout=LIVE)
    assert time.monotonic() - t0 < LIVE
    assert try_join(alice, chan)[0] == "473"

    ctl(server, "group", "set", team, "--add-members", "bob")
    catalog_caught_up(server, bob)
    assert try_join(bob, chan)[0] == "366"

    ctl(server, "group", "set", mods, "--members", "carol")
    t0 = time.monotonic()
    mode = bob.expect("MODE", pred=lambda m: m.params[0] == chan, timeout=LIVE)
    assert mode.params[1:] == ["+o", carol.nick]
    ctl(server, "group", "set", mods, "--clear-members")
    mode = bob.expect("MODE", pred=lambda m: m.params[0] == chan, timeout=LIVE)
    assert mode.params[1:] == ["-o", carol.nick]
    assert try_post(carol, chan, "still a member") == "ok"


def test_a_secret_room_of_a_group_is_invisible_to_others(world, login):
    """LIST, JOIN, WHOIS, SEARCH and the HTTP /search follow the group."""
    server, _ = world
    insiders = group(server, unique_name("insiders"), "alice")
    secret = closed_room(server, privacy="Secret", members=f"group:{insiders}")
    alice, carol = login("alice"), login("carol")
    catalog_caught_up(server, alice)
    for client, visible in ((alice, True), (carol, False)):
        client.send("LIST")
        listed = [m.params[1] for m in client.collect_until("323") if m.command == "322"]
        assert (secret in listed) == visible
    assert try_join(carol, secret) == ("403", "No such channel")
    assert try_join(alice, secret)[0] == "366"
    word = unique_name("hush")
    assert try_post(alice, secret, f"{word} inside") == "ok"
    carol.send(f"WHOIS {alice.nick}")
    assert secret not in " ".join(m.raw for m in carol.collect_until("318"))
    assert search(carol, "*", word)[0] == []
    assert search(carol, secret, word)[:2] == ["SEARCH", "INVALID_TARGET"]
    assert len(search(alice, "*", word)[0]) == 1

    def http(user):
        query = urllib.parse.urlencode({"user": user, "q": word, "room": secret})
        return server.http_get("/search?" + query)[0]

    assert (http("alice"), http("carol")) == (200, 404)
    ctl(server, "group", "set", insiders, "--add-members", "carol")
    catalog_caught_up(server, carol)
    assert try_join(carol, secret)[0] == "366"
    assert len(search(carol, secret, word)[0]) == 1
    assert http("carol") == 200


def test_a_group_in_use_is_not_removed_unless_forced(world):
    server, _ = world
    legal = group(server, unique_name("legal"), "alice")
    cat = unique_name("Cat")
    ctl(server, "category", "add", cat, "--allowed-members", f"group:{legal}")
    closed_room(server, category=cat, members=f"GROUP:{legal}")
    closed_room(server, category=cat, managers=f"group:{legal}")
    err = fails(server, "group", "remove", legal)
    assert f"group '{legal}' is listed by category '{cat}' (AllowedMembers) and 2 rooms" in err
    assert "force" in err
    out = ctl(server, "group", "remove", legal, "--force", "--dry-run")
    assert out.startswith(f"Dry run: would remove group '{legal}'"), out
    assert legal in [g["name"] for g in groups_json(server)]
    out = ctl(server, "group", "remove", legal, "--force")
    assert "3 list entries naming it now match nobody" in out
    assert legal not in [g["name"] for g in groups_json(server)]
    assert f"no group '{legal}'" in fails(server, "group", "remove", legal)
    # Unused: removed without force.
    spare = group(server, unique_name("spare"))
    assert "Removed group" in ctl(server, "group", "remove", spare)


def test_bad_input_changes_nothing(world):
    server, _ = world
    legal = group(server, unique_name("legal"), "alice", description="Legal team")
    before = groups_json(server)
    cases = [
        (("group", "add", unique_name("x"), "--members", "mailto:a@b"), "mailto:a@b"),
        (("group", "add", unique_name("x"), "--members", "alice,*"), "'*'"),
        (("group", "add", unique_name("x"), "--members", "group:nope-nope"),
         "member 'group:nope-nope' names no group"),
        (("group", "add", legal.upper()), f"group '{legal.upper()}' already exists"),
        (("group", "add", "OU=,DC=x"), "KEY=VALUE"),
        (("group", "add", "group:"), "empty"),
        (("group", "set", legal, "--add-members", "sip:john.doe@x"), "john.doe"),
        (("group", "set", legal, "--add-members", "*"), "'*'"),
        (("group", "set", legal, "--members", "bob,OU=Nope,DC=x"),
         "member 'OU=Nope,DC=x' names no group"),
        (("group", "set", legal, "--add-members", f"group:{legal}"), "member of itself"),
        (("group", "set", legal), "nothing to change"),
        (("group", "set", unique_name("missing"), "--members", "bob"), "no group"),
    ]
    for args, message in cases:
        err = fails(server, *args)
        assert message in err, (args, err)
    # --dry-run checks and writes nothing.
    out = ctl(server, "group", "set", legal, "--members", "bob", "--dry-run")
    assert "Dry run" in out
    assert groups_json(server) == before
    assert ctl(server, "group", "--help").count("remove") >= 1


def test_group_json_and_table(world):
    server, _ = world
    ou = group(server, LEGAL_OU.replace("Legal", unique_name("L")), "alice",
               description="mapped OU")
    made = json.loads(ctl(server, "group", "set", ou, "--add-members", "sip:Bob@x", "--json"))
    assert made == {"dry_run": False, "result": {"name": ou, "description": "mapped OU",
                                                 "members": ["alice", "bob"]}}
    table = ctl(server, "group", "list")
    assert "NAME" in table and ou in table and "alice, bob" in table


def test_a_rooms_category_denied_members_are_its_bans_and_only_an_admin_lifts_them(world, login):
    """MODE #room b shows the category's denied members (the ethical wall) as the room's
    first bans, set by the category; a channel operator cannot lift them with -b, and
    the channel's own +b masks still work beside them."""
    server, _ = world
    cat = unique_name("Wall")
    grp = group(server, unique_name("gw"), "carol")
    ctl(server, f'New-CsPersistentChatCategory -Name {cat} -AllowedMembers "*" '
                f'-DeniedMembers "dave","group:{grp}"')
    chan = closed_room(server, category=cat, privacy="Open", managers="alice")
    alice = login("alice")
    catalog_caught_up(server, alice)
    assert try_join(alice, chan)[0] == "366"
    alice.send(f"MODE {chan} b")
    bans = [m for m in alice.collect_until("368") if m.command == "367"]
    listed = {(m.params[2], m.params[3]) for m in bans}
    assert ("account:dave", f"category:{cat}") in listed, bans
    assert (f"group:{grp}", f"category:{cat}") in listed, bans
    # A channel operator (the room's manager) cannot lift the ethical wall.
    alice.send(f"MODE {chan} -b account:dave")
    refusal = alice.expect("696")
    assert "an administrator changes it" in refusal.last and cat in refusal.last
    assert try_join(login("dave"), chan)[0] != "366"
    # The channel's own bans go on beside it.
    alice.send(f"MODE {chan} +b account:bob")
    alice.expect("MODE", pred=lambda m: m.params[1:] == ["+b", "account:bob"])
    alice.send(f"MODE {chan} b")
    masks = [m.params[2] for m in alice.collect_until("368") if m.command == "367"]
    assert masks[:2] == ["account:dave", f"group:{grp}"] and "account:bob" in masks[2:], masks


def test_list_tells_a_rooms_category_to_clients_with_message_tags(world, login):
    server, _ = world
    cat = unique_name("Dir")
    ctl(server, f'New-CsPersistentChatCategory -Name {cat} -AllowedMembers "*"')
    chan = closed_room(server, category=cat, privacy="Open")
    alice = login("alice")  # with message-tags
    catalog_caught_up(server, alice)
    alice.send("LIST")
    entries = {m.params[1]: m for m in alice.collect_until("323") if m.command == "322"}
    assert entries[chan].tags.get("pchat/category") == cat, entries[chan]
    # Without message-tags, the same line without the tag.
    plain = IrcClient("plain").connect(server.irc_port)
    try:
        plain.register(unique_name("pl"), sasl=("bob", world[1]["bob"]))
        plain.send("LIST")
        lines = [m for m in plain.collect_until("323") if m.command == "322" and m.params[1] == chan]
        assert lines and not lines[0].tags, lines
    finally:
        plain.close()
