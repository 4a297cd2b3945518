"""The web listener (--web-listen; docs/web.md): IRC over WebSocket (IRCv3
websocket: text.ircv3.net and binary.ircv3.net) as the same sessions as TCP, the
Origin check, WSS with the IRC TLS certificate, the web client's static files with
their security headers, and CORS on the file host for the web client's origins.
Real pchatd, PostgreSQL, OpenSSL and websocket-client (python3-websocket)."""

from __future__ import annotations

import http.client
import os
import ssl

import pytest
import websocket  # python3-websocket

from irc_client import IrcClient
from pchat_harness import free_port
from tls_helpers import make_pki
from ws_client import BINARY, TEXT, WsIrcClient

ALLOWED = "https://chat.example.org"
INDEX = b"<!doctype html><title>pchat</title><script src=app.js></script>\n"


def _web_root(path):
    """A tiny web client, and a secret beside (outside) it."""
    root = path / "webroot"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_bytes(INDEX)
    (root / "app.js").write_text("console.log('pchat');\n")
    (root / "assets" / "style.css").write_text("body { color: black; }\n")
    (path / "secret.txt").write_text("not for the web\n")
    os.symlink(path / "secret.txt", root / "escape.txt")
    return root


def _config(path, root, extra=""):
    cfg = path / "pchatd.toml"
    cfg.write_text(f'web_root = "{root}"\nweb_origins = ["{ALLOWED}"]\n{extra}')
    return cfg


@pytest.fixture
def web(server_factory, base_dir, unique):
    """A pchatd with the web listener on a free port; returns (server, web_port, dir)."""
    path = base_dir / unique("web")
    path.mkdir(parents=True)
    root = _web_root(path)
    port = free_port()
    server = server_factory(allow_guests=True, extra_args=[
        "--config", str(_config(path, root)), "--web-listen", f"127.0.0.1:{port}"])
    return server, port, path


def _ws(port, subprotocols=("text.ircv3.net",), path="/irc", **kw):
    return WsIrcClient().connect_ws(f"ws://127.0.0.1:{port}{path}", subprotocols, **kw)


def _get(port, method, target, headers=None, context=None):
    if context is None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    else:
        conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=context)
    try:
        conn.request(method, target, headers=headers or {})
        res = conn.getresponse()
        return res.status, dict(res.getheaders()), res.read()
    finally:
        conn.close()


@pytest.mark.parametrize("proto", ["text.ircv3.net", "binary.ircv3.net"])
def test_websocket_and_tcp_clients_chat_both_ways(web, unique, proto):
    server, port, _ = web
    chan = "#" + unique("web")
    ws = _ws(port, [proto], path="/")
    assert ws.subprotocol == proto
    ws.register(unique("w"), caps=("echo-message",))
    tcp = IrcClient("tcp").connect(server.irc_port)
    tcp.register(unique("t"))
    ws.send(f"JOIN {chan}")
    ws.expect("366")
    tcp.send(f"JOIN {chan}")
    tcp.expect("366")
    ws.expect("JOIN", pred=lambda m: m.nick == tcp.nick)
    ws.send(f"PRIVMSG {chan} :hello from the web \u00e9")
    got = tcp.expect("PRIVMSG")
    assert got.nick == ws.nick and got.params == [chan, "hello from the web \u00e9"]
    assert ws.expect("PRIVMSG").nick == ws.nick  # echo-message
    tcp.send(f"PRIVMSG {chan} :hello from TCP")
    got = ws.expect("PRIVMSG", pred=lambda m: m.nick == tcp.nick)
    assert got.params == [chan, "hello from TCP"]
    assert set(ws.opcodes) == {BINARY if proto.startswith("binary") else TEXT}
    # The session's address is the TCP peer's.
    tcp.send(f"WHOIS {ws.nick}")
    assert "127.0.0.1" in tcp.expect("311").raw
    ws.quit()
    tcp.close()


