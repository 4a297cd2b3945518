"""The admin API wants the admin token on every path but /healthz and /metrics.

pchatd creates the token (mode 0600) in its data directory at first start; requests
without it, or with another one, get 401 on loopback too; SIGHUP rotates it; every
/search is logged with who asked.
"""

from __future__ import annotations

import os
import signal
import stat

from pchat_harness import pchatctl, wait_until

PROTECTED = [("GET", "/sessions"), ("GET", "/search?user=alice&q=hello"), ("POST", "/drain"),
             ("POST", "/undrain"), ("GET", "/no-such-path")]


def _refused_without_the_token(server, token: str) -> None:
    for method, path in PROTECTED:
        for bad in (None, "", "wrong", token[:-1], token + "x", token.upper()):
            status, body = server.http_request(method, path, token=bad)
            assert status == 401, f"{method} {path} with token {bad!r}: {status} {body}"


def test_admin_api_needs_the_token(server_factory, unique):
    server = server_factory(allow_guests=True)
    token_file = server.admin_token_file()
    assert token_file == server.data_dir / "admin-token"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    token = server.admin_token()
    assert len(token) == 64

    _refused_without_the_token(server, token)
    # Probes and scrapers need no token.
    assert server.http_get("/healthz", token=None)[0] == 200
    assert server.http_get("/metrics", token=None)[0] == 200

    account = unique("tok")
    assert pchatctl(server.data_dir, "user", "add", account, input="pw-" + account + "\n").returncode == 0
    assert server.http_get("/sessions")[0] == 200
    status, body = server.http_get(f"/search?user={account}&q=hello")
    assert status == 200, body
    log = server.log_tail(400)
    assert f"/search as {account} in * " in log and "asked by 127.0.0.1:" in log, log
    assert server.http_request("POST", "/drain")[0] == 202
    assert server.http_request("POST", "/undrain")[0] == 202
    assert "POST /drain by 127.0.0.1:" in server.log_tail(400)


def test_sighup_rotates_the_token(server_factory):
    server = server_factory(allow_guests=True)
    old = server.admin_token()
    assert server.http_get("/sessions", token=old)[0] == 200
    new = "rotated-" + old[:20]
    server.admin_token_file().write_text(new + "\n")
    os.kill(server.pid, signal.SIGHUP)
    wait_until(lambda: not server.running or "admin token rotated" in server.log_tail(400), 15,
               "the rotation in the log")
    assert server.running
    assert server.http_get("/sessions", token=old)[0] == 401
    assert server.http_get("/sessions", token=new)[0] == 200
    # An emptied file keeps the running token.
    server.admin_token_file().write_text("\n")
    os.kill(server.pid, signal.SIGHUP)
    wait_until(lambda: "admin token not reloaded" in server.log_tail(400), 15,
               "the refused rotation in the log")
    assert server.http_get("/sessions", token=new)[0] == 200
