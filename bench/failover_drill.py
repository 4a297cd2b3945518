#!/usr/bin/env python3
"""Failover drill timing: how soon after `pchatctl failover` starts does datacenter B
take a client's message?

Each drill: `pchatctl lab up` (1 server per datacenter, guests allowed) in a fresh
directory, a few messages posted through A's server, `pchatctl lab kill-dc A`, then
`pchatctl --topology T failover` started while a client on B's server tries, every
50 ms, to connect, register, JOIN and PRIVMSG (labeled) until the message is
acknowledged (echo-message). Measured from the start of `pchatctl failover`:
  failover  - when the command returned
  first_ack - when B acknowledged the first PRIVMSG
Then `lab down`. Prints one line per drill and median / p95 / max.

usage: bench/failover_drill.py [--drills N] [--bin-dir DIR] [--work DIR] [--json FILE]
(--bin-dir: where pchatctl and pchatd are, default build/asan/bin; must run as a
user the `postgres` OS user can follow into --work when root.)"""

from __future__ import annotations

import argparse
import json
import math
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "system"))
from irc_client import IrcClient  # noqa: E402

CAPS = ("echo-message", "labeled-response", "message-tags")


def run(ctl: pathlib.Path, *args, timeout: float = 300.0) -> subprocess.CompletedProcess:
    r = subprocess.run([str(ctl), *map(str, args)], capture_output=True, text=True,
                       timeout=timeout, check=False)
    if r.returncode != 0:
        raise RuntimeError(f"pchatctl {' '.join(map(str, args))} failed ({r.returncode}):\n"
                           f"{r.stdout}\n{r.stderr}")
    return r


def post_once(port: int, nick: str, channel: str, body: str, timeout: float) -> bool:
    """One attempt: connect, register, JOIN, PRIVMSG; True when acknowledged."""
    c = IrcClient(nick)
    try:
        c.connect(port, timeout=timeout)
        c.register(nick, caps=CAPS, timeout=timeout)
        c.send(f"JOIN {channel}")
        if c.expect(("366", "FAIL"), timeout).command != "366":
            return False
        c.request(f"PRIVMSG {channel} :{body}", "drill")
        m = c.expect(("PRIVMSG", "FAIL"), timeout, pred=lambda m: m.tags.get("label") == "drill")
        return m.command == "PRIVMSG"
    except Exception:  # noqa: BLE001 - refused, bounced (010), closed: try again
        return False
    finally:
        c.close()


class Client(threading.Thread):
    """Tries until B acknowledges a message; records when (monotonic)."""

    def __init__(self, port: int, tag: str):
        super().__init__(daemon=True)
        self.port, self.tag = port, tag
        self.acked_at = None
        self.attempts = 0
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            self.attempts += 1
            if post_once(self.port, f"d{self.tag}x{self.attempts}", f"#drill{self.tag}",
                         "after the failover", timeout=5.0):
                self.acked_at = time.monotonic()
                return
            time.sleep(0.05)


def drill(ctl: pathlib.Path, work: pathlib.Path, n: int) -> dict:
    lab = work / f"lab{n}"
    if lab.exists():
        shutil.rmtree(lab)
    run(ctl, "lab", "up", "--dir", lab, "--servers-per-dc", "1", "--allow-guests")
    try:
        state = json.loads((lab / "lab.json").read_text())
        a = next(s for s in state["servers"] if s["dc"] == "A")
        b = next(s for s in state["servers"] if s["dc"] == "B")
        for k in range(3):
            if not post_once(a["irc_port"], f"a{n}x{k}", f"#drill{n}", f"before {k}", 10.0):
                raise RuntimeError("A's server did not take a message")
        time.sleep(2.0)  # log shipping carries the room to B (docs/lab.md: within ~1.6 s)
        run(ctl, "lab", "kill-dc", "A", "--dir", lab)
        client = Client(b["irc_port"], str(n))
        t0 = time.monotonic()
        proc = subprocess.Popen([str(ctl), "--topology", str(lab / "topology.toml"), "failover"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        client.start()
        out, err = proc.communicate(timeout=300)
        returned = time.monotonic() - t0
        if proc.returncode != 0:
            raise RuntimeError(f"failover failed ({proc.returncode}):\n{out}\n{err}")
        client.join(60)
        client.stop.set()
        if client.acked_at is None:
            raise RuntimeError("B acknowledged no message within 60 s of the failover")
        return {"failover_s": returned, "first_ack_s": client.acked_at - t0,
                "attempts": client.attempts}
    finally:
        subprocess.run([str(ctl), "lab", "down", "--dir", str(lab)], capture_output=True,
                       timeout=300, check=False)
        shutil.rmtree(lab, ignore_errors=True)


def summary(values: list) -> str:
    v = sorted(values)
    p95 = v[math.ceil(0.95 * len(v)) - 1]  # nearest rank
    return f"median {statistics.median(v):.2f} s, p95 {p95:.2f} s, max {v[-1]:.2f} s"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--drills", type=int, default=10)
    ap.add_argument("--bin-dir", default=str(REPO / "build" / "asan" / "bin"))
    ap.add_argument("--work", default="")
    ap.add_argument("--json", default="")
    args = ap.parse_args()
    ctl = pathlib.Path(args.bin_dir).resolve() / "pchatctl"
    work = pathlib.Path(args.work or tempfile.mkdtemp(prefix="pchat-drill-", dir="/tmp"))
    work.mkdir(parents=True, exist_ok=True)
    os.chmod(work, 0o755)
    results = []
    for n in range(1, args.drills + 1):
        r = drill(ctl, work, n)
        results.append(r)
        print(f"drill {n}: failover returned {r['failover_s']:.2f} s, first acknowledged "
              f"message in B {r['first_ack_s']:.2f} s ({r['attempts']} attempts)", flush=True)
    print(f"{len(results)} drills; failover returned: "
          f"{summary([r['failover_s'] for r in results])}")
    print(f"{len(results)} drills; first acknowledged message in B: "
          f"{summary([r['first_ack_s'] for r in results])}")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
