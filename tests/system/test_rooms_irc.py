"""Rooms enforced over IRC: every privacy x type x role, the ethical wall,
disabled rooms, creators, ParticipantUpdateLimit, live rule changes (within a
second), and a leak test for Secret rooms. Rules are changed through real pchatctl
while clients are connected."""

from __future__ import annotations

import json
import time
import urllib.parse

import pytest

from conftest import unique_name
from irc_helpers import sync
from pchat_harness import pchatctl
from rooms_helpers import (CAPS, LIVE, USERS, catalog_caught_up, ctl, login, room,  # noqa: F401
                           rooms_world, search, try_join, try_post)
from store_query import query


@pytest.fixture(scope="module")
def world(bins, base_dir):
    yield from rooms_world(base_dir, "rooms")


EXPECT_JOIN = {  # privacy -> user -> numeric
    "Open": {"alice": "366", "bob": "366", "carol": "366", "dave": "366", "mallory": "474"},
    "Closed": {"alice": "366", "bob": "366", "carol": "366", "dave": "473", "mallory": "474"},
    "Secret": {"alice": "366", "bob": "366", "carol": "366", "dave": "403", "mallory": "403"},
}


@pytest.mark.parametrize("type_", ["Normal", "Auditorium"])
@pytest.mark.parametrize("privacy", ["Open", "Closed", "Secret"])
def test_privacy_type_role_matrix(world, login, privacy, type_):
    """alice manages, bob presents, carol is a member, dave is in the category's scope
    only, mallory is outside it."""
    server, _ = world
    chan = room(server, "#" + unique_name("m"), privacy, type_, managers="alice",
                presenters="bob", members="carol")
    clients = {u: login(u) for u in USERS}
    for user, client in clients.items():
        got = try_join(client, chan)
        assert got[0] == EXPECT_JOIN[privacy][user], (user, got)
        if got[0] == "403":
            assert got[1] == "No such channel"
        if got[0] != "366":
            continue
        names = {n.lstrip("@+"): n for n in got[1]}
        prefix = names[client.nick][: len(names[client.nick]) - len(client.nick)]
        assert prefix == {"alice": "@", "bob": "+"}.get(user, ""), (user, got[1])
        posted = try_post(client, chan, f"hello from {user}")
        if type_ == "Auditorium" and user not in ("alice", "bob"):
            assert posted[0] == "404" and "auditorium" in posted[1], (user, posted)
        else:
            assert posted == "ok", (user, posted)
    # Room modes: Closed/Secret +i, Secret +s, Auditorium +m.
    alice = clients["alice"]
    alice.send(f"MODE {chan}")
    modes = alice.expect("324").params[2]
    assert ("i" in modes) == (privacy != "Open")
    assert ("s" in modes) == (privacy == "Secret")
    assert ("m" in modes) == (type_ == "Auditorium")


def test_plain_irc_join_creates_an_open_room_with_its_manager(world, login):
    server, _ = world
    chan = "#" + unique_name("adhoc")
    bob, carol = login("bob"), login("carol")
    got = try_join(bob, chan)
    assert got[0] == "366" and got[1] == ["@" + bob.nick]
    assert try_join(carol, chan)[0] == "366"
    assert try_post(carol, chan, "plain irc") == "ok"
    stored = ctl(server, f"Get-CsPersistentChatRoom {chan[1:]}")
    assert "default" in stored and "Open" in stored and "bob" in stored
    # The room persists: bob is its manager when he comes back.
    bob.send(f"PART {chan}")
    carol.send(f"PART {chan}")
    carol.expect("PART")
    bob2 = login("bob")
    assert try_join(bob2, chan)[1] == ["@" + bob2.nick]


def test_ethical_wall_wins_and_applies_live(world, login):
    server, _ = world
    chan = room(server, "#" + unique_name("wall"), "Open", category="default",
                managers="dave", members="dave")
    dave = login("dave")
    assert try_join(dave, chan)[0] == "366"
    carol = login("carol")
    assert try_join(carol, chan)[0] == "366"
    t0 = time.monotonic()
    ctl(server, 'Set-CsPersistentChatCategory -Identity default -DeniedMembers @{Add="dave"}')
    try:
        kick = dave.expect("KICK", timeout=5)
        assert time.monotonic() - t0 < LIVE + 2  # pchatctl itself takes most of it
        assert kick.params[:2] == [chan, dave.nick]
        carol.expect("KICK", pred=lambda m: m.params[1] == dave.nick)
        # Listed as manager and member, walled all the same.
        got = try_join(login("dave"), chan)
        assert got[0] == "474", got
    finally:
        ctl(server, 'Set-CsPersistentChatCategory -Identity default -DeniedMembers $null')


