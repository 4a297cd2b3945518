"""Files in rooms (docs/rooms.md "Files"): pchatd's file host, advertised
as ISUPPORT soju.im/FILEHOST. Real PostgreSQL, pchatd, pchatctl and HTTP: uploads
are checked against the room rules (file upload per category, MaxFileSizeKB, Secret
rooms), announced in the room like any message (CHATHISTORY too), downloaded
byte-identical by readers only, recorded as FILEUPLOAD/FILEDOWNLOAD compliance
events, and removed with their room."""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import secrets
import time
import urllib.parse

import pytest

from compliance_helpers import messages, validate
from conftest import _stop_all, unique_name
from irc_client import IrcClient
from pchat_harness import PchatServer, free_port, pchatctl, wait_until
from pool_helpers import write_topology
from rooms_helpers import add_accounts, catalog_caught_up, ctl
from store_query import query

CAPS = ("echo-message", "message-tags", "batch", "draft/chathistory", "server-time")
USERS = ("alice", "bob", "carol", "mallory")


class World:
    def __init__(self, server, port, passwords):
        self.server, self.port, self.passwords = server, port, passwords

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture(scope="module")
def world(bins, base_dir):
    """One server with compliance and the file host; accounts alice, bob, carol,
    mallory; category Docs (file upload on) and NoFiles (off), both allowing
    everyone."""
    server = PchatServer("files")
    port = free_port()
    try:
        server.start(base_dir / "files" / "data",
                     ("--compliance", "--compliance-run-interval-ms", "200",
                      "--files-listen", f"127.0.0.1:{port}"))
        passwords = add_accounts(server, USERS)
        ctl(server, 'New-CsPersistentChatCategory -Name Docs -AllowedMembers "*" '
                    '-EnableFileUpload $true')
        ctl(server, 'New-CsPersistentChatCategory -Name NoFiles -AllowedMembers "*"')
        yield World(server, port, passwords)
    finally:
        _stop_all([server])


def room(world, privacy="Open", category="Docs", members=None):
    name = "#" + unique_name("f")
    ctl(world.server, f"New-CsPersistentChatRoom -Name {name[1:]} -Category {category} "
                      f"-Privacy {privacy}")
    if members:
        ctl(world.server, f"Set-CsPersistentChatRoom -Identity {name[1:]} -Members {members}")
    caught_up(world)
    return name


def caught_up(world):
    """Waits until the server has loaded every catalog change committed so far."""
    c = IrcClient("caught-up").connect(world.server.irc_port)
    try:
        c.register(unique_name("cu"), sasl=("alice", world.passwords["alice"]))
        catalog_caught_up(world.server, c)
    finally:
        c.close()


@pytest.fixture
def login(world):
    clients = []

    def connect(account):
        c = IrcClient(account).connect(world.server.irc_port)
        clients.append(c)
        c.register(unique_name(account[:3]), caps=CAPS,
                   sasl=(account, world.passwords[account]))
        return c

    yield connect
    for c in clients:
        c.close()


def http_request(port, method, path, body=None, auth=None, headers=None, chunked=False):
    """One HTTP request to a file host on 127.0.0.1:port with Basic credentials
    ``auth`` = (account, password): (status, headers (lower-case), body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    h = dict(headers or {})
    if auth is not None:
        h["Authorization"] = "Basic " + base64.b64encode(":".join(auth).encode()).decode()
    try:
        if chunked:
            def pieces():
                for i in range(0, len(body), 16384):
                    yield body[i:i + 16384]
            conn.request(method, path, body=pieces(), headers=h, encode_chunked=True)
        else:
            conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def request(world, method, path, body=None, user=None, password=None, headers=None,
            chunked=False):
    """A request to the world's file host as ``user`` (its password unless given)."""
    auth = None
    if user is not None:
        auth = (user, world.passwords[user] if password is None else password)
    return http_request(world.port, method, path, body, auth, headers, chunked)


def upload(world, user, chan, data, name="notes.txt", ctype="text/plain", **kw):
    path = "/" + urllib.parse.quote(chan, safe="")
    return request(world, "POST", path, body=data, user=user,
                   headers={"Content-Disposition": f'attachment; filename="{name}"',
                            "Content-Type": ctype}, **kw)


def path_of(url):
    return urllib.parse.urlsplit(url).path


def file_count(world, where="true"):
    return int(query(world.server.data_dir, f"SELECT count(*) FROM files WHERE {where}")[0][0])


