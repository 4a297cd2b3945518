"""Process harness for pchat system tests: binaries, ports, pchatd, pchatctl.

Every process started here is tracked by PID and ended by PID (never by name).
pchatd in standalone mode supervises a private PostgreSQL in ``DATA/pg`` (socket
in ``DATA/run``); when pchatd dies hard that postmaster may outlive it, so
teardown also ends the postmaster named in ``DATA/pg/postmaster.pid``.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import os
import pathlib
import random
import signal
import socket
import subprocess
import time
import tomllib
import urllib.error
import urllib.request
from typing import Callable, Iterable, Optional

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")
START_TIMEOUT = 60.0  # the first start runs initdb
STOP_TIMEOUT = 20.0
PCHATCTL_TIMEOUT = 60.0

# LeakSanitizer works in this environment (checked with a leaking test binary),
# so leaks are reported; pchatd must exit cleanly on SIGTERM without leaking.
# Values already in the environment win, to allow ad-hoc debugging.
SANITIZER_ENV = {
    "ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0:halt_on_error=1:strict_string_checks=1",
    "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1",
}
_LSAN_SUPPRESSIONS = pathlib.Path(__file__).with_name("lsan.supp")


class HarnessError(AssertionError):
    """A harness expectation failed (process did not start, stop, ...)."""


# -- small utilities ---------------------------------------------------------


def bin_dir() -> pathlib.Path:
    """Directory holding pchatd and pchatctl (env PCHAT_BIN_DIR, default build/asan/bin)."""
    return pathlib.Path(os.environ.get("PCHAT_BIN_DIR", REPO_ROOT / "build" / "asan" / "bin")).resolve()


def binary(name: str) -> pathlib.Path:
    """Path of an executable in ``bin_dir()``; raises ``HarnessError`` if missing."""
    path = bin_dir() / name
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise HarnessError(
            f"{name} not found at {path}. Build it first (scripts/build.sh asan) "
            f"or point PCHAT_BIN_DIR at a directory containing pchatd and pchatctl."
        )
    return path


def _ephemeral_low() -> int:
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


PORT_REGISTRY_KEEP_S = 600


@contextlib.contextmanager
def _port_registry():
    """The ports chosen lately on this machine by any lab or test, locked while in use:
    ``{port: unix seconds}``, written back on leaving. The same file and format as
    ``pchatctl lab up`` (src/ctl/lab/port_registry.h); best effort."""
    path = pathlib.Path(os.environ.get("TMPDIR") or "/tmp") / "pchat-chosen-ports"
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644)
    except OSError:
        yield {}
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        text = b""
        while chunk := os.read(fd, 4096):
            text += chunk
        oldest = time.time() - PORT_REGISTRY_KEEP_S
        chosen = {}
        words = text.split()
        for port, at in zip(words[0::2], words[1::2]):
            try:
                if int(at) >= oldest:
                    chosen[int(port)] = int(at)
            except ValueError:
                continue
        yield chosen
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, "".join(f"{p} {a}\n" for p, a in sorted(chosen.items())).encode())
    finally:
        os.close(fd)  # also releases the lock


def free_port() -> int:
    """A currently free TCP port on 127.0.0.1, below the kernel's ephemeral range:
    between this call and the server's bind, a port from that range could become
    the source port of any outgoing connection (two pytest workers make many). Ports
    another test or lab chose lately are skipped, so that two of them never pick one."""
    low, high = 10000, _ephemeral_low() - 1
    with _port_registry() as chosen:
        for _ in range(200 if high - low > 1000 else 0):
            port = random.randint(low, high)
            if port in chosen:
                continue
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    continue
            chosen[port] = int(time.time())
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def host_port(host: str, port: int) -> str:
    """``HOST:PORT`` as pchatd reads it: IPv6 addresses in brackets."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def wait_until(cond: Callable[[], object], timeout: float, what: str, interval: float = 0.05):
    """Poll ``cond`` until it returns a truthy value (returned); raise ``TimeoutError``."""
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def sanitizer_env() -> dict:
    """Environment for sanitizer-built binaries (keeps caller's overrides)."""
    env = dict(os.environ)
    for key, value in SANITIZER_ENV.items():
        env.setdefault(key, value)
    if _LSAN_SUPPRESSIONS.exists():
        env.setdefault("LSAN_OPTIONS", f"suppressions={_LSAN_SUPPRESSIONS}")
    return env


