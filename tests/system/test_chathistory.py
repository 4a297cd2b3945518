"""IRCv3 draft/chathistory against a real pchatd: every subcommand, both reference
types, paging, errors, direct messages, TARGETS, labeled-response nesting,
history across a restart, and the JOIN replay for clients without the cap.

Expected answers are computed from the echoes (echo-message) of the messages the
test sent: their msgid and time tags are what the server stored.
"""

from __future__ import annotations

import time

from irc_client import IrcError
from pchat_harness import kill_pid

HISTORY_CAPS = ("draft/chathistory", "batch", "server-time", "message-tags",
                "echo-message", "labeled-response", "account-tag")
TIMEOUT = 15.0


# -- helpers -----------------------------------------------------------------

def connect(irc, unique, prefix="h", caps=HISTORY_CAPS, server=None, sasl=None, nick=None):
    c = irc(server=server, name=prefix)
    c.register(nick or unique(prefix), caps=caps, sasl=sasl)
    return c


def join(c, channel):
    c.send(f"JOIN {channel}")
    c.expect("366", TIMEOUT, pred=lambda m: m.params[1].lower() == channel.lower())


def say(c, target, texts, tags=""):
    """Send every text to ``target`` in one write; return their echoes in order."""
    prefix = f"@{tags} " if tags else ""
    c.send_raw("".join(f"{prefix}PRIVMSG {target} :{t}\r\n" for t in texts).encode())
    echoes = []
    while len(echoes) < len(texts):
        echoes.append(c.expect("PRIVMSG", TIMEOUT,
                               pred=lambda m: m.nick == c.nick and m.params[0].lower() == target.lower()))
    assert [m.last for m in echoes] == list(texts)
    return echoes


def say_spread(c, target, texts, gap=0.006):
    """Send texts one by one a few milliseconds apart (distinct timestamps)."""
    out = []
    for t in texts:
        out += say(c, target, [t])
        time.sleep(gap)
    return out


def read_batch(c, kind="chathistory", timeout=TIMEOUT):
    """Read up to a ``BATCH +ref <kind>``, then its lines; return (opener, lines, closer).

    A FAIL for CHATHISTORY arriving first raises IrcError."""
    opener = c.expect(("BATCH", "FAIL"), timeout,
                      pred=lambda m: m.command == "FAIL" and m.params[0] == "CHATHISTORY"
                      or (m.params[0].startswith("+") and len(m.params) > 1 and m.params[1] == kind))
    if opener.command == "FAIL":
        raise IrcError(f"unexpected {opener.raw}")
    ref = opener.params[0][1:]
    lines = []
    while True:
        m = c.recv_msg(timeout)
        if m.command == "BATCH" and m.params[0] == "-" + ref:
            return opener, lines, m
        if m.tags.get("batch") == ref:
            lines.append(m)


def history(c, line):
    """Send a CHATHISTORY line; return the messages of its chathistory batch."""
    c.send(line)
    opener, lines, _ = read_batch(c)
    assert opener.params[1] == "chathistory"
    return lines


def fail(c, line):
    """Send a line that must fail; return its FAIL CHATHISTORY reply."""
    c.send(line)
    m = c.expect(("FAIL", "BATCH"), TIMEOUT)
    assert m.command == "FAIL", f"expected FAIL for {line!r}, got {m.raw}"
    assert m.params[0] == "CHATHISTORY"
    return m


def key(m):
    return (m.tags.get("msgid"), m.tags.get("time"), m.last)


def keys(msgs):
    return [key(m) for m in msgs]


def ts(m):
    return m.tags["time"]


# -- subcommands -------------------------------------------------------------

