"""Smoke test: a guest registers, pings, joins, talks to a second client, quits."""


def test_guest_chat_roundtrip(shared_server, irc, unique):
    channel = "#" + unique("smoke")
    alice = irc(name="alice")
    alice.register(unique("alice"))
    bob = irc(name="bob")
    bob.register(unique("bob"))

    alice.send("PING :smoke-token")
    pong = alice.expect("PONG")
    assert pong.last == "smoke-token"

    alice.send(f"JOIN {channel}")
    alice.expect("JOIN", pred=lambda m: m.nick == alice.nick and m.params[0] == channel)
    alice.expect("366")  # end of NAMES

    bob.send(f"JOIN {channel}")
    bob.expect("366")
    alice.expect("JOIN", pred=lambda m: m.nick == bob.nick and m.params[0] == channel)

    alice.send(f"PRIVMSG {channel} :hello from alice")
    said = bob.expect("PRIVMSG", pred=lambda m: m.params[0] == channel)
    assert said.nick == alice.nick
    assert said.last == "hello from alice"

    alice.quit("smoke done")
    gone = bob.expect("QUIT", pred=lambda m: m.nick == alice.nick)
    assert "smoke done" in gone.last