def history(client, chan):
    client.send(f"CHATHISTORY LATEST {chan} * 50")
    got = client.collect_until("BATCH", pred=lambda m: m.params[0].startswith("-"))
    return [m for m in got if m.command == "PRIVMSG" and "batch" in m.tags]


def test_isupport_advertises_the_file_host(world, login):
    alice = login("alice")
    assert alice.isupport.get("soju.im/FILEHOST") == world.url
    status, headers, _ = request(world, "OPTIONS", "/")
    assert status == 204 and "POST" in headers["allow"]


def test_upload_is_announced_and_downloads_identical_bytes(world, login):
    chan = room(world, "Open")
    alice, bob = login("alice"), login("bob")
    for c in (alice, bob):
        c.send(f"JOIN {chan}")
        c.expect("366")
    data = os.urandom(300 * 1024) + b"\x00end"
    status, headers, body = upload(world, "alice", chan, data, name="../Q3 report.pdf",
                                   ctype="application/pdf")
    assert status == 201, body
    info = json.loads(body)
    assert info["name"] == "Q3 report.pdf"  # the path part is dropped
    assert info["size"] == len(data)
    assert info["sha256"] == hashlib.sha256(data).hexdigest()
    assert headers["location"] == info["url"]
    assert info["url"] == f"{world.url}/{info['id']}/Q3%20report.pdf"
    # both clients of the room see the announcement, from alice, with its msgid
    for c in (alice, bob):
        m = c.expect("PRIVMSG", pred=lambda m: m.params[0] == chan)
        assert m.last == f"Q3 report.pdf (300.0 KB) {info['url']}", m.last
        assert m.nick == alice.nick
        assert m.tags["msgid"] == info["msgid"]
    # it is history like any message
    assert [m.last for m in history(bob, chan)][-1].endswith(info["url"])
    # bob (a member) and carol (allowed in the Open room, not joined) download it
    for user in ("bob", "carol"):
        status, headers, got = request(world, "GET", path_of(info["url"]), user=user)
        assert status == 200
        assert hashlib.sha256(got).hexdigest() == info["sha256"]
        assert headers["content-type"] == "application/pdf"
        assert headers["content-length"] == str(len(data))
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["content-disposition"].startswith('attachment; filename="Q3 report.pdf"')
    status, headers, got = request(world, "HEAD", path_of(info["url"]), user="bob")
    assert status == 200 and got == b"" and headers["content-length"] == str(len(data))
    # another name under the same id is no file
    status, _, _ = request(world, "GET", f"/{info['id']}/other.pdf", user="bob")
    assert status == 404
    metrics = world.server.metrics()
    assert metrics["pchat_files_uploaded_total"] >= 1
    assert metrics["pchat_files_downloaded_total"] >= 2
    row = query(world.server.data_dir,
                f"SELECT uploader, name, content_type, size, sha256, msgid FROM files "
                f"WHERE id = {info['id']}")
    assert row == [["alice", "Q3 report.pdf", "application/pdf", str(len(data)),
                    info["sha256"], info["msgid"]]]


def test_category_without_file_upload_refuses_with_the_reason(world):
    chan = room(world, "Open", category="NoFiles")
    before = file_count(world)
    status, _, body = upload(world, "alice", chan, b"hello")
    assert status == 403
    assert b"File upload is off in category 'NoFiles'" in body
    assert file_count(world) == before


def test_over_max_file_size_is_refused_and_nothing_stored(world):
    chan = room(world, "Open")
    ctl(world.server, "Set-CsPersistentChatConfiguration -Identity global -MaxFileSizeKB 64")
    try:
        caught_up(world)
        before = file_count(world)
        data = os.urandom(100 * 1024)
        status, _, body = upload(world, "alice", chan, data)
        assert status == 413 and b"limited to 64 KB" in body, body
        # without Content-Length (chunked): cut off at the limit
        status, _, body = upload(world, "alice", chan, data, chunked=True)
        assert status == 413, body
        # exactly at the limit is fine
        status, _, body = upload(world, "alice", chan, os.urandom(64 * 1024))
        assert status == 201, body
        assert file_count(world) == before + 1
    finally:
        ctl(world.server, "Set-CsPersistentChatConfiguration -Identity global -MaxFileSizeKB 20000")


