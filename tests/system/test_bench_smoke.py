"""CI smoke run of pchat-bench: every scenario once, at a small size, against pchatd.

Not a timed test: it asserts only that the load generator runs, every client
registers and joins, messages are delivered (fan-out), the server's memory is read
(idle) and the JSON result is well formed.  pchat-bench is looked up next to
pchatd (PCHAT_BIN_DIR).
"""

from __future__ import annotations

import json
import pathlib
import subprocess

import pytest

from pchat_harness import bin_dir, sanitizer_env

# name, bench arguments (besides --port, --json, --nick-prefix, --server-pid)
SCENARIOS = [
    ("fanout-open", ["--scenario", "fanout", "--clients", "20", "--rooms", "1",
                     "--senders", "2", "--rate", "50", "--duration", "2"]),
    ("fanout-closed", ["--scenario", "fanout", "--clients", "20", "--rooms", "1",
                       "--senders", "2", "--rate", "0", "--window", "8", "--duration", "1"]),
    ("many-rooms", ["--scenario", "fanout", "--clients", "40", "--rooms", "10",
                    "--senders", "10", "--rate", "10", "--duration", "1"]),
    ("idle", ["--scenario", "idle", "--clients", "200", "--rooms", "20", "--duration", "1"]),
    ("history", ["--scenario", "history", "--clients", "4", "--rooms", "1", "--duration", "1"]),
]

NUMBER_KEYS = ("clients", "rooms", "senders", "rate", "joined", "disconnected", "sent",
               "delivered", "errors", "deliveries_per_s", "p50_ms", "p99_ms", "max_ms",
               "rss_before_kib", "rss_after_kib", "per_client_kib", "duration_s", "window",
               "echoes", "echo_clients", "connect_s")


def run_bench(server, tmp_path, name, args):
    bench = bin_dir() / "pchat-bench"
    if not bench.is_file():
        pytest.fail(f"{bench} is missing: build the pchat-bench target next to pchatd",
                    pytrace=False)
    out = tmp_path / f"{name}.json"
    cmd = [str(bench), "--port", str(server.irc_port), "--warmup", "0.5",
           "--nick-prefix", f"{name[:2]}x", "--server-pid", str(server.pid),
           "--json", str(out), *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    report = f"{' '.join(cmd)}\nexit {proc.returncode}\n{proc.stdout}{proc.stderr}"
    assert proc.returncode == 0, report
    result = json.loads(out.read_text())  # well formed, or the test fails here
    for key in NUMBER_KEYS:
        assert isinstance(result.get(key), (int, float)), f"{name}: {key} missing\n{report}"
    return result, report


def test_every_scenario_runs_once(server_factory, tmp_path):
    server = server_factory(extra_args=["--flood-burst", "0"], allow_guests=True)
    for name, args in SCENARIOS:
        r, report = run_bench(server, tmp_path, name, args)
        clients = int(args[args.index("--clients") + 1])
        assert r["scenario"] == args[1], report
        assert r["clients"] == clients and r["joined"] == clients, report
        assert r["disconnected"] == 0 and r["errors"] == 0, report
        # pchatd offers echo-message; every client asked for it.
        assert r["echo_clients"] == clients, report
        assert r["rss_before_kib"] > 0 and r["rss_after_kib"] > 0, report
        if r["scenario"] == "idle":
            assert r["sent"] == 0 and r["delivered"] == 0, report
            continue
        if r["scenario"] == "history":
            # Each request is answered by its batch: completed requests, with latency.
            assert r["delivered"] > 0 and r["delivered"] <= r["sent"] + clients, report
            assert 0 < r["p50_ms"] <= r["p99_ms"] <= r["max_ms"], report
            continue
        senders = int(args[args.index("--senders") + 1])
        assert r["sent"] > 0 and r["echoes"] > 0, report
        assert r["delivered"] > 0 and r["deliveries_per_s"] > 0, report
        # Each message reaches at most the other members of its room (own echoes are
        # not deliveries); messages still in flight when measuring began may count.
        per_room = clients // r["rooms"]
        assert r["delivered"] <= (r["sent"] + senders * 256) * (per_room - 1), report
        assert 0 < r["p50_ms"] <= r["p99_ms"] <= r["max_ms"], report
    assert server.running, server.log_tail()


def test_mirror_persistence_script_runs_once():
    """bench/mirror_persistence.sh (committed messages/s with and without the
    synchronous mirror, on a lab) at the smallest size: it runs and prints its table."""
    script = pathlib.Path(__file__).resolve().parents[2] / "bench" / "mirror_persistence.sh"
    proc = subprocess.run([str(script), "--bin-dir", str(bin_dir()), "--rounds", "1",
                           "--duration", "1", "--senders", "2", "--window", "2",
                           "--without-dc-b"],
                          capture_output=True, text=True, timeout=240, check=False,
                          env=sanitizer_env())
    report = f"exit {proc.returncode}\n{proc.stdout}{proc.stderr}"
    assert proc.returncode == 0, report
    assert "| synchronous mirror |" in proc.stdout and "mirror:sync" in proc.stdout, report
    assert "16 MB WAL segments; datacenter B killed" in proc.stdout, report


def test_search_latency_script_runs_once():
    """bench/search_latency.sh (SEARCH on a large room) at a small size: it fills the
    room, runs every query and prints its table with the expected result counts. 5,000
    messages: the rare words are older than the newest 1,000 that a search walks
    first (kSearchWalk), so the GIN step is exercised too."""
    script = pathlib.Path(__file__).resolve().parents[2] / "bench" / "search_latency.sh"
    env = {**sanitizer_env(), "PCHAT_BIN_DIR": str(bin_dir())}
    proc = subprocess.run([str(script), "5000", "2"], capture_output=True, text=True,
                          timeout=240, check=False, env=env)
    report = f"exit {proc.returncode}\n{proc.stdout}{proc.stderr}"
    assert proc.returncode == 0, report
    rows = {line.split("|")[1].strip(): line.split("|")[2].strip()
            for line in proc.stdout.splitlines() if line.startswith("| ") and "ms" not in line}
    assert rows["no match"] == "0" and rows["CJK, no match"] == "0", report
    assert rows["a word in 90% of the messages, newest 20"] == "20", report
    assert rows["CJK run inside text (10% of the messages)"] == "20", report
    assert rows["CJK run + number (1 match)"] == "1", report
    assert rows["a rare word (a different one each time)"] == "1", report
    assert rows["two words"] == "1", report
    assert rows["one CJK character"] == "20", report
