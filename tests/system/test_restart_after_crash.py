"""pchatd started again right after a crash (src/store/postmaster.h): pchatd and its
private postmaster are SIGKILLed and pchatd is started at once. Whatever still holds
DATA/pg (a killed postmaster its parent has not reaped yet, as when pchatd's parent is
a container's first process that does not reap orphans; a stopped postmaster; a PID
in postmaster.pid reused by an unrelated process) is waited for, up to 15 s with a
log line saying what, and then named in pchatd's own error line with what to do.

To hold a zombie the way such a parent does, the test process makes itself a child
subreaper (prctl PR_SET_CHILD_SUBREAPER) while pchatd dies: the orphaned postmaster
and its children become the test's children, and stay zombies until the test reaps
them. The test reaps exactly those PIDs and turns the subreaper off again."""

from __future__ import annotations

import ctypes
import os
import pathlib
import pwd
import signal
import subprocess
import threading
import time

import pytest

from irc_helpers import join, registered
from pchat_harness import HarnessError, wait_until

PR_SET_CHILD_SUBREAPER = 36
LEFTOVER_WAIT_S = 15  # store::kLeftoverWait
CAPS = ("echo-message", "message-tags")


def set_subreaper(on: bool) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1 if on else 0, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def proc_state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return ""


def postgres_pids(pgdata: pathlib.Path) -> list:
    """PIDs of the postgres processes working in ``pgdata`` (postmaster and children)."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.readlink(f"/proc/{entry}/cwd") == str(pgdata):
                out.append(int(entry))
        except OSError:
            continue
    return out


def reap(pids) -> None:
    """Reaps those of ``pids`` that are this process's children (adopted orphans)."""
    for pid in pids:
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass


def postmaster_of(srv) -> int:
    pid = srv.postgres_pid()
    assert pid and proc_state(pid) not in ("", "Z"), f"no running postmaster in {srv.data_dir}"
    return pid


def crash_leaving_a_zombie(srv) -> tuple:
    """SIGKILLs pchatd, then its postmaster, with the test as the subreaper: returns
    (postmaster PID, every PID of the old server), the postmaster a zombie."""
    pgdata = srv.data_dir / "pg"
    postmaster = postmaster_of(srv)
    old = postgres_pids(pgdata)
    set_subreaper(True)
    srv.kill9()
    os.kill(postmaster, signal.SIGKILL)
    wait_until(lambda: proc_state(postmaster) == "Z", 10, "the killed postmaster to be a zombie")
    return postmaster, old


def start_expecting_failure(srv) -> tuple:
    """Starts pchatd, which must exit during start-up: (seconds it took, its log)."""
    t0 = time.monotonic()
    with pytest.raises(HarnessError) as failed:
        srv.restart(timeout=LEFTOVER_WAIT_S + 30)
    return time.monotonic() - t0, str(failed.value)


def error_lines(log: str) -> list:
    return [line for line in log.splitlines() if "cannot start the message store" in line]


def chat(irc, unique, srv) -> None:
    chan = "#" + unique("after")
    alice = registered(irc, unique, "alice", server=srv, caps=CAPS)
    join(alice, chan)
    alice.send(f"PRIVMSG {chan} :back after the crash")
    alice.expect("PRIVMSG", pred=lambda m: m.params[0] == chan)


