"""Sign-in that gives nothing away: an unknown account name costs as much as a wrong
password (no enumeration by timing), and a password hash made with older costs is
replaced by one at the current costs on the next sign-in."""

from __future__ import annotations

import ctypes
import ctypes.util
import statistics
import time

from irc_client import IrcClient, IrcError
from irc_helpers import sasl_refusal, scram_sign_in, sign_in
from store_query import query


def test_an_unknown_name_costs_as_much_as_a_wrong_password(server_factory, account):
    server = server_factory()
    name, _ = account(server=server)
    wrong, unknown = [], []
    for k in range(5):  # interleaved, so load on the machine hits both alike
        wrong.append(sasl_refusal(server.irc_port, name, f"wrong-{k}")[1])
        unknown.append(sasl_refusal(server.irc_port, f"nobody{k}", f"wrong-{k}")[1])
    w, u = statistics.median(wrong), statistics.median(unknown)
    print(f"\nSASL refusal: wrong password median {w * 1000:.1f} ms, unknown name {u * 1000:.1f} ms")
    # Without the decoy verification an unknown name is refused in about a millisecond,
    # against tens for an argon2id verification.
    assert u >= 0.5 * w, (wrong, unknown)


def weak_argon2id(password: str) -> str:
    """An argon2id hash at libsodium's minimum costs (as an older pchat might have made)."""
    sodium = ctypes.CDLL(ctypes.util.find_library("sodium") or "libsodium.so.23")
    assert sodium.sodium_init() >= 0
    out = ctypes.create_string_buffer(128)
    pw = password.encode()
    rc = sodium.crypto_pwhash_str(out, pw, ctypes.c_ulonglong(len(pw)),
                                  ctypes.c_ulonglong(sodium.crypto_pwhash_opslimit_min()),
                                  ctypes.c_size_t(sodium.crypto_pwhash_memlimit_min()))
    assert rc == 0
    return out.value.decode()


def test_a_hash_with_older_costs_is_upgraded_at_sign_in(server_factory, account):
    server = server_factory()
    name, _ = account(server=server)
    weak = weak_argon2id("old-secret")
    assert "$m=8," in weak, weak
    query(server.data_dir, f"update accounts set password_hash = '{weak}' where name = '{name}'")
    sign_in(server.irc_port, name, "old-secret", "up1").close()
    (stored,), = query(server.data_dir, f"select password_hash from accounts where name = '{name}'")
    assert stored != weak and stored.startswith("$argon2id$") and "$m=8," not in stored, stored
    # The upgraded hash still takes the same password, and only it.
    sign_in(server.irc_port, name, "old-secret", "up2").close()
    assert sasl_refusal(server.irc_port, name, "other")[0].endswith(":SASL authentication failed")


def test_failed_sign_ins_are_throttled_per_name(server_factory, account):
    server = server_factory()
    name, password = account(server=server)
    for k in range(5):  # the free allowance: refused for the password only
        text, _ = sasl_refusal(server.irc_port, name, f"guess-{k}")
        assert text.endswith(":SASL authentication failed"), text
    # The sixth guess makes the name wait; even the right password is not checked now.
    text, _ = sasl_refusal(server.irc_port, name, "guess-5")
    assert text.endswith(":SASL authentication failed"), text
    text, _ = sasl_refusal(server.irc_port, name, password)
    assert "too many failed attempts, try again in" in text, text
    # A name that does not exist is throttled the same way (nothing to tell them apart).
    for k in range(6):
        sasl_refusal(server.irc_port, "nobody", f"guess-{k}")
    assert "too many failed attempts" in sasl_refusal(server.irc_port, "nobody", "x")[0]
    # Other names from the same address still sign in.
    other, other_pw = account(server=server)
    sign_in(server.irc_port, other, other_pw, "other1").close()
    m = server.metrics()
    assert m["pchat_sign_in_failures_total"] == 12, m
    assert m["pchat_sign_ins_throttled_total"] == 2, m
    assert m["pchat_sign_ins_total"] == 1, m
    # The wait is a second after the sixth failure: then the right password works.
    deadline = time.monotonic() + 10
    while True:
        try:
            sign_in(server.irc_port, name, password, "back1").close()
            break
        except IrcError as e:
            assert "too many failed attempts" in str(e) and time.monotonic() < deadline, str(e)
            time.sleep(0.3)


def scram_client(port, nick="scram"):
    c = IrcClient(nick).connect(port)
    c.send("CAP LS 302")
    ls = c.expect("CAP", pred=lambda m: m.params[1:2] == ["LS"])
    c.send("CAP REQ :sasl")
    c.expect("CAP", pred=lambda m: m.params[1:2] == ["ACK"])
    return c, ls


def test_scram_sha_256_signs_in_and_refuses_a_wrong_proof(server_factory, account):
    server = server_factory()
    name, password = account(server=server)
    c, ls = scram_client(server.irc_port)
    try:
        assert "sasl=PLAIN,SCRAM-SHA-256" in ls.params[-1], ls.raw
        assert scram_sign_in(c, name, password) == "903"
        c.send("NICK scram1")
        c.send("USER scram1 0 * :scram")
        c.send("CAP END")
        welcome = c.expect("001")
        c.send("WHOIS scram1")
        assert c.expect("330").params[2] == name
    finally:
        c.close()
    for wrong in (dict(password="not-it"), dict(password=password, corrupt_proof=True)):
        c, _ = scram_client(server.irc_port)
        try:
            assert scram_sign_in(c, name, **wrong) == "904"
        finally:
            c.close()
    # An unknown name gets a salt and a challenge too (a decoy), the same salt each
    # time, and fails only at the proof.
    c, _ = scram_client(server.irc_port)
    try:
        assert scram_sign_in(c, "nobody-here", "x") == "904"
    finally:
        c.close()
    m = server.metrics()
    assert m["pchat_sign_ins_total"] == 1 and m["pchat_sign_in_failures_total"] == 3, m
    assert welcome


def test_plain_gives_an_older_account_its_scram_verifier(server_factory, account):
    server = server_factory()
    name, password = account(server=server)
    query(server.data_dir, f"update accounts set scram_sha256 = null where name = '{name}'")
    c, _ = scram_client(server.irc_port)
    try:
        assert scram_sign_in(c, name, password) == "904"  # no verifier yet: a decoy
    finally:
        c.close()
    sign_in(server.irc_port, name, password, "plain1").close()
    (stored,), = query(server.data_dir, f"select scram_sha256 from accounts where name = '{name}'")
    assert stored.startswith("SCRAM-SHA-256$100000:"), stored
    c, _ = scram_client(server.irc_port, "scram2")
    try:
        assert scram_sign_in(c, name, password) == "903"
    finally:
        c.close()
