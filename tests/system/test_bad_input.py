"""Bad protocol input gets a clear reply and never loses or corrupts stored data
(docs/design.md#invariant-5-bad-input-never-loses-data): overlong lines, bad UTF-8, NUL
bytes, unknown commands, missing parameters, floods, and clients that stop reading."""

from __future__ import annotations

import os
import socket
import threading
import time

import pytest

from irc_client import IrcClient
from pchat_harness import wait_until
from store_query import query, stored_messages

ECHO = ("echo-message", "labeled-response", "message-tags")


def _joined(irc, channel, nick, caps=ECHO, server=None):
    client = irc(server)
    client.register(nick, caps=caps)
    client.send(f"JOIN {channel}")
    client.expect("366")
    return client


def _ping_works(client, token):
    client.send(f"PING :{token}")
    lines = client.collect_until("PONG", pred=lambda m: m.last == token)
    return lines


def _stored_bodies_like(server, marker):
    rows = query(server.data_dir, "select body from messages where body like '%"
                 + marker.replace("'", "''") + "%'")
    return [r[0] for r in rows]


def _post(client, channel, body, label):
    client.request(f"PRIVMSG {channel} :{body}", label)
    echo = client.expect_label(label)
    assert echo.command == "PRIVMSG", echo.raw
    return echo.tags["msgid"]


# -- overlong lines ------------------------------------------------------------


def test_overlong_body_gets_417_and_connection_stays_usable(shared_server, irc, unique):
    channel = "#" + unique("long")
    alice = _joined(irc, channel, unique("long"))
    marker = unique("m")
    alice.send(f"PRIVMSG {channel} :{marker} " + "a" * 600)
    reply = alice.expect(("417", "PRIVMSG", "FAIL"))
    assert reply.command == "417", reply.raw
    lines = _ping_works(alice, "still-there")
    assert not [m for m in lines if m.command in ("PRIVMSG", "FAIL", "ERROR")]
    assert _stored_bodies_like(shared_server, marker) == []
    # A normal message right after is stored and echoed.
    msgid = _post(alice, channel, f"{marker} fine", "ok1")
    assert query(shared_server.data_dir, f"select body from messages where msgid='{msgid}'") == \
        [[f"{marker} fine"]]


def test_overlong_client_tags_get_417(shared_server, irc, unique):
    channel = "#" + unique("tags")
    alice = _joined(irc, channel, unique("tags"))
    marker = unique("m")
    tags = "+big=" + "t" * 4100  # > 4094 bytes of client tag data
    alice.send(f"@{tags} PRIVMSG {channel} :{marker}")
    reply = alice.expect(("417", "PRIVMSG", "FAIL"))
    assert reply.command == "417", reply.raw
    _ping_works(alice, "after-tags")
    assert _stored_bodies_like(shared_server, marker) == []
    # Exactly at the limit (4094 bytes of tag data, the label included) is accepted,
    # and the tag relayed back.
    pad = 4094 - len("label=ok2;+big=")
    alice.request(f"@+big={'t' * pad} PRIVMSG {channel} :{marker} ok", "ok2")
    echo = alice.expect_label("ok2")
    assert echo.command == "PRIVMSG" and echo.tags.get("+big") == "t" * pad, echo.raw[:200]


def test_huge_line_without_newline_then_valid_line(shared_server, irc, unique):
    alice = irc()
    alice.register(unique("huge"))
    alice.send_raw(b"PRIVMSG #nowhere :" + b"z" * 9000)  # > 8703 bytes, no LF yet
    reply = alice.expect(("417", "421", "ERROR"), timeout=10)
    assert reply.command == "417", reply.raw
    alice.send_raw(b"z" * 5000 + b"\r\nPING :after-huge\r\n")
    lines = alice.collect_until("PONG", pred=lambda m: m.last == "after-huge")
    junk = [m.raw for m in lines if m.command in ("417", "421", "FAIL", "ERROR", "401", "403")]
    assert junk == [], f"the rest of the overlong line was not discarded quietly: {junk}"