def tail(path: pathlib.Path, lines: int = 60, start: int = 0) -> str:
    """The last ``lines`` lines of a file from byte offset ``start`` ('' if absent)."""
    try:
        with open(path, "rb") as f:
            f.seek(start)
            data = f.read()
    except FileNotFoundError:
        return ""
    return "\n".join(data.decode("utf-8", errors="replace").splitlines()[-lines:])


def sanitizer_report(path: pathlib.Path, start: int = 0) -> Optional[str]:
    """The log from the first ASan/LSan/UBSan report on (after offset ``start``), or None."""
    text = tail(path, lines=1_000_000, start=start)
    hits = [text.find(m) for m in SANITIZER_MARKERS if m in text]
    if not hits:
        return None
    first = text.rfind("\n", 0, min(hits)) + 1
    return "\n".join(text[first:].splitlines()[:200])


# -- processes by PID ----------------------------------------------------------


def pid_alive(pid: int) -> bool:
    """True if ``pid`` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state != "Z"


def pid_cmdline(pid: int) -> str:
    """The command line of ``pid`` ('' if gone)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except (FileNotFoundError, ProcessLookupError):
        return ""


def child_pids(pid: int) -> list:
    """PIDs whose parent is ``pid``."""
    kids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
        if ppid == pid:
            kids.append(int(entry))
    return kids


def stop_processes(pids: Iterable[int]) -> list:
    """SIGSTOP each of ``pids``; returns those stopped. A PID already gone (a backend
    that exited after being listed) is skipped, never an error."""
    stopped = []
    for pid in pids:
        try:
            os.kill(pid, signal.SIGSTOP)
            stopped.append(pid)
        except ProcessLookupError:
            pass
    return stopped


def continue_processes(pids: Iterable[int]) -> None:
    """SIGCONT each of ``pids`` that still exists."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGCONT)
        except ProcessLookupError:
            pass


@contextlib.contextmanager
def process_tree_stopped(pid: int):
    """``pid`` and its children (a postmaster and its backends: a hung machine) are
    stopped inside the block and continued on leaving it, whatever happened. Yields
    the stopped PIDs."""
    stopped = stop_processes([pid] + child_pids(pid))
    try:
        yield stopped
    finally:
        continue_processes(stopped)


def kill_pid(pid: int, timeout: float = 10.0) -> None:
    """SIGKILL ``pid`` and wait until it is gone."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    wait_until(lambda: not pid_alive(pid), timeout, f"PID {pid} to exit after SIGKILL")


def read_postmaster_pid(data_dir: pathlib.Path) -> Optional[int]:
    """PID from the first line of ``DATA/pg/postmaster.pid``, or None."""
    try:
        first = (pathlib.Path(data_dir) / "pg" / "postmaster.pid").read_text().splitlines()[0]
        return int(first.strip())
    except (FileNotFoundError, IndexError, ValueError):
        return None


def kill_leftover_postmaster(data_dir: pathlib.Path) -> Optional[int]:
    """SIGKILL the postmaster of ``data_dir`` and its children if still running.

    Returns the PID killed, if any.  Checks the PID really is a postgres process.
    """
    pid = read_postmaster_pid(data_dir)
    if pid is None or not pid_alive(pid) or "postgres" not in pid_cmdline(pid):
        return None
    backends = child_pids(pid)
    kill_pid(pid)
    for kid in backends:
        if "postgres" in pid_cmdline(kid):
            kill_pid(kid)
    return pid


# -- pchatctl ------------------------------------------------------------------


def pchatctl(data_dir, *args: str, input: Optional[str] = None,
             timeout: float = PCHATCTL_TIMEOUT) -> subprocess.CompletedProcess:
    """Run ``pchatctl --data-dir DATA ARGS...``; returns the CompletedProcess (not checked).

    ``input`` is written to stdin (e.g. ``"secret\\n"`` for ``user add``).
    """
    cmd = [str(binary("pchatctl")), "--data-dir", str(data_dir), *map(str, args)]
    return subprocess.run(cmd, input=input, capture_output=True, text=True,
                          timeout=timeout, check=False, env=sanitizer_env())


# -- pchatd --------------------------------------------------------------------