def test_latest_star_returns_newest_in_order_with_tags(irc, unique):
    channel = "#" + unique("chl")
    a = connect(irc, unique, "la")
    join(a, channel)
    sent = say(a, channel, [f"m{i}" for i in range(10)])
    sent += say(a, channel, ["tagged"], tags="+example.com/x=a\\sb")
    a.send(f"@+draft/react=1 TAGMSG {channel}")  # not history material
    a.expect("TAGMSG", TIMEOUT)

    got = history(a, f"CHATHISTORY LATEST {channel} * 100")
    assert keys(got) == keys(sent)
    assert all(m.command == "PRIVMSG" and m.params[0] == channel for m in got)
    assert all(m.source == sent[0].source for m in got)
    assert got[-1].tags.get("+example.com/x") == "a b"  # client-only tags are kept

    assert keys(history(a, f"CHATHISTORY latest {channel} * 3")) == keys(sent[-3:])
    assert keys(history(a, f"CHATHISTORY LATEST {channel.upper()} * 1")) == keys(sent[-1:])


def test_latest_with_reference_is_bounded_below(irc, unique):
    channel = "#" + unique("chl")
    a = connect(irc, unique, "lb")
    join(a, channel)
    sent = say_spread(a, channel, [f"m{i}" for i in range(12)])
    ref = sent[5]
    assert keys(history(a, f"CHATHISTORY LATEST {channel} msgid={ref.tags['msgid']} 100")) == keys(sent[6:])
    assert keys(history(a, f"CHATHISTORY LATEST {channel} msgid={ref.tags['msgid']} 2")) == keys(sent[-2:])
    want = [m for m in sent if ts(m) > ts(ref)]
    assert want, "messages sent after the reference share its millisecond"
    assert keys(history(a, f"CHATHISTORY LATEST {channel} timestamp={ts(ref)} 100")) == keys(want)


def test_before_and_after_by_msgid_and_timestamp(irc, unique):
    channel = "#" + unique("chb")
    a = connect(irc, unique, "ba")
    join(a, channel)
    sent = say_spread(a, channel, [f"m{i}" for i in range(20)])
    ref = sent[10]
    mid = ref.tags["msgid"]
    assert keys(history(a, f"CHATHISTORY BEFORE {channel} msgid={mid} 5")) == keys(sent[5:10])
    assert keys(history(a, f"CHATHISTORY AFTER {channel} msgid={mid} 5")) == keys(sent[11:16])
    assert keys(history(a, f"CHATHISTORY BEFORE {channel} msgid={mid} 100")) == keys(sent[:10])
    assert keys(history(a, f"CHATHISTORY AFTER {channel} msgid={mid} 100")) == keys(sent[11:])
    first, last = sent[0].tags["msgid"], sent[-1].tags["msgid"]
    assert history(a, f"CHATHISTORY BEFORE {channel} msgid={first} 10") == []
    assert history(a, f"CHATHISTORY AFTER {channel} msgid={last} 10") == []

    # Timestamps: the referenced millisecond itself is neither before nor after.
    t = ts(ref)
    before = [m for m in sent if ts(m) < t]
    after = [m for m in sent if ts(m) > t]
    assert keys(history(a, f"CHATHISTORY BEFORE {channel} timestamp={t} 4")) == keys(before[-4:])
    assert keys(history(a, f"CHATHISTORY AFTER {channel} timestamp={t} 4")) == keys(after[:4])
    assert keys(history(a, f"CHATHISTORY BEFORE {channel} timestamp=2999-01-01T00:00:00.000Z 3")) \
        == keys(sent[-3:])
    assert history(a, f"CHATHISTORY AFTER {channel} timestamp=2999-01-01T00:00:00.000Z 3") == []
    assert keys(history(a, f"CHATHISTORY AFTER {channel} timestamp=2000-01-01T00:00:00Z 3")) \
        == keys(sent[:3])


