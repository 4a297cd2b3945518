"""Every IRCv3 capability pchatd advertises, seen from clients that do and do not
negotiate it: message-tags, server-time, msgid, batch, echo-message,
labeled-response, account-tag, account-notify, extended-join, sasl.
(cap-notify: test_irc_registration.py; multi-prefix and userhost-in-names:
test_irc_channels.py / test_irc_queries.py; away-notify and setname:
test_irc_queries.py; invite-notify: test_irc_channel_admin.py; standard-replies:
FAIL in test_irc_queries.py::test_setname.)
"""

from irc_helpers import join, registered, sync

import base64
import datetime
import re

TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def plain_payload(account, password):
    return base64.b64encode(f"{account}\0{account}\0{password}".encode()).decode()


# -- message-tags, server-time, msgid ----------------------------------------------


def test_message_tags_relay_client_tags_only_to_tag_clients(irc, unique):
    chan = "#" + unique("mt")
    a = registered(irc, unique, "ta", caps=("message-tags",))
    b = registered(irc, unique, "tb", caps=("message-tags",))
    c = registered(irc, unique, "tc")
    for x in (a, b, c):
        join(x, chan)
    a.send(f"@+example.com/fun=a\\sb;+flag;msgid=forged PRIVMSG {chan} :tagged")
    got = b.expect("PRIVMSG")
    assert got.tags["+example.com/fun"] == "a b"
    assert "+flag" in got.tags
    assert got.tags["msgid"] != "forged" and got.tags["msgid"]
    plain = c.expect("PRIVMSG")
    assert plain.tags == {} and plain.last == "tagged"
    # TAGMSG reaches message-tags clients only.
    a.send(f"@+typing=active TAGMSG {chan}")
    t = b.expect("TAGMSG")
    assert t.params == [chan] and t.tags["+typing"] == "active" and t.tags["msgid"]
    a.send(f"PRIVMSG {chan} :after the tagmsg")
    before = c.collect_until("PRIVMSG")
    assert [m.command for m in before] == ["PRIVMSG"] and before[0].last == "after the tagmsg"
    # TAGMSG to a user; a client without message-tags cannot send one.
    a.send(f"@+typing=paused TAGMSG {b.nick}")
    assert b.expect("TAGMSG").params == [b.nick]
    c.send(f"@+typing=active TAGMSG {chan}")
    c.send(f"PRIVMSG {chan} :plain again")
    before = b.collect_until("PRIVMSG", pred=lambda m: m.last == "plain again")
    assert "TAGMSG" not in [m.command for m in before]


def test_server_time_and_msgid(irc, unique):
    chan = "#" + unique("st")
    a = registered(irc, unique, "sa")
    timed = registered(irc, unique, "sb", caps=("server-time",))
    tagged = registered(irc, unique, "sc", caps=("message-tags",))
    for x in (a, timed, tagged):
        join(x, chan)
    a.send(f"PRIVMSG {chan} :what time is it")
    m = timed.expect("PRIVMSG")
    assert TIME_RE.match(m.tags["time"]), m.tags
    when = datetime.datetime.strptime(m.tags["time"], "%Y-%m-%dT%H:%M:%S.%fZ")
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    assert abs((now - when).total_seconds()) < 10
    assert set(m.tags) == {"time"}  # msgid is a message-tags tag
    # msgid on every PRIVMSG/NOTICE, channel or private, all different.
    ids = [tagged.expect("PRIVMSG").tags["msgid"]]
    a.send(f"NOTICE {chan} :a notice")
    a.send(f"PRIVMSG {tagged.nick} :private")
    a.send(f"NOTICE {tagged.nick} :private notice")
    for cmd in ("NOTICE", "PRIVMSG", "NOTICE"):
        got = tagged.expect(cmd)
        assert TIME_RE.match(got.tags["time"])
        ids.append(got.tags["msgid"])
    assert len(set(ids)) == 4 and all(re.fullmatch(r"[0-9a-z]{26}", i) for i in ids)


# -- echo-message, labeled-response, batch -----------------------------------------


