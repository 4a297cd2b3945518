"""Direct access to a standalone pchat store for system tests (psql, pg_ctl).

Tests use this to check what is really stored, independently of the server:
``query(data_dir, sql)`` runs ``psql`` on ``DATA/run`` (database ``mgc``, role
``pchat``; trust auth, so root or the data dir's owner can connect).

``ManualPostmaster`` starts the data dir's PostgreSQL without pchatd (as the
``postgres`` OS user when we are root), for tests that must change the store
while pchatd is down or leave a postmaster behind on purpose.  It is always
stopped by PID.
"""

from __future__ import annotations

import os
import pathlib
import pwd
import subprocess
from typing import Optional

from pchat_harness import kill_pid, pid_alive, read_postmaster_pid, wait_until

PSQL = "/usr/bin/psql"
FIELD_SEP = "\x1f"
RECORD_SEP = "\x1e"


class StoreError(AssertionError):
    """psql or pg_ctl failed."""


def conninfo(data_dir, dbname: str = "mgc") -> str:
    return f"host={pathlib.Path(data_dir).resolve() / 'run'} dbname={dbname} user=pchat"


def query(data_dir, sql: str, dbname: str = "mgc", timeout: float = 30.0) -> list:
    """Rows of ``sql`` as lists of strings (NULL -> ''). Raises StoreError on failure."""
    cmd = [PSQL, conninfo(data_dir, dbname), "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1",
           "-F", FIELD_SEP, "-R", RECORD_SEP, "-c", sql]
    result = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
    if result.returncode != 0:
        raise StoreError(f"psql failed ({result.returncode}) for {sql!r}:\n"
                         f"{result.stderr.decode(errors='replace')}")
    text = result.stdout.decode("utf-8")
    if text.endswith("\n"):
        text = text[:-1]
    if not text:
        return []
    return [rec.split(FIELD_SEP) for rec in text.split(RECORD_SEP) if rec != ""]


def stored_messages(data_dir, target: Optional[str] = None) -> list:
    """``[(id, msgid, target, sender, command, body), ...]`` ordered by id."""
    where = ""
    if target is not None:
        where = " where target = '" + target.replace("'", "''") + "'"
    rows = query(data_dir, "select id, msgid, target, sender, command, body from messages"
                 + where + " order by id")
    return [(int(r[0]), r[1], r[2], r[3], r[4], r[5]) for r in rows]


def pg_bindir() -> pathlib.Path:
    env = os.environ.get("PCHAT_PG_BINDIR")
    if env:
        return pathlib.Path(env)
    try:
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True,
                             check=False, timeout=10).stdout.strip()
        if out and (pathlib.Path(out) / "pg_ctl").exists():
            return pathlib.Path(out)
    except (FileNotFoundError, subprocess.TimeoutExpired):
        pass
    return pathlib.Path("/usr/lib/postgresql/15/bin")


class ManualPostmaster:
    """The data dir's PostgreSQL started by the test itself (pchatd not running)."""

    def __init__(self, data_dir):
        self.data_dir = pathlib.Path(data_dir).resolve()
        self.pid: Optional[int] = None
        self._proc: Optional[subprocess.Popen] = None

    def _as_owner(self) -> list:
        if os.geteuid() != 0:
            return []
        owner = pwd.getpwuid((self.data_dir / "pg").stat().st_uid).pw_name
        return ["runuser", "-u", owner, "--"]

    def start(self, timeout: float = 60.0) -> int:
        """Start postgres detached from the test (own session) and wait until ready."""
        log = self.data_dir / "manual-postgres.log"
        with open(log, "ab") as f:
            os.chmod(log, 0o666)
            self._proc = subprocess.Popen(self._as_owner() + [str(pg_bindir() / "postgres"), "-D",
                                                 str(self.data_dir / "pg")],
                             stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT,
                             start_new_session=True, cwd="/")
        def ready():
            try:
                query(self.data_dir, "select 1", dbname="postgres", timeout=5)
                return True
            except StoreError:
                return False
        wait_until(ready, timeout, f"manual postgres on {self.data_dir}", interval=0.2)
        self.pid = read_postmaster_pid(self.data_dir)
        if self.pid is None:
            raise StoreError("postgres is up but postmaster.pid has no PID")
        return self.pid

    def stop(self, timeout: float = 30.0) -> None:
        """Fast shutdown (SIGINT) by PID; SIGKILL if it does not exit in time."""
        pid = self.pid
        self.pid = None
        if pid is not None and pid_alive(pid):
            os.kill(pid, 2)
            try:
                wait_until(lambda: not pid_alive(pid), timeout, f"postmaster {pid} to stop")
            except TimeoutError:
                kill_pid(pid)
        if self._proc is not None:
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(10)
            self._proc = None