def test_around(irc, unique):
    channel = "#" + unique("cha")
    a = connect(irc, unique, "ar")
    join(a, channel)
    sent = say_spread(a, channel, [f"m{i}" for i in range(15)])
    ref = sent[7]
    # Half before, the rest from the referenced message on.
    assert keys(history(a, f"CHATHISTORY AROUND {channel} msgid={ref.tags['msgid']} 5")) == keys(sent[5:10])
    assert keys(history(a, f"CHATHISTORY AROUND {channel} msgid={ref.tags['msgid']} 1")) == keys([ref])
    assert keys(history(a, f"CHATHISTORY AROUND {channel} msgid={sent[1].tags['msgid']} 6")) \
        == keys(sent[0:4])
    t = ts(ref)
    want = [m for m in sent if ts(m) < t][-2:] + [m for m in sent if ts(m) >= t][:2]
    assert keys(history(a, f"CHATHISTORY AROUND {channel} timestamp={t} 4")) == keys(want)


def test_between_both_directions(irc, unique):
    channel = "#" + unique("chw")
    a = connect(irc, unique, "bw")
    join(a, channel)
    sent = say_spread(a, channel, [f"m{i}" for i in range(16)])
    lo, hi = sent[3].tags["msgid"], sent[12].tags["msgid"]
    assert keys(history(a, f"CHATHISTORY BETWEEN {channel} msgid={lo} msgid={hi} 100")) == keys(sent[4:12])
    assert keys(history(a, f"CHATHISTORY BETWEEN {channel} msgid={hi} msgid={lo} 100")) == keys(sent[4:12])
    # The limit counts from the first reference, whichever way it points.
    assert keys(history(a, f"CHATHISTORY BETWEEN {channel} msgid={lo} msgid={hi} 3")) == keys(sent[4:7])
    assert keys(history(a, f"CHATHISTORY BETWEEN {channel} msgid={hi} msgid={lo} 3")) == keys(sent[9:12])
    assert history(a, f"CHATHISTORY BETWEEN {channel} msgid={lo} msgid={lo} 10") == []

    t_lo, t_hi = ts(sent[3]), ts(sent[12])
    inside = [m for m in sent if t_lo < ts(m) < t_hi]
    assert keys(history(a, f"CHATHISTORY BETWEEN {channel} timestamp={t_lo} timestamp={t_hi} 100")) \
        == keys(inside)
    assert keys(history(a, f"CHATHISTORY BETWEEN {channel} timestamp={t_hi} timestamp={t_lo} 2")) \
        == keys(inside[-2:])
    mixed = [m for m in sent[:12] if ts(m) > t_lo]
    assert keys(history(a, f"CHATHISTORY BETWEEN {channel} timestamp={t_lo} msgid={hi} 100")) \
        == keys(mixed)


def test_paging_by_msgid_over_more_than_100_messages(irc, unique):
    channel = "#" + unique("chp")
    a = connect(irc, unique, "pg")
    join(a, channel)
    # One write: the messages land in a few group commits and many share a millisecond.
    sent = say(a, channel, [f"p{i}" for i in range(230)])
    times = [ts(m) for m in sent]
    assert len(set(times)) < len(times), "no two messages share a timestamp"

    page = history(a, f"CHATHISTORY LATEST {channel} * 1000")
    assert len(page) == 100  # clamped to ISUPPORT CHATHISTORY
    assert a.isupport.get("CHATHISTORY") == "100"
    got = list(page)
    while page:
        page = history(a, f"CHATHISTORY BEFORE {channel} msgid={page[0].tags['msgid']} 100")
        got = page + got
    assert keys(got) == keys(sent)

    # And forwards.
    got = history(a, f"CHATHISTORY AFTER {channel} timestamp=2000-01-01T00:00:00.000Z 100")
    while True:
        page = history(a, f"CHATHISTORY AFTER {channel} msgid={got[-1].tags['msgid']} 100")
        if not page:
            break
        got += page
    assert keys(got) == keys(sent)


def test_msgid_of_another_conversation_finds_nothing(irc, unique):
    one, two = "#" + unique("cho"), "#" + unique("cht")
    a = connect(irc, unique, "mo")
    join(a, one)
    join(a, two)
    s1 = say(a, one, ["in one"])
    say(a, two, ["in two"])
    assert history(a, f"CHATHISTORY BEFORE {two} msgid={s1[0].tags['msgid']} 10") == []
    assert history(a, f"CHATHISTORY AFTER {two} msgid=no-such-msgid 10") == []


