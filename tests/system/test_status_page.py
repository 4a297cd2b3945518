"""The operators' status page on the admin API: /status/ (its files, open, no data),
/status.json and /status/events (the data, admin token only), drawn by the page in
Chromium; in a lab, the page follows a failover from Normal to FailedOver and shows
the runbook's step while it runs.

PCHAT_SCREENSHOTS=DIR keeps screenshots of the page there."""

from __future__ import annotations

import http.client
import json
import os
import pathlib

import pytest
from selenium.webdriver.common.keys import Keys

from browser import Browser
from pchat_harness import wait_until


def read_events(port, token, count, timeout=30.0):
    """The first `count` status events of /status/events, parsed."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    conn.request("GET", "/status/events", headers={"Authorization": f"Bearer {token}"})
    res = conn.getresponse()
    assert res.status == 200, res.read()
    assert res.getheader("Content-Type") == "text/event-stream"
    events, data = [], []
    while len(events) < count:
        line = res.fp.readline().decode()
        assert line, "the stream ended"
        line = line.rstrip("\n")
        if line.startswith("data: "):
            data.append(line[6:])
        elif line == "" and data:
            events.append(json.loads("\n".join(data)))
            data = []
    conn.close()
    return events


def test_status_data_needs_the_admin_token(server_factory):
    server = server_factory(allow_guests=True)
    token = server.admin_token()
    for path in ("/status/events", "/status.json"):
        for bad in (None, "wrong", token[:-1]):
            status, body = server.http_get(path, token=bad)
            assert status == 401, f"{path} with {bad!r}: {status} {body}"
    # The page's own files hold no data: open, with a policy that forbids inline code.
    conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=10)
    conn.request("GET", "/status/")
    res = conn.getresponse()
    page = res.read().decode()
    assert res.status == 200 and "pchat pool status" in page
    csp = res.getheader("Content-Security-Policy")
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    conn.request("GET", "/status/../admin-token")
    res = conn.getresponse()
    assert res.status in (401, 404) and token not in res.read().decode()


def test_status_stream_of_a_standalone_server(server_factory):
    server = server_factory(allow_guests=True)
    first, second = read_events(server.http_port, server.admin_token(), 2)
    for e in (first, second):
        assert e["state"] == "Normal" and e["server"] == e["servers"][0]["health"]["server"]
        assert e["servers"][0]["reachable"] and e["servers"][0]["health"]["status"] == "ok"
        assert e["compliance"]["backlog"] == 0 and e["problems"] == []
    assert second["at"] > first["at"], "a new snapshot each round"
    status, body = server.http_get("/status.json")
    assert status == 200 and json.loads(body)["state"] == "Normal"


def test_status_page_in_a_browser_asks_for_the_token(server_factory, base_dir):
    server = server_factory(allow_guests=True)
    b = Browser(base_dir / "browser-status")
    try:
        b.get(f"http://127.0.0.1:{server.http_port}/status")
        b.wait(lambda: b.find("#token").is_displayed(), what="the token form")
        b.find("#token").send_keys("wrong" + Keys.ENTER)
        b.wait(lambda: "refused" in b.text("#token-error"), what="a wrong token refused")
        b.find("#token").send_keys(server.admin_token() + Keys.ENTER)
        b.wait(lambda: b.text("#state") == "Normal", what="the pool state")
        assert b.text("#live") == "live" and not b.find("#token-form").is_displayed()
        assert "None" in b.text("#alerts")
        # Only the refusal of the wrong token, nothing else, went wrong in the page.
        severe = [e for e in b.logs() if e["level"] == "SEVERE"
                  and not ("/status/events" in e["message"] and "401" in e["message"])]
        assert not severe, severe
    finally:
        b.close()


def test_status_page_follows_a_lab_failover(lab_factory, base_dir):
    lab = lab_factory(servers_per_dc=1)
    b_server = lab.servers("B")[0]
    token = (lab.topology.parent / "admin-token").read_text().strip()
    b = Browser(base_dir / "browser-status-lab", height=1300)
    try:
        b.get(f"http://127.0.0.1:{b_server['http_port']}/status/")
        b.wait(lambda: b.find("#token").is_displayed(), what="the token form")
        b.find("#token").send_keys(token + Keys.ENTER)
        b.wait(lambda: b.text("#state") == "Normal", 30, what="Normal")
        b.wait(lambda: "synchronized" in b.text("#mirroring"), 30, what="the mirror synchronized")
        b.wait(lambda: "backup" in b.text("#stages") and "restore" in b.text("#stages"), 30,
               what="the log-shipping stages")
        shot(b, "status-page")
        lab.kill_dc("A")
        b.wait(lambda: "unreachable" in b.text("#servers"), 30, what="A's server unreachable")
        # A failover stopped after its step 3 (killed): the page says where it stands.
        r = lab.ctl("failover", check=False, timeout=300,
                    env_extra={"PCHAT_TEST_FAILOVER_KILL_AFTER_STEP": "3"})
        assert r.returncode == -9 and "Step 3 done" in r.stdout, (r.returncode, r.stdout, r.stderr)
        b.wait(lambda: "3 step(s) done" in b.text("#runbook-list"), 30, what="the stopped failover")
        assert "failover" in b.text("#runbook-list")
        shot(b, "status-page-failover-under-way")
        lab.ctl("failover", timeout=300)  # resumes
        b.wait(lambda: b.text("#state") == "FailedOver", 30, what="FailedOver")
        assert b.text("#primary") == "backup"
        assert "FailedOver" in b.text("#alerts")
        b.wait(lambda: not b.find("#runbook").is_displayed(), 30, what="the finished runbook gone")
        shot(b, "status-page-failed-over")
    finally:
        b.close()


def shot(browser, name):
    out = os.environ.get("PCHAT_SCREENSHOTS")
    if out:
        browser.screenshot(pathlib.Path(out) / f"{name}.png")


pytestmark = pytest.mark.browser