class PchatServer:
    """One pchatd process on loopback with free ports.

    Ports are chosen once, so a restarted server keeps its addresses.  The log
    (stdout and stderr) goes to ``DATA/../<name>.log``, appended across restarts.
    """

    _names = itertools.count(1)

    def __init__(self, name: Optional[str] = None):
        self.name = name or f"pchatd{next(self._names)}"
        self.irc_port = free_port()
        self.http_port = free_port()
        # Host part of --irc-listen: an address ("::1" without brackets), a name or "*".
        self.irc_host = "127.0.0.1"
        # HTTPS admin API (--http-tls): the ssl.SSLContext that trusts its certificate.
        self.http_context = None
        self.data_dir: Optional[pathlib.Path] = None
        self.extra_args: list = []
        self.proc: Optional[subprocess.Popen] = None
        self.log_path: Optional[pathlib.Path] = None
        self._log_offset = 0
        self._data_dirs: set = set()

    # -- lifecycle --

    def start(self, data_dir, extra_args: Iterable[str] = (), allow_guests: bool = False,
              timeout: float = START_TIMEOUT) -> "PchatServer":
        """Launch pchatd on ``data_dir`` and wait until /healthz answers 200.

        Raises ``HarnessError`` with the log tail if it exits or is not ready in time.
        """
        if self.running:
            raise HarnessError(f"{self.name} is already running (PID {self.proc.pid})")
        self.data_dir = pathlib.Path(data_dir).resolve()
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        self._data_dirs.add(self.data_dir)
        self.extra_args = list(extra_args)
        if allow_guests and "--allow-guests" not in self.extra_args:
            self.extra_args.append("--allow-guests")
        self.log_path = self.data_dir.parent / f"{self.name}.log"

        # extra_args may name the IRC listener themselves (e.g. "--irc-listen off").
        irc_listen = ([] if "--irc-listen" in self.extra_args
                      else ["--irc-listen", host_port(self.irc_host, self.irc_port)])
        cmd = [
            str(binary("pchatd")),
            "--data-dir", str(self.data_dir),
            *irc_listen,
            "--http-listen", f"127.0.0.1:{self.http_port}",
            *self.extra_args,
        ]
        with open(self.log_path, "ab") as log:
            self._log_offset = log.tell()
            log.write(f"=== harness: {' '.join(cmd)}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, env=sanitizer_env(),
                                         start_new_session=True)
        try:
            wait_until(self._ready, timeout, f"{self.name} /healthz", interval=0.1)
        except TimeoutError:
            self._abandon()
            raise HarnessError(f"{self.name} not ready after {timeout}s:\n{self.log_tail()}") from None
        return self

    def restart(self, timeout: float = START_TIMEOUT) -> "PchatServer":
        """Start again with the same data dir, ports and arguments."""
        if self.data_dir is None:
            raise HarnessError(f"{self.name} was never started")
        return self.start(self.data_dir, self.extra_args, timeout=timeout)

    def stop(self, timeout: float = STOP_TIMEOUT, expect_clean: bool = True) -> Optional[int]:
        """SIGTERM, wait up to ``timeout``, then SIGKILL.  Returns the exit code.

        Fails if a sanitizer reported an error, or (``expect_clean``) if pchatd
        needed SIGKILL or exited non-zero.
        """
        if self.proc is None:
            return None
        proc = self.proc
        killed = False
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                killed = True
                proc.kill()
                proc.wait(10)
        self._reap_group(proc.pid)
        self.proc = None
        self.check_sanitizers()
        if expect_clean and (killed or proc.returncode != 0):
            why = f"did not stop within {timeout}s of SIGTERM" if killed else f"exited with {proc.returncode}"
            raise HarnessError(f"{self.name} {why}:\n{self.log_tail()}")
        return proc.returncode

    def kill9(self) -> None:
        """SIGKILL pchatd (simulates a crash); its PostgreSQL is left as it is."""
        if self.proc is None:
            raise HarnessError(f"{self.name} is not running")
        self.proc.kill()
        self.proc.wait(10)
        self.proc = None
        self.check_sanitizers()

    def postgres_pid(self) -> Optional[int]:
        """PID of the private PostgreSQL postmaster (first line of DATA/pg/postmaster.pid)."""
        return read_postmaster_pid(self.data_dir) if self.data_dir else None

    def kill9_postgres(self, timeout: float = 10.0) -> int:
        """SIGKILL the private postmaster and wait until it is gone; returns its PID."""
        pid = self.postgres_pid()
        if pid is None or not pid_alive(pid) or "postgres" not in pid_cmdline(pid):
            raise HarnessError(f"{self.name}: no running postmaster in {self.data_dir}/pg")
        kill_pid(pid, timeout)
        return pid

    def cleanup(self) -> list:
        """End everything this server started; return a list of problems found.

        Never raises: teardown first ends every process, then reports.
        """
        problems = []
        if self.proc is not None:
            try:
                self.stop()
            except Exception as exc:  # noqa: BLE001 - collected for the report
                problems.append(str(exc))
            finally:
                if self.proc is not None and self.proc.poll() is None:
                    self._abandon()
        for data_dir in self._data_dirs:
            try:
                kill_leftover_postmaster(data_dir)
            except Exception as exc:  # noqa: BLE001
                problems.append(f"{self.name}: could not end postmaster of {data_dir}: {exc}")
        return problems

    # -- observation --

    @property
    def running(self) -> bool:
        """True while the pchatd process is alive."""
        return self.proc is not None and self.proc.poll() is None

    @property
    def pid(self) -> Optional[int]:
        return self.proc.pid if self.proc else None

    def url(self, path: str) -> str:
        scheme = "https" if self.http_context is not None else "http"
        return f"{scheme}://127.0.0.1:{self.http_port}/{path.lstrip('/')}"

    def admin_token_file(self) -> pathlib.Path:
        """The admin token file pchatd uses: --admin-token-file, else the topology's
        [pool] admin_token_file (default ``admin-token`` beside it), else DATA/admin-token."""
        args = [str(a) for a in self.extra_args]
        if "--admin-token-file" in args:
            return pathlib.Path(args[args.index("--admin-token-file") + 1])
        if "--topology" in args:
            topology = pathlib.Path(args[args.index("--topology") + 1]).resolve()
            named = tomllib.loads(topology.read_text()).get("pool", {}).get("admin_token_file")
            path = pathlib.Path(named or "admin-token")
            return path if path.is_absolute() else topology.parent / path
        return self.data_dir / "admin-token"

    def admin_token(self) -> str:
        """The admin API token (first line of ``admin_token_file()``)."""
        return self.admin_token_file().read_text().splitlines()[0].strip()

    def http_request(self, method: str, path: str, token=True, timeout: float = 5.0) -> tuple:
        """``method path`` on the admin API; returns ``(status, body_text)``.

        ``token``: True sends this server's admin token, a string sends that string,
        None sends no Authorization header."""
        req = urllib.request.Request(self.url(path), method=method,
                                     data=b"" if method == "POST" else None)
        if token is True:
            token = self.admin_token()
        if token is not None:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=timeout, context=self.http_context) as resp:
                return resp.status, resp.read().decode("utf-8", errors="replace")
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode("utf-8", errors="replace")

    def http_get(self, path: str, timeout: float = 5.0, token=True) -> tuple:
        """GET ``path`` on the admin API with the admin token; ``(status, body_text)``."""
        return self.http_request("GET", path, token=token, timeout=timeout)

    def metrics(self) -> dict:
        """/metrics parsed into ``{"name{labels}": float}`` (comments skipped)."""
        status, body = self.http_get("/metrics", token=None)  # open to scrapers
        if status != 200:
            raise HarnessError(f"{self.name}: /metrics answered {status}")
        out = {}
        for line in body.splitlines():
            if not line or line.startswith("#"):
                continue
            key, _, value = line.rpartition(" ")
            try:
                out[key] = float(value)
            except ValueError:
                continue
        return out

    def log_tail(self, lines: int = 60) -> str:
        """The last lines pchatd wrote since its latest start."""
        return tail(self.log_path, lines, self._log_offset) if self.log_path else ""

    def check_sanitizers(self) -> None:
        """Raise if the log since the latest start holds a sanitizer report."""
        if self.log_path is None:
            return
        report = sanitizer_report(self.log_path, self._log_offset)
        if report:
            raise HarnessError(f"{self.name}: sanitizer report in {self.log_path}:\n{report}")

    # -- internals --

    def _ready(self) -> bool:
        if self.proc.poll() is not None:
            code = self.proc.returncode
            self.proc = None
            raise HarnessError(f"{self.name} exited with {code} during start:\n{self.log_tail()}")
        try:
            return self.http_get("/healthz", timeout=1.0, token=None)[0] == 200
        except OSError:
            return False

    def _abandon(self) -> None:
        """SIGKILL pchatd and whatever is left in its process group."""
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(10)
            self._reap_group(self.proc.pid)
            self.proc = None

    @staticmethod
    def _reap_group(pgid: int) -> None:
        """SIGKILL any process left in pchatd's own process group (by group ID)."""
        try:
            os.killpg(pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def __repr__(self) -> str:
        return f"<PchatServer {self.name} irc={self.irc_port} http={self.http_port} pid={self.pid}>"
