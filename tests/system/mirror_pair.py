"""The primary/mirror pair of a lab under automatic failover, as the fault tests see it
(test_auto_failover*.py): which store is writable at which epoch, whether the pair is
synchronized, a poster through datacenter A's server, and the checks every fault test
ends with (nothing acknowledged lost; no epoch accepted by two stores)."""

from __future__ import annotations

import threading

import pytest

from conftest import unique_name
from lab_harness import Lab
from pchat_harness import wait_until
from serial_poster import SerialPoster

PAIR = ("primary", "mirror")


class EpochOwners:
    """Watches the pair all along (every 100 ms): which store accepted writes (not in
    recovery, not read-only) at which epoch. An epoch belongs to one store for ever: a
    second store seen accepting writes at an epoch another store accepted writes at is a
    split brain, whenever it happens."""

    def __init__(self, lab):
        self.lab = lab
        self.owners = {}  # epoch -> set of roles
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self._thread.start()

    def stop(self):
        self._stop.set()
        self._thread.join(10)

    def _run(self):
        while not self._stop.is_set():
            for role in PAIR:
                try:
                    row = self.lab.query(role, "select pg_is_in_recovery(), current_setting("
                                         "'default_transaction_read_only'), (select epoch from pool_state)",
                                         timeout=1)[0]
                except Exception:  # noqa: BLE001 - down, stopped, restarting
                    continue
                if row[0] == "f" and row[1] == "off":
                    self.owners.setdefault(int(row[2]), set()).add(role)
                    self.samples += 1
            self._stop.wait(0.1)

    def check(self):
        shared = {e: sorted(r) for e, r in self.owners.items() if len(r) > 1}
        assert not shared, f"two stores accepted writes at the same epoch: {shared}"
        assert self.samples > 0, "the watch never saw a writable store"


def writable(lab) -> str:
    for role in PAIR:
        try:
            if lab.query(role, "select pg_is_in_recovery()", timeout=5) == [["f"]]:
                return role
        except Exception:  # noqa: BLE001 - down
            pass
    raise AssertionError("no writable store in the pair")


def other(role: str) -> str:
    return "mirror" if role == "primary" else "primary"


def epoch(lab, role) -> int:
    return int(lab.query(role, "select epoch from pool_state")[0][0])


def promoted(lab, role, at_epoch) -> bool:
    """The store is writable and carries `at_epoch` (False while it does not answer)."""
    try:
        return (lab.query(role, "select pg_is_in_recovery()", timeout=5) == [["f"]]
                and epoch(lab, role) == at_epoch)
    except Exception:  # noqa: BLE001 - restarting, promoting
        return False


def bodies(lab, role, channel) -> set:
    return {r[0] for r in lab.query(role, f"select body from messages where target = '{channel}'")}


def synchronized(lab) -> bool:
    try:
        return lab.mirror_status()["state"] == "synchronized"
    except Exception:  # noqa: BLE001 - a store restarting
        return False


def witness_pid(lab) -> int:
    return job_pid(lab, "witness")


def job_pid(lab, name) -> int:
    return next(j["pid"] for j in lab.state()["jobs"] if j["name"] == name)


def agent_pid(lab, role) -> int:
    """The mirror agent beside the store `role`."""
    return job_pid(lab, "mirror-monitor" if role == "primary" else "mirror-monitor-" + role)


def start_poster(lab, tag) -> SerialPoster:
    p = SerialPoster(lab.servers("A")[0]["irc_port"], "#" + unique_name(tag))
    p.start()
    wait_until(lambda: len(p.acked) >= 5, 30, "the poster's first acknowledgements")
    return p


def check_nothing_lost(lab, poster, acked):
    primary = writable(lab)
    missing = set(acked) - bodies(lab, primary, poster.channel)
    assert not missing, f"{len(missing)} acknowledged messages missing on the {primary}: {sorted(missing)[:5]}"
    wait_until(lambda: synchronized(lab), 60, "the pair synchronized")
    on_mirror = bodies(lab, other(primary), poster.channel)
    assert set(acked) <= on_mirror


def healthy_pair(lab, tag):
    """Waits until the pair is synchronized; (the primary, its epoch, a started poster)."""
    wait_until(lambda: synchronized(lab), 60, "the pair synchronized")
    old = writable(lab)
    return old, epoch(lab, old), start_poster(lab, tag)


def watched_lab(path, *extra_args) -> Lab:
    """`pchatctl lab up` (with `extra_args`) and an EpochOwners watch started on it
    (`lab.owners`)."""
    lab = Lab(path, servers_per_dc=1, allow_guests=True, extra_args=extra_args)
    lab.up()
    lab.owners = EpochOwners(lab)
    lab.owners.start()
    return lab


def stop_watched_lab(lab):
    """Stops the watch and the lab; fails the test module on what the lab left behind."""
    lab.owners.stop()
    problems = lab.cleanup()
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)