def test_disabled_room(world, login):
    server, _ = world
    chan = room(server, "#" + unique_name("dis"), "Open", managers="alice")
    alice, bob = login("alice"), login("bob")
    assert try_join(alice, chan)[0] == "366"
    assert try_join(bob, chan)[0] == "366"
    ctl(server, f"Set-CsPersistentChatRoom -Identity {chan[1:]} -Disabled $true")
    assert "disabled" in bob.expect("KICK", timeout=5).last
    alice.expect("KICK", pred=lambda m: m.params[1] == alice.nick, timeout=5)
    got = try_join(bob, chan)
    assert got[0] == "474" and "disabled" in got[1]
    ctl(server, f"Set-CsPersistentChatRoom -Identity {chan[1:]} -Disabled $false")
    catalog_caught_up(server, bob)
    assert try_join(bob, chan)[0] == "366"
    assert try_post(bob, chan, "back") == "ok"


def test_creators(world, login):
    server, _ = world
    ctl(server, 'Set-CsPersistentChatCategory -Identity default -Creators "alice"')
    try:
        bob, alice = login("bob"), login("alice")
        catalog_caught_up(server, alice)
        chan = "#" + unique_name("new")
        assert try_join(bob, chan) == ("403", "No such channel")
        got = try_join(alice, chan)
        assert got == ("366", ["@" + alice.nick])
        assert try_join(bob, chan)[0] == "366"  # an Open room: others join
    finally:
        ctl(server, 'Set-CsPersistentChatCategory -Identity default -Creators "*"')


def test_participant_update_limit(world, login):
    server, _ = world
    chan = room(server, "#" + unique_name("pul"), "Open")
    ctl(server, "Set-CsPersistentChatConfiguration -ParticipantUpdateLimit 2")
    try:
        alice, bob, carol = login("alice"), login("bob"), login("carol")
        catalog_caught_up(server, alice)
        try_join(alice, chan)
        try_join(bob, chan)
        alice.expect("JOIN", pred=lambda m: m.nick == bob.nick)  # 2 participants: sent
        try_join(carol, chan)  # 3 > 2: no longer sent
        bob.send(f"PART {chan}")
        bob.expect("PART")
        lines = sync(alice)
        assert not [m for m in lines if m.command in ("JOIN", "PART")], lines
        assert try_post(carol, chan, "still delivered") == "ok"
        alice.expect("PRIVMSG", pred=lambda m: m.last == "still delivered")
    finally:
        ctl(server, "Set-CsPersistentChatConfiguration -ParticipantUpdateLimit 75")


def test_live_changes_reach_clients_within_a_second(world, login):
    server, _ = world
    chan = room(server, "#" + unique_name("live"), "Closed", managers="alice",
                members="carol")
    ctl(server, f'Set-CsPersistentChatRoom -Identity {chan[1:]} -Members @{{Add="bob"}}')
    alice, bob, carol = login("alice"), login("bob"), login("carol")
    for c in (alice, bob, carol):
        assert try_join(c, chan)[0] == "366"
    ctl(server, f'Set-CsPersistentChatRoom -Identity {chan[1:]} -Presenters "bob" '
                f'-Members @{{Remove="carol"}} -Type Auditorium')
    t0 = time.monotonic()
    kick = carol.expect("KICK", timeout=LIVE)
    assert kick.params[1] == carol.nick
    mode = alice.expect("MODE", pred=lambda m: m.params[0] == chan and "v" in m.params[1],
                        timeout=LIVE)
    assert bob.nick in mode.params
    if "m" not in mode.params[1]:  # the room's +m may come in a MODE line of its own
        alice.expect("MODE", pred=lambda m: m.params[0] == chan and "m" in m.params[1],
                     timeout=LIVE)
    assert time.monotonic() - t0 < LIVE
    assert try_post(bob, chan, "presenting") == "ok"


