"""The web client (web/) in a real browser: Debian's Chromium, headless, against a
real pchatd serving the client on its web listener, with IRC over WebSocket, the
file host and PostgreSQL. A person signs in, chats with an IRC user on TCP, scrolls
history back past the first page, searches and jumps to a result, uploads and
downloads a file, and the client comes back by itself after a kill -9 of pchatd.

PCHAT_SCREENSHOTS=DIR keeps screenshots of the client there (docs/img is made so)."""

from __future__ import annotations

import hashlib
import os
import pathlib
import time

import pytest
from selenium.webdriver.common.keys import Keys

from browser import Browser
from conftest import _stop_all, unique_name
from irc_client import IrcClient
from pchat_harness import PchatServer, free_port
from rooms_helpers import add_accounts, ctl

pytestmark = pytest.mark.browser

CAPS = ("echo-message", "message-tags", "batch", "draft/chathistory", "server-time", "labeled-response")
OLD = 120  # messages in the room before the browser comes


class World:
    def __init__(self, server, web_port, files_port, passwords, room):
        self.server, self.web_port, self.files_port = server, web_port, files_port
        self.passwords, self.room = passwords, room

    @property
    def url(self):
        return f"http://127.0.0.1:{self.web_port}/"

    def irc(self, account, caps=CAPS):
        c = IrcClient(account).connect(self.server.irc_port)
        c.register(unique_name(account[:4]), caps=caps, sasl=(account, self.passwords[account]))
        return c


def post_all(c, target, texts):
    c.send_raw("".join(f"PRIVMSG {target} :{t}\r\n" for t in texts).encode())
    for _ in texts:
        c.expect("PRIVMSG", 20, pred=lambda m: m.nick == c.nick)


@pytest.fixture(scope="module")
def world(bins, base_dir):
    server = PchatServer("web")
    web_port, files_port = free_port(), free_port()
    try:
        server.start(base_dir / "web" / "data",
                     ("--web-listen", f"127.0.0.1:{web_port}",
                      "--files-listen", f"127.0.0.1:{files_port}"))
        passwords = add_accounts(server, ("alice", "bob", "carol"))
        ctl(server, 'New-CsPersistentChatCategory -Name Web -AllowedMembers "*" -EnableFileUpload $true')
        room = "#" + unique_name("web")
        ctl(server, f"New-CsPersistentChatRoom -Name {room[1:]} -Category Web -Privacy Open")
        w = World(server, web_port, files_port, passwords, room)
        bob = w.irc("bob")
        for _ in range(50):  # the catalog reaches the server
            bob.send(f"JOIN {room}")
            if bob.expect(("JOIN", "403", "473", "474", "475", "FAIL"), 10).command == "JOIN":
                break
            time.sleep(0.2)
        post_all(bob, room, [f"old-{i}" + (" needle-quartz" if i == 10 else "") for i in range(OLD)])
        w.bob = bob
        yield w
        bob.close()
    finally:
        _stop_all([server])


@pytest.fixture(scope="module")
def browser(base_dir):
    b = Browser(base_dir / "browser")
    yield b
    b.close()


def shot(browser, name):
    out = os.environ.get("PCHAT_SCREENSHOTS")
    if out:
        browser.screenshot(pathlib.Path(out) / f"{name}.png")


def sign_in(browser, world, account):
    browser.get(world.url)
    browser.wait(lambda: browser.find("#account").is_displayed(), what="the sign-in form")
    browser.find("#account").clear()
    browser.find("#account").send_keys(account)
    browser.find("#password").send_keys(world.passwords[account] + Keys.ENTER)
    browser.wait(lambda: browser.find("#app").is_displayed(), what="the client after sign-in")


def open_room(browser, world):
    browser.find("#browse").click()
    row = browser.wait(lambda: [b for b in browser.find_all("#rooms button") if b.get_attribute("data-room") == world.room],
                       what=f"{world.room} in the room directory")
    # Rooms are shown under their category (pchat/category on RPL_LIST).
    assert "Web" in [h.text for h in browser.find_all("#rooms tr.category th")]
    shot(browser, "web-client-directory")
    row[0].click()
    browser.wait(lambda: browser.text("#title") == world.room, what="the room open")


