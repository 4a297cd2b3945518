"""Helpers for the service tests: the build directory of the binaries under test, and a
unix datagram socket standing in for systemd's NOTIFY_SOCKET."""

from __future__ import annotations

import pathlib
import socket
import struct
import time
from typing import Optional

from pchat_harness import bin_dir


def build_dir() -> pathlib.Path:
    """The CMake build directory whose bin/ holds the binaries under test."""
    return bin_dir().parent


def cmake_cache(name: str) -> Optional[str]:
    """A value of the build directory's CMakeCache.txt, or None."""
    for line in (build_dir() / "CMakeCache.txt").read_text().splitlines():
        key, _, value = line.partition("=")
        if key.split(":")[0] == name:
            return value
    return None


class NotifySocket:
    """Binds a datagram socket at ``path`` and receives sd_notify messages with the
    sender's PID (SCM_CREDENTIALS), as systemd does."""

    def __init__(self, path: pathlib.Path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.sock.bind(str(path))
        path.chmod(0o777)  # the sender may be another user

    def receive(self, timeout: float) -> Optional[tuple]:
        """(pid, {KEY: VALUE}) of the next message, or None after ``timeout``."""
        self.sock.settimeout(timeout)
        try:
            data, anc, _, _ = self.sock.recvmsg(4096, socket.CMSG_SPACE(12))
        except socket.timeout:
            return None
        pid = None
        for level, kind, payload in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                pid = struct.unpack("iII", payload[:12])[0]
        fields = dict(line.split("=", 1) for line in data.decode().splitlines() if "=" in line)
        return pid, fields

    def wait_for(self, key: str, timeout: float, seen: list) -> Optional[tuple]:
        """Receive until a message holding ``key`` (appended to ``seen`` with every other
        message, each as (time, pid, fields)); None after ``timeout``."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            got = self.receive(left)
            if got is None:
                return None
            seen.append((time.monotonic(), *got))
            if key in got[1]:
                return got
        return None

    def close(self) -> None:
        self.sock.close()
        self.path.unlink(missing_ok=True)


def port_accepts(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


