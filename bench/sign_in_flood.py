#!/usr/bin/env python3
"""Does a flood of sign-ins slow down signed-in users?

For each pchat binary directory given (say an older build first, then the current one),
on loopback: a fresh standalone store with COUNT messages in #bench0 (populate_history.sh),
then pchatd, then four measurements with pchat-bench, each DURATION seconds:

  history          CHATHISTORY p99 (2 clients, one request at a time)
  history+flood    the same while FLOODERS connections send SASL PLAIN attempts
                   for an existing account with wrong passwords, as fast as they
                   are answered
  delivery         fan-out p99 (20 clients, 4 senders, 50 messages/s each)
  delivery+flood   the same under the flood

The flood stands for an attack from many addresses: the binaries that know the
sign-in throttle run with it off (sign_in_free_failures = 0 and
sign_in_free_failures_per_address = 0), so every attempt costs a password check and
what is measured is the separate password-check pool alone.

  bench/sign_in_flood.py [--count 200000] [--duration 10] [--flooders 8] BIN_DIR...

Prints one table row per binary and measurement; `--json FILE` writes them all.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

REPO = pathlib.Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, bin_dir: pathlib.Path, work: pathlib.Path):
        self.bin_dir, self.work = bin_dir, work
        self.data = work / "data"
        self.proc = None

    def knows_throttle(self) -> bool:
        return b"sign_in" in (self.bin_dir / "pchatd").read_bytes()

    def start(self, extra=()):
        self.irc, self.http = free_port(), free_port()
        args = [str(self.bin_dir / "pchatd"), "--data-dir", str(self.data),
                "--irc-listen", f"127.0.0.1:{self.irc}", "--http-listen", f"127.0.0.1:{self.http}",
                "--allow-guests", "--flood-burst", "0", "--log-level", "warn", *extra]
        if self.knows_throttle():
            cfg = self.work / "pchatd.toml"
            cfg.write_text("sign_in_free_failures = 0\nsign_in_free_failures_per_address = 0\n")
            args += ["--config", str(cfg)]
        self.proc = subprocess.Popen(args, stdout=open(self.work / "pchatd.log", "ab"),
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.irc), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit(f"pchatd did not start: {self.work / 'pchatd.log'}")

    def stop(self):
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(60)
            self.proc = None


class Flood:
    """FLOODERS connections, each sending SASL PLAIN for `victim` with wrong passwords."""

    def __init__(self, port: int, flooders: int):
        self.port, self.stop_event = port, threading.Event()
        self.attempts = 0
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True)
                        for i in range(flooders)]

    def run(self, i: int):
        k = 0
        while not self.stop_event.is_set():
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=30) as s:
                    f = s.makefile("rwb")
                    f.write(b"CAP LS 302\r\nCAP REQ :sasl\r\n")
                    f.flush()
                    while not self.stop_event.is_set():
                        k += 1
                        cred = base64.b64encode(f"\0victim\0wrong-{i}-{k}".encode())
                        f.write(b"AUTHENTICATE PLAIN\r\nAUTHENTICATE " + cred + b"\r\n")
                        f.flush()
                        while True:
                            line = f.readline()
                            if not line:
                                raise OSError("closed")
                            if b" 904 " in line or b" 903 " in line:
                                break
                            if line.startswith(b"PING"):
                                f.write(b"PONG" + line[4:])
                                f.flush()
                        with self.lock:
                            self.attempts += 1
            except OSError:
                time.sleep(0.1)

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        for t in self.threads:
            t.join(40)


def bench(bin_dir: pathlib.Path, port: int, args: list, out: pathlib.Path) -> dict:
    subprocess.run([str(bin_dir / "pchat-bench"), "--port", str(port), *args, "--json", str(out)],
                   check=True, stdout=subprocess.DEVNULL, timeout=600)
    return json.loads(out.read_text())


def measure(bin_dir: pathlib.Path, count: int, duration: int, flooders: int) -> list:
    work = pathlib.Path(tempfile.mkdtemp(prefix="pchat-flood-"))
    os.chmod(work, 0o755)
    server = Server(bin_dir, work)
    rows = []
    try:
        server.start()
        server.stop()
        subprocess.run([str(bin_dir / "pchatctl"), "--data-dir", str(server.data), "user", "add",
                        "victim"], input=b"the-right-one\n", check=True, stdout=subprocess.DEVNULL)
        subprocess.run([str(REPO / "bench" / "populate_history.sh"), str(server.data), str(count)],
                       check=True, stdout=subprocess.DEVNULL,
                       env={**os.environ, "PCHAT_BIN_DIR": str(bin_dir)})
        server.start()
        history = ["--scenario", "history", "--clients", "2", "--rooms", "1",
                   "--duration", str(duration), "--warmup", "1"]
        delivery = ["--scenario", "fanout", "--clients", "20", "--rooms", "1", "--senders", "4",
                    "--rate", "50", "--duration", str(duration), "--warmup", "1"]
        for name, scenario in (("history", history), ("delivery", delivery)):
            for flood in (False, True):
                prefix = ["--nick-prefix", f"{name[0]}{int(flood)}x"]
                t0 = time.monotonic()
                if flood:
                    with Flood(server.irc, flooders) as f:
                        time.sleep(1)  # the flood under way first
                        start = f.attempts
                        r = bench(bin_dir, server.irc, scenario + prefix, work / "r.json")
                        attempts = (f.attempts - start) / (time.monotonic() - t0 - 1)
                else:
                    r = bench(bin_dir, server.irc, scenario + prefix, work / "r.json")
                    attempts = 0.0
                rows.append({"bin": str(bin_dir), "measure": name + ("+flood" if flood else ""),
                             "done": r.get("delivered"), "p50_ms": r.get("p50_ms"),
                             "p99_ms": r.get("p99_ms"), "max_ms": r.get("max_ms"),
                             "sign_in_attempts_per_s": round(attempts, 1)})
                print("{bin:40} {measure:16} done={done} p50={p50_ms} p99={p99_ms} max={max_ms} "
                      "sign-ins/s={sign_in_attempts_per_s}".format(**rows[-1]), flush=True)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    return rows


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("bin_dirs", nargs="+", type=pathlib.Path)
    p.add_argument("--count", type=int, default=200000, help="messages in #bench0")
    p.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    p.add_argument("--flooders", type=int, default=8, help="flooding connections")
    p.add_argument("--json", type=pathlib.Path, help="write every row here")
    a = p.parse_args()
    rows = []
    for d in a.bin_dirs:
        rows += measure(d.resolve(), a.count, a.duration, a.flooders)
    if a.json:
        a.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