def test_the_client_is_served_with_a_policy_that_forbids_inline_scripts(world):
    import urllib.request
    with urllib.request.urlopen(world.url, timeout=10) as r:
        csp = r.headers["Content-Security-Policy"]
        page = r.read().decode()
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp, csp
    assert "<script>" not in page and "<script type=\"module\" src=" in page


def test_a_person_uses_the_web_client(world, browser, tmp_path):
    """One person's session, step by step (each step starts where the last one left
    the browser): sign in and chat with an IRC user, scroll back, search, files, a
    kill -9 of pchatd, a phone-sized window."""
    sign_in_and_chat_with_an_irc_user(world, browser)
    scroll_back_past_the_first_page(world, browser)
    search_jumps_to_the_message_in_context(world, browser)
    upload_and_download_a_file(world, browser, tmp_path)
    reconnects_after_pchatd_is_killed_and_fills_the_gap(world, browser)
    a_phone_sized_window_hides_the_conversation_list_behind_a_button(world, browser)


def sign_in_and_chat_with_an_irc_user(world, browser):
    sign_in(browser, world, "alice")
    assert "alice" in browser.text("#whoami")
    open_room(browser, world)
    browser.wait(lambda: "old-119" in browser.messages(), what="the latest history")
    world.bob.send(f"PRIVMSG {world.room} :hello from irc")
    browser.wait(lambda: "hello from irc" in browser.messages(), what="bob's message in the browser")
    browser.find("#input").send_keys("hello from the web" + Keys.ENTER)
    m = world.bob.expect("PRIVMSG", 20, pred=lambda m: m.last == "hello from the web")
    assert m.params[0].lower() == world.room.lower() and m.tags.get("account") in (None, "alice")
    browser.wait(lambda: "hello from the web" in browser.messages(), what="the web message echoed")
    shot(browser, "web-client")
    severe = [e for e in browser.logs() if e["level"] == "SEVERE"]
    assert not severe, severe


def scroll_back_past_the_first_page(world, browser):
    assert "old-0" not in browser.messages()  # one page at first

    def scrolled_to_start():
        browser.js("document.getElementById('scroller').scrollTop = 0")
        return "old-0" in browser.messages()

    browser.wait(scrolled_to_start, 30, what="old-0 after scrolling back")
    shown = browser.messages()
    assert [t for t in shown if t.startswith("old-")][:3] == ["old-0", "old-1", "old-2"]
    assert len([t for t in shown if t.startswith("old-")]) == OLD, "each message once"
    browser.wait(lambda: "start of this conversation" in browser.text("#history-state"), what="the start noted")


def search_jumps_to_the_message_in_context(world, browser):
    box = browser.find("#search")
    box.send_keys("needle-quartz" + Keys.ENTER)
    result = browser.wait(lambda: browser.find_all("#result-list .result"), what="a search result")
    assert "old-10 needle-quartz" in result[0].text
    shot(browser, "web-client-search")
    result[0].click()
    # Read in one call: the list may be redrawn at any moment (a marker, a message).
    hl = browser.wait(lambda: browser.js("const e = document.querySelector('#messages li.hl');"
                                         "return e && e.textContent"), what="the result highlighted")
    assert "needle-quartz" in hl
    shown = browser.messages()
    assert "old-9" in shown and "old-11" in shown, "the messages around it"
    browser.find("#jump").click()
    browser.wait(lambda: "hello from the web" in browser.messages(), what="back to the present")


def upload_and_download_a_file(world, browser, tmp_path):
    data = os.urandom(30000)
    path = tmp_path / "report.bin"
    path.write_bytes(data)
    browser.find("#file").send_keys(str(path))
    announce = world.bob.expect("PRIVMSG", 30, pred=lambda m: "report.bin" in m.last)
    assert f"http://127.0.0.1:{world.files_port}/" in announce.last
    # Found and clicked in one call (the list may be redrawn in between otherwise).
    browser.wait(lambda: browser.js("const a = [...document.querySelectorAll('#messages a.file')].pop();"
                                    "if (a) a.click(); return !!a"), what="the file's link")
    saved = browser.downloads / "report.bin"
    browser.wait(lambda: saved.exists() and saved.stat().st_size == len(data), what="the download")
    assert hashlib.sha256(saved.read_bytes()).digest() == hashlib.sha256(data).digest()


