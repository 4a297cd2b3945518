"""TOPIC, LIST, INVITE, KICK and MODE (channel and user modes), with invite-notify.

RFC 2812 3.1.5, 3.2.3-3.2.8 as modern servers implement them
(modern.ircdocs.horse); CHANMODES=,k,l,imnst PREFIX=(ov)@+ MODES=4 ELIST=U.
"""

import contextlib
import subprocess
import time

from irc_helpers import join, mode, registered, sync
from pchat_harness import wait_until
from store_query import PSQL, conninfo, query


def channel_modes(client, chan):
    client.send(f"MODE {chan}")
    got = client.expect("324")
    created = client.expect("329")
    return got.params[2:], created


# -- TOPIC -----------------------------------------------------------------------


def test_topic_query_set_and_clear(irc, unique):
    chan = "#" + unique("tp")
    op = registered(irc, unique, "to")
    member = registered(irc, unique, "tm")
    outsider = registered(irc, unique, "tx")
    join(op, chan)
    join(member, chan)
    op.send(f"TOPIC {chan}")
    assert op.expect("331").params[1] == chan
    before = int(time.time())
    op.send(f"TOPIC {chan} :Welcome to the room")
    mine = op.expect("TOPIC")
    assert mine.nick == op.nick and mine.params == [chan, "Welcome to the room"]
    seen = member.expect("TOPIC")
    assert seen.nick == op.nick and seen.params == [chan, "Welcome to the room"]
    member.send(f"TOPIC {chan}")
    assert member.expect("332").params[1:] == [chan, "Welcome to the room"]
    who_time = member.expect("333")
    assert who_time.params[2] == f"{op.nick}!~{op.nick}@127.0.0.1"
    assert before - 2 <= int(who_time.params[3]) <= time.time() + 2
    # Non-members may read the topic of a public channel, not set it.
    outsider.send(f"TOPIC {chan}")
    assert outsider.expect("332").last == "Welcome to the room"
    outsider.send(f"TOPIC {chan} :hijack")
    assert outsider.expect("442").params[1] == chan
    # +t (default): only ops set it.
    member.send(f"TOPIC {chan} :mine now")
    assert member.expect("482").params[1] == chan
    mode(op, chan, "-t")
    member.send(f"TOPIC {chan} :mine now")
    assert member.expect("TOPIC").params == [chan, "mine now"]
    assert op.expect("TOPIC").params == [chan, "mine now"]
    # JOIN shows the topic.
    outsider.send(f"JOIN {chan}")
    assert outsider.expect("332").last == "mine now"
    outsider.expect("333")
    # An empty topic clears it.
    op.send(f"TOPIC {chan} :")
    assert member.expect("TOPIC").params == [chan, ""]
    member.send(f"TOPIC {chan}")
    member.expect("331")
    op.send("TOPIC #" + unique("nosuch"))
    op.expect("403")
    op.send("TOPIC")
    assert op.expect("461").params[1] == "TOPIC"


# -- LIST ------------------------------------------------------------------------


def listing(client, arg=""):
    client.send(f"LIST {arg}".strip())
    lines = client.collect_until("323")
    assert lines[0].command == "321"
    return {m.params[1]: m for m in lines if m.command == "322"}


def test_list_hides_secret_and_filters_by_users(irc, unique):
    one, two, sec = ("#" + unique(p) for p in ("lone", "ltwo", "lsec"))
    a = registered(irc, unique, "la")
    b = registered(irc, unique, "lb")
    c = registered(irc, unique, "lc")
    join(a, one)
    join(a, two)
    join(b, two)
    join(a, sec)
    mode(a, sec, "+s")
    a.send(f"TOPIC {two} :two people here")
    a.expect("TOPIC")
    seen = listing(c)
    assert one in seen and two in seen and sec not in seen
    assert seen[two].params[2:] == ["2", "two people here"]
    assert seen[one].params[2] == "1"
    assert sec in listing(a)  # members see their secret channels
    more_than_one = listing(c, ">1")
    assert two in more_than_one and one not in more_than_one
    fewer_than_two = listing(c, "<2")
    assert one in fewer_than_two and two not in fewer_than_two
    assert not [n for n, m in more_than_one.items() if int(m.params[2]) <= 1]
    named = listing(c, f"{two},{sec},#{unique('nosuch')}")
    assert list(named) == [two]