def test_wrong_or_missing_credentials_are_401(world):
    chan = room(world, "Open")
    status, headers, _ = upload(world, "alice", chan, b"x", password="wrong-password")
    assert status == 401 and headers["www-authenticate"].startswith("Basic")
    status, headers, _ = upload(world, None, chan, b"x")
    assert status == 401 and headers["www-authenticate"].startswith("Basic")
    status, _, _ = request(world, "GET", "/1/x", user="nobody-at-all", password="x")
    assert status == 401


def test_password_guessing_on_the_file_host_is_throttled(world):
    """The file host's Basic credentials count against the same sign-in throttle as
    SASL (docs/identity.md): past 5 failures a name must wait, even with its password."""
    name, password = unique_name("guess"), secrets.token_urlsafe(10)
    assert pchatctl(world.server.data_dir, "user", "add", name,
                    input=password + "\n").returncode == 0
    chan = room(world, "Open")
    before = world.server.metrics()
    for k in range(6):
        status, _, _ = http_request(world.port, "POST", "/" + urllib.parse.quote(chan, safe=""),
                                    b"x", (name, f"guess-{k}"))
        assert status == 401, (k, status)
    status, headers, body = http_request(world.port, "GET", "/1/x", auth=(name, password))
    assert status == 429 and int(headers["retry-after"]) >= 1, (status, headers, body)
    assert b"too many failed sign-ins" in body
    after = world.server.metrics()
    assert after["pchat_sign_in_failures_total"] - before["pchat_sign_in_failures_total"] == 6
    assert after["pchat_sign_ins_throttled_total"] - before["pchat_sign_ins_throttled_total"] == 1


def test_secret_room_is_a_missing_room_to_non_members(world):
    chan = room(world, "Secret", members='"alice","bob"')
    missing = "#" + unique_name("never")
    status, _, body = upload(world, "mallory", chan, b"probe")
    assert status == 404
    assert (status, body) == upload(world, "mallory", missing, b"probe")[::2]
    status, _, body = upload(world, "alice", chan, b"secret plan", name="plan.txt")
    assert status == 201, body
    info = json.loads(body)
    status, _, got = request(world, "GET", path_of(info["url"]), user="bob")
    assert status == 200 and got == b"secret plan"
    status, _, body = request(world, "GET", path_of(info["url"]), user="mallory")
    no_file = request(world, "GET", f"/{info['id'] + 100000}/plan.txt", user="mallory")
    assert status == 404 and (status, body) == no_file[::2]


def test_file_events_reach_the_compliance_output(world):
    chan = room(world, "Open")
    name = unique_name("evidence") + ".txt"
    status, _, body = upload(world, "alice", chan, b"for the record", name=name)
    assert status == 201, body
    info = json.loads(body)
    for user in ("bob", "carol"):
        assert request(world, "GET", path_of(info["url"]), user=user)[0] == 200
    assert request(world, "HEAD", path_of(info["url"]), user="bob")[0] == 200  # not a download
    out_dir = world.server.data_dir / "compliance"

    def room_events():
        return [m for m in messages(out_dir) if m["room"] == chan]

    wait_until(lambda: len([m for m in room_events() if m["type"] == "FILEDOWNLOAD"]) >= 2, 30,
               "the FILEDOWNLOAD events in the compliance output")
    got = room_events()
    kinds = [m["type"] for m in got]
    assert kinds.count("FILEUPLOAD") == 1 and kinds.count("FILEDOWNLOAD") == 2, kinds
    up = next(m for m in got if m["type"] == "FILEUPLOAD")
    assert up["content"] == name and up["msgid"] == info["msgid"]
    chat = [m for m in got if m["type"] == "CHAT"]
    assert [m["content"] for m in chat] == [f"{name} (14 B) {info['url']}"]
    assert all(m["content"] == name for m in got if m["type"] == "FILEDOWNLOAD")
    for f in {m["file"] for m in got}:
        validate(out_dir / f)


def test_removing_the_room_removes_its_files(world):
    chan = room(world, "Open")
    status, _, body = upload(world, "alice", chan, b"short-lived")
    assert status == 201, body
    info = json.loads(body)
    assert file_count(world, f"id = {info['id']}") == 1
    ctl(world.server, f"Remove-CsPersistentChatRoom -Identity {chan[1:]}")
    assert file_count(world, f"id = {info['id']}") == 0
    wait_until(lambda: request(world, "GET", path_of(info["url"]), user="alice")[0] == 404, 5,
               "the download answers 404")


