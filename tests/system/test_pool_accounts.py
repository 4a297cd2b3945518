"""Accounts in a pool: `pchatctl --topology T user ...` works on the store the pool's
servers use, and an account signs in with SASL on every server of the pool.

Before and after a failover and a failback: see
test_failover.py::test_failback_brings_the_pool_home_with_nothing_lost."""

from __future__ import annotations

import os
import secrets
import subprocess

from irc_client import IrcClient
from irc_helpers import sasl_refusal, sign_in
from lab_harness import pchatctl_run
from pchat_harness import binary, sanitizer_env


def test_data_dir_and_topology_together_is_a_usage_error(tmp_path):
    data = tmp_path / "data"
    topology = tmp_path / "pool.toml"
    topology.write_text("# never read\n")
    r = subprocess.run([str(binary("pchatctl")), "--data-dir", str(data), "--topology",
                        str(topology), "user", "add", "alice"], input="secret\n",
                       capture_output=True, text=True, timeout=60, env=sanitizer_env())
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "--data-dir" in r.stderr and "--topology" in r.stderr and "give one" in r.stderr, r.stderr
    assert not data.exists(), "a data directory was created"
    # The same through the environment variable.
    r = subprocess.run([str(binary("pchatctl")), "--data-dir", str(data), "user", "list"],
                       capture_output=True, text=True, timeout=60,
                       env={**sanitizer_env(), "PCHAT_TOPOLOGY": str(topology)})
    assert r.returncode == 2 and "PCHAT_TOPOLOGY" in r.stderr, (r.returncode, r.stderr)
    assert not data.exists()


def test_accounts_of_a_lab_pool_sign_in_on_every_active_server(lab_factory, tmp_path, monkeypatch):
    lab = lab_factory(servers_per_dc=2, allow_guests=False, extra_args=("--users", "2"))
    assert "accounts user1..user2 created in the primary store" in lab.up_output, lab.up_output
    users_file = lab.dir / "users.txt"
    assert os.stat(users_file).st_mode & 0o777 == 0o600
    passwords = dict(line.split(" ", 1) for line in users_file.read_text().splitlines())
    assert sorted(passwords) == ["user1", "user2"] and all(len(p) >= 16 for p in passwords.values())
    servers_a = lab.servers("A")
    for i, s in enumerate(servers_a):
        sign_in(s["irc_port"], "user1", passwords["user1"], f"u1on{i}").close()

    # Added through the topology: the pool's store, and no data directory anywhere.
    monkeypatch.chdir(tmp_path)
    password = secrets.token_urlsafe(12)
    r = lab.ctl("user", "add", "Alice", input=password + "\n")
    assert r.stdout == "created account 'Alice'\n", r.stdout
    assert "in its primary store" in r.stderr, r.stderr
    assert not (tmp_path / "pchat-data").exists(), "pchatctl created ./pchat-data"
    for i, s in enumerate(servers_a):
        c = sign_in(s["irc_port"], "alice", password, f"alice{i}")
        c.send("WHOIS " + f"alice{i}")
        assert c.expect("330").params[2] == "Alice"
        c.close()
    listed = lab.ctl("user", "list").stdout.split()
    assert {"Alice", "user1", "user2"} <= set(listed), listed

    # Client certificates (SASL EXTERNAL) are registered in the pool's store too, and go
    # with the account.
    fingerprint = secrets.token_hex(32)
    r = lab.ctl("user", "cert", "add", "alice", fingerprint)
    assert "in its primary store" in r.stderr, r.stderr
    assert fingerprint in lab.ctl("user", "cert", "list", "Alice").stdout
    assert lab.ctl("user", "cert", "add", "user1", fingerprint, check=False).returncode == 1

    # passwd and remove act on the pool too.
    new_password = secrets.token_urlsafe(12)
    lab.ctl("user", "passwd", "alice", input=new_password + "\n")
    assert "904" in sasl_refusal(servers_a[1]["irc_port"], "alice", password)[0]
    sign_in(servers_a[1]["irc_port"], "alice", new_password, "alicenew").close()
    lab.ctl("user", "remove", "alice")
    assert "904" in sasl_refusal(servers_a[0]["irc_port"], "alice", new_password)[0]
    assert "Alice" not in lab.ctl("user", "list").stdout
    assert fingerprint not in lab.ctl("user", "cert", "list").stdout  # removed with alice
    # Without an account, the pool refuses (no --allow-guests).
    c = IrcClient("guest").connect(servers_a[0]["irc_port"])
    try:
        c.register("guest1")
        c.send("JOIN #x")
        assert c.expect(("477", "JOIN"), 10).command == "477"
    finally:
        c.close()


def test_a_pool_without_a_reachable_store_creates_nothing(tmp_path, monkeypatch):
    """A topology whose store does not answer: a clear error, and no local store."""
    monkeypatch.chdir(tmp_path)
    topology = tmp_path / "pool.toml"
    topology.write_text(
        '[pool]\nfqdn = "pool.example.org"\n\n[datacenters.A]\n\n'
        '[[servers]]\nname = "s1"\ndatacenter = "A"\n'
        'irc_listen = "127.0.0.1:1"\nhttp_listen = "127.0.0.1:2"\n\n'
        '[stores.primary]\ndatacenter = "A"\nhost = "127.0.0.1"\nport = 1\n'
        'dbname = "mgc"\nuser = "pchat"\n')
    v = pchatctl_run("--topology", topology, "topology", "validate", timeout=60)
    assert v.returncode == 0, v.stdout + v.stderr
    r = pchatctl_run("--topology", topology, "user", "add", "bob", input="pw\n", timeout=60)
    assert r.returncode == 1 and "unreachable" in r.stderr, (r.returncode, r.stderr)
    assert not (tmp_path / "pchat-data").exists()