# -- errors ------------------------------------------------------------------

def test_parameter_errors(irc, unique):
    channel = "#" + unique("che")
    a = connect(irc, unique, "er")
    join(a, channel)
    assert fail(a, "CHATHISTORY").params[1] == "NEED_MORE_PARAMS"
    m = fail(a, f"CHATHISTORY LATEST {channel} *")
    assert m.params[1:3] == ["NEED_MORE_PARAMS", "LATEST"]
    assert fail(a, f"CHATHISTORY BETWEEN {channel} * 10").params[1] == "NEED_MORE_PARAMS"
    m = fail(a, f"CHATHISTORY SIDEWAYS {channel} * 10")
    assert m.params[1:3] == ["UNKNOWN_COMMAND", "SIDEWAYS"]
    for line, bad in [
        (f"CHATHISTORY LATEST {channel} * 0", "0"),
        (f"CHATHISTORY LATEST {channel} * ten", "ten"),
        (f"CHATHISTORY LATEST {channel} * -5", "-5"),
        (f"CHATHISTORY BEFORE {channel} * 10", "*"),
        (f"CHATHISTORY AFTER {channel} id=abc 10", "id=abc"),
        (f"CHATHISTORY AFTER {channel} msgid= 10", "msgid="),
        (f"CHATHISTORY AROUND {channel} timestamp=yesterday 10", "timestamp=yesterday"),
        (f"CHATHISTORY BEFORE {channel} timestamp=2020-13-01T00:00:00.000Z 10",
         "timestamp=2020-13-01T00:00:00.000Z"),
        ("CHATHISTORY TARGETS msgid=abc timestamp=2020-01-01T00:00:00.000Z 10", "msgid=abc"),
    ]:
        m = fail(a, line)
        assert m.params[1] == "INVALID_PARAMS", m.raw
        assert bad in m.params, m.raw
    # Still connected and answering.
    assert history(a, f"CHATHISTORY LATEST {channel} * 10") == []


def test_invisible_targets_are_answered_as_missing(irc, unique):
    public, secret = "#" + unique("chpub"), "#" + unique("chsec")
    owner = connect(irc, unique, "ow")
    join(owner, public)
    join(owner, secret)
    owner.send(f"MODE {secret} +s")
    owner.expect("MODE", TIMEOUT)
    say(owner, public, ["public words"])
    say(owner, secret, ["secret words"])
    assert len(history(owner, f"CHATHISTORY LATEST {secret} * 10")) == 1

    other = connect(irc, unique, "ot")
    missing = "#" + unique("nochan")
    replies = {}
    for target in (missing, public, secret):
        m = fail(other, f"CHATHISTORY LATEST {target} * 10")
        assert m.params[1:4] == ["INVALID_TARGET", "LATEST", target], m.raw
        replies[target] = m.params[-1]
    assert len(set(replies.values())) == 1  # indistinguishable
    m = fail(other, "CHATHISTORY BEFORE not,a,nick timestamp=2020-01-01T00:00:00.000Z 10")
    assert m.params[1] == "INVALID_TARGET"

    # Membership grants reading; leaving takes it away.
    join(other, public)
    assert [x.last for x in history(other, f"CHATHISTORY LATEST {public} * 10")] == ["public words"]
    other.send(f"PART {public}")
    other.expect("PART", TIMEOUT)
    assert fail(other, f"CHATHISTORY LATEST {public} * 10").params[1] == "INVALID_TARGET"


