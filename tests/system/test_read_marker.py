"""IRCv3 draft/read-marker against real pchatd: MARKREAD get and set, the marker
before RPL_ENDOFNAMES after a JOIN, markers shared by the sessions of an account on
one server and across a pool, kept across a crash and restart, never moving back,
never shown to another account or a guest, nothing said of a Secret room, and bad
parameters answered with FAIL MARKREAD."""

from __future__ import annotations

import datetime

from irc_helpers import join, mode, sync
from pool_helpers import start_pool

CAP = "draft/read-marker"
CAPS = (CAP, "server-time", "message-tags")
TIMEOUT = 15.0
T1 = "2024-03-01T10:00:00.000Z"
T2 = "2024-03-01T11:30:00.250Z"
T0 = "2024-02-01T00:00:00.000Z"


def connect(irc, unique, prefix, caps=CAPS, server=None, sasl=None, nick=None):
    c = irc(server=server, name=prefix)
    c.register(nick or unique(prefix), caps=caps, sasl=sasl)
    return c


def markread(c, target, timeout=TIMEOUT):
    """The next MARKREAD for ``target``; returns its marker parameter."""
    m = c.expect("MARKREAD", timeout, pred=lambda m: m.params[0].lower() == target.lower())
    return m.params[1]


def ask(c, line):
    """Sends a MARKREAD line; returns the answer (a MARKREAD or a FAIL MARKREAD)."""
    c.send(line)
    return c.expect(("MARKREAD", "FAIL"), TIMEOUT,
                    pred=lambda m: m.command == "MARKREAD" or m.params[0] == "MARKREAD")


def join_lines(c, channel):
    """JOINs and returns the lines up to its RPL_ENDOFNAMES."""
    c.send(f"JOIN {channel}")
    return c.collect_until("366", TIMEOUT, pred=lambda m: m.params[1].lower() == channel.lower())


def marker_at_join(c, channel):
    lines = join_lines(c, channel)
    marks = [m for m in lines if m.command == "MARKREAD"]
    assert len(marks) == 1 and marks[0].params[0] == channel, [m.raw for m in lines]
    # Before RPL_ENDOFNAMES, after the JOIN.
    assert [m.command for m in lines].index("JOIN") < lines.index(marks[0]), [m.raw for m in lines]
    return marks[0].params[1]


def no_markread(c, seconds=1.0):
    c.assert_no_message(seconds, pred=lambda m: m.command == "MARKREAD")


# -- one session ------------------------------------------------------------------

def test_guest_markers_get_set_join_and_never_back(irc, unique):
    g = connect(irc, unique, "rg")
    chan = "#" + unique("rmg")
    assert ask(g, f"MARKREAD #{unique('nosuch')}").params[1] == "*"
    assert marker_at_join(g, chan) == "*"
    r = ask(g, f"MARKREAD {chan} timestamp={T1}")
    assert r.command == "MARKREAD" and r.params == [chan, f"timestamp={T1}"]
    # Older, and equal: the stored one stays and is the reply.
    assert ask(g, f"MARKREAD {chan} timestamp={T0}").params == [chan, f"timestamp={T1}"]
    assert ask(g, f"MARKREAD {chan} timestamp={T1}").params == [chan, f"timestamp={T1}"]
    assert ask(g, f"MARKREAD {chan}").params == [chan, f"timestamp={T1}"]
    g.send(f"PART {chan}")
    g.expect("PART")
    assert marker_at_join(g, chan) == f"timestamp={T1}"
    # A time in the future is clamped to the server's now.
    future = ask(g, f"MARKREAD {chan} timestamp=2999-01-01T00:00:00.000Z").params[1]
    stored = datetime.datetime.strptime(future, "timestamp=%Y-%m-%dT%H:%M:%S.%fZ")
    assert stored <= datetime.datetime.utcnow() + datetime.timedelta(seconds=1), future
    # Without the capability: no MARKREAD at JOIN, the command still answers.
    plain = connect(irc, unique, "rp", caps=())
    lines = join_lines(plain, chan)
    assert "MARKREAD" not in [m.command for m in lines]
    assert ask(plain, f"MARKREAD {chan}").params == [chan, "*"]


