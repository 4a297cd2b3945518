"""The lab (``pchatctl lab``) for system tests: the whole two-datacenter topology on
loopback (docs/lab.md).  ``Lab(path).up()`` runs ``pchatctl lab up``; ``down()``
runs ``lab down``; ``cleanup()`` (fixture teardown) runs ``lab down`` and, should that
fail, SIGKILLs by PID whatever lab.json and the stores' postmaster.pid still name.

Stores are queried with psql on their unix socket (``query(role, sql)``); in a lab up
with ``--tls``, ``query_tls(role, sql)`` goes over TCP with TLS (verify-full against
the lab's CA, the lab's client certificate) and ``plain_tcp_error(role)`` is what a
plaintext TCP connection gets."""

from __future__ import annotations

import json
import pathlib
import subprocess
import time
from typing import Optional

from pchat_harness import (binary, child_pids, kill_pid, pid_alive, pid_cmdline,
                           read_postmaster_pid, sanitizer_env, sanitizer_report, wait_until)

PSQL = "/usr/bin/psql"
ROLES = ("primary", "mirror", "backup", "backup_mirror", "compliance", "compliance_backup")


class LabError(AssertionError):
    pass


def pchatctl_run(*args, timeout: float = 180.0, input: Optional[str] = None,
                 env_extra: Optional[dict] = None):
    cmd = [str(binary("pchatctl")), *map(str, args)]
    env = sanitizer_env()
    env.update(env_extra or {})
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False,
                          env=env, input=input)


