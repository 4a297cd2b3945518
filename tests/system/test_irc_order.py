"""Replies come in the order of the commands that caused them: a client may use
PING as a barrier after a message (its echo, its delivery to the others and its
errors come first), and labeled-response wraps everything a command caused.
"""

import contextlib
import os
import signal
import socket
import threading

from irc_helpers import join, registered, sync
from pchat_harness import child_pids, continue_processes, stop_processes
from store_query import query


def stop_store(server):
    """SIGSTOPs the server's PostgreSQL (postmaster and backends); returns the PIDs."""
    postmaster = server.postgres_pid()
    assert postmaster is not None, "no postmaster"
    return stop_processes([postmaster] + child_pids(postmaster))


@contextlib.contextmanager
def store_stopped(server, seconds=1.0):
    """The server's PostgreSQL is stopped now and resumed ``seconds`` later (or on
    leaving the block, whichever comes first)."""
    pids = stop_store(server)
    resumer = threading.Timer(seconds, continue_processes, args=(pids,))
    resumer.start()
    try:
        yield
    finally:
        resumer.cancel()
        continue_processes(pids)


def labeled_batch(client, label):
    """Reads the labeled-response BATCH answering ``label``; returns its lines
    (without the BATCH lines), checking that each is in the batch."""
    start = client.expect_label(label)
    assert start.command == "BATCH" and start.params[1] == "labeled-response", start.raw
    ref = start.params[0][1:]
    body = client.collect_until("BATCH", pred=lambda m: m.params == ["-" + ref])[:-1]
    assert all(m.tags.get("batch") == ref for m in body)
    return body


def test_ping_after_privmsg_follows_echo_and_delivery(server_factory, irc, unique):
    server = server_factory(allow_guests=True)
    chan = "#" + unique("ord")
    a = registered(irc, unique, "oa", server=server, caps=("echo-message",))
    b = registered(irc, unique, "ob", server=server)
    join(a, chan)
    join(b, chan)
    sync(a)
    # The store is stopped while the message waits to commit: a PONG that does not
    # wait for the message goes out now, before anyone has seen it.
    with store_stopped(server):
        a.send_raw(f"PRIVMSG {chan} :first\r\nPING :barrier\r\n".encode())
        got = a.collect_until("PONG", timeout=20)
        commands = [(m.command, m.last) for m in got if m.command in ("PRIVMSG", "PONG")]
        assert commands == [("PRIVMSG", "first"), ("PONG", "barrier")]
        # When the sender has its PONG, the other member has the message already: it
        # arrives before the PONG of a PING b sends now.
        before = sync(b, "bsync")
        assert [m.last for m in before if m.command == "PRIVMSG"] == ["first"]


def test_commands_after_messages_run_in_order(irc, unique):
    chan = "#" + unique("ord")
    a = registered(irc, unique, "oc", caps=("echo-message",))
    b = registered(irc, unique, "od")
    join(a, chan)
    join(b, chan)
    # Consecutive messages, an error of a later one, then PART: everything in order,
    # for the sender and for the other member.
    a.send_raw(
        (f"PRIVMSG {chan} :one\r\nPRIVMSG {chan} :two\r\nPRIVMSG nosuch{unique('n')} :x\r\n"
         f"PART {chan} :bye\r\nPING :end\r\n").encode())
    got = a.collect_until("PONG", pred=lambda m: m.last == "end")
    seen = [m.command if m.command != "PRIVMSG" else m.last for m in got
            if m.command in ("PRIVMSG", "401", "PART", "PONG")]
    assert seen == ["one", "two", "401", "PART", "PONG"]
    got = b.collect_until("PART")
    assert [m.last for m in got if m.command in ("PRIVMSG", "PART")] == ["one", "two", "bye"]


def test_labeled_message_to_self(irc, unique):
    # The delivery to oneself is an incoming message (unlabeled); the echo is the
    # command's one labeled reply (as irctest's labeled-response tests expect).
    a = registered(irc, unique, "os", caps=("labeled-response", "batch", "echo-message"))
    a.request(f"PRIVMSG {a.nick} :me", "self1")
    got = [a.expect("PRIVMSG"), a.expect("PRIVMSG")]
    assert [m.params for m in got] == [[a.nick, "me"]] * 2
    assert sorted(m.tags.get("label", "") for m in got) == ["", "self1"]
    assert got[0].tags.get("msgid") == got[1].tags.get("msgid")
    # Without echo-message: the delivery, and an ACK for the command.
    c = registered(irc, unique, "ot", caps=("labeled-response", "batch"))
    c.request(f"PRIVMSG {c.nick} :alone", "self2")
    got = c.collect_until("ACK")
    assert [(m.command, m.params) for m in got] == [("PRIVMSG", [c.nick, "alone"]), ("ACK", [])]
    assert got[-1].tags.get("label") == "self2"