def test_echo_message(irc, unique):
    chan = "#" + unique("em")
    a = registered(irc, unique, "ea", caps=("echo-message", "message-tags"))
    b = registered(irc, unique, "eb", caps=("message-tags",))
    join(a, chan)
    join(b, chan)
    a.send(f"@+k=v PRIVMSG {chan} :echo me")
    echo = a.expect("PRIVMSG")
    seen = b.expect("PRIVMSG")
    assert echo.nick == a.nick and echo.params == [chan, "echo me"]
    assert echo.tags["msgid"] == seen.tags["msgid"] and echo.tags["+k"] == "v"
    a.send(f"PRIVMSG {b.nick} :direct echo")
    echo = a.expect("PRIVMSG")
    assert echo.params == [b.nick, "direct echo"]
    assert b.expect("PRIVMSG").tags["msgid"] == echo.tags["msgid"]


def test_labeled_response(irc, unique):
    chan = "#" + unique("lr")
    a = registered(irc, unique, "la", caps=("labeled-response", "batch", "echo-message"))
    nobatch = registered(irc, unique, "lb", caps=("labeled-response",))
    nolabel = registered(irc, unique, "lc")
    join(a, chan)
    join(nobatch, chan)
    # No reply: ACK.
    a.request("PONG :x", "l1")
    ack = a.expect_label("l1")
    assert ack.command == "ACK" and ack.params == []
    # One reply: that line, labeled.
    a.request("PING :y", "l2")
    pong = a.expect_label("l2")
    assert pong.command == "PONG" and pong.last == "y" and "batch" not in pong.tags
    a.request("PRIVMSG nosuch99x :hi", "l3")
    err = a.expect_label("l3")
    assert err.command == "401"
    # Several replies: a labeled-response batch.
    a.request(f"NAMES {chan}", "l4")
    start = a.expect_label("l4")
    assert start.command == "BATCH" and start.params[1] == "labeled-response"
    ref = start.params[0][1:]
    assert start.params[0][0] == "+"
    body = a.collect_until("BATCH")
    assert [m.command for m in body] == ["353", "366", "BATCH"]
    assert all(m.tags.get("batch") == ref for m in body[:-1])
    assert body[-1].params == ["-" + ref]
    # The echo of a message is its labeled reply (after commit).
    a.request(f"PRIVMSG {chan} :labeled", "l5")
    echo = a.expect_label("l5")
    assert echo.command == "PRIVMSG" and echo.last == "labeled" and echo.tags.get("msgid") is None
    assert nobatch.expect("PRIVMSG").last == "labeled"
    # Without batch: each reply line carries the label.
    nobatch.request(f"NAMES {chan}", "m1")
    lines = nobatch.collect_until("366")
    assert [m.tags.get("label") for m in lines if m.command in ("353", "366")] == ["m1", "m1"]
    # Without labeled-response the label tag is ignored.
    nolabel.request("PING :z", "n1")
    pong = nolabel.expect("PONG")
    assert pong.tags == {}


# -- account-tag, account-notify, extended-join -------------------------------------


def test_account_tag(irc, unique, account):
    name, password = account()
    chan = "#" + unique("at")
    a = registered(irc, unique, "aa", sasl=(name, password))
    b = registered(irc, unique, "ab", caps=("account-tag",))
    c = registered(irc, unique, "ac")
    join(b, chan)
    join(c, chan)
    join(a, chan)
    assert b.expect("JOIN", pred=lambda m: m.nick == a.nick).tags == {"account": name}
    assert c.expect("JOIN", pred=lambda m: m.nick == a.nick).tags == {}
    a.send(f"PRIVMSG {chan} :from an account")
    assert b.expect("PRIVMSG").tags == {"account": name}
    assert c.expect("PRIVMSG").tags == {}
    guest = registered(irc, unique, "ag")
    join(guest, chan)
    guest.send(f"PRIVMSG {chan} :from a guest")
    assert "account" not in b.expect("PRIVMSG", pred=lambda m: m.nick == guest.nick).tags


