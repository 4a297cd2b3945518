"""A real IRC client: irssi (in tmux) logs in with SASL PLAIN, joins, posts,
quits, comes back and is shown the earlier message again (JOIN replay of recent
history for clients without draft/chathistory).

Needs irssi and tmux (scripts/deps.sh installs both); skipped only when one of
them is missing.  tmux runs on a dedicated socket (-L) so nothing else is
touched; every process started is ended by PID at teardown.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess

import pytest

from pchat_harness import pid_alive, wait_until
from store_query import query

pytestmark = pytest.mark.skipif(
    shutil.which("irssi") is None or shutil.which("tmux") is None,
    reason="irssi and tmux are needed (scripts/deps.sh installs them)")

IRSSI_CONFIG = """\
servers = (
  {{
    address = "127.0.0.1";
    chatnet = "pchat";
    port = "{port}";
    use_tls = "no";
    tls_verify = "no";
    autoconnect = "no";
  }}
);
chatnets = {{
  pchat = {{
    type = "IRC";
    sasl_mechanism = "{mechanism}";
    sasl_username = "{account}";
    sasl_password = "{password}";
  }};
}};
settings = {{
  core = {{
    real_name = "pchat irssi test";
    user_name = "{nick}";
    nick = "{nick}";
    settings_autosave = "no";
  }};
  "fe-common/core" = {{ autolog = "no"; }};
}};
"""


class Tmux:
    """One tmux server on its own socket; sessions run one irssi each."""

    def __init__(self, socket_name: str):
        self.socket_name = socket_name
        self.pane_pids = set()

    def run(self, *args, check=True) -> subprocess.CompletedProcess:
        return subprocess.run(["tmux", "-L", self.socket_name, *args], capture_output=True,
                              text=True, timeout=10, check=check)

    def new_session(self, name: str, command: str) -> None:
        env_cmd = f"env TERM=xterm-256color LANG=C.UTF-8 {command}"
        self.run("new-session", "-d", "-s", name, "-x", "200", "-y", "50", env_cmd)
        out = self.run("list-panes", "-t", name, "-F", "#{pane_pid}").stdout.split()
        self.pane_pids.update(int(p) for p in out)

    def has_session(self, name: str) -> bool:
        return self.run("has-session", "-t", name, check=False).returncode == 0

    def type(self, name: str, text: str) -> None:
        self.run("send-keys", "-t", name, "-l", text)
        self.run("send-keys", "-t", name, "Enter")

    def capture(self, name: str) -> str:
        result = self.run("capture-pane", "-p", "-t", name, "-S", "-200", check=False)
        return result.stdout if result.returncode == 0 else ""

    def wait_for_text(self, name: str, text: str, timeout: float = 20.0) -> str:
        try:
            return wait_until(lambda: text in (screen := self.capture(name)) and screen,
                              timeout, f"{text!r} on the irssi screen", interval=0.2)
        except TimeoutError:
            raise AssertionError(f"{text!r} not shown by irssi within {timeout}s; screen:\n"
                                 f"{self.capture(name)}") from None

    def cleanup(self) -> list:
        """Kill our sessions' server, then any pane process left, by PID."""
        self.run("kill-server", check=False)
        left = []
        for pid in self.pane_pids:
            if pid_alive(pid):
                left.append(pid)
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        for pid in left:
            wait_until(lambda p=pid: not pid_alive(p), 10, f"irssi PID {pid} to exit")
        return left


@pytest.fixture
def tmux(unique):
    t = Tmux(f"pchat-test-{os.getpid()}-{unique('tm')}")
    yield t
    t.cleanup()


def _irssi_home(home, port, account, password, nick):
    """An irssi home directory whose network "pchat" signs in with SASL PLAIN."""
    home.mkdir()
    (home / "config").write_text(IRSSI_CONFIG.format(port=port, account=account,
                                                     password=password, nick=nick,
                                                     mechanism="PLAIN"))
    return home


def _start_irssi(tmux, session, home, nick):
    tmux.new_session(session, f"irssi --home={home} -n {nick}")
    wait_until(lambda: "(status)" in tmux.capture(session), 20, "irssi to start", interval=0.2)
    tmux.type(session, "/connect pchat")


