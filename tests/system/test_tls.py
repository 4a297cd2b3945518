"""IRC over TLS (irc_tls_listen): Python ``ssl`` clients against a real pchatd.

The handshake (TLS 1.2+, the chain served, a weak cipher refused), chat between a
TLS and a plaintext client, the IRCv3 sts policy on both listeners, SASL EXTERNAL
with a client certificate registered by ``pchatctl user cert``, refusals (no
certificate, an unregistered or removed one, plaintext), WHOIS 671/276, and
SIGHUP serving a new certificate to the next connection while a TLS client stays.
"""

from __future__ import annotations

import base64
import os
import shutil
import signal
import ssl

import pytest

from irc_client import IrcClient
from pchat_harness import free_port, pchatctl, wait_until
from tls_helpers import make_pki, peer_subject_cn

STS_DURATION = 300


@pytest.fixture
def pki(base_dir, unique):
    return make_pki(base_dir / unique("pki"))


def _tls_server(server_factory, pki, plain=True, extra=()):
    tls_port = free_port()
    args = ["--irc-tls-listen", f"127.0.0.1:{tls_port}", "--tls-cert", str(pki.cert),
            "--tls-key", str(pki.key), "--sts-duration", str(STS_DURATION), *extra]
    server = server_factory(extra_args=args, allow_guests=True, start=False)
    if not plain:
        args = ["--irc-listen", "off", *args]
    server.start(server.data_dir, args, allow_guests=True)
    server.tls_port = tls_port
    return server


def _connect_tls(server, context, name="tls"):
    return IrcClient(name).connect_tls(server.tls_port, context)


def _sasl_external(client, nick, authzid="+"):
    """Registers ``nick`` with SASL EXTERNAL; returns the SASL outcome numeric."""
    client.send("CAP LS 302")
    client.send(f"NICK {nick}")
    client.send(f"USER {nick} 0 * :{nick}")
    client._read_cap_ls(10)
    client.send("CAP REQ :sasl")
    client._read_cap_ack(["sasl"], 10)
    client.send("AUTHENTICATE EXTERNAL")
    first = client.expect(("AUTHENTICATE", "904"))
    if first.command == "904":
        return first
    assert first.params == ["+"], first.raw
    client.send(f"AUTHENTICATE {authzid}")
    return client.expect(("903", "904"))


def test_tls_handshake_chain_and_chat_with_plaintext(server_factory, pki, unique):
    server = _tls_server(server_factory, pki)
    a = _connect_tls(server, pki.client_context(), "a")
    assert a.sock.version() in ("TLSv1.2", "TLSv1.3")
    assert peer_subject_cn(a.sock) == "pchat test server"  # verified up to the root
    b = IrcClient("b").connect(server.irc_port)
    na, nb, chan = unique("ta"), unique("pb"), "#" + unique("tls")
    a.register(na)
    b.register(nb)
    for c in (a, b):
        c.send(f"JOIN {chan}")
        c.expect("366")
    a.send(f"PRIVMSG {chan} :over tls")
    assert b.expect("PRIVMSG").last == "over tls"
    b.send(f"PRIVMSG {chan} :over tcp")
    assert a.expect("PRIVMSG").last == "over tcp"
    b.send(f"WHOIS {na}")
    whois = b.collect_until("318")
    assert any(m.command == "671" for m in whois), [m.raw for m in whois]
    assert not any(m.command == "276" for m in whois)  # no certificate
    a.send(f"WHOIS {nb}")
    assert not any(m.command == "671" for m in a.collect_until("318"))
    a.quit()
    b.quit()