# -- invalid bytes ---------------------------------------------------------------


def test_invalid_utf8_is_refused_and_not_stored(shared_server, irc, unique):
    channel = "#" + unique("utf")
    alice = _joined(irc, channel, unique("utfa"))
    bob = _joined(irc, channel, unique("utfb"))
    marker = unique("m")
    alice.send_raw(f"PRIVMSG {channel} :{marker} caf".encode() + b"\xe9 \xff\xfe bad\r\n")
    fail = alice.expect(("FAIL", "PRIVMSG", "417"))
    assert fail.command == "FAIL" and fail.params[1] == "INVALID_UTF8", fail.raw
    bob.assert_no_message(0.5, pred=lambda m: m.command == "PRIVMSG")
    assert _stored_bodies_like(shared_server, marker) == []
    _ping_works(alice, "utf-ok")


def test_nul_byte_is_refused_and_not_stored(shared_server, irc, unique):
    channel = "#" + unique("nul")
    alice = _joined(irc, channel, unique("nula"))
    bob = _joined(irc, channel, unique("nulb"))
    marker = unique("m")
    alice.send_raw(f"PRIVMSG {channel} :{marker} before".encode() + b"\x00after\r\n")
    fail = alice.expect(("FAIL", "PRIVMSG", "417"))
    assert fail.command == "FAIL" and fail.params[1] == "INVALID_MESSAGE", fail.raw
    assert "NUL" in fail.last, fail.raw
    bob.assert_no_message(0.5, pred=lambda m: m.command == "PRIVMSG")
    assert _stored_bodies_like(shared_server, marker) == []
    _ping_works(alice, "nul-ok")


# -- unknown commands and missing parameters -------------------------------------


def test_unknown_command_gets_421(shared_server, irc, unique):
    alice = irc()
    alice.register(unique("unk"))
    alice.send("FROBNICATE a b c")
    reply = alice.expect(("421", "461", "FAIL"))
    assert reply.command == "421" and reply.params[1] == "FROBNICATE", reply.raw
    _ping_works(alice, "unk-ok")


@pytest.mark.parametrize("line, code", [
    ("CAP", "461"),
    ("AUTHENTICATE", "461"),
    ("USER onlyone", "461"),
    ("USER a b c", "461"),
    ("PING", "461"),
    ("NICK", "431"),
])
def test_missing_parameters_before_registration(shared_server, irc, line, code):
    client = irc()
    client.send(line)
    reply = client.expect(("461", "431", "409", "421", "451", "FAIL"))
    assert reply.command == code, reply.raw


@pytest.mark.parametrize("line, code", [
    ("JOIN", "461"),
    ("PART", "461"),
    ("PRIVMSG", "411"),
    ("PRIVMSG {chan}", "412"),
    ("PRIVMSG {chan} :", "412"),
    ("TAGMSG", "461"),
    ("TOPIC", "461"),
    ("KICK", "461"),
    ("KICK {chan}", "461"),
    ("MODE", "461"),
    ("INVITE somebody", "461"),
    ("USER", "461"),
    ("CAP", "461"),
    ("AUTHENTICATE", "461"),
    ("PING", "461"),
    ("NICK", "431"),
])
def test_missing_parameters_after_registration(shared_server, irc, unique, line, code):
    channel = "#" + unique("mp")
    client = _joined(irc, channel, unique("mp"), caps=())
    client.send(line.format(chan=channel))
    reply = client.expect(("461", "411", "412", "431", "409", "421", "462", "FAIL", "ERROR"))
    assert reply.command == code, f"{line!r}: {reply.raw}"
    _ping_works(client, "mp-ok")


# -- flood control ---------------------------------------------------------------


def _read_all_until_closed(client, timeout):
    """Every line until EOF (ConnectionReset counts as EOF), bounded in time."""
    lines = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            lines.append(client.recv_line(timeout=max(0.05, deadline - time.monotonic())))
        except (ConnectionError, OSError):
            return lines, True
        except TimeoutError:
            break
    return lines, False


