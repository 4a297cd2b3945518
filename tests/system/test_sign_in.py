"""Sign-in that gives nothing away: an unknown account name costs as much as a wrong
password (no enumeration by timing), and a password hash made with older costs is
replaced by one at the current costs on the next sign-in."""

from __future__ import annotations

import ctypes
import ctypes.util
import statistics
import time

from irc_client import IrcClient, IrcError
from irc_helpers import sign_in
from store_query import query


def sasl_seconds(port: int, account: str, password: str) -> float:
    """Seconds from the last AUTHENTICATE line to the server's refusal."""
    c = IrcClient("t").connect(port)
    try:
        c.send("CAP LS 302")
        c.expect("CAP", pred=lambda m: m.params[1:2] == ["LS"])
        c.send("CAP REQ :sasl")
        c.expect("CAP", pred=lambda m: m.params[1:2] == ["ACK"])
        t0 = time.monotonic()
        try:
            c.authenticate_plain(account, password)
        except IrcError as e:
            assert "904" in str(e), str(e)
            return time.monotonic() - t0
        raise AssertionError(f"{account} signed in with a wrong password")
    finally:
        c.close()


def test_an_unknown_name_costs_as_much_as_a_wrong_password(server_factory, account):
    server = server_factory()
    name, _ = account(server=server)
    wrong, unknown = [], []
    for k in range(5):  # interleaved, so load on the machine hits both alike
        wrong.append(sasl_seconds(server.irc_port, name, f"wrong-{k}"))
        unknown.append(sasl_seconds(server.irc_port, f"nobody{k}", f"wrong-{k}"))
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
    assert sasl_seconds(server.irc_port, name, "other") > 0
