"""HTTPS for the admin API (--http-tls) and the file host (--files-tls), with the
certificate of the IRC TLS listener: the token rules and file rules hold over
TLS, plaintext HTTP gets no answer, and SIGHUP serves a new certificate."""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import urllib.parse

import pytest

from irc_client import IrcClient
from pchat_harness import free_port, wait_until
from rooms_helpers import add_accounts, catalog_caught_up, ctl
from tls_helpers import make_pki


@pytest.fixture
def pki(base_dir, unique):
    return make_pki(base_dir / unique("pki"))


def _plain_http_fails(port):
    """A plaintext request to a TLS port gets no HTTP answer."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/healthz")
        with pytest.raises((http.client.HTTPException, OSError)):
            conn.getresponse()
    except OSError:
        pass
    finally:
        conn.close()


def _peer_cn(port, context):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname="127.0.0.1") as s:
            for rdn in s.getpeercert()["subject"]:
                for k, v in rdn:
                    if k == "commonName":
                        return v
    return ""


def test_admin_api_over_https(server_factory, pki, unique):
    server = server_factory(start=False)
    server.http_context = pki.client_context()
    server.start(server.data_dir, ["--http-tls", "--tls-cert", str(pki.cert),
                                   "--tls-key", str(pki.key)])
    assert "admin API on" in server.log_tail(200) and "(HTTPS)" in server.log_tail(200)
    for path in ("/sessions", "/search?user=x&q=y"):
        assert server.http_get(path, token=None)[0] == 401
        assert server.http_get(path, token="wrong")[0] == 401
    assert server.http_get("/sessions")[0] == 200
    assert server.http_get("/metrics", token=None)[0] == 200
    _plain_http_fails(server.http_port)
    # SIGHUP: the next connection gets the new certificate.
    chain, key = pki.server_cert(unique("rot"), "pchat rotated admin")
    shutil.copy(chain, pki.cert)
    shutil.copy(key, pki.key)
    os.kill(server.pid, signal.SIGHUP)
    wait_until(lambda: "TLS certificate reloaded" in server.log_tail(200), 10, "the reload")
    assert _peer_cn(server.http_port, pki.client_context()) == "pchat rotated admin"
    assert server.http_get("/sessions")[0] == 200


def _files_request(port, context, method, path, body=None, auth=None, headers=None):
    conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=30, context=context)
    h = dict(headers or {})
    if auth is not None:
        h["Authorization"] = "Basic " + base64.b64encode(":".join(auth).encode()).decode()
    try:
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def test_file_host_over_https(server_factory, pki, unique):
    port = free_port()
    server = server_factory(extra_args=["--files-listen", f"127.0.0.1:{port}", "--files-tls",
                                        "--tls-cert", str(pki.cert), "--tls-key", str(pki.key)])
    passwords = add_accounts(server, ("alice", "bob"))
    ctl(server, 'New-CsPersistentChatCategory -Name Docs -AllowedMembers "*" '
                '-EnableFileUpload $true')
    chan = "#" + unique("fh")
    ctl(server, f"New-CsPersistentChatRoom -Name {chan[1:]} -Category Docs -Privacy Open")
    alice = IrcClient("alice").connect(server.irc_port)
    alice.register(unique("al"), sasl=("alice", passwords["alice"]))
    catalog_caught_up(server, alice)
    assert alice.isupport.get("soju.im/FILEHOST") == f"https://127.0.0.1:{port}"
    ctx = pki.client_context()
    data = os.urandom(100 * 1024)
    path = "/" + urllib.parse.quote(chan, safe="")
    status, body = _files_request(port, ctx, "POST", path, data, ("alice", "wrong"),
                                  {"Content-Disposition": 'attachment; filename="a.bin"'})
    assert status == 401
    status, body = _files_request(port, ctx, "POST", path, data, ("alice", passwords["alice"]),
                                  {"Content-Disposition": 'attachment; filename="a.bin"'})
    assert status == 201, body
    info = json.loads(body)
    assert info["url"].startswith(f"https://127.0.0.1:{port}/")
    got_path = urllib.parse.urlsplit(info["url"]).path
    status, got = _files_request(port, ctx, "GET", got_path, auth=("bob", passwords["bob"]))
    assert status == 200 and hashlib.sha256(got).hexdigest() == info["sha256"]
    _plain_http_fails(port)
    alice.close()


def test_https_needs_certificate(server_factory, base_dir, unique):
    server = server_factory(start=False)
    with pytest.raises(AssertionError, match="needs tls_cert_file"):
        server.start(base_dir / unique("d"), ["--http-tls"])