# -- INVITE ----------------------------------------------------------------------


def test_invite_flow_with_invite_notify(irc, unique):
    chan = "#" + unique("inv")
    op = registered(irc, unique, "io")
    coop = registered(irc, unique, "ic", caps=("invite-notify",))   # op with the cap
    peon = registered(irc, unique, "ip", caps=("invite-notify",))   # non-op with the cap
    guest = registered(irc, unique, "ig")
    stranger = registered(irc, unique, "is")
    for c in (op, coop, peon):
        join(c, chan)
    mode(op, chan, "+i")
    mode(op, chan, f"+o {coop.nick}")
    guest.send(f"JOIN {chan}")
    assert guest.expect("473").params[1] == chan
    peon.send(f"INVITE {guest.nick} {chan}")
    assert peon.expect("482").params[1] == chan
    stranger.send(f"INVITE {guest.nick} {chan}")
    assert stranger.expect("442").params[1] == chan
    op.send(f"INVITE nosuch{unique('n')} {chan}")
    op.expect("401")
    op.send(f"INVITE {guest.nick} #{unique('nochan')}")
    op.expect("403")
    op.send(f"INVITE {peon.nick} {chan}")
    assert op.expect("443").params[1:3] == [peon.nick, chan]
    op.send(f"INVITE {guest.nick} {chan}")
    assert op.expect("341").params[1:] == [guest.nick, chan]
    inv = guest.expect("INVITE")
    assert inv.source == f"{op.nick}!~{op.nick}@127.0.0.1" and inv.params == [guest.nick, chan]
    note = coop.expect("INVITE")
    assert note.nick == op.nick and note.params == [guest.nick, chan]
    assert [m for m in sync(peon) if m.command == "INVITE"] == []  # not an op on +i
    join(guest, chan)
    op.send(f"INVITE {guest.nick}")
    assert op.expect("461").params[1] == "INVITE"


def test_invitation_passes_key_and_limit(irc, unique):
    chan = "#" + unique("ikl")
    op = registered(irc, unique, "ko")
    b = registered(irc, unique, "kb")
    join(op, chan)
    mode(op, chan, "+kl sesame 1")
    b.send(f"JOIN {chan}")
    assert b.expect("475").params[1] == chan
    b.send(f"JOIN {chan} sesame")
    assert b.expect("471").params[1] == chan
    op.send(f"INVITE {b.nick} {chan}")
    op.expect("341")
    b.expect("INVITE")
    join(b, chan)  # no key, over the limit: the invitation wins
    # The invitation was used up.
    b.send(f"PART {chan}")
    b.expect("PART")
    b.send(f"JOIN {chan}")
    b.expect("475")


def test_invite_to_away_user_reports_away(irc, unique):
    chan = "#" + unique("iaw")
    op = registered(irc, unique, "wo")
    b = registered(irc, unique, "wb")
    join(op, chan)
    b.send("AWAY :napping")
    b.expect("306")
    op.send(f"INVITE {b.nick} {chan}")
    op.expect("341")
    assert op.expect("301").params[1:] == [b.nick, "napping"]


# -- KICK ------------------------------------------------------------------------