def test_subprotocol_is_the_clients_first_supported(web):
    _, port, _ = web
    for offered, chosen in ((["binary.ircv3.net", "text.ircv3.net"], "binary.ircv3.net"),
                            (["text.ircv3.net", "binary.ircv3.net"], "text.ircv3.net"),
                            (["x.example", "binary.ircv3.net"], "binary.ircv3.net"),
                            ([], None)):
        c = _ws(port, offered)
        assert c.subprotocol == chosen, offered
        c.send("PING :x")
        c.expect("PONG")
        assert c.opcodes == [BINARY if chosen == "binary.ircv3.net" else TEXT]
        c.close()


def test_labeled_response_batch_and_long_lines_as_on_tcp(web, unique):
    _, port, _ = web
    ws = _ws(port)
    ws.register(unique("w"), caps=("labeled-response", "batch", "echo-message", "message-tags"))
    chan = "#" + unique("lab")
    ws.request(f"JOIN {chan}", "j1")
    start = ws.expect_label("j1")
    assert start.command == "BATCH" and start.params[1] == "labeled-response"
    ref = start.params[0][1:]
    ws.collect_until("BATCH", pred=lambda m: m.params == ["-" + ref])
    ws.request("PING :x", "p1")
    assert ws.expect_label("p1").command == "PONG"
    # A line over IRC's 512 bytes: 417, and the connection stays, as on TCP.
    ws.send(f"PRIVMSG {chan} :" + "x" * 600)
    assert ws.expect("417").params[0] == ws.nick
    ws.send("PING :still")
    ws.expect("PONG", pred=lambda m: m.last == "still")


def test_flood_limit_applies(server_factory, base_dir, unique):
    path = base_dir / unique("flood")
    path.mkdir(parents=True)
    port = free_port()
    server_factory(allow_guests=True, extra_args=[
        "--config", str(_config(path, _web_root(path))), "--web-listen", f"127.0.0.1:{port}",
        "--flood-burst", "5", "--flood-rate", "1"])
    ws = _ws(port)
    ws.register(unique("w"))
    for i in range(30):
        try:
            ws.send(f"PING :{i}")
        except (websocket.WebSocketException, OSError):
            break
    got = ws.wait_closed(10)
    assert any(m.command == "ERROR" and "Excess Flood" in m.raw for m in got)


def test_bad_messages_close_the_connection(web):
    _, port, _ = web
    c = _ws(port)
    c.send_message(b"PRIVMSG #x :caf\xe9", opcode=TEXT)  # text frame, not UTF-8
    c.wait_closed(10)
    assert c.close_code == 1007
    c = _ws(port)
    c.send_message(b"PING :a\r\nPING :b")  # two lines in one message
    c.wait_closed(10)
    assert c.close_code == 1008
    c = _ws(port)
    c.send_message(b"PRIVMSG #x :" + b"y" * 70000)  # above the 64 KiB message limit
    c.wait_closed(10)
    # The server stops reading at the frame's header; the rest of the frame still in
    # its socket makes the close a reset, which may overtake the close frame (1009).
    assert c.close_code in (1009, None)


def test_foreign_origin_is_refused_before_the_upgrade(web):
    _, port, _ = web
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        _ws(port, origin="https://evil.example")
    assert refused.value.status_code == 403
    status, headers, body = _get(port, "GET", "/irc", {
        "Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Origin": "http://localhost.evil"})
    assert status == 403 and b"origin" in body
    for origin in (ALLOWED, f"http://127.0.0.1:{port}", None):  # listed, own, none
        c = _ws(port, origin=origin)
        c.send("PING :o")
        c.expect("PONG")
        c.close()


def test_static_files_headers_and_traversal(web):
    _, port, _ = web
    status, headers, body = _get(port, "GET", "/")
    assert status == 200 and body == INDEX
    assert headers["Content-Type"].startswith("text/html")
    csp = headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp and "connect-src 'self'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    status, headers, body = _get(port, "GET", "/app.js")
    assert status == 200 and headers["Content-Type"].startswith("text/javascript")
    assert _get(port, "GET", "/assets/style.css")[1]["Content-Type"].startswith("text/css")
    etag = headers["ETag"]
    status, headers, body = _get(port, "GET", "/app.js", {"If-None-Match": etag})
    assert status == 304 and body == b"" and "Content-Security-Policy" in headers
    status, headers, body = _get(port, "HEAD", "/app.js")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 0
    status, headers, _ = _get(port, "POST", "/app.js")
    assert status == 405 and "GET" in headers["Allow"]
    assert _get(port, "GET", "/missing.js")[0] == 404
    for target in ("/../secret.txt", "/%2e%2e/secret.txt", "/assets/%2E%2E/%2E%2E/secret.txt",
                   "/..%2fsecret.txt", "//etc/passwd", "/escape.txt", "/assets/..%5c..%5csecret.txt"):
        status, headers, body = _get(port, "GET", target)
        assert status == 404, target
        assert b"not for the web" not in body and b"root:" not in body
        assert "Content-Security-Policy" in headers