class Lab:
    def __init__(self, path: pathlib.Path, servers_per_dc: int = 1, allow_guests: bool = True,
                 extra_args=()):
        self.dir = pathlib.Path(path)
        self.extra_args = list(extra_args)
        self.servers_per_dc = servers_per_dc
        self.allow_guests = allow_guests
        self.up_seconds: Optional[float] = None
        self.up_output = ""

    # -- commands --

    @property
    def topology(self) -> pathlib.Path:
        return self.dir / "topology.toml"

    def ctl(self, *args, timeout: float = 180.0, check: bool = True, input: Optional[str] = None,
            env_extra: Optional[dict] = None):
        """``pchatctl --topology DIR/topology.toml ARGS``."""
        r = pchatctl_run("--topology", self.topology, *args, timeout=timeout, input=input,
                         env_extra=env_extra)
        if check and r.returncode != 0:
            raise LabError(f"pchatctl {' '.join(map(str, args))} failed ({r.returncode}):\n"
                           f"{r.stdout}\n{r.stderr}")
        return r

    def lab(self, *args, timeout: float = 300.0, check: bool = True):
        r = pchatctl_run("lab", *args, "--dir", self.dir, timeout=timeout)
        if check and r.returncode != 0:
            raise LabError(f"pchatctl lab {' '.join(args)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
        return r

    def up(self) -> "Lab":
        args = ["up", "--servers-per-dc", str(self.servers_per_dc)]
        if self.allow_guests:
            args.append("--allow-guests")
        args += self.extra_args
        t0 = time.monotonic()
        r = self.lab(*args, check=False)
        self.up_seconds = time.monotonic() - t0
        self.up_output = r.stdout + r.stderr
        if r.returncode != 0:
            raise LabError(f"lab up failed ({r.returncode}):\n{self.up_output}\n{self.logs_tail()}")
        return self

    def down(self):
        return self.lab("down")

    def kill_dc(self, dc: str):
        return self.lab("kill-dc", dc)

    def start_dc(self, dc: str):
        return self.lab("start-dc", dc)

    def status(self) -> dict:
        return json.loads(self.lab("status", "--json").stdout)

    def state(self) -> dict:
        return json.loads((self.dir / "lab.json").read_text())

    def wait_backup_replayed(self, timeout: float = 30.0) -> str:
        """Wait until the backup store has replayed the primary's WAL as it is now; its LSN."""
        lsn = self.query("primary", "select pg_current_wal_lsn()")[0][0]
        wait_until(lambda: self.query("backup", f"select pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn")
                   == [["t"]], timeout, f"the backup store to replay up to {lsn}")
        return lsn

    def logship_status(self) -> dict:
        return json.loads(self.ctl("logship", "status", "--json").stdout)

    def mirror_status(self) -> dict:
        return json.loads(self.ctl("mirror", "status", "--json").stdout)

    def metrics(self, server: dict) -> dict:
        """A server's /metrics as {name: value} (comments skipped)."""
        import urllib.request
        with urllib.request.urlopen(f"http://127.0.0.1:{server['http_port']}/metrics", timeout=5) as r:
            body = r.read().decode()
        out = {}
        for line in body.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                try:
                    out[name] = float(value)
                except ValueError:
                    pass
        return out

    # -- the layout --

    def servers(self, dc: Optional[str] = None) -> list:
        return [s for s in self.state()["servers"] if dc is None or s["dc"] == dc]

    def store_port(self, role: str) -> int:
        return next(s["port"] for s in self.state()["stores"] if s["role"] == role)

    def store_dir(self, role: str) -> pathlib.Path:
        return self.dir / "stores" / role

    def postmaster(self, role: str) -> Optional[int]:
        pid = read_postmaster_pid(self.store_dir(role))
        if pid is None or not pid_alive(pid) or "postgres" not in pid_cmdline(pid):
            return None
        return pid

    def conninfo(self, role: str) -> str:
        db = "mgccomp" if role.startswith("compliance") else "mgc"
        return f"host={self.store_dir(role) / 'run'} port={self.store_port(role)} user=pchat dbname={db}"

    def query(self, role: str, sql: str, timeout: float = 30.0) -> list:
        """Rows of ``sql`` on a store (lists of strings)."""
        return self._psql(self.conninfo(role), role, sql, timeout)

    @property
    def ca(self) -> pathlib.Path:
        """The lab's CA certificate (lab up --tls)."""
        return self.dir / "tls" / "ca.pem"

    def tls_conninfo(self, role: str, client_cert: bool = True) -> str:
        """Over TCP, verify-full against the lab's CA, with the lab's client certificate
        (or, client_cert=False, none)."""
        db = "mgccomp" if role.startswith("compliance") else "mgc"
        tls = self.dir / "tls"
        cert = f"sslcert={tls / 'client.pem'} sslkey={tls / 'client.key'}" if client_cert \
            else "sslcert=/nonexistent sslkey=/nonexistent"
        return (f"host=127.0.0.1 port={self.store_port(role)} user=pchat dbname={db} "
                f"sslmode=verify-full sslrootcert={self.ca} {cert} application_name=lab-test")

    def query_tls(self, role: str, sql: str, timeout: float = 30.0) -> list:
        """Rows of ``sql`` on a store, over TCP with TLS (verify-full)."""
        return self._psql(self.tls_conninfo(role), role, sql, timeout)

    def connect_error(self, conninfo: str) -> str:
        """psql's error connecting with ``conninfo`` ("" if it connected)."""
        r = subprocess.run([PSQL, conninfo, "-X", "-A", "-t", "-c", "select 1"],
                           capture_output=True, text=True, timeout=30, check=False)
        return "" if r.returncode == 0 else r.stderr

    def plain_tcp_error(self, role: str) -> str:
        """psql with sslmode=disable over TCP: its error ("" if it connected)."""
        return self.connect_error(f"host=127.0.0.1 port={self.store_port(role)} user=pchat "
                                  "dbname=postgres sslmode=disable")

    def _psql(self, conninfo: str, role: str, sql: str, timeout: float) -> list:
        r = subprocess.run([PSQL, conninfo, "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1",
                            "-F", "\x1f", "-c", sql], capture_output=True, text=True, timeout=timeout,
                           check=False)
        if r.returncode != 0:
            raise LabError(f"psql on {role} failed for {sql!r}: {r.stderr}")
        return [line.split("\x1f") for line in r.stdout.splitlines() if line]

    def all_pids(self) -> list:
        """Every PID the lab started that still runs: pchatd, jobs, postmasters and their children."""
        pids = []
        try:
            st = self.state()
        except FileNotFoundError:
            return pids
        for s in st["servers"] + st["jobs"]:
            if s["pid"] and pid_alive(s["pid"]) and ("pchatd" in pid_cmdline(s["pid"]) or
                                                     "pchatctl" in pid_cmdline(s["pid"])):
                pids.append(s["pid"])
        for role in ROLES:
            pm = self.postmaster(role)
            if pm:
                pids.append(pm)
                pids.extend(k for k in child_pids(pm) if pid_alive(k))
        return pids

    def ports(self) -> list:
        st = self.state()
        out = [s["port"] for s in st["stores"]]
        for s in st["servers"]:
            out += [s["irc_port"], s["http_port"]]
        return out

    def logs_tail(self, lines: int = 30) -> str:
        out = []
        for p in sorted(self.dir.glob("servers/*.log")) + sorted(self.dir.glob("jobs/*.log")) + \
                sorted(self.dir.glob("stores/*/postgres.log")):
            text = p.read_text(errors="replace").splitlines()[-lines:]
            out.append(f"--- {p}\n" + "\n".join(text))
        return "\n".join(out)

    def cleanup(self) -> list:
        """lab down; on failure SIGKILL what is left, by PID. Returns problems."""
        problems = []
        if not (self.dir / "lab.json").exists():
            return problems
        try:
            r = self.lab("down", check=False)
            if r.returncode != 0:
                problems.append(f"lab down failed:\n{r.stdout}\n{r.stderr}")
        except subprocess.TimeoutExpired:
            problems.append("lab down timed out")
        left = self.all_pids()
        if left:
            problems.append(f"processes left after lab down: {left}")
            for pid in left:
                kill_pid(pid)
        # pchatd and the jobs log here; archive-wal (run by PostgreSQL) in postgres.log.
        for log in sorted(self.dir.glob("servers/*.log")) + sorted(self.dir.glob("jobs/*.log")) + \
                sorted(self.dir.glob("stores/*/postgres.log")):
            report = sanitizer_report(log)
            if report:
                problems.append(f"sanitizer report in {log}:\n{report}")
        return problems


def logs_if_failed(request, lab):
    """After a test: the tail of the lab's logs (agents, witness, servers, stores) in
    its output when it failed, which is all a CI run keeps of the lab."""
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        print(f"\n--- the lab's logs when {request.node.name} failed\n{lab.logs_tail(40)}")