def test_kick(irc, unique):
    chan = "#" + unique("kk")
    op = registered(irc, unique, "ko")
    b = registered(irc, unique, "kb")
    c = registered(irc, unique, "kc")
    d = registered(irc, unique, "kd")
    outsider = registered(irc, unique, "kx")
    for x in (op, b, c, d):
        join(x, chan)
    b.send(f"KICK {chan} {c.nick}")
    assert b.expect("482").params[1] == chan
    outsider.send(f"KICK {chan} {c.nick}")
    assert outsider.expect("442").params[1] == chan
    op.send(f"KICK #{unique('nochan')} {b.nick}")
    op.expect("403")
    op.send(f"KICK {chan} {outsider.nick}")
    assert op.expect("441").params[1:3] == [outsider.nick, chan]
    op.send(f"KICK {chan} nosuch{unique('n')}")
    op.expect("401")
    op.send(f"KICK {chan}")
    op.expect("461")
    op.send(f"KICK {chan} {b.nick},{c.nick} :behave")
    for victim in (b, c):
        k = op.expect("KICK")
        assert k.params == [chan, victim.nick, "behave"]
        k = d.expect("KICK")
        assert k.nick == op.nick and k.params == [chan, victim.nick, "behave"]
    assert b.expect("KICK").params == [chan, b.nick, "behave"]
    assert [m for m in sync(b) if m.command == "KICK"] == []  # gone before c's kick
    assert c.expect("KICK").params == [chan, b.nick, "behave"]
    assert c.expect("KICK").params == [chan, c.nick, "behave"]
    b.send(f"PRIVMSG {chan} :am I still here")
    b.expect("404")
    op.send(f"KICK {chan} {d.nick}")
    assert d.expect("KICK").params == [chan, d.nick, op.nick]  # default reason
    op.send(f"NAMES {chan}")
    assert op.expect("353").last == "@" + op.nick
    # An op may kick itself; the channel then goes away.
    op.send(f"KICK {chan} {op.nick}")
    op.expect("KICK")
    b.send(f"TOPIC {chan}")
    b.expect("403")


# -- channel MODE ----------------------------------------------------------------


def test_channel_mode_query_and_flags(irc, unique):
    chan = "#" + unique("md")
    before = int(time.time())
    op = registered(irc, unique, "mo")
    b = registered(irc, unique, "mb")
    outsider = registered(irc, unique, "mx")
    join(op, chan)
    join(b, chan)
    params, created = channel_modes(op, chan)
    assert params == ["+nt"]
    assert before - 2 <= int(created.params[2]) <= time.time() + 2
    b.send(f"MODE {chan} +i")
    assert b.expect("482").params[1] == chan
    assert channel_modes(b, chan)[0] == ["+nt"]  # anyone may ask
    op.send(f"MODE {chan} +imz")
    assert op.expect("472").params[1] == "z"
    m = op.expect("MODE")
    assert m.params == [chan, "+im"]
    seen = b.expect("MODE")
    assert seen.source == f"{op.nick}!~{op.nick}@127.0.0.1" and seen.params == [chan, "+im"]
    # Changes that change nothing are not broadcast.
    op.send(f"MODE {chan} +i-s")
    assert [x for x in sync(b) if x.command == "MODE"] == []
    mode(op, chan, "-im+s")
    assert channel_modes(op, chan)[0] == ["+nst"]
    outsider.send(f"MODE {chan}")
    assert outsider.expect("403").params[1] == chan  # secret: hidden from outsiders
    op.send("MODE #" + unique("nosuch"))
    op.expect("403")


def test_channel_mode_key_and_limit(irc, unique):
    chan = "#" + unique("kl")
    op = registered(irc, unique, "ko")
    b = registered(irc, unique, "kb")
    outsider = registered(irc, unique, "kx")
    join(op, chan)
    join(b, chan)
    op.send(f"MODE {chan} +k")
    assert op.expect("461").params[1] == "MODE"
    op.send(f"MODE {chan} +k :bad key")
    op.expect("525")
    assert mode(op, chan, "+k sekrit").params == [chan, "+k", "sekrit"]
    assert b.expect("MODE").params == [chan, "+k", "sekrit"]
    op.send(f"MODE {chan} +l many")
    assert op.expect("696").params[1:4] == [chan, "l", "many"]
    assert mode(op, chan, "+l 5").params == [chan, "+l", "5"]
    assert channel_modes(b, chan)[0] == ["+ntkl", "sekrit", "5"]
    assert channel_modes(outsider, chan)[0] == ["+ntkl"]  # no key for outsiders
    assert mode(op, chan, "-k *").params == [chan, "-k", "*"]
    assert mode(op, chan, "-l").params == [chan, "-l"]
    mode(op, chan, "+k other")
    assert mode(op, chan, "-k").params == [chan, "-k", "*"]  # key param optional
    assert channel_modes(b, chan)[0] == ["+nt"]


