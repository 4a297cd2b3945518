"""WHO (with WHOX), WHOIS, AWAY (with away-notify), ISON, USERHOST, SETNAME.

RFC 2812 3.6, 4.1, 4.8, 4.9 as modern servers implement them
(modern.ircdocs.horse); IRCv3 away-notify, setname, multi-prefix, WHOX.
"""

from irc_helpers import join, mode, registered, sync

import time


def who(client, mask):
    client.send(f"WHO {mask}")
    lines = client.collect_until("315")
    assert lines[-1].params[1] == mask.split()[0]
    return {m.params[5]: m for m in lines if m.command == "352"}


# -- WHO -------------------------------------------------------------------------


def test_who_channel_flags_and_prefixes(irc, unique):
    chan = "#" + unique("wc")
    op = registered(irc, unique, "wo", caps=("multi-prefix",), realname="Op Person")
    b = registered(irc, unique, "wb")
    join(op, chan)
    join(b, chan)
    mode(op, chan, f"+v {op.nick}")
    b.send("AWAY :away for now")
    b.expect("306")
    rows = who(op, chan)
    mine = rows[op.nick]
    assert mine.params[1:] == [chan, "~" + op.nick, "127.0.0.1", mine.source, op.nick, "H@+",
                               "0 Op Person"]
    assert rows[b.nick].params[6] == "G"
    # Without multi-prefix: only the highest prefix.
    rows = who(b, chan)
    assert rows[op.nick].params[6] == "H@"
    # A nick: channel "*", no prefixes.
    one = who(b, op.nick)
    assert len(one) == 1
    row = list(one.values())[0]
    assert row.params[1] == "*" and row.params[5] == op.nick and row.params[6] == "H"
    assert who(b, "nosuch" + unique("n")) == {}


def test_who_masks_and_invisible_users(irc, unique):
    tag = unique("mk")
    a = registered(irc, unique, tag + "a")
    b = registered(irc, unique, tag + "b")
    c = registered(irc, unique, "other")
    found = set(who(c, tag + "*"))
    assert found == {a.nick, b.nick}
    b.send(f"MODE {b.nick} +i")
    b.expect("MODE")
    found = set(who(c, tag.upper() + "*"))
    assert found == {a.nick}  # +i hides b from strangers' mask searches
    assert set(who(c, b.nick)) == {b.nick}  # exact nick shows
    # Sharing a channel makes an invisible user visible.
    chan = "#" + unique("shared")
    join(b, chan)
    join(c, chan)
    assert set(who(c, tag + "*")) == {a.nick, b.nick}
    # ...and a non-member of the channel does not see invisible members in WHO #chan.
    assert b.nick not in who(a, chan)
    mode(b, chan, "+s")
    assert who(a, chan) == {}


def test_whox_fields(irc, unique, account):
    name, password = account()
    chan = "#" + unique("wx")
    a = registered(irc, unique, "xa", sasl=(name, password), realname="Real A")
    b = registered(irc, unique, "xb")
    join(a, chan)
    join(b, chan)
    b.send(f"WHO {chan} %tcuhnfar,42")
    lines = b.collect_until("315")
    rows = {m.params[5]: m for m in lines if m.command == "354"}
    assert not [m for m in lines if m.command == "352"]
    assert rows[a.nick].params == [b.nick, "42", chan, "~" + a.nick, "127.0.0.1", a.nick, "H@",
                                   name, "Real A"]
    assert rows[b.nick].params[7] == "0"  # not logged in
    b.send(f"WHO {a.nick} %na")
    assert b.expect("354").params == [b.nick, a.nick, name]
    b.expect("315")


# -- WHOIS -----------------------------------------------------------------------