def test_flooder_is_disconnected_others_unaffected(server_factory, irc, unique):
    server = server_factory(allow_guests=True, extra_args=["--flood-burst", "50",
                                                           "--flood-rate", "10"])
    channel = "#" + unique("flood")
    alice = _joined(irc, channel, unique("fa"), server=server)
    bob = _joined(irc, channel, unique("fb"), caps=(), server=server)
    before = {}
    for i in range(5):
        body = f"before flood {i} \u00e9\u4e2d"
        before[_post(alice, channel, body, f"b{i}")] = body
        bob.expect("PRIVMSG", pred=lambda m, b=body: m.last == b)

    flooder = _joined(irc, channel, unique("ff"), caps=(), server=server)
    flood = b"".join(f"PRIVMSG {channel} :flood line {i}\r\n".encode() for i in range(5000))
    result = {}

    def reader():
        result["lines"], result["closed"] = _read_all_until_closed(flooder, 15)

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    try:
        flooder.send_raw(flood)
    except OSError:
        pass  # the server hung up on us mid-flood: expected
    t.join(20)
    assert result.get("closed"), "the flooder was not disconnected"
    errors = [line for line in result["lines"] if line.startswith("ERROR ")]
    assert errors and "Closing link" in errors[-1] and "[Excess Flood]" in errors[-1], \
        f"no ERROR ... [Excess Flood] for the flooder; last lines: {result['lines'][-5:]}"

    gone = alice.expect("QUIT", pred=lambda m: m.nick == flooder.nick, timeout=5)
    assert "Excess Flood" in gone.last
    # The others are unaffected: they still post and receive promptly.
    t0 = time.monotonic()
    msgid = _post(alice, channel, "after the flood", "after")
    bob.expect("PRIVMSG", pred=lambda m: m.last == "after the flood", timeout=5)
    bob.send(f"PRIVMSG {channel} :bob after the flood")
    alice.expect("PRIVMSG", pred=lambda m: m.last == "bob after the flood", timeout=5)
    assert time.monotonic() - t0 < 3, "the flood delayed other clients"

    assert server.http_get("/healthz")[0] == 200
    stored = {row[1]: row[5] for row in stored_messages(server.data_dir, channel.lower())}
    for mid, body in before.items():
        assert stored.get(mid) == body, f"message {mid} damaged or lost: {stored.get(mid)!r}"
    assert stored.get(msgid) == "after the flood"
    flood_rows = [b for b in stored.values() if b.startswith("flood line ")]
    assert len(flood_rows) <= 60, f"{len(flood_rows)} flood lines were accepted (burst 50)"
    print(f"\nflood: {len(flood_rows)} of 5000 flood lines accepted before the disconnect")


# -- a client that stops reading ---------------------------------------------------


def _server_side_socket_open(pid, server_port, client_port):
    """True while process ``pid`` holds the socket of the TCP connection
    127.0.0.1:server_port <-> 127.0.0.1:client_port (found via /proc/net/tcp)."""
    inodes = set()
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            fields = line.split()
            local, remote, inode = fields[1], fields[2], fields[9]
            if (int(local.split(":")[1], 16) == server_port
                    and int(remote.split(":")[1], 16) == client_port and inode != "0"):
                inodes.add(f"socket:[{inode}]")
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") in inodes:
                return True
        except OSError:
            pass
    return False


