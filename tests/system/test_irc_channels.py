"""JOIN, PART, NAMES, PRIVMSG and NOTICE (RFC 2812 3.2-3.3, modern.ircdocs.horse).

Channel modes used here are set with MODE (tested in test_irc_channel_admin.py).
"""

from irc_helpers import join, mode, registered, sync


def names(client, chan):
    client.send(f"NAMES {chan}")
    lines = client.collect_until("366")
    return [m for m in lines if m.command == "353"]


# -- JOIN ------------------------------------------------------------------------


def test_join_creates_channel_with_creator_as_op(irc, unique):
    chan = "#" + unique("Mixed")
    a = registered(irc, unique, "ja")
    a.send(f"JOIN {chan}")
    j = a.expect("JOIN")
    assert j.nick == a.nick and j.params[0] == chan
    assert j.source == f"{a.nick}!~{a.nick}@127.0.0.1"
    reply = a.collect_until("366")
    n = [m for m in reply if m.command == "353"]
    assert n[0].params[1:] == ["=", chan, "@" + a.nick]
    # Channel names are case-insensitive; joining again is a no-op.
    a.send(f"JOIN {chan.upper()}")
    assert [m for m in sync(a) if m.command == "JOIN"] == []


def test_join_several_channels_with_keys(irc, unique):
    c1, c2, c3 = ("#" + unique(p) for p in ("ka", "kb", "kc"))
    op = registered(irc, unique, "jo")
    for c in (c1, c2, c3):
        join(op, c)
    mode(op, c1, "+k key1")
    mode(op, c2, "+k key2")
    b = registered(irc, unique, "jb")
    b.send(f"JOIN {c1},{c2},{c3} key1,key2")
    for c in (c1, c2, c3):
        b.expect("JOIN", pred=lambda m, c=c: m.params[0] == c and m.nick == b.nick)
        b.expect("366", pred=lambda m, c=c: m.params[1] == c)
    # A wrong or missing key: 475; the other channels in the line are still joined.
    x = registered(irc, unique, "jx")
    x.send(f"JOIN {c1},{c3} wrong")
    assert x.expect("475").params[1] == c1
    x.expect("366", pred=lambda m: m.params[1] == c3)
    x.send(f"JOIN {c2}")
    assert x.expect("475").params[1] == c2


def test_join_0_parts_everything(irc, unique):
    c1, c2 = "#" + unique("z1"), "#" + unique("z2")
    a = registered(irc, unique, "za")
    watcher = registered(irc, unique, "zw")
    for c in (c1, c2):
        join(watcher, c)
        join(a, c)
    a.send("JOIN 0")
    parted = {a.expect("PART").params[0], a.expect("PART").params[0]}
    assert parted == {c1, c2}
    got = {watcher.expect("PART", pred=lambda m: m.nick == a.nick).params[0] for _ in range(2)}
    assert got == {c1, c2}
    a.send(f"PRIVMSG {c1} :still here?")
    assert a.expect("404").params[1] == c1


def test_join_limit_and_invite_only(irc, unique):
    chan = "#" + unique("li")
    op = registered(irc, unique, "lo")
    join(op, chan)
    mode(op, chan, "+l 1")
    b = registered(irc, unique, "lb")
    b.send(f"JOIN {chan}")
    assert b.expect("471").params[1] == chan
    mode(op, chan, "-l+i")
    b.send(f"JOIN {chan}")
    assert b.expect("473").params[1] == chan
    mode(op, chan, "-i")
    join(b, chan)


def test_join_invalid_name(irc, unique):
    a = registered(irc, unique, "jv")
    a.send("JOIN nochan")
    assert a.expect("403").params[1] == "nochan"
    a.send("JOIN")
    assert a.expect("461").params[1] == "JOIN"