def test_store_failure_gives_message_error(server_factory, irc, unique):
    server = server_factory(allow_guests=True)
    channel = "#" + unique("chx")
    a = connect(irc, unique, "sx", server=server)
    join(a, channel)
    say(a, channel, ["before the crash"])
    assert len(history(a, f"CHATHISTORY LATEST {channel} * 10")) == 1
    # The store stays down: its data directory is moved away before the SIGKILL, so the
    # server's restarts (0.5 s later, then with backoff) fail until it is put back. A
    # store that came back before the request would answer it (this test once raced
    # the restart).
    pid = server.postgres_pid()
    pgdata = server.data_dir / "pg"
    away = server.data_dir / "pg.away"
    pgdata.rename(away)
    try:
        kill_pid(pid)
        m = fail(a, f"CHATHISTORY LATEST {channel} * 10")
        assert m.params[1:4] == ["MESSAGE_ERROR", "LATEST", channel], m.raw
        m = fail(a, "CHATHISTORY TARGETS timestamp=2000-01-01T00:00:00Z "
                    "timestamp=2999-01-01T00:00:00Z 5")
        assert m.params[1] == "MESSAGE_ERROR", m.raw
        a.send("PING :alive")
        assert a.expect("PONG", TIMEOUT).last == "alive"
    finally:
        away.rename(pgdata)
    server.stop(expect_clean=False)


# -- direct messages and TARGETS ----------------------------------------------

def test_dm_history_both_directions(irc, unique, account):
    acct_a, pw_a = account()
    acct_b, pw_b = account()
    alice = connect(irc, unique, "da", sasl=(acct_a, pw_a))
    bob = connect(irc, unique, "db", sasl=(acct_b, pw_b))
    sent = say(alice, bob.nick, ["hi bob"])
    sent += say(bob, alice.nick, ["hi alice"])
    sent += say(alice, bob.nick, ["how are you?", "still there?"])
    sent += say(bob, alice.nick, ["yes"])

    for me, peer in ((alice, bob), (bob, alice)):
        got = history(me, f"CHATHISTORY LATEST {peer.nick} * 100")
        assert keys(got) == keys(sent)
        for m in got:
            # Own lines name the peer; the peer's lines name us.
            assert m.params[0] == (peer.nick if m.nick == me.nick else me.nick), m.raw
        assert [m.tags.get("account") for m in got] == [acct_a, acct_b, acct_a, acct_a, acct_b]
    two = history(alice, f"CHATHISTORY BEFORE {bob.nick} msgid={sent[3].tags['msgid']} 2")
    assert keys(two) == keys(sent[1:3])

    # Bob offline: his account name still names the conversation.
    bob.quit()
    assert keys(history(alice, f"CHATHISTORY LATEST {acct_b} * 100")) == keys(sent)
    # Someone else asking about bob sees nothing of it.
    carol = connect(irc, unique, "dc")
    assert history(carol, f"CHATHISTORY LATEST {acct_b} * 100") == []
    assert history(carol, f"CHATHISTORY LATEST {acct_a} * 100") == []


def test_guest_named_like_an_account_cannot_read_its_dms(irc, unique, account):
    acct, pw = account()
    owner = connect(irc, unique, "gw", sasl=(acct, pw))
    friend = connect(irc, unique, "gf")
    say(friend, owner.nick, ["private"])
    assert len(history(owner, f"CHATHISTORY LATEST {friend.nick} * 10")) == 1
    owner.quit()
    # A guest using the account's name as nick has its own (guest) identity: it sees
    # none of the account's conversations...
    impostor = connect(irc, unique, "gi", nick=acct)
    assert history(impostor, f"CHATHISTORY LATEST {friend.nick} * 10") == []
    impostor.send("CHATHISTORY TARGETS timestamp=2000-01-01T00:00:00Z timestamp=2999-01-01T00:00:00Z 10")
    _, lines, _ = read_batch(impostor, "draft/chathistory-targets")
    assert lines == []
    # ...and what is sent to the guest does not land in the account's conversation.
    say(friend, impostor.nick, ["to the guest"])
    assert [m.last for m in history(impostor, f"CHATHISTORY LATEST {friend.nick} * 10")] == [
        "to the guest"
    ]
    impostor.quit()
    owner = connect(irc, unique, "gw", sasl=(acct, pw))
    assert [m.last for m in history(owner, f"CHATHISTORY LATEST {friend.nick} * 10")] == ["private"]