def reconnects_after_pchatd_is_killed_and_fills_the_gap(world, browser):
    world.server.kill9()
    browser.wait(lambda: "Reconnecting" in browser.text("#banner"), what="the client noticing")
    world.server.restart()
    bob = world.irc("bob")
    bob.send(f"JOIN {world.room}")
    bob.expect("JOIN", 20)
    post_all(bob, world.room, ["while-you-were-away"])
    world.bob = bob
    browser.wait(lambda: "while-you-were-away" in browser.messages(), 60, what="the gap filled")
    assert browser.messages().count("while-you-were-away") == 1
    browser.wait(lambda: browser.text("#conn-state") == "connected", what="connected again")
    browser.find("#input").send_keys("back again" + Keys.ENTER)
    bob.expect("PRIVMSG", 20, pred=lambda m: m.last == "back again")


def a_phone_sized_window_hides_the_conversation_list_behind_a_button(world, browser):
    browser.driver.set_window_size(390, 844)
    try:
        browser.wait(lambda: browser.find("#menu").is_displayed(), what="the menu button")
        assert not browser.find("#sidebar").is_displayed()
        browser.find("#menu").click()
        browser.wait(lambda: browser.find("#sidebar").is_displayed(), what="the conversation list")
        shot(browser, "web-client-phone")
        browser.find("#menu").click()
    finally:
        browser.driver.set_window_size(1280, 800)


def test_a_guest_is_told_that_rooms_need_an_account_when_guests_are_off(world, base_dir):
    b = Browser(base_dir / "browser-guest")
    try:
        b.get(world.url)
        b.find("#guest").click()
        b.find("#nick").send_keys("visitor" + Keys.ENTER)
        b.wait(lambda: "guest" in b.text("#whoami"), what="the guest signed in")
        b.find("#input").send_keys(f"/join {world.room}" + Keys.ENTER)
        b.wait(lambda: "logged in to an account" in b.text("#banner"), what="the refusal")
        assert not b.find_all("#buffers button[data-name='" + world.room + "']")
    finally:
        b.close()


def test_a_wrong_password_is_refused(world, base_dir):
    b = Browser(base_dir / "browser-wrong")
    try:
        b.get(world.url)
        b.find("#account").send_keys("alice")
        b.find("#password").send_keys("not-the-password" + Keys.ENTER)
        b.wait(lambda: "Sign-in failed" in b.text("#signin-error"), what="the refusal")
    finally:
        b.close()


def test_the_read_marker_is_shared_by_the_web_and_an_irc_session_of_one_account(world, base_dir):
    """draft/read-marker across two sessions of carol (no other session of hers reads
    meanwhile): reading in the browser moves the marker the IRC session sees, and
    reading on IRC clears the browser's unread count."""
    irc_carol = world.irc("carol", caps=CAPS + ("draft/read-marker",))
    b = Browser(base_dir / unique_name("browser-rm"))
    try:
        irc_carol.send(f"JOIN {world.room}")
        irc_carol.expect("366", 20)
        sign_in(b, world, "carol")
        open_room(b, world)
        b.wait(lambda: "old-119" in b.messages(), what="the latest history")
        # Read in the browser: the IRC session hears the marker move.
        seen = irc_carol.expect("MARKREAD", 20, pred=lambda m: m.params[0].lower() == world.room.lower()
                                and m.params[1] != "*")
        assert seen.params[1].startswith("timestamp=")
        # The browser looks elsewhere; bob posts: one unread there.
        b.find("#buffers button[data-name='*server*']").click()
        post_all(world.bob, world.room, ["unread-for-alice"])
        m = irc_carol.expect("PRIVMSG", 20, pred=lambda m: m.last == "unread-for-alice")
        room_button = f"#buffers button[data-name='{world.room}']"
        b.wait(lambda: b.text(room_button + " .unread").startswith("1"), what="one unread in the browser")
        # Read on IRC: the browser's count goes.
        irc_carol.send(f"MARKREAD {world.room} timestamp={m.tags['time']}")
        b.wait(lambda: not b.find_all(room_button + " .unread"), what="the unread count cleared")
    finally:
        b.close()
        irc_carol.close()