def test_client_that_never_reads_is_dropped_with_sendq_exceeded(server_factory, irc, unique,
                                                                 base_dir):
    cfg = base_dir / f"{unique('cfg')}.toml"
    cfg.write_text("sendq_bytes = 65536\nflood_burst = 0\nallow_guests = true\n")
    server = server_factory(extra_args=["--config", str(cfg)])
    channel = "#" + unique("sq")
    observer = _joined(irc, channel, unique("obs"), caps=(), server=server)
    poster = _joined(irc, channel, unique("post"), caps=("message-tags",), server=server)

    slow = IrcClient("slow")
    slow.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    slow.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.sock.settimeout(10)
    slow.sock.connect(("127.0.0.1", server.irc_port))
    try:
        slow.register(unique("slow"), caps=("message-tags",))
        slow.send(f"JOIN {channel}")
        slow.expect("366")
        slow_port = slow.sock.getsockname()[1]
        assert _server_side_socket_open(server.pid, server.irc_port, slow_port)
        observer.expect("JOIN", pred=lambda m: m.nick == slow.nick)
        # From now on `slow` never reads.  The poster's lines carry a 3 KB tag, so
        # every relayed line to `slow` is big; the observer gets them without tags.
        tag = "+pad=" + "p" * 3000
        sent = 0
        dropped = None
        deadline = time.monotonic() + 60
        while dropped is None and time.monotonic() < deadline and sent < 20000:
            for _ in range(4):
                poster.send(f"@{tag} PRIVMSG {channel} :sendq {sent}")
                sent += 1
            while True:
                try:
                    m = observer.recv_msg(timeout=0.01)
                except TimeoutError:
                    break
                if m.command == "QUIT" and m.nick == slow.nick:
                    dropped = m
                    break
        assert dropped is not None, f"the non-reading client was not dropped after {sent} lines"
        assert "SendQ exceeded" in dropped.last, dropped.raw
        rss = int([l for l in open(f"/proc/{server.pid}/status") if l.startswith("VmRSS")][0]
                  .split()[1])
        print(f"\nsendq: dropped after {sent} posted lines; pchatd VmRSS {rss} kB")
        # The server lets go of the connection even though the client still does not read.
        wait_until(lambda: not _server_side_socket_open(server.pid, server.irc_port, slow_port), 15,
                   "pchatd to close the dropped client's socket")
        # Reading now: buffered lines, then the ERROR, then EOF.
        lines, closed = _read_all_until_closed(slow, 20)
        assert closed, "connection still open after SendQ exceeded"
        assert server.http_get("/healthz")[0] == 200
        observer.send("PING :obs")
        observer.expect("PONG", pred=lambda m: m.last == "obs")
    finally:
        slow.close()


# -- free text too long to relay, lists of nothing, edge filters --------------------


def _body_bytes(msg):
    """Bytes of a received line without its tag section (IRC's 512 includes CR LF)."""
    raw = msg.raw
    if raw.startswith("@"):
        raw = raw.split(" ", 1)[1]
    return len(raw.encode()) + 2


def test_long_realname_and_reasons_are_cut_so_relayed_lines_fit(irc, unique):
    # A 470-byte realname, the longest PART reason that fits and a 503-byte QUIT
    # reason, from a 30-character nick with an 18-character user name, in a
    # 60-character channel: text is cut to 390 bytes when set, and every line relayed
    # to the other member (extended-join JOIN, WHO, PART, QUIT) is cut to 512 bytes
    # in its last parameter, at a UTF-8 boundary.
    channel = ("#" + unique("cut") + "c" * 60)[:60]
    watcher = _joined(irc, channel, unique("cw"), caps=("extended-join",))
    nick = (unique("c") + "x" * 30)[:30]
    long = irc()
    long.register(nick, user="u" * 18, realname="é" * 235)  # 470 bytes
    long.send(f"JOIN {channel}")
    long.expect("366")
    join = watcher.expect("JOIN", pred=lambda m: m.source.startswith(nick + "!"))
    assert _body_bytes(join) <= 512, join.raw
    realname = join.params[2]
    assert set(realname) == {"é"} and 150 <= len(realname) <= 195, join.params
    watcher.send(f"WHO {channel}")
    whos = watcher.collect_until("315")
    assert whos and all(_body_bytes(m) <= 512 for m in whos), [m.raw for m in whos]
    long.send(f"PART {channel} :" + "p" * (510 - len(f"PART {channel} :")))  # the most that fits
    part = watcher.expect("PART", pred=lambda m: m.source.startswith(nick + "!"))
    assert _body_bytes(part) <= 512 and set(part.params[1]) == {"p"}, part.raw
    assert len(part.params[1]) <= 390, part.raw
    long.send(f"JOIN {channel}")
    watcher.expect("JOIN", pred=lambda m: m.source.startswith(nick + "!"))
    long.send("QUIT :" + "q" * 503)
    quit_ = watcher.expect("QUIT", pred=lambda m: m.source.startswith(nick + "!"))
    assert _body_bytes(quit_) <= 512 and quit_.params[0] == "Quit: " + "q" * 390, quit_.raw