def test_targets_lists_conversations_by_latest_activity(irc, unique, account):
    acct_a, pw_a = account()
    acct_b, pw_b = account()
    alice = connect(irc, unique, "ta", sasl=(acct_a, pw_a))
    bob = connect(irc, unique, "tb", sasl=(acct_b, pw_b))
    c1, c2, c3 = ("#" + unique("tgt") for _ in range(3))
    for c in (c1, c2, c3):
        join(alice, c)
    time.sleep(0.01)
    start = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() - 2))
    last = {}
    last[c2] = say(alice, c2, ["two"])[-1]
    time.sleep(0.01)
    last[c1] = say(alice, c1, ["one"])[-1]
    time.sleep(0.01)
    last[acct_b.lower()] = say(bob, alice.nick, ["dm"])[-1]
    time.sleep(0.01)
    say(alice, c3, ["three"])
    alice.send(f"PART {c3}")  # no longer a member: not listed
    alice.expect("PART", TIMEOUT)
    end = "2999-01-01T00:00:00.000Z"

    def targets(a, b, limit):
        alice.send(f"CHATHISTORY TARGETS timestamp={a} timestamp={b} {limit}")
        opener, lines, _ = read_batch(alice, "draft/chathistory-targets")
        assert all(m.command == "CHATHISTORY" and m.params[0] == "TARGETS" for m in lines)
        return [(m.params[1], m.params[2]) for m in lines]

    want = [(c2, ts(last[c2])), (c1, ts(last[c1])), (acct_b.lower(), ts(last[acct_b.lower()]))]
    assert targets(start, end, 10) == want
    assert targets(start, end, 2) == want[:2]
    assert targets(end, start, 2) == want[1:]  # reversed: the newest, still ascending
    assert targets(ts(last[c1]), end, 10) == want[1:]  # both ends inclusive
    assert targets("2000-01-01T00:00:00.000Z", start, 10) == []

    # Bob sees the DM with alice's account and none of alice's channels.
    bob.send(f"CHATHISTORY TARGETS timestamp={start} timestamp={end} 10")
    _, lines, _ = read_batch(bob, "draft/chathistory-targets")
    assert [(m.params[1], m.params[2]) for m in lines] == [(acct_a.lower(), ts(last[acct_b.lower()]))]


# -- labeled-response ----------------------------------------------------------

def test_labeled_chathistory_nests_its_batch(irc, unique):
    channel = "#" + unique("chn")
    a = connect(irc, unique, "lr")
    join(a, channel)
    sent = say(a, channel, ["one", "two", "three"])
    a.request(f"CHATHISTORY LATEST {channel} * 10", "L1")
    outer = a.expect("BATCH", TIMEOUT, pred=lambda m: m.tags.get("label") == "L1")
    assert outer.params[1] == "labeled-response"
    oref = outer.params[0][1:]
    inner = a.recv_msg(TIMEOUT)
    assert inner.command == "BATCH" and inner.params[1:] == ["chathistory", channel], inner.raw
    assert inner.tags.get("batch") == oref
    iref = inner.params[0][1:]
    lines = [a.recv_msg(TIMEOUT) for _ in sent]
    assert keys(lines) == keys(sent)
    assert all(m.tags.get("batch") == iref and "label" not in m.tags for m in lines)
    end_inner = a.recv_msg(TIMEOUT)
    assert end_inner.params == ["-" + iref] and end_inner.tags.get("batch") == oref
    end_outer = a.recv_msg(TIMEOUT)
    assert end_outer.command == "BATCH" and end_outer.params == ["-" + oref]

    # An empty answer is still a (nested) batch; a failure carries the label.
    a.request(f"CHATHISTORY AFTER {channel} msgid={sent[-1].tags['msgid']} 10", "L2")
    outer = a.expect("BATCH", TIMEOUT, pred=lambda m: m.tags.get("label") == "L2")
    inner = a.recv_msg(TIMEOUT)
    assert inner.params[1] == "chathistory"
    assert a.recv_msg(TIMEOUT).params == ["-" + inner.params[0][1:]]
    assert a.recv_msg(TIMEOUT).params == ["-" + outer.params[0][1:]]
    a.request(f"CHATHISTORY LATEST {channel} * 0", "L3")
    m = a.expect_label("L3")
    assert m.command == "FAIL" and m.params[1] == "INVALID_PARAMS"