def test_guests_need_an_account_without_allow_guests(server_factory, irc, account, unique):
    server = server_factory()  # no --allow-guests
    name, password = account(server=server)
    guest = registered(irc, unique, "g", server=server)
    chan = "#" + unique("members")
    guest.send(f"JOIN {chan}")
    err = guest.expect("477")
    assert err.params[1] == chan
    member = registered(irc, unique, "m", server=server, sasl=(name, password))
    join(member, chan)
    guest.send(f"PRIVMSG {chan} :let me in")
    guest.expect("477")
    guest.send(f"PRIVMSG {member.nick} :hello?")
    guest.expect("477")
    # Guests still see the server: queries work.
    guest.send(f"WHOIS {member.nick}")
    assert guest.expect("330").params[2] == name


# -- PART ------------------------------------------------------------------------


def test_part_with_reason(irc, unique):
    chan = "#" + unique("pt")
    a = registered(irc, unique, "pa")
    b = registered(irc, unique, "pb")
    join(a, chan)
    join(b, chan)
    b.send(f"PART {chan} :off to lunch")
    mine = b.expect("PART")
    assert mine.params == [chan, "off to lunch"]
    theirs = a.expect("PART")
    assert theirs.nick == b.nick and theirs.params == [chan, "off to lunch"]
    b.send(f"PART {chan}")
    assert b.expect("442").params[1] == chan
    b.send("PART #" + unique("nothere"))
    b.expect("403")
    # Without a reason there is no reason parameter.
    join(b, chan)
    b.send(f"PART {chan}")
    assert a.expect("PART", pred=lambda m: m.nick == b.nick).params == [chan]


def test_last_part_destroys_channel(irc, unique):
    chan = "#" + unique("gone")
    a = registered(irc, unique, "ga")
    join(a, chan)
    a.send(f"PART {chan}")
    a.expect("PART")
    b = registered(irc, unique, "gb")
    b.send(f"JOIN {chan}")
    reply = b.collect_until("366")
    # b created it anew, so b is op.
    assert [m for m in reply if m.command == "353"][0].last == "@" + b.nick


# -- PRIVMSG / NOTICE --------------------------------------------------------------


def test_privmsg_to_channel_and_user(irc, unique):
    chan = "#" + unique("pm")
    a = registered(irc, unique, "ma")
    b = registered(irc, unique, "mb")
    join(a, chan)
    join(b, chan)
    a.send(f"PRIVMSG {chan} :hello channel")
    m = b.expect("PRIVMSG")
    assert m.source == f"{a.nick}!~{a.nick}@127.0.0.1" and m.params == [chan, "hello channel"]
    a.send(f"PRIVMSG {b.nick.upper()} :hello you")
    m = b.expect("PRIVMSG")
    assert m.params == [b.nick, "hello you"]
    a.send(f"NOTICE {chan} :a notice")
    assert b.expect("NOTICE").params == [chan, "a notice"]
    a.send(f"NOTICE {b.nick} :private notice")
    assert b.expect("NOTICE").params == [b.nick, "private notice"]
    # Several targets (TARGMAX PRIVMSG:4).
    c = registered(irc, unique, "mc")
    a.send(f"PRIVMSG {chan},{c.nick} :both")
    assert b.expect("PRIVMSG").params == [chan, "both"]
    assert c.expect("PRIVMSG").params == [c.nick, "both"]
    # The sender does not get its own message back without echo-message.
    assert [m for m in sync(a) if m.command == "PRIVMSG"] == []


def test_privmsg_errors(irc, unique):
    a = registered(irc, unique, "pe")
    a.send("PRIVMSG nosuchnick9 :hi")
    assert a.expect("401").params[1] == "nosuchnick9"
    a.send("PRIVMSG #nosuchchan9x :hi")
    assert a.expect("403").params[1] == "#nosuchchan9x"
    a.send("PRIVMSG")
    a.expect("411")
    a.send(f"PRIVMSG {a.nick}")
    a.expect("412")
    a.send(f"PRIVMSG {a.nick} :")
    a.expect("412")
    a.send("PRIVMSG a1,a2,a3,a4,a5 :too many")
    assert a.expect("407").params[1] == "a1,a2,a3,a4,a5"
    # NOTICE never gets automatic error replies.
    a.send("NOTICE nosuchnick9 :hi")
    a.send("NOTICE #nosuchchan9x :hi")
    a.send("NOTICE")
    assert sync(a) == []


