"""Small steps the IRC system tests share: register, join, sync, mode."""

from __future__ import annotations


def registered(irc, unique, prefix="u", server=None, **kw):
    """A client (from the ``irc`` fixture) registered under a unique nick."""
    client = irc(server=server, name=prefix)
    client.register(unique(prefix), **kw)
    return client


def join(client, chan, key=""):
    """JOIN and wait for the end of NAMES."""
    client.send(f"JOIN {chan} {key}".strip())
    client.expect("366", pred=lambda m: m.params[1].lower() == chan.lower())


def sync(client, token="sync"):
    """Round-trips a PING; returns the lines that arrived before its PONG."""
    client.send(f"PING :{token}")
    return client.collect_until("PONG", pred=lambda m: m.last == token)[:-1]


def mode(op, chan, modes):
    """Sends MODE and returns the MODE line the server broadcasts."""
    op.send(f"MODE {chan} {modes}")
    return op.expect("MODE", pred=lambda m: m.params[0] == chan)


def sign_in(port, account, password, nick, seconds=0.0):
    """A client registered on ``port`` with SASL PLAIN as ``account`` (the caller closes
    it). With ``seconds``, retries that long while the server turns clients away (an
    idle server becoming active after a failover)."""
    import time

    from irc_client import IrcClient

    deadline = time.monotonic() + seconds
    while True:
        c = IrcClient(nick).connect(port)
        try:
            c.register(nick, sasl=(account, password))
            return c
        except (AssertionError, OSError):
            c.close()
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.2)


def sasl_refusal(port, account, password):
    """(text of the refusal, seconds from the credentials to it) of a SASL PLAIN attempt
    on a new connection to ``port``; fails the test if it signs in."""
    import time

    from irc_client import IrcClient, IrcError

    c = IrcClient("sasl").connect(port)
    try:
        c.send("CAP LS 302")
        c.expect("CAP", pred=lambda m: m.params[1:2] == ["LS"])
        c.send("CAP REQ :sasl")
        c.expect("CAP", pred=lambda m: m.params[1:2] == ["ACK"])
        t0 = time.monotonic()
        try:
            c.authenticate_plain(account, password)
        except IrcError as e:
            return str(e), time.monotonic() - t0
        raise AssertionError(f"{account} signed in")
    finally:
        c.close()