def test_bad_parameters_fail_markread(irc, unique):
    c = connect(irc, unique, "rb")
    chan = "#" + unique("rmb")
    join(c, chan)
    cases = [
        ("MARKREAD", ["MARKREAD", "NEED_MORE_PARAMS"]),
        (f"MARKREAD {chan} *", ["MARKREAD", "INVALID_PARAMS", "*"]),
        (f"MARKREAD {chan} timestamp=not-a-timestamp",
         ["MARKREAD", "INVALID_PARAMS", "timestamp=not-a-timestamp"]),
        (f"MARKREAD {chan} {T1}", ["MARKREAD", "INVALID_PARAMS", T1]),
        (f"MARKREAD {chan} timestamp=2024-02-30T00:00:00.000Z",
         ["MARKREAD", "INVALID_PARAMS", "timestamp=2024-02-30T00:00:00.000Z"]),
        ("MARKREAD 9lives", ["MARKREAD", "INVALID_PARAMS", "9lives"]),
        ("MARKREAD #a,#b", ["MARKREAD", "INVALID_PARAMS", "#a,#b"]),
        (f"MARKREAD {chan} timestamp={T1} extra", ["MARKREAD", "INVALID_PARAMS", "extra"]),
    ]
    for line, want in cases:
        r = ask(c, line)
        assert r.command == "FAIL" and r.params[:-1] == want, (line, r.raw)
    # Nothing was stored by any of them, and the session is fine.
    assert ask(c, f"MARKREAD {chan}").params == [chan, "*"]
    sync(c)


# -- accounts ---------------------------------------------------------------------

def test_sessions_of_an_account_share_markers_and_nobody_else_sees_them(irc, unique, account):
    acct, pw = account()
    other, other_pw = account()
    chan = "#" + unique("rms")
    s1 = connect(irc, unique, "ra", sasl=(acct, pw))
    s2 = connect(irc, unique, "rb", sasl=(acct, pw))
    bare = connect(irc, unique, "rc", caps=(), sasl=(acct, pw))  # same account, no cap
    o = connect(irc, unique, "ro", sasl=(other, other_pw))
    join(s1, chan)
    join(o, chan)

    assert ask(s1, f"MARKREAD {chan} timestamp={T1}").params == [chan, f"timestamp={T1}"]
    assert markread(s2, chan) == f"timestamp={T1}"  # s2 is not even in the channel
    no_markread(s1, 0.5)  # the setter has its reply only
    # Another account in the same channel: nothing, and its own marker is unset.
    no_markread(o, 0.5)
    assert ask(o, f"MARKREAD {chan}").params == [chan, "*"]
    # A guest with the account's name as nick sees nothing of it either.
    guest = connect(irc, unique, "rq", nick=acct)
    assert marker_at_join(guest, chan) == "*"
    assert ask(guest, f"MARKREAD {chan}").params == [chan, "*"]
    # The same account without the capability gets no unasked MARKREAD.
    bare.assert_no_message(0.5, pred=lambda m: m.command == "MARKREAD")

    # Older: the reply carries the stored one, and nobody else hears anything.
    assert marker_at_join(s2, chan) == f"timestamp={T1}"
    assert ask(s2, f"MARKREAD {chan} timestamp={T0}").params == [chan, f"timestamp={T1}"]
    no_markread(s1, 0.5)

    # A direct-message target, case-mapped.
    peer = unique("Peer")
    assert ask(s2, f"MARKREAD {peer} timestamp={T2}").params == [peer, f"timestamp={T2}"]
    assert markread(s1, peer) == f"timestamp={T2}"
    assert ask(s1, f"MARKREAD {peer.upper()}").params == [peer.upper(), f"timestamp={T2}"]
    assert ask(bare, f"MARKREAD {peer.lower()}").params == [peer.lower(), f"timestamp={T2}"]
    assert ask(o, f"MARKREAD {peer}").params == [peer, "*"]
    # A new session of the account reads them from the store.
    s3 = connect(irc, unique, "rd", sasl=(acct, pw))
    assert marker_at_join(s3, chan) == f"timestamp={T1}"


def test_join_replay_after_the_marker_repeats_and_loses_nothing(irc, unique, account):
    # A client with the capability and without chathistory: the marker is read, then
    # the JOIN replay; what the room got meanwhile was held, and is neither replayed
    # too nor lost.
    acct, pw = account()
    chan = "#" + unique("rmr")
    talker = connect(irc, unique, "rt", caps=("echo-message", "message-tags"))
    join(talker, chan)
    talker.send_raw("".join(f"PRIVMSG {chan} :old{i}\r\n" for i in range(5)).encode())
    for i in range(5):
        talker.expect("PRIVMSG", TIMEOUT, pred=lambda m, i=i: m.last == f"old{i}")
    joiner = connect(irc, unique, "rj", caps=(CAP, "server-time", "message-tags"),
                     sasl=(acct, pw))
    n = 300
    talker.send_raw("".join(f"PRIVMSG {chan} :new{i}\r\n" for i in range(n)).encode())
    joiner.send(f"JOIN {chan}")
    got = joiner.collect_until("PRIVMSG", 60, pred=lambda m: m.last == f"new{n - 1}")
    texts = [m.last for m in got if m.command == "PRIVMSG"]
    ids = [m.tags["msgid"] for m in got if m.command == "PRIVMSG"]
    assert len(ids) == len(set(ids)), [t for t in texts if texts.count(t) > 1][:10]
    # The replay's last messages before the JOIN, then every later one: a tail of all.
    everything = [f"old{i}" for i in range(5)] + [f"new{i}" for i in range(n)]
    assert texts == everything[-len(texts):], texts[:40]
    commands = [m.command for m in got]
    assert commands.index("MARKREAD") < commands.index("366") < commands.index("PRIVMSG")