def test_tls_refuses_tls12_without_ecdhe_aead(server_factory, pki):
    server = _tls_server(server_factory, pki)
    weak = pki.client_context()
    weak.maximum_version = ssl.TLSVersion.TLSv1_2
    weak.set_ciphers("ECDHE-ECDSA-AES128-SHA256")  # CBC: not in pchatd's list
    with pytest.raises(ssl.SSLError):
        _connect_tls(server, weak)
    good = pki.client_context()
    good.maximum_version = ssl.TLSVersion.TLSv1_2
    c = _connect_tls(server, good)
    assert c.sock.version() == "TLSv1.2"
    c.close()


def test_sts_policy_on_plaintext_and_tls(server_factory, pki, unique):
    server = _tls_server(server_factory, pki)
    plain = IrcClient("p").connect(server.irc_port)
    plain.send("CAP LS 302")
    plain._read_cap_ls(10)
    assert plain.available_caps["sts"] == f"port={server.tls_port},duration={STS_DURATION}"
    assert plain.available_caps["sasl"].split(",")[0] == "EXTERNAL"
    plain.send("CAP REQ :sts")
    assert plain.expect("CAP", pred=lambda m: m.params[1] in ("ACK", "NAK")).params[1] == "NAK"
    secure = _connect_tls(server, pki.client_context())
    secure.send("CAP LS 302")
    secure._read_cap_ls(10)
    assert secure.available_caps["sts"] == f"duration={STS_DURATION}"
    plain.close()
    secure.close()


def test_no_sts_without_tls_listener(server_factory):
    server = server_factory(allow_guests=True)
    c = IrcClient().connect(server.irc_port)
    c.send("CAP LS 302")
    c._read_cap_ls(10)
    assert "sts" not in c.available_caps
    assert "EXTERNAL" not in c.available_caps["sasl"]
    c.close()


def test_sasl_external_with_registered_certificate(server_factory, pki, account, unique):
    server = _tls_server(server_factory, pki)
    acct, _ = account(unique("ext"), server=server)
    cert = pki.client_cert(unique("cc"))
    colons = ":".join(cert.fingerprint[i:i + 2] for i in range(0, 64, 2)).upper()
    added = pchatctl(server.data_dir, "user", "cert", "add", acct, colons)
    assert added.returncode == 0, added.stderr
    listed = pchatctl(server.data_dir, "user", "cert", "list", acct)
    assert listed.returncode == 0 and cert.fingerprint in listed.stdout, listed
    again = pchatctl(server.data_dir, "user", "cert", "add", acct, cert.fingerprint)
    assert again.returncode != 0 and "registered already" in again.stderr

    c = _connect_tls(server, pki.client_context(cert))
    nick = unique("en")
    reply = _sasl_external(c, nick)
    assert reply.command == "903", reply.raw
    c.send("CAP END")
    c.collect_until("376")
    c.send(f"WHOIS {nick}")
    whois = c.collect_until("318")
    account_line = [m for m in whois if m.command == "330"]
    assert account_line and account_line[0].params[2].lower() == acct.lower()
    fp = [m for m in whois if m.command == "276"]
    assert fp and fp[0].last.endswith(cert.fingerprint), [m.raw for m in whois]
    other = IrcClient("o").connect(server.irc_port)
    other.register(unique("on"))
    other.send(f"WHOIS {nick}")
    seen = other.collect_until("318")
    assert any(m.command == "330" for m in seen)
    assert not any(m.command == "276" for m in seen)  # only its owner sees it
    # The authorization identity, when given, must be the certificate's account.
    c2 = _connect_tls(server, pki.client_context(cert))
    assert _sasl_external(c2, unique("en"),
                          base64.b64encode(acct.encode()).decode()).command == "903"
    c3 = _connect_tls(server, pki.client_context(cert))
    assert _sasl_external(c3, unique("en"),
                          base64.b64encode(b"someoneelse").decode()).command == "904"
    for x in (c, c2, c3, other):
        x.close()