def test_missing_web_root_answers_404_and_websocket_works(server_factory, base_dir, unique):
    path = base_dir / unique("noroot")
    path.mkdir(parents=True)
    port = free_port()
    server_factory(allow_guests=True, extra_args=[
        "--config", str(_config(path, path / "absent")), "--web-listen", f"127.0.0.1:{port}"])
    status, _, body = _get(port, "GET", "/")
    assert status == 404 and str(path / "absent").encode() in body
    c = _ws(port)
    c.register(unique("w"))
    c.quit()


def test_wss_with_the_tls_certificate(server_factory, base_dir, unique):
    path = base_dir / unique("wss")
    path.mkdir(parents=True)
    pki = make_pki(path / "pki")
    port = free_port()
    server = server_factory(allow_guests=True, extra_args=[
        "--config", str(_config(path, _web_root(path))), "--web-listen", f"127.0.0.1:{port}",
        "--web-tls", "--tls-cert", str(pki.cert), "--tls-key", str(pki.key)])
    c = WsIrcClient().connect_ws(f"wss://localhost:{port}/irc", ["text.ircv3.net"],
                                 sslopt={"ca_certs": str(pki.root)})
    c.register(unique("w"))
    tcp = IrcClient("tcp").connect(server.irc_port)
    tcp.register(unique("t"))
    c.send(f"PRIVMSG {tcp.nick} :over wss")
    assert tcp.expect("PRIVMSG").params == [tcp.nick, "over wss"]
    status, headers, body = _get(port, "GET", "/", context=pki.client_context())
    assert status == 200 and body == INDEX and "Content-Security-Policy" in headers
    with pytest.raises((websocket.WebSocketException, OSError)):
        _ws(port)  # plaintext ws:// to the TLS port
    c.quit()


def test_file_host_cors_for_web_origins_only(server_factory, base_dir, unique):
    path = base_dir / unique("cors")
    path.mkdir(parents=True)
    web_port, files_port = free_port(), free_port()
    server_factory(allow_guests=True, extra_args=[
        "--config", str(_config(path, _web_root(path))),
        "--web-listen", f"127.0.0.1:{web_port}", "--files-listen", f"127.0.0.1:{files_port}"])
    preflight = {"Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization, content-disposition"}
    for origin in (ALLOWED, f"http://127.0.0.1:{web_port}"):
        status, headers, _ = _get(files_port, "OPTIONS", "/%23room",
                                  {"Origin": origin, **preflight})
        assert status == 204 and headers["Access-Control-Allow-Origin"] == origin
        assert "POST" in headers["Access-Control-Allow-Methods"]
        assert "Authorization" in headers["Access-Control-Allow-Headers"]
        assert "Content-Disposition" in headers["Access-Control-Allow-Headers"]
        assert headers["Access-Control-Expose-Headers"] == "Location"
        assert int(headers["Access-Control-Max-Age"]) > 0
        status, headers, _ = _get(files_port, "GET", "/1/a.txt", {"Origin": origin})
        assert status == 401 and headers["Access-Control-Allow-Origin"] == origin
    for origin in ("https://evil.example", "null"):
        status, headers, _ = _get(files_port, "OPTIONS", "/%23room",
                                  {"Origin": origin, **preflight})
        assert not any(k.lower().startswith("access-control-") for k in headers), headers
    # The web client's CSP lets it reach the file host.
    csp = _get(web_port, "GET", "/")[1]["Content-Security-Policy"]
    assert f"connect-src 'self' http://127.0.0.1:{files_port};" in csp