def test_labeled_join_is_one_batch(irc, unique):
    chan = "#" + unique("oj")
    op = registered(irc, unique, "oo")
    join(op, chan)
    op.send(f"TOPIC {chan} :the topic")
    op.expect("TOPIC")
    a = registered(irc, unique, "oj", caps=("labeled-response", "batch"))
    a.request(f"JOIN {chan}", "j1")
    body = labeled_batch(a, "j1")
    assert [m.command for m in body] == ["JOIN", "332", "333", "353", "366"]
    # A valid and an invalid name: the JOIN and the error in one batch.
    other = "#" + unique("ok")
    a.request(f"JOIN {other},nohash{unique('x')}", "j2")
    assert [m.command for m in labeled_batch(a, "j2")] == ["JOIN", "353", "366", "403"]


def test_failed_commit_settles_and_later_commands_run(server_factory, irc, unique):
    # A constraint on the compliance outbox makes one message's commit fail.
    server = server_factory(extra_args=("--compliance",), allow_guests=True)
    chan = "#" + unique("of")
    a = registered(irc, unique, "of", server=server, caps=("echo-message",))
    b = registered(irc, unique, "og", server=server)
    join(a, chan)
    join(b, chan)
    query(server.data_dir, "ALTER TABLE compliance_outbox ADD CONSTRAINT test_refuse "
                           "CHECK (content <> 'poison')")
    # (A message sharing its batch would fail with it: one message here.)
    a.send_raw(f"PRIVMSG {chan} :poison\r\nPART {chan}\r\nPING :after\r\n".encode())
    got = a.collect_until("PONG", pred=lambda m: m.last == "after")
    seen = [m.command if m.command != "PRIVMSG" else m.last for m in got
            if m.command in ("FAIL", "PRIVMSG", "PART", "PONG")]
    assert seen == ["FAIL", "PART", "PONG"]
    got = b.collect_until("PART")
    assert [m for m in got if m.command == "PRIVMSG"] == []


def test_ping_after_join_follows_the_replay(irc, unique):
    # A client without draft/chathistory gets the room's recent messages on JOIN
    # (read from the store): they are part of the JOIN's replies, before a PONG.
    chan = "#" + unique("or")
    a = registered(irc, unique, "or", caps=("echo-message",))
    join(a, chan)
    a.send(f"PRIVMSG {chan} :earlier")
    a.expect("PRIVMSG")
    b = registered(irc, unique, "os")
    b.send_raw(f"JOIN {chan}\r\nPING :joined\r\n".encode())
    got = b.collect_until("PONG", pred=lambda m: m.last == "joined")
    assert [m.last for m in got if m.command == "PRIVMSG"] == ["earlier"]


def test_quit_after_message_reaches_others_after_it(irc, unique):
    # PRIVMSG, QUIT and the connection closed at once: the others get the message,
    # then the QUIT with its reason (the lines queued behind the message still run
    # after the end of input).
    chan = "#" + unique("oq")
    a = registered(irc, unique, "oq")
    b = registered(irc, unique, "ow")
    join(a, chan)
    join(b, chan)
    a.send_raw(f"PRIVMSG {chan} :last words\r\nQUIT :gone\r\n".encode())
    a.sock.shutdown(socket.SHUT_WR)  # end of input (FIN) right behind the QUIT
    got = b.collect_until("QUIT")
    assert [(m.command, m.last) for m in got if m.command in ("PRIVMSG", "QUIT")] == [
        ("PRIVMSG", "last words"), ("QUIT", "Quit: gone")]


def test_many_lines_behind_a_message_wait_and_all_run(server_factory, irc, unique):
    # More lines than the queue holds wait behind an unsettled message (reading
    # pauses); once it commits, every one runs, in order.
    server = server_factory(allow_guests=True)
    chan = "#" + unique("om")
    a = registered(irc, unique, "om", server=server, caps=("echo-message",))
    join(a, chan)
    with store_stopped(server):
        pings = "".join(f"PING :p{i}\r\n" for i in range(300))
        a.send_raw(f"PRIVMSG {chan} :head\r\n{pings}".encode())
        got = a.collect_until("PONG", timeout=30, pred=lambda m: m.last == "p299")
        seen = [m.last for m in got if m.command in ("PRIVMSG", "PONG")]
        assert seen == ["head"] + [f"p{i}" for i in range(300)]