def test_channel_mode_prefixes_and_canonical_form(irc, unique):
    chan = "#" + unique("pf")
    op = registered(irc, unique, "po", caps=("multi-prefix",))
    b = registered(irc, unique, "pb")
    outsider = registered(irc, unique, "px")
    join(op, chan)
    join(b, chan)
    op.send(f"MODE {chan} +o nosuch{unique('n')}")
    op.expect("401")
    op.send(f"MODE {chan} +v {outsider.nick}")
    assert op.expect("441").params[1:3] == [outsider.nick, chan]
    m = mode(op, chan, f"+ov {b.nick} {b.nick}")
    assert m.params == [chan, "+ov", b.nick, b.nick]
    op.send(f"NAMES {chan}")
    assert "@+" + b.nick in op.expect("353").last.split()
    # Several changes in one line; the broadcast shows what was applied, in order.
    m = mode(op, chan, f"+l-o+m-v 10 {b.nick} {b.nick}")
    assert m.params == [chan, "+l-o+m-v", "10", b.nick, b.nick]
    assert b.expect("MODE", pred=lambda x: x.params[1] != "+ov").params == m.params
    # MODES=4: a fifth parameter mode in one line is ignored.
    m = mode(op, chan, f"+oooov {b.nick} {b.nick} {b.nick} {b.nick} {b.nick}")
    assert m.params == [chan, "+o", b.nick]
    op.send(f"NAMES {chan}")
    assert "@" + b.nick in op.expect("353").last.split()  # not "@+": +v was ignored
    assert mode(op, chan, f"-o {b.nick}").params == [chan, "-o", b.nick]
    # Ban list queries (clients send them after JOIN): an empty list, then the ban
    # (test_irc_bans.py has the rest).
    op.send(f"MODE {chan} b")
    assert op.expect("368").params[1] == chan
    assert mode(op, chan, "+b *!*@evil").params == [chan, "+b", "*!*@evil"]
    # A non-op gets 482 once per line, whatever it asked for.
    b.send(f"MODE {chan} +ntm-l")
    b.expect("482")
    assert [x for x in sync(b) if x.command == "482"] == []


# -- user MODE -------------------------------------------------------------------


def test_user_modes(irc, unique):
    a = registered(irc, unique, "ua")
    b = registered(irc, unique, "ub")
    a.send(f"MODE {a.nick}")
    assert a.expect("221").params[1] == "+"
    a.send(f"MODE {a.nick} +i")
    m = a.expect("MODE")
    assert m.nick == a.nick and m.params == [a.nick, "+i"]
    a.send(f"MODE {a.nick}")
    assert a.expect("221").params[1] == "+i"
    a.send(f"MODE {a.nick} +i")  # no change, no reply
    assert [x for x in sync(a) if x.command == "MODE"] == []
    a.send(f"MODE {a.nick} -i+x")
    a.expect("501")
    assert a.expect("MODE").params == [a.nick, "-i"]
    a.send(f"MODE {b.nick} +i")
    a.expect("502")
    a.send(f"MODE {b.nick}")
    a.expect("502")
    a.send(f"MODE nosuch{unique('n')}")
    a.expect("401")
    a.send("MODE")
    a.expect("461")