def test_whois(irc, unique, account):
    name, password = account()
    pub, sec = "#" + unique("wp"), "#" + unique("ws")
    a = registered(irc, unique, "ia", sasl=(name, password), realname="Alice Example")
    b = registered(irc, unique, "ib", caps=("multi-prefix",))
    join(a, pub)
    join(a, sec)
    mode(a, sec, "+s")
    mode(a, pub, f"+v {a.nick}")
    signon = time.time()
    b.send(f"WHOIS {a.nick.upper()}")
    lines = b.collect_until("318")
    by = {m.command: m for m in lines}
    assert by["311"].params == [b.nick, a.nick, "~" + a.nick, "127.0.0.1", "*", "Alice Example"]
    assert by["319"].last.split() == ["@+" + pub]  # the secret channel is hidden
    assert by["312"].params[1:3] == [a.nick, by["312"].source]
    assert by["330"].params[1:3] == [a.nick, name]
    idle = by["317"]
    assert int(idle.params[2]) >= 0 and abs(int(idle.params[3]) - signon) < 30
    assert "301" not in by
    assert by["318"].params[1] == a.nick
    a.send("AWAY :in a meeting")
    a.expect("306")
    a.send(f"WHOIS {a.nick}")
    lines = a.collect_until("318")
    by = {m.command: m for m in lines}
    assert sorted(by["319"].last.split()) == sorted(["@" + pub, "@" + sec])
    assert by["301"].params[1:] == [a.nick, "in a meeting"]
    # "WHOIS server nick" form.
    b.send(f"WHOIS {by['312'].source} {a.nick}")
    assert b.expect("311").params[1] == a.nick
    b.expect("318")
    b.send("WHOIS nosuch" + unique("n"))
    assert b.expect("401").params[1].startswith("nosuch")
    b.expect("318")
    b.send("WHOIS")
    b.expect("461")


# -- AWAY ------------------------------------------------------------------------


def test_away_and_away_notify(irc, unique):
    chan = "#" + unique("aw")
    a = registered(irc, unique, "aa")
    watcher = registered(irc, unique, "an", caps=("away-notify",))
    plain = registered(irc, unique, "ap")
    for c in (a, watcher, plain):
        join(c, chan)
    a.send("AWAY :gone to lunch")
    assert a.expect("306").params[0] == a.nick
    note = watcher.expect("AWAY")
    assert note.nick == a.nick and note.params == ["gone to lunch"]
    a.send("AWAY")
    a.expect("305")
    note = watcher.expect("AWAY")
    assert note.nick == a.nick and note.params == []
    assert [m for m in sync(plain) if m.command == "AWAY"] == []
    # Unaway while not away: reply, no notification.
    a.send("AWAY :")
    a.expect("305")
    assert [m for m in sync(watcher) if m.command == "AWAY"] == []
    # An away user joining a channel: away-notify clients learn its state after JOIN.
    chan2 = "#" + unique("aw2")
    join(watcher, chan2)
    a.send("AWAY :still out")
    a.expect("306")
    watcher.expect("AWAY")
    a.send(f"JOIN {chan2}")
    lines = watcher.collect_until("AWAY")
    assert lines[-2].command == "JOIN" and lines[-2].nick == a.nick
    assert lines[-1].params == ["still out"]


# -- ISON / USERHOST -------------------------------------------------------------


def test_ison_and_userhost(irc, unique):
    a = registered(irc, unique, "ha")
    b = registered(irc, unique, "hb")
    missing = "nosuch" + unique("n")
    a.send(f"ISON {b.nick.upper()} {missing} {a.nick}")
    assert a.expect("303").params == [a.nick, f"{b.nick} {a.nick}"]
    a.send(f"ISON :{missing} {b.nick}")
    assert a.expect("303").last == b.nick
    a.send(f"ISON {missing}")
    assert a.expect("303").last == ""
    b.send("AWAY :brb")
    b.expect("306")
    a.send(f"USERHOST {a.nick} {missing} {b.nick}")
    reply = a.expect("302").last.split()
    assert reply == [f"{a.nick}=+~{a.nick}@127.0.0.1", f"{b.nick}=-~{b.nick}@127.0.0.1"]
    a.send("USERHOST")
    a.expect("461")
    a.send("ISON")
    a.expect("461")