def test_a_session_still_registering_is_told_nothing(irc, unique, account):
    acct, pw = account()
    s1 = connect(irc, unique, "ru", sasl=(acct, pw))
    pending = irc(name="rv")
    nick = unique("rv")
    pending.send(f"CAP REQ :{CAP} sasl")
    pending.expect("CAP", TIMEOUT, pred=lambda m: m.params[1] == "ACK")
    pending.authenticate_plain(acct, pw)  # signed in, not registered (no CAP END)
    peer = unique("rw")
    assert ask(s1, f"MARKREAD {peer} timestamp={T1}").params == [peer, f"timestamp={T1}"]
    no_markread(pending, 1.0)
    pending.send(f"NICK {nick}")
    pending.send(f"USER {nick} 0 * :{nick}")
    pending.send("CAP END")
    pending.expect("001", TIMEOUT)
    assert ask(pending, f"MARKREAD {peer}").params == [peer, f"timestamp={T1}"]


def test_a_secret_room_one_is_not_in_tells_nothing(irc, unique, account):
    owner_acct, owner_pw = account()
    acct, pw = account()
    sec = "#" + unique("rsec")
    absent = "#" + unique("rabs")
    owner = connect(irc, unique, "rw", sasl=(owner_acct, owner_pw))
    join(owner, sec)
    mode(owner, sec, "+s")
    assert ask(owner, f"MARKREAD {sec} timestamp={T1}").params == [sec, f"timestamp={T1}"]

    outsider = connect(irc, unique, "rx", sasl=(acct, pw))
    # The same answers as for a channel that does not exist, name aside.
    assert ask(outsider, f"MARKREAD {sec}").params == [sec, "*"]
    assert ask(outsider, f"MARKREAD {absent}").params == [absent, "*"]
    a = ask(outsider, f"MARKREAD {sec} timestamp={T2}")
    b = ask(outsider, f"MARKREAD {absent} timestamp={T2}")
    assert a.command == b.command == "FAIL", (a.raw, b.raw)
    assert a.params[:2] == b.params[:2] == ["MARKREAD", "INVALID_PARAMS"], a.raw
    assert (a.params[2], a.params[3:]) == (sec, b.params[3:]), (a.raw, b.raw)
    # The owner's marker did not move.
    assert ask(owner, f"MARKREAD {sec}").params == [sec, f"timestamp={T1}"]
    # A guest asks too.
    guest = connect(irc, unique, "ry")
    assert ask(guest, f"MARKREAD {sec}").params == [sec, "*"]


def test_marker_is_committed_before_the_reply_and_survives_a_crash(server_factory, irc, unique,
                                                                   account):
    server = server_factory()
    acct, pw = account(server=server)
    chan = "#" + unique("rmk")
    c = connect(irc, unique, "rk", server=server, sasl=(acct, pw))
    join(c, chan)
    assert ask(c, f"MARKREAD {chan} timestamp={T2}").params == [chan, f"timestamp={T2}"]
    server.kill9()  # at once after the reply: it was committed
    server.restart()
    d = connect(irc, unique, "rl", server=server, sasl=(acct, pw))
    assert ask(d, f"MARKREAD {chan}").params == [chan, "*"]  # not in it yet
    assert marker_at_join(d, chan) == f"timestamp={T2}"
    assert ask(d, f"MARKREAD {chan} timestamp={T1}").params == [chan, f"timestamp={T2}"]


# -- a pool -----------------------------------------------------------------------

def test_sessions_on_two_servers_of_a_pool_share_markers(server_factory, base_dir, irc, unique,
                                                         account):
    owner, (m1, m2), _ = start_pool(server_factory, base_dir)
    acct, pw = account(server=owner)
    chan = "#" + unique("rmp")
    a = connect(irc, unique, "pa", server=m1, sasl=(acct, pw))
    b = connect(irc, unique, "pb", server=m2, sasl=(acct, pw))
    join(a, chan)
    join(b, chan)
    assert ask(a, f"MARKREAD {chan} timestamp={T1}").params == [chan, f"timestamp={T1}"]
    assert markread(b, chan) == f"timestamp={T1}"
    no_markread(a, 0.5)
    peer = unique("pq")
    assert ask(b, f"MARKREAD {peer} timestamp={T2}").params == [peer, f"timestamp={T2}"]
    assert markread(a, peer) == f"timestamp={T2}"
    # Older from the other server: not moved, nobody told.
    assert ask(b, f"MARKREAD {chan} timestamp={T0}").params == [chan, f"timestamp={T1}"]
    no_markread(a, 0.5)
    # A third session, on the first server, reads it at JOIN.
    c = connect(irc, unique, "pc", server=m1, sasl=(acct, pw))
    assert marker_at_join(c, chan) == f"timestamp={T1}"
