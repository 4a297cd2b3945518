"""Connection registration and server queries (RFC 2812 3.1, 3.4; IRCv3 CAP 302).

Covers NICK/USER in either order, 431/432/433/451/462, PASS (accepted, unused),
CAP LS/REQ/LIST/END (values, all-or-nothing, registration held during CAP),
PING/PONG, QUIT, MOTD, LUSERS, VERSION and the ISUPPORT tokens clients rely on.
"""

import time

EXPECTED_CAPS = {
    "account-notify", "account-tag", "away-notify", "batch", "cap-notify",
    "draft/chathistory", "draft/read-marker", "echo-message", "extended-join", "invite-notify",
    "labeled-response", "message-tags", "multi-prefix", "sasl", "server-time",
    "setname", "standard-replies", "userhost-in-names",
}


def registered(irc, unique, prefix="u", **kw):
    client = irc(name=prefix)
    client.register(unique(prefix), **kw)
    return client


def sync(client, token="sync"):
    """Round-trips a PING; returns the lines that arrived before its PONG."""
    client.send(f"PING :{token}")
    return client.collect_until("PONG", pred=lambda m: m.last == token)[:-1]


def cap_ls(client, version=""):
    client.send(f"CAP LS {version}".strip())
    client._read_cap_ls(5.0)
    return dict(client.available_caps)


def test_user_before_nick_registers(irc, unique):
    c = irc()
    nick = unique("ub")
    c.send(f"USER {nick} 0 * :Real Name")
    c.assert_no_message(0.2, pred=lambda m: m.command == "001")
    c.send(f"NICK {nick}")
    welcome = c.expect("001")
    assert welcome.params[0] == nick
    assert f"{nick}!~{nick}@127.0.0.1" in welcome.last
    for code in ("002", "003", "004", "005", "251", "376"):
        c.expect(code)


def test_user_with_empty_realname_461(irc, unique):
    c = irc()
    nick = unique("ur")
    c.send(f"NICK {nick}")
    c.send(f"USER {nick} 0 * :")
    assert c.expect(("461", "001")).command == "461"
    c.send(f"USER {nick} 0 * :Real")
    assert c.expect("001").params[0] == nick


def test_nick_in_use_then_free_nick(irc, unique):
    taken = registered(irc, unique, "tk")
    c = irc()
    c.send(f"NICK {taken.nick}")
    err = c.expect("433")
    assert err.params[:2] == ["*", taken.nick]
    c.send(f"NICK {taken.nick.upper()}")  # CASEMAPPING=ascii: same nick
    c.expect("433")
    c.send("USER someone 0 * :Someone")
    assert not [m for m in sync(c) if m.command == "001"]
    fresh = unique("fr")
    c.send(f"NICK {fresh}")
    assert c.expect("001").params[0] == fresh
    # A registered client cannot take a nick in use either.
    c.send(f"NICK {taken.nick}")
    assert c.expect("433").params[:2] == [fresh, taken.nick]


def test_bad_nicks_431_432(irc, unique):
    c = irc()
    c.send("NICK")
    c.expect("431")
    c.send("NICK :")
    c.expect("431")
    for bad in ("9lives", "#chan", "-dash", "a" * 31):
        c.send(f"NICK {bad}")
        err = c.expect("432")
        assert err.params[1] == bad
    good = unique("ok")
    c.send(f"NICK {good}")
    c.send("USER x 0 * :x")
    assert c.expect("001").params[0] == good


def test_nick_change_after_registration_is_seen_by_peers(irc, unique):
    chan = "#" + unique("nk")
    a = registered(irc, unique, "na")
    b = registered(irc, unique, "nb")
    for c in (a, b):
        c.send(f"JOIN {chan}")
        c.expect("366")
    new = unique("renamed")
    old_prefix = a.nick
    a.send(f"NICK {new}")
    mine = a.expect("NICK")
    assert mine.nick == old_prefix and mine.params == [new]
    theirs = b.expect("NICK")
    assert theirs.nick == old_prefix and theirs.params == [new]


def test_reregistration_462(irc, unique):
    c = registered(irc, unique, "rr")
    c.send("USER again 0 * :Again")
    assert c.expect("462").params[0] == c.nick
    c.send("PASS whatever")
    c.expect("462")


def test_commands_before_registration_451(irc, unique):
    c = irc()
    for line in ("JOIN #x", "PRIVMSG someone :hi", "WHOIS someone", "MODE #x", "FOOBAR"):
        c.send(line)
        err = c.expect("451")
        assert err.params[0] == "*"
    c.register(unique("late"))
    c.send("FOOBAR x")
    assert c.expect("421").params[1] == "FOOBAR"


def test_pass_is_accepted_and_ignored(irc, unique):
    c = irc()
    c.send("PASS not-checked")
    nick = unique("pw")
    c.send(f"NICK {nick}")
    c.send(f"USER {nick} 0 * :x")
    assert c.expect("001").params[0] == nick


def test_cap_ls_302_lists_every_cap_with_values(irc):
    c = irc()
    caps = cap_ls(c, "302")
    assert set(caps) == EXPECTED_CAPS
    assert caps["sasl"] == "PLAIN,SCRAM-SHA-256"
    assert "chghost" not in caps  # never advertised: hosts never change here
    # Without 302 there are no values.
    c2 = irc()
    plain = cap_ls(c2)
    assert set(plain) == EXPECTED_CAPS
    assert plain["sasl"] == ""