def test_secret_room_leaks_nothing(world, login):
    """A non-member tries every command that could reveal a Secret room and gets the
    answers a never-used name gets."""
    server, _ = world
    secret = room(server, "#" + unique_name("sec"), "Secret", managers="alice",
                  members="carol")
    missing = "#" + unique_name("none")
    alice, carol = login("alice"), login("carol")
    for c in (alice, carol):
        assert try_join(c, secret)[0] == "366"
        try_post(c, secret, "secret words")
    ctl(server, 'Set-CsPersistentChatCategory -Identity default -Creators "alice"')
    try:
        catalog_caught_up(server, alice)
        for user in ("dave", "mallory"):
            spy = login(user)

            def answers(target):
                out = []
                for line in (f"JOIN {target}", f"NAMES {target}", f"MODE {target}",
                             f"TOPIC {target}", f"TOPIC {target} :x", f"PRIVMSG {target} :x",
                             f"CHATHISTORY LATEST {target} * 10", f"LIST {target}"):
                    spy.send(line)
                    out += [(m.command, [p.replace(target, "T") for p in m.params[1:]])
                            for m in sync(spy)]
                return out

            assert answers(secret) == answers(missing)
            spy.send("LIST")
            listed = spy.collect_until("323")
            assert not [m for m in listed if m.command == "322" and m.params[1] == secret]
            spy.send(f"WHOIS {alice.nick}")
            whois = spy.collect_until("318")
            assert not [m for m in whois if secret in " ".join(m.params)]
            spy.send("CHATHISTORY TARGETS timestamp=2000-01-01T00:00:00.000Z "
                     "timestamp=2100-01-01T00:00:00.000Z 50")
            assert secret not in " ".join(m.raw for m in sync(spy))
    finally:
        ctl(server, 'Set-CsPersistentChatCategory -Identity default -Creators "*"')


def test_search_returns_only_what_the_user_may_read(world, login):
    server, _ = world
    word = unique_name("needle")
    secret = room(server, "#" + unique_name("ss"), "Secret", managers="alice")
    open_ = room(server, "#" + unique_name("so"), "Open")
    alice, dave, mallory = login("alice"), login("dave"), login("mallory")
    for chan in (secret, open_):
        try_join(alice, chan)
        for k in range(3):
            assert try_post(alice, chan, f"{word} {k} in {chan} 会議 資料") == "ok"
    got, nxt = search(alice, "*", word)
    assert len(got) == 6 and nxt == "*"
    assert got[0] == (open_, f"{word} 2 in {open_} 会議 資料")  # newest first
    got, _ = search(dave, "*", word)  # not a member of the Secret room
    assert {c for c, _ in got} == {open_}
    assert search(mallory, "*", word)[0] == []  # outside the category entirely
    missing = "#" + unique_name("nx")
    fail_secret = search(dave, secret, word)
    fail_missing = search(dave, missing, word)
    assert fail_secret[:2] == ["SEARCH", "INVALID_TARGET"]
    assert [p.replace(secret, "T") for p in fail_secret] == \
        [p.replace(missing, "T") for p in fail_missing]
    # Paging by cursor, in one room, and words in any script.
    page1, cursor = search(dave, open_, word, limit=2)
    assert [b for _, b in page1] == [f"{word} {k} in {open_} 会議 資料" for k in (2, 1)]
    page2, end = search(dave, open_, word, limit=2, cursor=cursor)
    assert [b for _, b in page2] == [f"{word} 0 in {open_} 会議 資料"] and end == "*"
    assert len(search(dave, open_, f"{word} 資料")[0]) == 3
    assert search(dave, open_, "!!!")[:2] == ["SEARCH", "INVALID_PARAMS"]
    # The same rules through the admin API, on a user's behalf.
    def http(user, room=None, **kw):
        query = {"user": user, "q": word, **kw}
        if room:
            query["room"] = room
        status, body = server.http_get("/search?" + urllib.parse.urlencode(query))
        return status, json.loads(body)
    status, body = http("alice")
    assert status == 200 and len(body["results"]) == 6 and body["next"] is None
    status, body = http("sip:dave@litwareinc.com")
    assert status == 200 and {r["room"] for r in body["results"]} == {open_}
    assert http("dave", secret)[0] == 404 and http("dave", missing)[0] == 404
    assert http("mallory")[1]["results"] == []
    status, body = http("dave", open_, limit=2)
    assert [r["text"] for r in body["results"]] == [b for _, b in page1]
    status, body = http("dave", open_, limit=2, before=body["next"])
    assert [r["text"] for r in body["results"]] == [b for _, b in page2]
    assert http("group:x")[0] == 400
    # CJK written without spaces: a run is found inside a longer one, in order only
    # ("会議 資料", with a blank, is two runs: not "会議資料").
    assert try_post(alice, open_, f"{word} 明日の会議資料は10時です") == "ok"
    assert [b for _, b in search(dave, open_, f"明日の {word}")[0]] == \
        [f"{word} 明日の会議資料は10時です"]
    assert len(search(dave, open_, f"会議資料 {word}")[0]) == 1
    assert len(search(dave, open_, f"料 {word}")[0]) == 4  # one character: anywhere
    assert len(search(dave, open_, f"{word} 議会")[0]) == 0
    assert len(search(dave, open_, f"{word} 会議")[0]) == 4
    assert len(search(dave, open_, "。")[0]) == 0


