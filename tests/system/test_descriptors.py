"""Descriptor hygiene: a process pchatd starts holds none of pchatd's sockets.

pchatd restarts its private PostgreSQL while IRC clients are connected; if the new
postmaster inherited the IRC listener or a client's socket, that socket would
outlive pchatd (a port that cannot be bound again, a client never disconnected).
"""

from __future__ import annotations

import os

from irc_client import IrcClient
from pchat_harness import child_pids, free_port, pid_cmdline, wait_until


def _socket_inodes(pid: int) -> set:
    """The ``socket:[inode]`` targets of /proc/PID/fd (empty if the process is gone)."""
    out = set()
    fd_dir = f"/proc/{pid}/fd"
    try:
        names = os.listdir(fd_dir)
    except (FileNotFoundError, ProcessLookupError):
        return out
    for name in names:
        try:
            target = os.readlink(f"{fd_dir}/{name}")
        except (FileNotFoundError, ProcessLookupError):
            continue
        if target.startswith("socket:["):
            out.add(target)
    return out


def _postgres_tree(postmaster: int) -> list:
    """The postmaster and every process below it."""
    found, todo = [], [postmaster]
    while todo:
        pid = todo.pop()
        if "postgres" in pid_cmdline(pid):
            found.append(pid)
        todo.extend(child_pids(pid))
    return found


def test_restarted_postgres_holds_no_socket_of_pchatd(server_factory, unique):
    files_port = free_port()
    server = server_factory(allow_guests=True,
                            extra_args=["--files-listen", f"127.0.0.1:{files_port}"])
    clients = [IrcClient(f"fd{i}").connect(server.irc_port) for i in range(3)]
    try:
        for c in clients:
            c.register(unique("fd"))
        old = server.kill9_postgres()
        wait_until(lambda: server.postgres_pid() not in (None, old), 60,
                   "pchatd to restart PostgreSQL")
        wait_until(lambda: server.http_get("/healthz")[0] == 200, 60,
                   "/healthz 200 after the PostgreSQL restart")
        held = _socket_inodes(server.pid)
        # Three listeners (IRC, admin HTTP, files) and three clients at least.
        assert len(held) >= 6, held
        tree = _postgres_tree(server.postgres_pid())
        assert tree, "no PostgreSQL process found under the new postmaster"
        for pid in tree:
            leaked = _socket_inodes(pid) & held
            assert not leaked, (f"PostgreSQL process {pid} ({pid_cmdline(pid)}) holds "
                                f"pchatd's sockets {sorted(leaked)}")
        # The clients were not disturbed.
        for c in clients:
            c.send("PING :fd")
            c.expect("PONG")
    finally:
        for c in clients:
            c.close()
