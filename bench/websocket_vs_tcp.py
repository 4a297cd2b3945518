#!/usr/bin/env python3
"""IRC over WebSocket against IRC over TCP, side by side on one pchatd.

Starts a standalone pchatd from BIN_DIR (guests allowed, flood control off) with its
web listener, then runs the same scenario ROUNDS times per transport, alternating
(tcp, ws, tcp, ws, ...): RECEIVERS clients and one sender join #bench over that
transport; the sender (echo-message) keeps at most WINDOW messages unechoed and
posts MESSAGES in all; each receiver reads until it has them all. The Python driver
is the same for both transports (threads, one per client; websocket-client for
WebSocket, text.ircv3.net), so the difference is the transport's, server and
client side together.

  bench/websocket_vs_tcp.py [--receivers 10] [--messages 3000] [--window 32]
                            [--rounds 2] BIN_DIR

Prints one row per run: messages/s (the sender's, from the first send to the last
receiver's last message), deliveries/s (messages x receivers over that time) and
pchatd's CPU time per delivery (from /proc; it includes registration and
JOIN of the run's clients). The driver is Python: websocket-client parses each
message in Python where TCP lines are split in C, so the rates measure the driver
as much as pchatd; the CPU column is pchatd's alone.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import socket
import subprocess
import tempfile
import threading
import time

import websocket  # python3-websocket


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Tcp:
    def __init__(self, port: int):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def send(self, line: str):
        self.sock.sendall(line.encode() + b"\r\n")

    def lines(self):
        while True:
            data = self.sock.recv(65536)
            if not data:
                return
            self.buf += data
            *done, self.buf = self.buf.split(b"\r\n")
            yield from done

    def close(self):
        self.sock.close()


class Ws:
    def __init__(self, port: int):
        self.ws = websocket.create_connection(f"ws://127.0.0.1:{port}/irc", timeout=60,
                                              subprotocols=["text.ircv3.net"],
                                              suppress_origin=True)

    def send(self, line: str):
        self.ws.send(line)

    def lines(self):
        while True:
            data = self.ws.recv()
            if data == "":
                return
            yield data.encode()

    def close(self):
        self.ws.close()


def register(c, nick: str, caps: str = ""):
    if caps:
        c.send(f"CAP REQ :{caps}")
    c.send(f"NICK {nick}")
    c.send(f"USER {nick} 0 * :{nick}")
    if caps:
        c.send("CAP END")
    for wanted, then in ((b" 376 ", "JOIN #bench"), (b" 366 ", None)):
        for line in c.lines():
            if wanted in line:
                break
        if then:
            c.send(then)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(make, receivers: int, messages: int, window: int, tag: str) -> tuple:
    rs = [make() for _ in range(receivers)]
    for i, r in enumerate(rs):
        register(r, f"r{tag}{i}")
    sender = make()
    register(sender, f"s{tag}", "echo-message")
    done_at = [0.0] * receivers
    ready = threading.Barrier(receivers + 1)

    def receive(i: int):
        ready.wait()
        got = 0
        for line in rs[i].lines():
            if b" PRIVMSG #bench " in line:
                got += 1
                if got == messages:
                    done_at[i] = time.monotonic()
                    return

    threads = [threading.Thread(target=receive, args=(i,)) for i in range(receivers)]
    for t in threads:
        t.start()
    ready.wait()
    start = time.monotonic()
    sent = echoed = 0
    lines = sender.lines()
    while echoed < messages:
        while sent < messages and sent - echoed < window:
            sender.send(f"PRIVMSG #bench :message {sent} of the websocket benchmark")
            sent += 1
        line = next(lines)
        if b" PRIVMSG #bench " in line:
            echoed += 1
    for t in threads:
        t.join(120)
    elapsed = max(done_at) - start
    for c in rs + [sender]:
        c.close()
    return messages / elapsed, messages * receivers / elapsed


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("bin_dir", type=pathlib.Path)
    ap.add_argument("--receivers", type=int, default=10)
    ap.add_argument("--messages", type=int, default=3000)
    ap.add_argument("--window", type=int, default=32)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="pchat-wsbench.") as work:
        os.chmod(work, 0o755)  # as root, PostgreSQL runs as postgres and must reach it
        irc, http, web = free_port(), free_port(), free_port()
        log = open(pathlib.Path(work) / "pchatd.log", "ab")
        proc = subprocess.Popen(
            [str(args.bin_dir / "pchatd"), "--data-dir", f"{work}/data",
             "--irc-listen", f"127.0.0.1:{irc}", "--http-listen", f"127.0.0.1:{http}",
             "--web-listen", f"127.0.0.1:{web}", "--allow-guests", "--flood-burst", "0",
             "--log-level", "warn"], stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    socket.create_connection(("127.0.0.1", irc), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        raise SystemExit(f"pchatd did not start (log in {work})")
                    time.sleep(0.2)
            print("| round | transport | messages/s | deliveries/s | pchatd CPU µs per delivery |")
            print("|---:|---|---:|---:|---:|")
            for rnd in range(1, args.rounds + 1):
                for name, make in (("tcp", lambda: Tcp(irc)), ("websocket", lambda: Ws(web))):
                    cpu = cpu_seconds(proc.pid)
                    rate, deliveries = run(make, args.receivers, args.messages, args.window,
                                           f"{name[0]}{rnd}")
                    us = (cpu_seconds(proc.pid) - cpu) * 1e6 / (args.messages * args.receivers)
                    print(f"| {rnd} | {name} | {rate:,.0f} | {deliveries:,.0f} | {us:.1f} |",
                          flush=True)
        finally:
            proc.terminate()
            proc.wait(60)


if __name__ == "__main__":
    main()