def test_restart_waits_for_a_killed_postmaster_not_yet_reaped(server_factory, irc, unique):
    srv = server_factory(allow_guests=True)
    old = []
    try:
        postmaster, old = crash_leaving_a_zombie(srv)

        # Nobody reaps it: pchatd waits the bound, then says which PID and why.
        took, log = start_expecting_failure(srv)
        assert took < LEFTOVER_WAIT_S + 15, f"pchatd gave up after {took:.1f}s"
        assert f"for the PostgreSQL server (pid {postmaster})" in log, log
        assert "has not reaped it yet" in log, log
        errors = error_lines(log)
        assert errors, log
        assert f"names pid {postmaster}, a PostgreSQL server that has exited but was not reaped " \
               f"by its parent (pid {os.getpid()}" in errors[0], errors
        assert "docker run --init" in errors[0], errors

        # Started again at once; the parent reaps the zombie while pchatd waits.
        started = {}

        def start():
            try:
                srv.restart(timeout=LEFTOVER_WAIT_S + 60)
                started["ok"] = True
            except HarnessError as exc:
                started["error"] = str(exc)

        t = threading.Thread(target=start)
        t.start()
        wait_until(lambda: f"for the PostgreSQL server (pid {postmaster})" in srv.log_tail(200)
                   or not t.is_alive(), 30, "pchatd to say it waits for the old postmaster")
        reap(old)
        t.join()
        assert started.get("ok"), started.get("error")
    finally:
        set_subreaper(False)
        reap(old)
    chat(irc, unique, srv)


def test_restart_right_after_both_are_killed(server_factory, irc, unique):
    """The old postmaster, orphaned, is reaped by PID 1 whenever that gets to it (on
    some machines seconds later); pchatd started at once waits for it and comes up."""
    srv = server_factory(allow_guests=True)
    for _ in range(3):
        postmaster = postmaster_of(srv)
        os.kill(postmaster, signal.SIGKILL)
        srv.kill9()
        srv.restart(timeout=LEFTOVER_WAIT_S + 60)
    chat(irc, unique, srv)


def test_a_stopped_postmaster_is_named_within_the_bound(server_factory, irc, unique):
    srv = server_factory(allow_guests=True)
    postmaster = postmaster_of(srv)
    old = postgres_pids(srv.data_dir / "pg")
    os.kill(postmaster, signal.SIGSTOP)
    try:
        set_subreaper(True)
        srv.kill9()
        took, log = start_expecting_failure(srv)
        assert LEFTOVER_WAIT_S - 1 < took < LEFTOVER_WAIT_S + 15, f"{took:.1f}s"
        assert "(it is stopped by a signal)" in log, log
        errors = error_lines(log)
        assert errors and f"names pid {postmaster}, a PostgreSQL server stopped by a signal " \
                          f"(SIGSTOP): resume it (kill -CONT {postmaster}" in errors[0], log
        # As the line says: resumed, it acts on the fast shutdown it was asked for.
        os.kill(postmaster, signal.SIGCONT)
        wait_until(lambda: proc_state(postmaster) in ("", "Z"), 30, "the old postmaster to exit")
        reap(old)
        srv.restart(timeout=LEFTOVER_WAIT_S + 60)
    finally:
        if proc_state(postmaster) == "T":
            os.kill(postmaster, signal.SIGCONT)
        set_subreaper(False)
        reap(old)
    chat(irc, unique, srv)


def test_a_lock_file_naming_an_unrelated_process_is_named(server_factory, irc, unique):
    srv = server_factory(allow_guests=True)
    pid_file = srv.data_dir / "pg" / "postmaster.pid"
    lines = pid_file.read_text().splitlines(keepends=True)
    srv.stop()
    # An unrelated process of the OS user PostgreSQL runs as took the PID.
    user = {"user": "postgres"} if os.geteuid() == 0 else {}
    other = subprocess.Popen(["sleep", "300"], **user)
    try:
        pid_file.write_text(f"{other.pid}\n" + "".join(lines[1:]))
        if os.geteuid() == 0:
            os.chown(pid_file, pwd.getpwnam("postgres").pw_uid, pwd.getpwnam("postgres").pw_gid)
        took, log = start_expecting_failure(srv)
        assert took < LEFTOVER_WAIT_S + 15, f"{took:.1f}s"
        errors = error_lines(log)
        assert errors and f"names pid {other.pid}, now an unrelated process (sleep)" in errors[0], log
        assert f"remove {pid_file}" in errors[0], errors
        assert other.poll() is None, "pchatd must not end an unrelated process"
        # Doing what the line says brings pchatd up.
        pid_file.unlink()
        srv.restart()
    finally:
        other.kill()
        other.wait()
    chat(irc, unique, srv)
