"""The Debian package, on this machine: `dpkg -i` the built .deb, run the installed
pchatd as the pchat user against /var/lib/pchat with the shipped configuration (it
starts its own PostgreSQL as that user), sign two clients in and let them chat, stop
it, then `apt-get purge` and check that nothing of it runs or remains.

Needs root and dpkg (CI is root on Debian 12); marked `package` (scripts/test runs it
after the system tests, on the release build's package). The .deb: PCHAT_DEB, else
`scripts/package` on the build directory of PCHAT_BIN_DIR."""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import signal
import subprocess
import time

import pytest

from irc_client import IrcClient
from pchat_harness import REPO_ROOT, free_port, pid_alive, read_postmaster_pid, sanitizer_env
from service_helpers import NotifySocket, build_dir, port_accepts

pytestmark = [
    pytest.mark.package,
    pytest.mark.skipif(os.geteuid() != 0 or shutil.which("dpkg") is None,
                       reason="installs a package: needs root and dpkg"),
]

STATE = "/var/lib/pchat"
APT_ENV = dict(os.environ, DEBIAN_FRONTEND="noninteractive")


def _run(*cmd, check=True, timeout=300, **kw):
    result = subprocess.run(list(cmd), capture_output=True, text=True, timeout=timeout, **kw)
    if check and result.returncode != 0:
        pytest.fail(f"{' '.join(cmd)} -> {result.returncode}\n{result.stdout}\n{result.stderr}",
                    pytrace=False)
    return result


def _installed() -> bool:
    r = _run("dpkg-query", "-W", "-f=${Status}", "pchat", check=False)
    return r.returncode == 0 and "installed" in r.stdout and "not-installed" not in r.stdout


@pytest.fixture(scope="module")
def deb():
    path = os.environ.get("PCHAT_DEB")
    if not path:
        started = time.monotonic()
        out = _run(str(REPO_ROOT / "scripts" / "package"), str(build_dir()), timeout=1800)
        path = out.stdout.strip().splitlines()[-1]
        print(f"\nscripts/package: {time.monotonic() - started:.0f} s")
    assert os.path.isfile(path), path
    return path


def _as_pchat(*cmd):
    return ["runuser", "-u", "pchat", "--", *cmd]


def _pids_of_user(uid: int) -> list:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    pids.append(int(entry))
            except FileNotFoundError:
                pass
    return pids


def test_package_metadata(deb):
    fields = _run("dpkg-deb", "-f", deb, "Package", "Depends").stdout
    assert "Package: pchat" in fields
    # What dpkg-shlibdeps finds the binaries linked with (Boost is header-only in the
    # release build: no libboost), plus the two the package names itself.
    for dep in ("postgresql-15", "adduser", "libpq5", "libssl3", "libldap-2.5-0", "libsystemd0",
                "libsodium"):
        assert dep in fields, (dep, fields)
    control = _run("dpkg-deb", "-I", deb).stdout
    for script in ("postinst", "prerm", "postrm", "conffiles"):
        assert script in control, control
    files = _run("dpkg-deb", "-c", deb).stdout
    for path in ("./usr/bin/pchatd", "./usr/bin/pchatctl", "./etc/pchat/pchatd.toml",
                 "./usr/lib/systemd/system/pchatd.service", "./usr/share/man/man8/pchatd.8.gz",
                 "./usr/share/man/man5/pchatd.toml.5.gz", "./usr/share/doc/pchat/deploy.md",
                 "./usr/share/pchat/web/index.html", "./usr/share/pchat/web/status/index.html"):
        assert path in files, path
    assert "./usr/share/pchat/web/test/" not in files  # the client's node tests stay out
    # Installs and enables no service by itself: no [Install] symlink in the package.
    assert ".wants/" not in files


def test_install_run_chat_purge(deb, base_dir, unique):
    if _installed():
        pytest.fail("a pchat package is already installed on this machine: "
                    "this test installs and purges its own", pytrace=False)
    # Slim Debian images exclude /usr/share/man from every package (dpkg.cfg.d):
    # ours are included again, since the test reads them with man.
    _run("dpkg", "--path-include=/usr/share/man/man[58]/pchat*", "-i", deb, env=APT_ENV)
    try:
        _check_installed()
        work = base_dir / unique("pkg")  # base_dir: traversable by pchat
        work.mkdir(mode=0o755)
        _run_and_chat(work)
    finally:
        postmaster = read_postmaster_pid(STATE)
        _run("apt-get", "purge", "-y", "pchat", env=APT_ENV, timeout=600)
    uid = pwd.getpwnam("pchat").pw_uid
    assert not _installed()
    assert postmaster is None or not pid_alive(postmaster), "PostgreSQL of pchat still runs"
    assert _pids_of_user(uid) == [], "processes of the pchat user still run"
    for path in ("/usr/bin/pchatd", "/usr/bin/pchatctl", "/etc/pchat", STATE,
                 "/usr/lib/systemd/system/pchatd.service", "/usr/share/man/man8/pchatd.8.gz"):
        assert not os.path.lexists(path), f"{path} left after purge"


