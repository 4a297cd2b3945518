#!/usr/bin/env python3
"""Automatic mirror failover RTO: from the primary's death (kill -9 of its postmaster)
to the first message acknowledged on the new primary, with no command.

One lab (`pchatctl lab up`, 1 server per datacenter, guests allowed; its witness and
mirror agents, automatic failover after 1 s). A client posts labeled PRIVMSGs through
datacenter A's server, one at a time, without pause, reconnecting when it must. Each
kill: wait until the pair is synchronized, SIGKILL the writable store's postmaster,
record when the first message posted after the kill is acknowledged (echo-message),
then wait until the old primary is back as the synchronous mirror (pg_rewind) before
the next kill. At the end every acknowledged message must be on the primary.
Prints one line per kill and median / p95 / max of the RTO and of the time until the
pair is synchronized again.

usage: bench/auto_failover_rto.py [--kills N] [--bin-dir DIR] [--work DIR] [--json FILE]
(--bin-dir: where pchatctl and pchatd are, default build/asan/bin; as root, --work must be
a directory the `postgres` OS user can enter.)"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import signal
import subprocess
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "system"))
sys.path.insert(0, str(REPO / "bench"))
from failover_drill import summary  # noqa: E402
from serial_poster import SerialPoster  # noqa: E402

PAIR = ("primary", "mirror")


class Lab:
    def __init__(self, ctl: pathlib.Path, psql: str, path: pathlib.Path):
        self.ctl, self.psql, self.dir = ctl, psql, path

    def run(self, *args, check=True, timeout=300.0) -> subprocess.CompletedProcess:
        r = subprocess.run([str(self.ctl), *map(str, args)], capture_output=True, text=True,
                           timeout=timeout, check=False)
        if check and r.returncode != 0:
            raise RuntimeError(f"pchatctl {' '.join(map(str, args))}: {r.stdout}\n{r.stderr}")
        return r

    def state(self) -> dict:
        return json.loads((self.dir / "lab.json").read_text())

    def query(self, role: str, sql: str) -> list:
        port = next(s["port"] for s in self.state()["stores"] if s["role"] == role)
        r = subprocess.run([self.psql, f"host={self.dir / 'stores' / role / 'run'} port={port} "
                            "user=pchat dbname=mgc connect_timeout=2", "-XAtq", "-c", sql],
                           capture_output=True, text=True, timeout=10, check=False)
        if r.returncode != 0:
            raise RuntimeError(r.stderr)
        return [line.split("|") for line in r.stdout.splitlines() if line]

    def writable(self) -> str | None:
        for role in PAIR:
            try:
                if self.query(role, "select pg_is_in_recovery()") == [["f"]]:
                    return role
            except Exception:  # noqa: BLE001 - down
                pass
        return None

    def synchronized(self) -> bool:
        r = self.run("--topology", self.dir / "topology.toml", "mirror", "status", "--json",
                     check=False)
        try:
            return json.loads(r.stdout)["state"] == "synchronized"
        except ValueError:
            return False

    def postmaster(self, role: str) -> int:
        return int((self.dir / "stores" / role / "pg" / "postmaster.pid").read_text().split()[0])


def wait(cond, timeout: float, what: str):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.05)
    raise TimeoutError(what)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--bin-dir", default=str(REPO / "build" / "asan" / "bin"))
    ap.add_argument("--work", default="/tmp")
    ap.add_argument("--json", default="")
    args = ap.parse_args()
    ctl = pathlib.Path(args.bin_dir) / "pchatctl"
    psql = next(str(p) for p in sorted(pathlib.Path("/usr/lib/postgresql").glob("*/bin/psql")))
    work = pathlib.Path(tempfile.mkdtemp(prefix="pchat-rto-", dir=args.work))
    os.chmod(work, 0o755)
    lab = Lab(ctl, psql, work / "lab")
    lab.run("lab", "up", "--dir", lab.dir, "--servers-per-dc", "1", "--allow-guests")
    poster = SerialPoster(next(s["irc_port"] for s in lab.state()["servers"] if s["dc"] == "A"),
                          "#rto", "rto")
    poster.start()
    results = []
    try:
        for n in range(1, args.kills + 1):
            wait(lab.synchronized, 120, "the pair synchronized")
            wait(lambda: len(poster.acked) > 0 and time.monotonic() - poster.acked[-1][1] < 1, 30,
                 "the poster acknowledged")
            old = lab.writable()
            t0 = time.monotonic()
            os.kill(lab.postmaster(old), signal.SIGKILL)
            wait(lambda: poster.first_ack_after(t0), 60, "the first acknowledgement")
            rto = poster.first_ack_after(t0) - t0
            wait(lambda: lab.writable() not in (None, old) and lab.synchronized(), 120,
                 "the old primary back as the synchronous mirror")
            back = time.monotonic() - t0
            results.append({"kill": n, "from": old, "rto_s": rto, "synchronized_s": back})
            print(f"kill {n:2d}: {old:7s} killed, first acknowledgement after {rto:.2f} s, "
                  f"pair synchronized after {back:.1f} s", flush=True)
    finally:
        acked = set(poster.finish())
        primary = lab.writable()
        stored = {r[0] for r in lab.query(primary, "select body from messages where target = '#rto'")}
        lost = acked - stored
        lab.run("lab", "down", "--dir", lab.dir, check=False)
    print(f"{len(results)} kills: RTO {summary([r['rto_s'] for r in results])}; "
          f"synchronized again {summary([r['synchronized_s'] for r in results])}")
    print(f"{len(acked)} messages acknowledged, {len(lost)} lost")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps({"kills": results, "acked": len(acked),
                                                       "lost": len(lost)}, indent=2))
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