def test_cannot_send_404_no_external_and_moderated(irc, unique):
    chan = "#" + unique("mod")
    op = registered(irc, unique, "oo")
    member = registered(irc, unique, "om")
    outsider = registered(irc, unique, "ox")
    join(op, chan)
    join(member, chan)
    outsider.send(f"PRIVMSG {chan} :from outside")
    assert outsider.expect("404").params[1] == chan
    mode(op, chan, "-n")
    outsider.send(f"PRIVMSG {chan} :from outside, allowed")
    assert member.expect("PRIVMSG").params == [chan, "from outside, allowed"]
    mode(op, chan, "+m")
    member.send(f"PRIVMSG {chan} :muted?")
    assert member.expect("404").params[1] == chan
    outsider.send(f"PRIVMSG {chan} :muted too")
    outsider.expect("404")
    mode(op, chan, f"+v {member.nick}")
    member.send(f"PRIVMSG {chan} :voiced")
    assert op.expect("PRIVMSG").params == [chan, "voiced"]
    op.send(f"PRIVMSG {chan} :ops always speak")
    assert member.expect("PRIVMSG").last == "ops always speak"


def test_privmsg_to_away_user_gets_301(irc, unique):
    a = registered(irc, unique, "aa")
    b = registered(irc, unique, "ab")
    b.send("AWAY :out for lunch")
    b.expect("306")
    a.send(f"PRIVMSG {b.nick} :ping?")
    away = a.expect("301")
    assert away.params == [a.nick, b.nick, "out for lunch"]
    assert b.expect("PRIVMSG").last == "ping?"
    a.send(f"NOTICE {b.nick} :no auto reply for notices")
    b.expect("NOTICE")
    assert [m for m in sync(a) if m.command == "301"] == []


def test_long_privmsg_is_cut_to_fit_a_line(irc, unique):
    a = registered(irc, unique, "la")
    b = registered(irc, unique, "lb")
    head = f"PRIVMSG {b.nick} :"
    a.send(head + "x" * (510 - len(head)))  # fits 512 in, not with the source prefix out
    got = b.expect("PRIVMSG")
    assert 500 < len(got.raw.encode()) + 2 <= 512
    assert set(got.last) == {"x"}
    # A line over 512 bytes is refused with 417, not cut.
    a.send(head + "x" * 600)
    a.expect("417")
    assert [m for m in sync(b) if m.command == "PRIVMSG"] == []


# -- NAMES ---------------------------------------------------------------------------


def test_names_symbols_and_prefixes(irc, unique):
    chan = "#" + unique("nm")
    op = registered(irc, unique, "no", caps=("multi-prefix",))
    plain = registered(irc, unique, "np")
    uh = registered(irc, unique, "nu", caps=("userhost-in-names", "multi-prefix"))
    join(op, chan)
    join(plain, chan)
    join(uh, chan)
    mode(op, chan, f"+v {op.nick}")
    n = names(plain, chan)
    assert n[0].params[1:3] == ["=", chan]
    entries = " ".join(m.last for m in n).split()
    assert "@" + op.nick in entries and plain.nick in entries and uh.nick in entries
    assert " ".join(m.last for m in names(op, chan)).split().count("@+" + op.nick) == 1
    uh_entries = " ".join(m.last for m in names(uh, chan)).split()
    assert f"@+{op.nick}!~{op.nick}@127.0.0.1" in uh_entries
    assert f"{plain.nick}!~{plain.nick}@127.0.0.1" in uh_entries
    # Secret channels: '@' symbol; non-members get only the end numeric.
    mode(op, chan, "+s")
    assert names(plain, chan)[0].params[1] == "@"
    outsider = registered(irc, unique, "nx")
    assert names(outsider, chan) == []
    # Invisible members are hidden from non-members of a public channel.
    mode(op, chan, "-s")
    plain.send(f"MODE {plain.nick} +i")
    plain.expect("MODE")
    visible = " ".join(m.last for m in names(outsider, chan)).split()
    assert plain.nick not in visible and "@" + op.nick in visible
    outsider.send("NAMES")
    assert outsider.expect("366").params[1] == "*"