def test_a_room_without_managers_gives_nobody_operator_status(world, login):
    """Only rooms JOIN creates in the new-room category give the transient '@' of
    plain IRC; a room an administrator made without managers gives none."""
    server, _ = world
    chan = room(server, "#" + unique_name("nomgr"), "Open")
    bob = login("bob")
    got = try_join(bob, chan)
    assert got == ("366", [bob.nick])
    bob.send(f"MODE {chan} +m")
    assert bob.expect("482").params[1] == chan


def history(client, chan):
    client.send(f"CHATHISTORY LATEST {chan} * 50")
    got = client.collect_until("BATCH", pred=lambda m: m.params[0].startswith("-"))
    return [m.last for m in got if m.command == "PRIVMSG" and "batch" in m.tags]


def test_clear_and_remove_messages_show_in_history_and_search(world, login):
    server, _ = world
    chan = room(server, "#" + unique_name("clr"), "Open")
    alice, bob = login("alice"), login("bob")
    for c in (alice, bob):
        try_join(c, chan)
    word = unique_name("w")
    for text in (f"keep {word}", f"Secret Plan {word} one", f"secret plan {word} two"):
        assert try_post(alice, chan, text) == "ok"
    assert try_post(bob, chan, f"bob keeps {word}") == "ok"
    out = ctl(server, f'Remove-CsPersistentChatMessage -Identity "pool\\{chan[1:]}" '
                      f'-Filter "secret plan" -MatchClause Exact -CaseSensitive')
    assert "1 message" in out
    replaced = "This message was replaced by the Persistent Chat administrator."
    assert history(alice, chan) == [f"keep {word}", f"Secret Plan {word} one", replaced,
                                    f"bob keeps {word}"]
    ctl(server, f'Remove-CsPersistentChatMessage -Identity {chan[1:]} -Filter "plan replaced" '
                f'-MatchClause Or -ReplaceMessage "removed by legal"')
    assert history(bob, chan)[1:3] == ["removed by legal", "removed by legal"]
    assert search(bob, chan, "plan")[0] == []
    assert len(search(bob, chan, "legal")[0]) == 2
    out = ctl(server, f'Remove-CsPersistentChatMessage -Identity {chan[1:]} '
                      f'-UserUri "sip:alice@litwareinc.com" -Filter "{word}" -Remove')
    assert "Removed" in out and "1 message" in out  # "keep": bob's stays
    assert history(bob, chan) == ["removed by legal", "removed by legal", f"bob keeps {word}"]
    assert "MatchClause" in pchatctl(server.data_dir, f"Remove-CsPersistentChatMessage "
                                     f"-Identity {chan[1:]} -MatchClause Some").stderr
    ctl(server, f'Clear-CsPersistentChatRoom -Identity "pool\\{chan[1:]}" -EndDate "2100-01-01"')
    assert history(bob, chan) == []
    assert search(bob, chan, word)[0] == []


def test_a_search_page_reads_a_bounded_number_of_messages(server_factory, irc):
    """A word frequent elsewhere (over 5,000 matches in the store) but rare in the
    searched room is looked for by walking the room's history; a page walks a bounded
    number of messages (1,000, then store/search.h kSearchWalkOn = 60,000), then comes
    back short with a cursor, and the next page goes on from there."""
    server = server_factory(allow_guests=True)
    word = unique_name("rare")
    c = irc(server)
    c.register(unique_name("sw"), caps=CAPS)
    c.send("JOIN #capped")
    c.expect("366")
    columns = "INSERT INTO messages (msgid, target, sender, command, body, ts) "
    query(server.data_dir,
          columns + f"SELECT 'cw' || g, '#elsewhere', 'x!x@x', 'PRIVMSG', '{word} ' || g, now() "
          "FROM generate_series(1, 5001) g; " +
          columns + f"VALUES ('cold', '#capped', 'x!x@x', 'PRIVMSG', 'the {word} is here', now()); " +
          columns + "SELECT 'cn' || g, '#capped', 'x!x@x', 'PRIVMSG', 'filler ' || g, now() "
          "FROM generate_series(1, 61500) g", timeout=120)
    oldest_walked = int(query(server.data_dir,
                              "SELECT min(id) FROM (SELECT id FROM messages WHERE target = "
                              "'#capped' ORDER BY id DESC LIMIT 61000) AS w")[0][0])
    got, cursor = search(c, "#capped", word)
    assert got == [] and cursor == str(oldest_walked)
    got, cursor = search(c, "#capped", word, cursor=cursor)
    assert got == [("#capped", f"the {word} is here")] and cursor == "*"
