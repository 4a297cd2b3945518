"""A network partition between groups of processes on this machine, for fault tests.

Every link of a lab started with `--tls` is TCP on 127.0.0.1, so a partition cannot be
made with addresses. Instead each side's processes are moved into a cgroup (v2) of their
own, and an nftables table drops the TCP packets that sockets of one side send to the
other side's listening ports. Processes the sides fork later (a postmaster's backends, a
new walreceiver) inherit the cgroup. Everything else (the servers, the test itself) is
left out of both cgroups: a store cut off from its mirror and the witness stays
reachable by the servers, as when a datacenter's uplink to the others fails.

Needs root, nftables (`nft`) and cgroup v2 mounted under /sys/fs/cgroup (nft names
cgroups relative to that directory). `close()` removes the table and the cgroups.

    p = Partition("iso1")
    p.side("a", pids_a); p.side("b", pids_b)
    p.drop("a", [mirror_port, witness_port]); p.drop("b", [primary_port])
    p.cut()   ... p.heal()   ... p.close()
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import time

NFT_CGROUP_BASE = pathlib.Path("/sys/fs/cgroup")


def cgroup2_root() -> pathlib.Path:
    """Where cgroup v2 is mounted (under /sys/fs/cgroup); AssertionError if it is not."""
    with open("/proc/mounts") as f:
        for line in f:
            dev, mnt, fstype = line.split()[:3]
            if fstype == "cgroup2" and (mnt == str(NFT_CGROUP_BASE)
                                        or mnt.startswith(str(NFT_CGROUP_BASE) + "/")):
                return pathlib.Path(mnt)
    raise AssertionError("a partition needs cgroup v2 mounted under /sys/fs/cgroup "
                         "(see /proc/mounts)")


def connections(pids, remote_ports: set) -> set:
    """(local port, remote port) of the TCP connections sockets of `pids` hold to
    `remote_ports` (/proc/PID/fd and /proc/net/tcp{,6})."""
    inodes = set()
    for pid in pids:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                try:
                    target = os.readlink(f"/proc/{pid}/fd/{fd}")
                except OSError:
                    continue
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        except OSError:
            continue  # it ended
    out = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            next(f)
            for line in f:
                fields = line.split()
                lport = int(fields[1].rsplit(":", 1)[1], 16)
                rport = int(fields[2].rsplit(":", 1)[1], 16)
                if fields[9] in inodes and rport in remote_ports:
                    out.add((lport, rport))
    return out


class Partition:
    def __init__(self, name: str):
        self.name = name.replace("-", "_")
        self.root = cgroup2_root()
        self.table = f"pchat_{self.name}"
        self.sides: dict[str, pathlib.Path] = {}
        self.drops: list[tuple[str, list[int]]] = []
        self.is_cut = False

    def side(self, label: str, pids) -> None:
        """Moves `pids` (whole processes) into this side's cgroup, made if needed."""
        d = self.sides.get(label)
        if d is None:
            d = self.root / f"pchat-{self.name}-{label}"
            d.mkdir(exist_ok=True)
            self.sides[label] = d
        for pid in pids:
            try:
                (d / "cgroup.procs").write_text(str(pid))
            except ProcessLookupError:
                pass  # it ended meanwhile

    def drop(self, label: str, ports) -> None:
        """Once cut: TCP packets from `label`'s sockets to `ports` are dropped."""
        self.drops.append((label, [int(p) for p in ports]))

    def cut(self) -> None:
        rules = []
        for label, ports in self.drops:
            rel = os.path.relpath(self.sides[label], NFT_CGROUP_BASE)
            level = len(self.sides[label].relative_to(self.root).parts)
            ports_set = ", ".join(str(p) for p in ports)
            # Sockets made from now on carry the side's cgroup...
            rules.append(f'    socket cgroupv2 level {level} "{rel}" tcp dport {{ {ports_set} }} drop')
            # ... those made before it was moved do not: their connections, one by one.
            pids = (self.sides[label] / "cgroup.procs").read_text().split()
            for lport, rport in connections(pids, set(ports)):
                rules.append(f"    tcp sport {lport} tcp dport {rport} drop")
        script = (f"table inet {self.table} {{\n  chain out {{\n"
                  f"    type filter hook output priority 0; policy accept;\n"
                  + "\n".join(rules) + "\n  }\n}\n")
        r = subprocess.run(["nft", "-f", "-"], input=script, text=True, capture_output=True,
                           check=False)
        assert r.returncode == 0, f"nft refused the partition:\n{script}\n{r.stderr}"
        self.is_cut = True

    def heal(self) -> None:
        if self.is_cut:
            subprocess.run(["nft", "delete", "table", "inet", self.table], capture_output=True,
                           check=False)
            self.is_cut = False

    def close(self) -> None:
        """Heals, moves every process left back to the root cgroup, removes the cgroups."""
        self.heal()
        for d in self.sides.values():
            for _ in range(50):  # a side may fork while it is emptied
                try:
                    for pid in (d / "cgroup.procs").read_text().split():
                        try:
                            (self.root / "cgroup.procs").write_text(pid)
                        except ProcessLookupError:
                            pass
                    d.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:  # EBUSY: not empty yet
                    time.sleep(0.1)
        self.sides.clear()