# -- SETNAME ---------------------------------------------------------------------


def test_setname(irc, unique):
    chan = "#" + unique("sn")
    a = registered(irc, unique, "sa", caps=("setname",), realname="Old Name")
    b = registered(irc, unique, "sb", caps=("setname",))
    c = registered(irc, unique, "sc")
    for x in (a, b, c):
        join(x, chan)
    a.send("SETNAME :New Shiny Name")
    mine = a.expect("SETNAME")
    assert mine.nick == a.nick and mine.params == ["New Shiny Name"]
    theirs = b.expect("SETNAME")
    assert theirs.source == f"{a.nick}!~{a.nick}@127.0.0.1" and theirs.params == ["New Shiny Name"]
    assert [m for m in sync(c) if m.command == "SETNAME"] == []
    c.send(f"WHOIS {a.nick}")
    assert c.expect("311").last == "New Shiny Name"
    a.send("SETNAME :")
    fail = a.expect("FAIL")
    assert fail.params[:2] == ["SETNAME", "INVALID_REALNAME"]
    a.send("SETNAME :" + "n" * 400)
    assert a.expect("FAIL").params[1] == "INVALID_REALNAME"


def test_time(irc, unique):
    # Registered clients only, like every query.
    early = irc()
    early.send("TIME")
    assert early.expect(("451", "391")).command == "451"
    c = registered(irc, unique, "tm")
    c.send("TIME")
    reply = c.expect("391")
    assert reply.params[0] == c.nick and len(reply.params) == 3
    assert " -- " in reply.last and reply.last.endswith("+00:00")


def test_lusers_max_counts_stay_after_a_quit(server_factory, irc, unique):
    server = server_factory(allow_guests=True)
    a = registered(irc, unique, "la", server=server)
    b = registered(irc, unique, "lb", server=server)
    b.quit()
    a.send("LUSERS")
    local = a.expect("265")
    glob = a.expect("266")
    assert local.params[1:3] == ["1", "2"] and glob.params[1:3] == ["1", "2"]


def test_whowas(irc, unique):
    """RFC 2812 3.6.3: newest first, a count, a mask, several nicks, and 406/369."""
    a = registered(irc, unique, "wa")
    gone = unique("wg")
    first = irc(name="w1")
    first.register(gone, user="ident2", realname="First One")
    first.send("QUIT :bye")
    first.wait_closed()
    second = irc(name="w2")
    second.register(gone, user="ident3", realname="Second One")
    renamed = unique("wr")
    second.send(f"NICK {renamed}")
    second.expect("NICK")
    a.send(f"WHOWAS {gone}")
    lines = a.collect_until("369")
    assert [m.command for m in lines] == ["314", "312", "314", "312", "369"], [m.raw for m in lines]
    assert lines[0].params[1:] == [gone, "~ident3", "127.0.0.1", "*", "Second One"]
    assert lines[2].params[1:] == [gone, "~ident2", "127.0.0.1", "*", "First One"]
    assert lines[1].params[2] == lines[3].params[2]  # the server's name
    a.send(f"WHOWAS {gone} 1")
    assert [m.command for m in a.collect_until("369")] == ["314", "312", "369"]
    a.send(f"WHOWAS {gone} -1")
    assert [m.command for m in a.collect_until("369")] == ["314", "312", "314", "312", "369"]
    a.send(f"WHOWAS {gone[:-2]}*")
    assert [m.command for m in a.collect_until("369")].count("314") == 2
    never = unique("wn")
    a.send(f"WHOWAS {never},{gone} 1")
    lines = a.collect_until("369", pred=lambda m: m.params[1] == gone)
    assert [m.command for m in lines] == ["406", "369", "314", "312", "369"], [m.raw for m in lines]
    assert lines[0].params[1] == never and lines[1].params[1] == never
    a.send("WHOWAS")
    assert a.expect("461").params[1] == "WHOWAS"