def test_account_notify_on_login_after_registration(irc, unique, account):
    # Normally SASL runs before registration, when there are no peers yet; a
    # registered client may still authenticate, and then its peers are told.
    name, password = account()
    chan = "#" + unique("an")
    watcher = registered(irc, unique, "aw", caps=("account-notify",))
    plain = registered(irc, unique, "ap")
    late = registered(irc, unique, "al")
    for x in (watcher, plain, late):
        join(x, chan)
    late.send("CAP REQ :sasl")
    late.expect("CAP", pred=lambda m: m.params[1] == "ACK")
    late.send("AUTHENTICATE PLAIN")
    late.expect("AUTHENTICATE")
    late.send("AUTHENTICATE " + plain_payload(name, password))
    logged = late.expect("900")
    assert logged.params[1] == f"{late.nick}!~{late.nick}@127.0.0.1" and logged.params[2] == name
    late.expect("903")
    note = watcher.expect("ACCOUNT")
    assert note.nick == late.nick and note.params == [name]
    assert [m for m in sync(plain) if m.command == "ACCOUNT"] == []
    late.send("AUTHENTICATE PLAIN")
    late.expect("907")
    watcher.send(f"WHOIS {late.nick}")
    assert watcher.expect("330").params[2] == name


def test_extended_join(irc, unique, account):
    name, password = account()
    chan = "#" + unique("ej")
    ext = registered(irc, unique, "ex", caps=("extended-join",))
    plain = registered(irc, unique, "ep")
    join(ext, chan)
    join(plain, chan)
    member = registered(irc, unique, "em", sasl=(name, password), realname="Has Account")
    join(member, chan)
    j = ext.expect("JOIN", pred=lambda m: m.nick == member.nick)
    assert j.params == [chan, name, "Has Account"]
    assert plain.expect("JOIN", pred=lambda m: m.nick == member.nick).params == [chan]
    guest = registered(irc, unique, "eg", realname="No Account")
    join(guest, chan)
    j = ext.expect("JOIN", pred=lambda m: m.nick == guest.nick)
    assert j.params == [chan, "*", "No Account"]


# -- sasl ------------------------------------------------------------------------


def sasl_start(irc):
    c = irc()
    c.send("CAP LS 302")
    c._read_cap_ls(5.0)
    c.send("CAP REQ :sasl")
    c.expect("CAP", pred=lambda m: m.params[1] == "ACK")
    return c


def test_sasl_plain_success_and_already(irc, unique, account):
    name, password = account()
    c = sasl_start(irc)
    c.send("AUTHENTICATE PLAIN")
    assert c.expect("AUTHENTICATE").params == ["+"]
    c.send("AUTHENTICATE " + plain_payload(name.upper(), password))  # account names fold
    logged = c.expect("900")
    assert logged.params[2] == name
    c.expect("903")
    c.send("AUTHENTICATE PLAIN")
    c.expect("907")
    nick = unique("sn")
    c.send(f"NICK {nick}")
    c.send(f"USER {nick} 0 * :x")
    c.send("CAP END")
    c.expect("001")
    c.send(f"WHOIS {nick}")
    assert c.expect("330").params[2] == name


def test_sasl_failures(irc, unique, account):
    name, password = account()
    c = sasl_start(irc)
    c.send("AUTHENTICATE PLAIN")
    c.expect("AUTHENTICATE")
    c.send("AUTHENTICATE " + plain_payload(name, password + "wrong"))
    assert c.expect("904").params[0] == "*"
    # Abort.
    c.send("AUTHENTICATE PLAIN")
    c.expect("AUTHENTICATE")
    c.send("AUTHENTICATE *")
    c.expect("906")
    # Unknown mechanism: the list of mechanisms, then failure.
    c.send("AUTHENTICATE SCRAM-SHA-1")
    mechs = c.expect("908")
    assert mechs.params[1] == "PLAIN,SCRAM-SHA-256"
    c.expect("904")
    # Garbage payload.
    c.send("AUTHENTICATE PLAIN")
    c.expect("AUTHENTICATE")
    c.send("AUTHENTICATE !!!notbase64")
    c.expect("904")
    # After failures the right password still works, and registration completes.
    c.send("AUTHENTICATE PLAIN")
    c.expect("AUTHENTICATE")
    c.send("AUTHENTICATE " + plain_payload(name, password))
    c.expect("903")
    nick = unique("sf")
    c.send(f"NICK {nick}")
    c.send(f"USER {nick} 0 * :x")
    c.send("CAP END")
    c.expect("001")