def test_an_upload_that_cannot_commit_stores_and_announces_nothing(world, login):
    """The file, its announcement and its FILEUPLOAD event are one transaction: when
    the outbox refuses the event, the client gets 503 and no one sees anything."""
    chan = room(world, "Open")
    bob = login("bob")
    bob.send(f"JOIN {chan}")
    bob.expect("366")
    d = world.server.data_dir
    before = file_count(world)
    query(d, "ALTER TABLE compliance_outbox ADD CONSTRAINT test_refuse_files "
             "CHECK (event_type <> 'FILEUPLOAD') NOT VALID")
    try:
        status, _, body = upload(world, "alice", chan, b"never stored", name="lost.txt")
    finally:
        query(d, "ALTER TABLE compliance_outbox DROP CONSTRAINT test_refuse_files")
    assert status == 503, body
    assert file_count(world) == before
    assert query(d, f"SELECT count(*) FROM messages WHERE target = '{chan.lower()}'") == [["0"]]
    bob.assert_no_message(timeout=0.5, pred=lambda m: m.command == "PRIVMSG")
    assert history(bob, chan) == []
    # the same upload once the store takes it
    status, _, body = upload(world, "alice", chan, b"stored", name="kept.txt")
    assert status == 201, body
    assert bob.expect("PRIVMSG", pred=lambda m: m.params[0] == chan).last.startswith("kept.txt")


def test_a_file_of_max_file_size_round_trips(world):
    """The default MaxFileSizeKB (20000): a file of exactly that size is stored and
    comes back identical; one byte more is refused."""
    chan = room(world, "Open")
    data = os.urandom(20000 * 1024)
    t0 = time.monotonic()
    status, _, body = upload(world, "alice", chan, data, name="big.bin",
                             ctype="application/octet-stream")
    up_s = time.monotonic() - t0
    assert status == 201, body
    info = json.loads(body)
    t0 = time.monotonic()
    status, _, got = request(world, "GET", path_of(info["url"]), user="bob")
    down_s = time.monotonic() - t0
    assert status == 200 and hashlib.sha256(got).hexdigest() == hashlib.sha256(data).hexdigest()
    print(f"20000 KB: upload {up_s * 1000:.0f} ms, download {down_s * 1000:.0f} ms")
    status, _, body = upload(world, "alice", chan, data + b"x", name="big2.bin")
    assert status == 413, body


def test_pool_any_server_announces_and_serves_every_file(server_factory, base_dir, unique,
                                                          account):
    """Two pool servers, each with its own file host (port 0: the URL follows the
    bound port): an upload to one is announced to a client of the other, and the
    other's file host serves it (files live in mgc)."""
    owner = server_factory(allow_guests=True)
    members = [server_factory(start=False) for _ in range(2)]
    topo = write_topology(base_dir / f"{owner.name}-topology.toml", owner.data_dir, members)
    for m in members:
        m.start(base_dir / m.name / "unused", ["--topology", str(topo), "--server", m.name,
                                               "--files-listen", "127.0.0.1:0"])
    alice, bob = account(server=owner), account(server=owner)
    chan = "#" + unique("pf")  # JOIN creates it in the default category: upload on
    clients = []
    try:
        for srv, acct in ((members[0], alice), (members[1], bob)):
            c = IrcClient(acct[0]).connect(srv.irc_port)
            clients.append(c)
            c.register(unique(acct[0][:4]), caps=CAPS, sasl=acct)
            c.send(f"JOIN {chan}")
            c.expect("366")
        urls = [c.isupport["soju.im/FILEHOST"] for c in clients]
        assert urls[0] != urls[1]
        data = os.urandom(50000)

        ports = [urllib.parse.urlsplit(u).port for u in urls]
        status, _, body = http_request(ports[0], "POST", "/" + urllib.parse.quote(chan, safe=""),
                                       data, alice,
                                       {"Content-Disposition": 'attachment; filename="x.bin"'})
        assert status == 201, body
        info = json.loads(body)
        assert info["url"].startswith(urls[0] + "/")
        m = clients[1].expect("PRIVMSG", pred=lambda m: m.params[0] == chan)
        assert m.last == f"x.bin (48.8 KB) {info['url']}" and m.tags["msgid"] == info["msgid"]
        status, _, got = http_request(ports[1], "GET", path_of(info["url"]), auth=bob)
        assert status == 200 and got == data
    finally:
        for c in clients:
            c.close()