def _check_installed():
    user = pwd.getpwnam("pchat")
    assert user.pw_uid < 1000 and user.pw_dir == STATE, user
    st = os.stat(STATE)
    assert st.st_uid == user.pw_uid and oct(st.st_mode & 0o777) == "0o750"
    conffiles = _run("dpkg-query", "-W", "-f=${Conffiles}", "pchat").stdout
    assert "/etc/pchat/pchatd.toml" in conffiles, conffiles
    assert not os.path.exists("/etc/systemd/system/multi-user.target.wants/pchatd.service")
    # The installed units name programs that exist here: verify them as installed.
    units = [f"/usr/lib/systemd/system/{u}" for u in ("pchatd.service", "pchatd@.service",
                                                       "pchat-copy-job@.service",
                                                       "pchat-mirror-monitor@.service")]
    verify = _run("systemd-analyze", "verify", *units, check=False)
    assert verify.returncode == 0 and not (verify.stdout + verify.stderr).strip(), \
        verify.stdout + verify.stderr
    # man finds the installed pages.
    env = dict(os.environ, MANPAGER="cat", MANWIDTH="100")
    for page in ("pchatd", "pchatctl"):
        out = _run("man", page, env=env).stdout
        assert f"{page} - " in out, out[:500]
    assert "max_channels_per_client" in _run("man", "5", "pchatd.toml", env=env).stdout
    check = _run(*_as_pchat("/usr/bin/pchatd", "--check-config", "--config",
                            "/etc/pchat/pchatd.toml"), env=sanitizer_env())
    assert check.stdout.strip() == "pchatd: configuration OK"


def _run_and_chat(tmp_path):
    """The installed pchatd as pchat, shipped configuration (ports moved to free ones),
    under a NOTIFY_SOCKET as systemd would run it; two accounts chat; SIGTERM."""
    irc_port, http_port = free_port(), free_port()
    notify = NotifySocket(tmp_path / "notify.sock")
    env = sanitizer_env()
    env["NOTIFY_SOCKET"] = str(notify.path)
    log = open(tmp_path / "pchatd.log", "wb")
    # As pchat, pchatd itself the child (signals go to it, as systemd's would).
    proc = subprocess.Popen(
        ["/usr/bin/pchatd", "--config", "/etc/pchat/pchatd.toml", "--irc-listen",
         f"127.0.0.1:{irc_port}", "--http-listen", f"127.0.0.1:{http_port}"],
        user="pchat", group="pchat", extra_groups=[], cwd=STATE, stdout=log,
        stderr=subprocess.STDOUT, env=env, start_new_session=True)
    seen = []
    try:
        ready = notify.wait_for("READY", 120, seen)
        assert ready is not None, (tmp_path / "pchatd.log").read_text()[-3000:]
        assert port_accepts(irc_port)
        postmaster = read_postmaster_pid(STATE)
        uid = pwd.getpwnam("pchat").pw_uid
        assert postmaster and os.stat(f"/proc/{postmaster}").st_uid == uid, \
            "the store must run as pchat"
        accounts = {}
        for name in ("alice", "bob"):
            pw = secrets.token_urlsafe(12)
            _run(*_as_pchat("/usr/bin/pchatctl", "--data-dir", STATE, "user", "add", name),
                 input=pw + "\n", env=sanitizer_env(), cwd=STATE)
            accounts[name] = pw
        alice = IrcClient("alice").connect(irc_port)
        bob = IrcClient("bob").connect(irc_port)
        try:
            alice.register("alice", sasl=("alice", accounts["alice"]))
            bob.register("bob", sasl=("bob", accounts["bob"]))
            alice.send("PRIVMSG bob :hello from the package")
            said = bob.expect("PRIVMSG", pred=lambda m: m.params[0] == "bob")
            assert said.nick == "alice" and said.last == "hello from the package"
        finally:
            alice.close()
            bob.close()
        # The backup docs/deploy.md gives for one server: pg_dump over the store's socket.
        dump = _run(*_as_pchat("pg_dump", "-h", f"{STATE}/run", "mgc"), cwd=STATE)
        assert "hello from the package" in dump.stdout
        proc.send_signal(signal.SIGTERM)
        assert notify.wait_for("STOPPING", 20, seen) is not None
        assert proc.wait(timeout=60) == 0, (tmp_path / "pchatd.log").read_text()[-3000:]
        assert not pid_alive(postmaster)
        return proc
    finally:
        log.close()
        notify.close()
        if proc.poll() is None:  # a failed check: stop everything this test started
            _kill_group(proc)


def _kill_group(proc):
    """SIGKILL pchatd's process group (pchatd, its PostgreSQL) and the
    postmaster by the PID in its pid file."""
    postmaster = read_postmaster_pid(STATE)
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
    if postmaster and pid_alive(postmaster):
        os.kill(postmaster, signal.SIGKILL)