def test_target_lists_of_only_commas_get_an_error(irc, unique):
    client = irc()
    client.register(unique("cm"), caps=ECHO)
    for line, code in (("PRIVMSG ,,, :hi", "411"), ("PRIVMSG , :hi", "411"),
                       ("@+typing=active TAGMSG ,", "411"), ("JOIN ,,,", "461"),
                       ("PART ,", "461")):
        client.request(line, "c")
        reply = client.expect_label("c")
        assert reply.command == code, (line, reply.raw)


def test_list_count_filters_at_their_edges_and_who_0(irc, unique):
    channel = "#" + unique("edge")
    client = _joined(irc, channel, unique("ed"))
    for arg in ("<0", ">18446744073709551615"):
        client.send(f"LIST {arg}")
        lines = client.collect_until("323")
        assert [m for m in lines if m.command == "322"] == [], (arg, [m.raw for m in lines])
    client.send("LIST >0")
    lines = client.collect_until("323")
    assert any(m.command == "322" and m.params[1] == channel for m in lines)
    # WHO 0: every visible user (RFC 2812 3.6.1), as WHO *.
    client.send("WHO 0")
    lines = client.collect_until("315")
    assert any(m.command == "352" and m.params[5] == client.nick for m in lines), \
        [m.raw for m in lines]


def test_sasl_name_that_is_not_utf8_is_a_plain_failure(irc, unique):
    import base64
    client = irc()
    client.send("CAP LS 302")
    client.send("CAP REQ :sasl")
    client.expect("CAP", pred=lambda m: len(m.params) >= 2 and m.params[1] == "ACK")
    client.send("AUTHENTICATE PLAIN")
    client.expect("AUTHENTICATE")
    payload = base64.b64encode(b"\0" + b"\xff" * 20 + b"\0pw").decode()
    client.send(f"AUTHENTICATE {payload}")
    reply = client.expect(("903", "904"))
    assert reply.command == "904" and reply.params[-1] == "SASL authentication failed", reply.raw


def test_input_echoed_in_a_middle_parameter_cannot_shift_the_reply(irc, unique):
    client = irc()
    client.register(unique("st"))
    for line in ("NICK ::x", "NICK :a b"):
        client.send(line)
        reply = client.expect("432")
        assert reply.params[1:] == ["*", "Erroneous nickname"], (line, reply.raw)
    client.send("NAMES ,")
    reply = client.expect("366")
    assert reply.params[1:] == ["*", "End of /NAMES list."], reply.raw


def test_a_target_named_twice_gets_the_message_once(shared_server, irc, unique):
    channel = "#" + unique("dup")
    alice = _joined(irc, channel, unique("da"))
    bob = _joined(irc, channel, unique("db"))
    marker = unique("twice")
    alice.request(f"PRIVMSG {channel},{channel.upper()} :{marker}", "d")
    echo = alice.expect_label("d")
    assert echo.command == "PRIVMSG", echo.raw
    got = bob.expect("PRIVMSG", pred=lambda m: m.last == marker)
    bob.send("PING :after")
    later = bob.collect_until("PONG", pred=lambda m: m.last == "after")
    assert not [m for m in later if m.command == "PRIVMSG" and m.last == marker], got.raw
    assert _stored_bodies_like(shared_server, marker) == [marker]