def test_cap_holds_registration_until_end(irc, unique):
    c = irc()
    cap_ls(c, "302")
    nick = unique("hold")
    c.send(f"NICK {nick}")
    c.send(f"USER {nick} 0 * :x")
    assert not [m for m in sync(c) if m.command == "001"]
    c.send("CAP END")
    assert c.expect("001").params[0] == nick
    # After registration, CAP END is a no-op and CAP LS works.
    c.send("CAP END")
    c.send("CAP LS 302")
    ls = c.expect("CAP")
    assert ls.params[:2] == [nick, "LS"]


def test_cap_req_is_all_or_nothing(irc, unique):
    c = irc()
    c.send("CAP REQ :multi-prefix no-such-cap")
    nak = c.expect("CAP")
    assert nak.params == ["*", "NAK", "multi-prefix no-such-cap"]
    c.send("CAP LIST")
    assert c.expect("CAP").params == ["*", "LIST", ""]
    c.send("CAP REQ :multi-prefix away-notify")
    ack = c.expect("CAP")
    assert ack.params == ["*", "ACK", "multi-prefix away-notify"]
    c.send("CAP LIST")
    assert set(c.expect("CAP").last.split()) == {"multi-prefix", "away-notify"}
    c.send("CAP REQ :-multi-prefix")
    assert c.expect("CAP").params[1:] == ["ACK", "-multi-prefix"]
    c.send("CAP LIST")
    assert c.expect("CAP").last.split() == ["away-notify"]
    c.send("CAP BOGUS")
    assert c.expect("410").params[1] == "BOGUS"
    # CAP REQ alone (no LS) also holds registration until CAP END.
    nick = unique("rq")
    c.send(f"NICK {nick}")
    c.send("USER x 0 * :x")
    assert not [m for m in sync(c) if m.command == "001"]
    c.send("CAP END")
    c.expect("001")


def test_cap_302_implies_cap_notify(irc):
    c = irc()
    cap_ls(c, "302")
    c.send("CAP LIST")
    assert "cap-notify" in c.expect("CAP").last.split()


def test_ping_pong(irc, unique):
    c = irc()
    c.send("PING :before registration")
    assert c.expect("PONG").last == "before registration"
    c.register(unique("pp"))
    c.send("PING :token with spaces")
    pong = c.expect("PONG")
    assert pong.params == [pong.source, "token with spaces"]
    c.send("PING")
    assert c.expect("461").params[1] == "PING"
    # PONG from the client is accepted silently.
    c.send("PONG :whatever")
    assert sync(c) == []


def test_quit_sends_error_and_tells_peers(irc, unique):
    chan = "#" + unique("quit")
    a = registered(irc, unique, "qa")
    b = registered(irc, unique, "qb")
    for c in (a, b):
        c.send(f"JOIN {chan}")
        c.expect("366")
    a.send("QUIT :gone fishing")
    got = a.wait_closed()
    assert got and got[-1].command == "ERROR"
    assert "gone fishing" in got[-1].last
    q = b.expect("QUIT", pred=lambda m: m.nick == a.nick)
    assert q.params == ["Quit: gone fishing"]
    # The nick is free again.
    c = irc()
    c.register(a.nick)


def test_quit_before_registration(irc):
    c = irc()
    c.send("QUIT")
    got = c.wait_closed()
    assert got[-1].command == "ERROR"


def test_motd_lusers_version(irc, unique):
    c = registered(irc, unique, "mv")
    c.send("MOTD")
    lines = c.collect_until(("376", "422"))
    assert lines[0].command == "375"
    assert any(m.command == "372" and "stored durably" in m.last for m in lines)
    c.send("LUSERS")
    lines = c.collect_until("266")
    codes = [m.command for m in lines]
    for code in ("251", "252", "254", "255", "265", "266"):
        assert code in codes
    channels = next(m for m in lines if m.command == "254")
    assert int(channels.params[1]) >= 0
    c.send("VERSION")
    v = c.expect("351")
    assert v.params[1].startswith("pchat-")
    c.expect("005")


def test_isupport_tokens(irc, unique):
    c = registered(irc, unique, "is")
    s = c.isupport
    assert s["CASEMAPPING"] == "ascii"
    assert s["CHATHISTORY"] == "100"
    assert s["MSGREFTYPES"] == "msgid,timestamp"
    assert s["PREFIX"] == "(ov)@+"
    assert s["CHANMODES"] == "beI,k,l,imnst"
    assert s["CHANTYPES"] == "#"
    assert s["MODES"] == "4"
    assert s["ELIST"] == "U"
    assert "WHOX" in s
    targmax = dict(item.split(":") for item in s["TARGMAX"].split(","))
    assert targmax["KICK"] == "4" and targmax["PRIVMSG"] == "4"
    assert int(s["NICKLEN"]) == 30


def test_idle_time_in_whois_resets_on_privmsg(irc, unique):
    a = registered(irc, unique, "id")
    b = registered(irc, unique, "ie")
    time.sleep(1.1)
    b.send(f"WHOIS {a.nick}")
    assert int(b.expect("317").params[2]) >= 1
    a.send(f"PRIVMSG {b.nick} :wake")
    b.expect("PRIVMSG")
    b.send(f"WHOIS {a.nick}")
    idle = b.expect("317")
    assert int(idle.params[2]) == 0
    assert abs(int(idle.params[3]) - time.time()) < 30