def test_irssi_sasl_join_post_quit_and_replay(server_factory, account, tmux, unique, base_dir):
    server = server_factory()  # guests may not post: the post proves the SASL login
    acct, password = account(unique("irs"), server=server)
    nick = unique("irn")
    home = _irssi_home(base_dir / unique("irssi"), server.irc_port, acct, password, nick)
    channel = "#" + unique("irssi")
    marker = f"hello from irssi {unique('mk')}"

    session = unique("ir")
    _start_irssi(tmux, session, home, nick)
    wait_until(lambda: f"registered as {nick} from 127.0.0.1 (account {acct})"
               in server.log_tail(400), 20, "the SASL login of irssi in the server log")
    tmux.type(session, f"/join {channel}")
    tmux.wait_for_text(session, f"has joined {channel}")
    tmux.type(session, marker)
    rows = wait_until(lambda: query(server.data_dir, "select sender, account, target from "
                                    "messages where body = '" + marker + "'"), 15,
                      "irssi's message in the store")
    assert len(rows) == 1 and rows[0][1].lower() == acct.lower(), rows
    assert rows[0][0].startswith(nick + "!") and rows[0][2] == channel.lower(), rows
    tmux.type(session, "/quit bye from irssi")
    wait_until(lambda: not tmux.has_session(session), 15, "irssi to quit")

    session2 = unique("ir")
    _start_irssi(tmux, session2, home, nick)
    wait_until(lambda: server.log_tail(400).count(f"registered as {nick} from 127.0.0.1 "
                                                  f"(account {acct})") >= 2,
               20, "irssi's second SASL login")
    tmux.type(session2, f"/join {channel}")
    screen = tmux.wait_for_text(session2, marker)
    assert f"has joined {channel}" in screen
    tmux.type(session2, "/quit")
    wait_until(lambda: not tmux.has_session(session2), 15, "irssi to quit")



@pytest.mark.browser
def test_a_person_in_the_browser_and_an_irssi_user_chat_in_one_room(server_factory, account, tmux,
                                                                    unique, base_dir):
    """The quick start's promise: open pchatd's web listener in a browser, sign in, and
    chat with someone in irssi."""
    from browser import Browser
    from pchat_harness import free_port
    from selenium.webdriver.common.keys import Keys

    web_port = free_port()
    server = server_factory(extra_args=("--web-listen", f"127.0.0.1:{web_port}"))
    irssi_acct, irssi_pw = account(unique("irs"), server=server)
    web_acct, web_pw = account(unique("web"), server=server)
    nick = unique("irn")
    home = _irssi_home(base_dir / unique("irssi"), server.irc_port, irssi_acct, irssi_pw, nick)
    channel = "#" + unique("both")
    session = unique("ir")
    _start_irssi(tmux, session, home, nick)
    wait_until(lambda: f"registered as {nick} from 127.0.0.1 (account {irssi_acct})"
               in server.log_tail(400), 20, "the SASL login of irssi in the server log")
    tmux.type(session, f"/join {channel}")
    tmux.wait_for_text(session, f"has joined {channel}")

    b = Browser(base_dir / unique("browser"))
    try:
        b.get(f"http://127.0.0.1:{web_port}/")
        b.wait(lambda: b.find("#account").is_displayed(), what="the sign-in form")
        b.find("#account").send_keys(web_acct)
        b.find("#password").send_keys(web_pw + Keys.ENTER)
        b.wait(lambda: b.find("#app").is_displayed(), what="signed in")
        b.find("#input").send_keys(f"/join {channel}" + Keys.ENTER)
        b.wait(lambda: b.text("#title").lower() == channel.lower(), what="the room open")
        tmux.wait_for_text(session, f"{web_acct}")  # irssi sees the browser's user join
        b.find("#input").send_keys("hello irssi, from the browser" + Keys.ENTER)
        tmux.wait_for_text(session, "hello irssi, from the browser")
        tmux.type(session, "hello browser, from irssi")
        b.wait(lambda: "hello browser, from irssi" in b.messages(), what="irssi's line in the browser")
    finally:
        b.close()
    tmux.type(session, "/quit")
    wait_until(lambda: not tmux.has_session(session), 15, "irssi to quit")