def test_sasl_external_refusals(server_factory, pki, account, unique):
    server = _tls_server(server_factory, pki)
    acct, _ = account(unique("ext"), server=server)
    cert = pki.client_cert(unique("cc"))
    stranger = pki.client_cert(unique("st"))
    assert pchatctl(server.data_dir, "user", "cert", "add", acct, cert.fingerprint).returncode == 0

    unregistered = _connect_tls(server, pki.client_context(stranger))
    reply = _sasl_external(unregistered, unique("en"))
    assert reply.command == "904" and "no account" in reply.last, reply.raw
    no_cert = _connect_tls(server, pki.client_context())
    assert _sasl_external(no_cert, unique("en")).command == "904"
    plain = IrcClient().connect(server.irc_port)
    assert _sasl_external(plain, unique("en")).command == "904"

    removed = pchatctl(server.data_dir, "user", "cert", "remove", acct, cert.fingerprint)
    assert removed.returncode == 0, removed.stderr
    gone = _connect_tls(server, pki.client_context(cert))
    assert _sasl_external(gone, unique("en")).command == "904"
    for x in (unregistered, no_cert, plain, gone):
        x.close()


def test_cert_commands_bad_input(server_factory, account, unique):
    server = server_factory()
    acct, _ = account(unique("ext"), server=server)
    bad = pchatctl(server.data_dir, "user", "cert", "add", acct, "abc123")
    assert bad.returncode != 0 and "64 hex digits" in bad.stderr
    unknown = pchatctl(server.data_dir, "user", "cert", "add", unique("nobody"), "a" * 64)
    assert unknown.returncode != 0 and "no account" in unknown.stderr
    missing = pchatctl(server.data_dir, "user", "cert", "remove", acct, "b" * 64)
    assert missing.returncode != 0 and "no certificate" in missing.stderr


def test_tls_only_server(server_factory, pki, unique):
    server = _tls_server(server_factory, pki, plain=False)
    with pytest.raises(OSError):
        IrcClient().connect(server.irc_port, timeout=2)
    c = _connect_tls(server, pki.client_context())
    c.register(unique("to"))
    c.quit()


def test_tls_listener_needs_certificate(server_factory, base_dir, unique):
    server = server_factory(start=False)
    with pytest.raises(AssertionError, match="needs tls_cert_file"):
        server.start(base_dir / unique("d"), ["--irc-tls-listen", f"127.0.0.1:{free_port()}"])


def test_sighup_serves_new_certificate_and_keeps_clients(server_factory, pki, unique):
    server = _tls_server(server_factory, pki)
    old = _connect_tls(server, pki.client_context(), "old")
    nick, chan = unique("old"), "#" + unique("hup")
    old.register(nick)
    old.send(f"JOIN {chan}")
    old.expect("366")
    new_chain, new_key = pki.server_cert(unique("rot"), "pchat rotated server")
    shutil.copy(new_chain, pki.cert)
    shutil.copy(new_key, pki.key)
    os.kill(server.pid, signal.SIGHUP)
    wait_until(lambda: "TLS certificate reloaded" in server.log_tail(200), 10, "the reload")
    fresh = _connect_tls(server, pki.client_context(), "fresh")
    assert peer_subject_cn(fresh.sock) == "pchat rotated server"
    assert peer_subject_cn(old.sock) == "pchat test server"
    fresh.register(unique("new"))
    fresh.send(f"JOIN {chan}")
    fresh.expect("366")
    old.send(f"PRIVMSG {chan} :still here")
    assert fresh.expect("PRIVMSG").last == "still here"
    # A broken file: the certificate in force stays, and the log says why.
    pki.cert.write_text("not a certificate\n")
    os.kill(server.pid, signal.SIGHUP)
    wait_until(lambda: "TLS certificate not reloaded" in server.log_tail(200), 10, "the refusal")
    third = _connect_tls(server, pki.client_context(), "third")
    assert peer_subject_cn(third.sock) == "pchat rotated server"
    old.send("PING :alive")
    assert old.expect("PONG").last == "alive"
    for c in (old, fresh, third):
        c.close()