def test_kick_pairs_channels_and_users(irc, unique):
    # KICK #a,#b x,y kicks x from #a and y from #b (RFC 2812 3.2.8), each KICK sent
    # naming one channel and one user; counts that differ are refused.
    chans = ["#" + unique("kp"), "#" + unique("kq")]
    op = registered(irc, unique, "kp")
    x = registered(irc, unique, "kx")
    y = registered(irc, unique, "ky")
    for cl in (op, x, y):
        for chan in chans:
            join(cl, chan)
    op.send(f"KICK {','.join(chans)} {x.nick}")
    op.expect("461")
    op.send(f"KICK {','.join(chans)} {x.nick},{y.nick} :out")
    got = [op.expect("KICK").params, op.expect("KICK").params]
    assert got == [[chans[0], x.nick, "out"], [chans[1], y.nick, "out"]]
    op.send(f"NAMES {chans[0]}")
    assert sorted(op.expect("353").last.replace("@", "").split()) == sorted([op.nick, y.nick])


def test_kick_right_after_join_reaches_the_victim(irc, unique):
    # The victim's JOIN history replay may still be loading when the KICK comes;
    # the KICK must not be held (and lost) with the replay.
    chan = "#" + unique("kr")
    op = registered(irc, unique, "ro")
    join(op, chan)
    for i in range(5):
        op.send(f"PRIVMSG {chan} :history line {i}")
    victims = [registered(irc, unique, f"rv{i}") for i in range(4)]
    for v in victims:
        v.send(f"JOIN {chan}")
    for v in victims:
        op.expect("JOIN", pred=lambda m, v=v: m.nick == v.nick)
        op.send(f"KICK {chan} {v.nick} :too soon")
    for v in victims:
        k = v.expect("KICK", pred=lambda m, v=v: m.params[1] == v.nick)
        assert k.params == [chan, v.nick, "too soon"]



@contextlib.contextmanager
def messages_locked(server, seconds=4):
    """The store's messages table locked for `seconds` (a JOIN history replay waits)."""
    locker = subprocess.Popen(
        [PSQL, conninfo(server.data_dir), "-X", "-q", "-c",
         f"BEGIN; LOCK TABLE messages IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep({seconds}); COMMIT"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_until(lambda: query(server.data_dir,
                                 "SELECT count(*) FROM pg_locks WHERE relation = "
                                 "'messages'::regclass AND mode = 'AccessExclusiveLock' "
                                 "AND granted") == [["1"]], 10, "the lock on messages")
        yield
    finally:
        locker.wait(timeout=seconds + 20)


def test_lines_held_for_a_loading_replay_reach_the_victim_before_its_kick(server_factory, irc,
                                                                           unique):
    # While a member's JOIN history replay loads, the channel's live lines wait for it.
    # A KICK of that member abandons the replay: the lines held until then (here the
    # KICK of another member) still reach it, before its own KICK. The replay is held
    # back for sure by a lock on the messages table.
    server = server_factory(allow_guests=True, extra_args=["--default-chat-history", "5"])
    chan = "#" + unique("kh")
    op, b, c = (registered(irc, unique, p, server=server) for p in ("ho", "hb", "hc"))
    join(op, chan)
    join(b, chan)
    op.send(f"PRIVMSG {chan} :before the lock")
    b.expect("PRIVMSG")  # committed: the replay would send it
    with messages_locked(server):
        join(c, chan)  # its replay now waits for the lock
        op.send(f"KICK {chan} {b.nick},{c.nick} :behave")
        assert c.expect("KICK").params == [chan, b.nick, "behave"]
        assert c.expect("KICK").params == [chan, c.nick, "behave"]
    # The replay, loaded after the lock, is for a channel c has left: nothing comes.
    assert [m for m in sync(c) if m.command == "PRIVMSG"] == []


def test_lines_held_for_a_loading_replay_reach_a_member_before_its_part(server_factory, irc,
                                                                        unique):
    server = server_factory(allow_guests=True, extra_args=["--default-chat-history", "5"])
    chan = "#" + unique("ph")
    op, c = (registered(irc, unique, p, server=server) for p in ("po", "pc"))
    join(op, chan)
    with messages_locked(server):
        join(c, chan)  # its replay waits for the lock
        op.send(f"TOPIC {chan} :set while c loads")
        op.expect("TOPIC")
        c.send(f"PART {chan}")
        got = [m.command for m in c.collect_until("PART") if m.command in ("TOPIC", "PART")]
        assert got == ["TOPIC", "PART"]
