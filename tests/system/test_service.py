"""pchatd as a service: `--check-config`, sd_notify to a NOTIFY_SOCKET the test binds
(READY only once the IRC port accepts, WATCHDOG while running, STOPPING on SIGTERM),
`cmake --install`, the systemd units (`systemd-analyze verify`, which starts nothing)
and the manual pages (`man -l`)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time

import pytest

from pchat_harness import (REPO_ROOT, binary, free_port, pid_alive, read_postmaster_pid,
                           sanitizer_env)
from service_helpers import NotifySocket, build_dir, cmake_cache, port_accepts

UNITS = ("pchatd.service", "pchatd@.service", "pchat-copy-job@.service",
         "pchat-mirror-monitor@.service")


def _check(*args, **kw):
    return subprocess.run([str(binary("pchatd")), "--check-config", *args], capture_output=True,
                          text=True, env=sanitizer_env(), timeout=30, **kw)


# -- --check-config -------------------------------------------------------------------------

def test_check_config_reports_every_problem_with_its_line(bins, base_dir, unique):
    cfg = base_dir / f"{unique('cc')}.toml"
    cfg.write_text('motd = "hello"\nmtod = "typo"\n\nflood_burst = "lots"\nping_interval = 1\n'
                   'data_dir = "/nonexistent/never"\n')
    result = _check("--config", str(cfg))
    assert result.returncode == 1, result
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"{cfg}:2: mtod: unknown key (did you mean 'motd'?)",
        f"{cfg}:4: flood_burst: wrong type: expected an integer, got a string",
        f"{cfg}:5: ping_interval: 1 is out of range: must be between 5 and 3600",
    ], result.stderr
    assert not os.path.exists("/nonexistent/never")  # started nothing


def test_check_config_accepts_the_shipped_configuration(bins):
    result = _check("--config", str(REPO_ROOT / "packaging" / "pchatd.toml"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "pchatd: configuration OK"


def test_check_config_checks_the_topology_too(bins, base_dir, unique):
    cfg = base_dir / f"{unique('cc')}.toml"
    cfg.write_text('motd = "hello"\n')
    topo = base_dir / f"{unique('topo')}.toml"
    example = (REPO_ROOT / "docs" / "examples" / "topology-two-datacenters.toml").read_text()
    # Misspell max_servers in [pool]; add an unknown table at the end.
    lines = example.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("max_servers"))
    lines[at] = "max_srevers = 8"
    lines.append("[bogus]")
    topo.write_text("\n".join(lines) + "\n")
    result = _check("--config", str(cfg), "--topology", str(topo), "--server",
                    "atl-pc-001.litwareinc.com")
    assert result.returncode == 1, result
    assert (f"{topo}:{at + 1}: error: pool.max_srevers: unknown key in [pool] "
            "(did you mean 'max_servers'?)") in result.stderr, result.stderr
    assert f"{topo}:{len(lines)}: error: bogus: unknown top-level key" in result.stderr, result.stderr
    example_file = REPO_ROOT / "docs" / "examples" / "topology-two-datacenters.toml"
    good = _check("--config", str(cfg), "--topology", str(example_file), "--server",
                  "dal-pc-004.litwareinc.com")
    assert good.returncode == 0 and good.stdout.strip() == "pchatd: configuration OK", good
    wrong = _check("--config", str(cfg), "--topology", str(example_file), "--server",
                   "atl-pc-009.litwareinc.com")
    assert wrong.returncode == 1 and "server 'atl-pc-009.litwareinc.com' is not in the topology" \
        in wrong.stderr, wrong.stderr
    ctl = subprocess.run([str(binary("pchatctl")), "--topology", str(topo), "topology", "validate"],
                         capture_output=True, text=True, env=sanitizer_env(), timeout=30)
    assert ctl.returncode == 1
    assert f"{topo}:{at + 1}: error: pool.max_srevers" in ctl.stdout + ctl.stderr


def test_config_reference_lists_the_keys(bins):
    out = subprocess.run([str(binary("pchatd")), "--config-reference"], capture_output=True,
                         text=True, env=sanitizer_env(), timeout=30, check=True).stdout
    for key in ("max_channels_per_client", "reader_threads", "network_name", "motd"):
        assert f"| `{key}` |" in out


# -- sd_notify ------------------------------------------------------------------------------

def test_notify_ready_after_listeners_watchdog_and_stopping(bins, base_dir, unique):
    """READY=1 comes when the IRC port already accepts (and the store is up: the server
    answers a client at once); WATCHDOG=1 every half WATCHDOG_USEC; STOPPING=1 on SIGTERM.
    Every message comes from pchatd itself, never from its PostgreSQL."""
    notify = NotifySocket(base_dir / f"{unique('notify')}.sock")
    data = base_dir / unique("ndata")
    irc_port, http_port = free_port(), free_port()
    env = sanitizer_env()
    env.update(NOTIFY_SOCKET=str(notify.path), WATCHDOG_USEC="400000")
    log = open(base_dir / f"{data.name}.log", "wb")
    proc = subprocess.Popen([str(binary("pchatd")), "--data-dir", str(data), "--irc-listen",
                             f"127.0.0.1:{irc_port}", "--http-listen", f"127.0.0.1:{http_port}"],
                            stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    seen = []
    try:
        ready = notify.wait_for("READY", 90, seen)
        assert ready is not None, f"no READY=1; got {seen}"
        assert port_accepts(irc_port), "READY=1 before the IRC port accepts"
        assert port_accepts(http_port), "READY=1 before the HTTP port accepts"
        assert ready[0] == proc.pid, f"READY=1 from PID {ready[0]}, pchatd is {proc.pid}"
        assert "STATUS" in ready[1]
        postmaster = read_postmaster_pid(data)
        assert postmaster and pid_alive(postmaster)
        # The watchdog: every 200 ms; three within 5 s leaves room for a loaded machine.
        t0 = time.monotonic()
        pings = 0
        while pings < 3 and time.monotonic() - t0 < 5:
            got = notify.wait_for("WATCHDOG", 5, seen)
            assert got is not None, f"no WATCHDOG=1 after {pings}; got {seen}"
            assert got[0] == proc.pid
            pings += 1
        assert pings == 3, f"{pings} WATCHDOG=1 in 5 s; got {seen}"
        proc.send_signal(signal.SIGTERM)
        stopping = notify.wait_for("STOPPING", 20, seen)
        assert stopping is not None, f"no STOPPING=1; got {seen}"
        assert stopping[0] == proc.pid
        assert proc.wait(timeout=30) == 0
        assert not pid_alive(postmaster), "pchatd left its PostgreSQL running"
        assert all(pid == proc.pid for _, pid, _ in seen), seen
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
        notify.close()


def test_unreachable_notify_socket_does_not_stop_the_server(bins, base_dir, unique):
    """A NOTIFY_SOCKET nobody listens on is logged and changes nothing: the server
    starts and stops cleanly. (Without NOTIFY_SOCKET: every other system test.)"""
    data = base_dir / unique("nonotify")
    irc_port, http_port = free_port(), free_port()
    env = sanitizer_env()
    env["NOTIFY_SOCKET"] = str(base_dir / "nobody-listens.sock")
    proc = subprocess.Popen([str(binary("pchatd")), "--data-dir", str(data), "--irc-listen",
                             f"127.0.0.1:{irc_port}", "--http-listen", f"127.0.0.1:{http_port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while not port_accepts(http_port):
            assert proc.poll() is None, "pchatd exited"
            assert time.monotonic() < deadline, "pchatd did not start"
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


# -- install, units, manual pages ----------------------------------------------------------

@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """`cmake --install` of the build under test into a staging directory (DESTDIR)."""
    dest = tmp_path_factory.mktemp("destdir")
    env = dict(os.environ, DESTDIR=str(dest))
    subprocess.run(["cmake", "--install", str(build_dir())], check=True, env=env,
                   capture_output=True, timeout=300)
    prefix = cmake_cache("CMAKE_INSTALL_PREFIX")
    return dest, dest / prefix.lstrip("/"), prefix


def test_cmake_install_puts_everything_in_place(installed):
    dest, root, prefix = installed
    etc = dest / "etc" if prefix == "/usr" else root / "etc"
    expected = [root / "bin" / "pchatd", root / "bin" / "pchatctl",
                root / "share/man/man8/pchatd.8.gz", root / "share/man/man8/pchatctl.8.gz",
                root / "share/man/man5/pchatd.toml.5.gz", root / "share/man/man5/pchat-topology.5.gz",
                etc / "pchat" / "pchatd.toml",
                root / "share/doc/pchat/deploy.md", root / "share/doc/pchat/configuration.md",
                root / "share/doc/pchat/examples/topology-two-datacenters.toml",
                root / "share/doc/pchat/examples/pchatd.toml"]
    expected += [root / "lib/systemd/system" / u for u in UNITS]
    missing = [str(p) for p in expected if not p.is_file()]
    assert not missing, missing
    assert os.access(root / "bin" / "pchatd", os.X_OK)
    unit = (root / "lib/systemd/system/pchatd.service").read_text()
    assert f"ExecStart={prefix}/bin/pchatd --config " in unit


def _verify(units_dir, *names, manpath=None):
    """systemd-analyze verify (it loads the units, starts nothing; it also looks up each
    Documentation=man: page, in ``manpath``)."""
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.fail("systemd-analyze missing: scripts/deps.sh installs the systemd package")
    env = dict(os.environ, SYSTEMD_LOG_LEVEL="notice")
    if manpath:
        env["MANPATH"] = str(manpath)
    return subprocess.run([tool, "verify", *[str(units_dir / n) for n in names]],
                          capture_output=True, text=True, timeout=60, env=env)


def test_units_verify(installed, tmp_path):
    """The units as installed, their programs at the paths they name (a copy of the
    staging tree's programs where the prefix is not this machine's)."""
    dest, root, prefix = installed
    units = tmp_path / "units"
    units.mkdir()
    for u in UNITS:
        text = (root / "lib/systemd/system" / u).read_text()
        # Name the staged programs, so that verify finds them executable.
        text = text.replace(f"{prefix}/bin/", f"{root}/bin/")
        name = u.replace("@.", "@atl-pc-001.")  # an instance of each template
        (units / name).write_text(text)
    names = sorted(p.name for p in units.iterdir())
    man = root / "share" / "man"
    result = _verify(units, *names, manpath=man)
    # Unknown options are only warnings (exit 0): the output must be empty too.
    assert result.returncode == 0 and not (result.stdout + result.stderr).strip(), \
        result.stdout + result.stderr
    # The check can fail: a broken unit, a misspelt option.
    (units / "broken.service").write_text("[Service]\nType=notify\nExecStart=relative/path\n")
    bad = _verify(units, "broken.service", manpath=man)
    assert bad.returncode != 0, bad.stdout + bad.stderr
    (units / "typo.service").write_text("[Service]\nType=notify\nExecStart=/bin/true\n"
                                        "ProtectSystm=strict\n")
    typo = _verify(units, "typo.service", manpath=man)
    assert "Unknown key 'ProtectSystm'" in typo.stdout + typo.stderr
    # systemd's own exposure score of the hardening (offline: nothing runs): 1.9 of 10
    # today; the check fails above 2.5, and does for a unit without hardening.
    for name in names + ["typo.service"]:
        score = subprocess.run(["systemd-analyze", "security", "--offline=yes", "--threshold=25",
                                str(units / name)], capture_output=True, text=True, timeout=60)
        if name == "typo.service":
            assert score.returncode != 0, score.stdout
        else:
            assert score.returncode == 0, score.stdout[-1500:]
    for u in UNITS:
        text = (root / "lib/systemd/system" / u).read_text()
        for option in ("NoNewPrivileges=yes", "ProtectSystem=strict", "PrivateTmp=yes"):
            assert option in text, (u, option)
        if u.startswith("pchatd"):
            assert "Type=notify" in text and "WatchdogSec=" in text and "KillMode=mixed" in text


def _man(page):
    return subprocess.run(["man", "-l", str(page)], capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, MANPAGER="cat", MANWIDTH="100")).stdout


def test_manual_pages_render(installed):
    _, root, _ = installed
    man = root / "share" / "man"
    pchatd = _man(man / "man8/pchatd.8.gz")
    assert "pchatd - persistent group chat server" in pchatd
    for text in ("--check-config", "--topology", "SIGHUP", "READY=1", "/etc/pchat/pchatd.toml"):
        assert text in pchatd, text
    pchatctl = _man(man / "man8/pchatctl.8.gz")
    assert "pchatctl - manage pchat" in pchatctl and "copy-job" in pchatctl
    toml5 = _man(man / "man5/pchatd.toml.5.gz")
    out = subprocess.run([str(binary("pchatd")), "--config-reference"], capture_output=True,
                         text=True, env=sanitizer_env(), timeout=30, check=True).stdout
    keys = [line.split("`")[1] for line in out.splitlines() if line.startswith("| `")]
    assert len(keys) > 20
    for key in keys:
        assert key in toml5, key
    topo5 = _man(man / "man5/pchat-topology.5.gz")
    for key in ("fqdn", "max_active_servers", "copy_destination", "wal_segsize_mb", "timeout_s"):
        assert key in topo5, key
