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


def sasl_refusal(port, account, password, timeout=5.0):
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
            c.authenticate_plain(account, password, timeout)
        except IrcError as e:
            return str(e), time.monotonic() - t0
        raise AssertionError(f"{account} signed in")
    finally:
        c.close()


def scram_sign_in(client, account, password, corrupt_proof=False):
    """SASL SCRAM-SHA-256 (RFC 5802, RFC 7677) as a client, on ``client`` whose ``sasl``
    capability is acknowledged: returns the numeric that ends it (903 when signed in,
    after checking the server's signature; 904 otherwise)."""
    import base64
    import hashlib
    import hmac
    import secrets

    def b64(b):
        return base64.b64encode(b).decode()

    def send(message):
        client.send("AUTHENTICATE " + (b64(message.encode()) if message else "+"))

    def answer():
        m = client.expect(("AUTHENTICATE", "903", "904", "902", "905", "906", "908"))
        return m.command, (base64.b64decode(m.params[0]).decode()
                           if m.command == "AUTHENTICATE" and m.params[0] != "+" else "")

    client.send("AUTHENTICATE SCRAM-SHA-256")
    client.expect("AUTHENTICATE", pred=lambda m: m.params[:1] == ["+"])
    nonce = secrets.token_urlsafe(18)
    bare = f"n={account.replace('=', '=3D').replace(',', '=2C')},r={nonce}"
    send("n,," + bare)
    cmd, server_first = answer()
    if cmd != "AUTHENTICATE":
        return cmd
    attrs = dict(part.split("=", 1) for part in server_first.split(","))
    assert attrs["r"].startswith(nonce) and len(attrs["r"]) > len(nonce), server_first
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(attrs["s"]),
                                 int(attrs["i"]))
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    stored_key = hashlib.sha256(client_key).digest()
    without_proof = f"c=biws,r={attrs['r']}"
    auth_message = f"{bare},{server_first},{without_proof}".encode()
    signature = hmac.new(stored_key, auth_message, "sha256").digest()
    proof = bytes(a ^ b for a, b in zip(client_key, signature))
    if corrupt_proof:
        proof = bytes([proof[0] ^ 1]) + proof[1:]
    send(f"{without_proof},p={b64(proof)}")
    cmd, server_final = answer()
    if cmd != "AUTHENTICATE":
        return cmd
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()
    expected = b64(hmac.new(server_key, auth_message, "sha256").digest())
    assert server_final == "v=" + expected, (server_final, expected)
    send("")
    return answer()[0]
