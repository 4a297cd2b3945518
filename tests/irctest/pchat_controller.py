"""irctest controller for pchatd (https://github.com/progval/irctest).

Used by tests/irctest/run, which sets the environment:

  PCHAT_BIN_DIR        directory holding pchatd and pchatctl
  PCHAT_TEMPLATE_DIR   a pchatd data directory made once by the script (PostgreSQL
                       initialised, server stopped): each test copies it, so a test
                       starts a fresh server in about a second instead of running initdb

Each test gets its own pchatd (and its own private PostgreSQL) on the loopback port
irctest chooses, started with --allow-guests; accounts (registerUser) are made with
`pchatctl user add`. WebSocket tests get pchatd's web listener (--web-listen) on the
port irctest picks. TLS and server passwords are not offered.
"""

import atexit
import os
from pathlib import Path
import subprocess
import time
from typing import Optional, Set, Type
import urllib.request

from irctest import cases
from irctest.basecontrollers import BaseServerController, DirectoryBasedController
from irctest.runner import NotImplementedByController
from irctest.specifications import Capabilities, OptionalBehaviors


def _bin(name: str) -> str:
    return str(Path(os.environ["PCHAT_BIN_DIR"]) / name)


# Servers started and not yet stopped. irctest does not run tearDown (so not kill())
# when a test's setUp fails or skips after the server started: such a server is
# stopped when the next test starts one (tests run one at a time per process), or
# when pytest exits.
_running: Set["PchatController"] = set()


_OPER_HASH: Optional[str] = None


def _oper_hash() -> str:
    """The argon2id hash of irctest's operator password, made once per run."""
    global _OPER_HASH
    if _OPER_HASH is None:
        r = subprocess.run([_bin("pchatctl"), "operator", "hash"], input="operpassword\n",
                           capture_output=True, text=True, check=True)
        _OPER_HASH = r.stdout.strip()
    return _OPER_HASH


@atexit.register
def _stop_leftovers() -> None:
    for controller in list(_running):
        try:
            controller.kill()
        except Exception:  # noqa: BLE001 - best effort at exit
            pass


class PchatController(BaseServerController, DirectoryBasedController):
    software_name = "pchat"
    _port_wait_interval = 0.05
    supported_sasl_mechanisms = {"PLAIN"}
    supports_sts = False
    # pchatd answers every command in order (a PING's PONG follows the effects of
    # the commands before it), so irctest needs no sleep before synchronizing.
    sync_sleep_time = 0.0

    capabilities = frozenset(
        (
            Capabilities.ACCOUNT_NOTIFY,
            Capabilities.ACCOUNT_TAG,
            Capabilities.AWAY_NOTIFY,
            Capabilities.BATCH,
            Capabilities.ECHO_MESSAGE,
            Capabilities.EXTENDED_JOIN,
            Capabilities.LABELED_RESPONSE,
            Capabilities.MESSAGE_TAGS,
            Capabilities.MULTI_PREFIX,
            Capabilities.SERVER_TIME,
            Capabilities.SETNAME,
        )
    )
    optional_behaviors = frozenset(
        (
            OptionalBehaviors.CAP_REQ_MINUS,
            OptionalBehaviors.MULTI_JOIN,
            OptionalBehaviors.MULTI_PRIVMSG,
        )
    )

    def run(
        self,
        hostname: str,
        port: int,
        *,
        password: Optional[str],
        ssl: bool,
        run_services: bool,
        faketime: Optional[str],
        websocket_hostname: Optional[str],
        websocket_port: Optional[int],
    ) -> None:
        if ssl:
            raise NotImplementedByController("TLS")
        if password is not None:
            raise NotImplementedByController("PASS (server password)")
        assert self.proc is None
        _stop_leftovers()
        self.port = port
        self.hostname = hostname
        self.create_config()
        assert self.directory
        # PostgreSQL runs as the postgres user when pchatd runs as root: it must be
        # able to reach its data directory.
        os.chmod(self.directory, 0o755)
        self.data_dir = self.directory / "data"
        template = os.environ["PCHAT_TEMPLATE_DIR"]
        subprocess.run(["cp", "-a", template, str(self.data_dir)], check=True)
        # The copy's PostgreSQL must listen in the copy's run directory.
        conf = self.data_dir / "pg" / "postgresql.conf"
        conf.write_text(conf.read_text().replace(f"'{template}/run'", f"'{self.data_dir}/run'"))
        # Loopback only, whatever irctest's hostname (it binds "" to find free ports).
        (_, http_port) = self.get_hostname_and_port()
        self.http = f"http://127.0.0.1:{http_port}"
        # irctest's operator: OPER operuser operpassword.
        config = self.directory / "pchatd.toml"
        config.write_text(
            f'[[operator]]\nname = "operuser"\npassword_hash = "{_oper_hash()}"\n')
        self.proc = self.execute(
            [
                _bin("pchatd"),
                "--config", str(config),
                "--data-dir", str(self.data_dir),
                "--irc-listen", f"127.0.0.1:{port}",
                "--http-listen", f"127.0.0.1:{http_port}",
                "--server-name", "My.Little.Server",
                "--allow-guests",
                "--log-level", "warn",
                *(["--web-listen", f"127.0.0.1:{websocket_port}"] if websocket_port else []),
            ],
            proc_name="pchatd",
        )
        _running.add(self)
        # irctest's WebSocket tests send a message from one client and read it on the
        # other without synchronising the sender first; pchatd delivers a message only
        # once it is committed, so the reader's PING may overtake it. irctest's knob
        # for a server whose effects are not immediate: sleep before synchronising.
        self.sync_sleep_time = 0.2 if websocket_port else 0.0

    def wait_for_port(self) -> None:
        # /healthz answers once the store is up and the IRC listener is open.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            self.check_is_alive()
            try:
                with urllib.request.urlopen(self.http + "/healthz", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            time.sleep(self._port_wait_interval)
        super().wait_for_port()

    def kill_proc(self) -> None:
        _running.discard(self)
        super().kill_proc()
        # pchatd stops its PostgreSQL on SIGTERM; after a SIGKILL, end it here.
        pid_file = self.data_dir / "pg" / "postmaster.pid"
        if pid_file.exists():
            try:
                pid = int(pid_file.read_text().split()[0])
                if b"postgres" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    os.kill(pid, 9)
            except (ValueError, IndexError, OSError):
                pass

    def registerUser(
        self,
        case: cases.BaseServerTestCase,  # type: ignore
        username: str,
        password: Optional[str] = None,
    ) -> None:
        if password is None:
            raise NotImplementedByController("account without a password")
        subprocess.run(
            [_bin("pchatctl"), "--data-dir", str(self.data_dir), "user", "add", username],
            input=password + "\n",
            text=True,
            check=True,
            stdout=subprocess.DEVNULL,
        )


def get_irctest_controller_class() -> Type[PchatController]:
    return PchatController