def test_client_without_batch_gets_plain_lines(irc, unique):
    channel = "#" + unique("chq")
    a = connect(irc, unique, "nb", caps=("draft/chathistory", "echo-message"))
    join(a, channel)
    sent = say(a, channel, ["x", "y"])
    a.send(f"CHATHISTORY LATEST {channel} * 10")
    got = [a.expect("PRIVMSG", TIMEOUT) for _ in sent]
    assert [m.last for m in got] == ["x", "y"]
    assert all(not m.tags for m in got)
    a.send("PING :end")
    assert a.expect(("PONG", "BATCH"), TIMEOUT).command == "PONG"


# -- persistence -------------------------------------------------------------

def test_history_survives_restart(server_factory, irc, unique):
    server = server_factory(allow_guests=True, extra_args=("--default-chat-history", "5"))
    channel = "#" + unique("chr")
    a = connect(irc, unique, "rs", server=server)
    join(a, channel)
    sent = say(a, channel, [f"kept {i}" for i in range(8)])
    a.quit()
    server.stop()
    server.restart()

    b = connect(irc, unique, "rt", server=server)
    join(b, channel)
    assert keys(history(b, f"CHATHISTORY LATEST {channel} * 100")) == keys(sent)
    assert keys(history(b, f"CHATHISTORY BEFORE {channel} msgid={sent[4].tags['msgid']} 2")) \
        == keys(sent[2:4])
    # --default-chat-history 5: a plain client joining gets the last five.
    plain = connect(irc, unique, "rp", server=server, caps=("server-time",))
    plain.send(f"JOIN {channel}")
    got = [plain.expect("PRIVMSG", TIMEOUT) for _ in range(5)]
    assert [(m.tags.get("time"), m.last) for m in got] == [(ts(m), m.last) for m in sent[-5:]]
    plain.assert_no_message(0.5, pred=lambda m: m.command == "PRIVMSG")


# -- JOIN replay (clients without draft/chathistory) ----------------------------

def test_join_replay_sends_last_30_then_live(irc, unique):
    channel = "#" + unique("chj")
    talker = connect(irc, unique, "jt")
    join(talker, channel)
    sent = say(talker, channel, [f"old {i}" for i in range(40)])

    timed = connect(irc, unique, "jr", caps=("server-time",))
    timed.send(f"JOIN {channel}")
    timed.expect("366", TIMEOUT)
    got = [timed.expect("PRIVMSG", TIMEOUT) for _ in range(30)]
    assert [(m.tags.get("time"), m.last, m.source) for m in got] == \
        [(ts(m), m.last, m.source) for m in sent[-30:]]
    assert all(set(m.tags) == {"time"} for m in got)
    timed.assert_no_message(0.5, pred=lambda m: m.command == "PRIVMSG")

    bare = connect(irc, unique, "jb", caps=())
    bare.send(f"JOIN {channel}")
    got = [bare.expect("PRIVMSG", TIMEOUT) for _ in range(30)]
    assert [m.last for m in got] == [m.last for m in sent[-30:]]
    assert all(not m.tags for m in got)

    modern = connect(irc, unique, "jm")
    join(modern, channel)
    modern.assert_no_message(0.7, pred=lambda m: m.command == "PRIVMSG")

    say(talker, channel, ["live"])
    for c in (timed, bare, modern):
        assert c.expect("PRIVMSG", TIMEOUT).last == "live"
