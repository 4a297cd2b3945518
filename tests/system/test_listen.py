"""Listen addresses: host names, IPv6 in brackets, and bind failures that say why.

`--irc-listen localhost:P` binds every address localhost resolves to; `[::1]:P`
binds IPv6 loopback; a port already taken stops pchatd with a message naming the
address and the reason.
"""

from __future__ import annotations

import socket
import subprocess

import pytest

from irc_client import IrcClient
from pchat_harness import START_TIMEOUT, binary, free_port, host_port, sanitizer_env


def _ipv6_loopback_usable() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def _localhost_addresses() -> set:
    return {ai[4][0] for ai in socket.getaddrinfo("localhost", 1, type=socket.SOCK_STREAM)}


def _chat_works(server, unique, host: str) -> None:
    """A client connected to ``host`` registers and is answered."""
    with IrcClient(f"via-{host}").connect(server.irc_port, host=host) as client:
        client.register(unique("ln"))
        client.send(f"PING :{host}")
        client.expect("PONG", pred=lambda m: m.params[-1] == host)


def test_host_name_binds_every_address(server_factory, unique):
    server = server_factory(start=False, allow_guests=True)
    server.irc_host = "localhost"
    server.start(server.data_dir, allow_guests=True)
    addresses = _localhost_addresses()
    assert "127.0.0.1" in addresses
    _chat_works(server, unique, "127.0.0.1")
    listening = [line for line in server.log_tail(200).splitlines() if "irc: listening on" in line]
    assert listening and f"127.0.0.1:{server.irc_port}" in listening[-1], server.log_tail()
    if "::1" in addresses and _ipv6_loopback_usable():
        assert f"[::1]:{server.irc_port}" in listening[-1], listening
        _chat_works(server, unique, "::1")


def test_ipv6_in_brackets(server_factory, unique):
    if not _ipv6_loopback_usable():
        pytest.skip("this machine cannot bind ::1 (no IPv6 loopback)")
    server = server_factory(start=False, allow_guests=True)
    server.irc_host = "::1"
    server.start(server.data_dir, allow_guests=True)
    _chat_works(server, unique, "::1")
    # Only ::1 was asked for: IPv4 loopback is not served.
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", server.irc_port), timeout=2).close()


def _start_expecting_failure(data_dir, irc_listen: str, http_port: int) -> str:
    cmd = [str(binary("pchatd")), "--data-dir", str(data_dir), "--irc-listen", irc_listen,
           "--http-listen", f"127.0.0.1:{http_port}"]
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=START_TIMEOUT, env=sanitizer_env(), check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    return proc.stderr


def test_bind_failure_names_address_and_reason(bins, base_dir, unique):
    data_dir = base_dir / unique("bindfail") / "data"
    data_dir.parent.mkdir(parents=True)
    cases = [(socket.AF_INET, "127.0.0.1", "127.0.0.1")]
    if _ipv6_loopback_usable():
        cases.append((socket.AF_INET6, "::1", "::1"))
    # A name: the message says which of its addresses failed.
    cases.append((socket.AF_INET, "127.0.0.1", "localhost"))
    for family, taken, written in cases:
        port = free_port()
        with socket.socket(family, socket.SOCK_STREAM) as squatter:
            squatter.bind((taken, port))
            squatter.listen()
            stderr = _start_expecting_failure(data_dir, host_port(written, port), free_port())
        expected = f"cannot listen on {host_port(written, port)}"
        if written != taken:
            expected += f" ({host_port(taken, port)})"
        assert f"{expected}: Address already in use" in stderr, stderr


def test_bad_listen_address_is_refused_before_start(bins, base_dir, unique):
    data_dir = base_dir / unique("badaddr") / "data"
    cmd = [str(binary("pchatd")), "--data-dir", str(data_dir), "--irc-listen", "::1:6667"]
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=30, env=sanitizer_env(), check=False)
    assert proc.returncode == 1
    assert "--irc-listen" in proc.stderr and "brackets" in proc.stderr, proc.stderr
    assert not (data_dir / "pg").exists()
