"""Fixtures for pchat system tests.

Fixtures (details in their docstrings):
  base_dir        session  temp dir the `postgres` user can traverse
  bins            session  directory with pchatd/pchatctl (fails clearly if missing)
  server_factory  function start PchatServer instances; all stopped at teardown
  shared_server   session  one pchatd with --allow-guests on a fresh data dir
  account         function create accounts with pchatctl -> (name, password)
  irc             function connect IrcClient instances; all closed at teardown
  unique          session  unique_name(prefix) for nicks, channels, accounts
  lab_factory     function make(servers_per_dc=1, allow_guests=True, extra_args=()) -> a Lab that is up
                           (pchatctl lab up; lab_harness.py); every lab brought down at teardown
"""

from __future__ import annotations

import itertools
import os
import pathlib
import secrets
import shutil
import tempfile

import pytest

from irc_client import IrcClient
from lab_harness import Lab, logs_if_failed
from pchat_harness import HarnessError, PchatServer, bin_dir, binary, pchatctl

_counter = itertools.count(1)


def unique_name(prefix: str = "t") -> str:
    """A short name unique in this test session (fits IRC nick limits)."""
    return f"{prefix}{os.getpid() % 1000}x{next(_counter)}"


@pytest.fixture(scope="session")
def unique():
    """The ``unique_name(prefix)`` function."""
    return unique_name


@pytest.fixture(scope="session")
def base_dir():
    """A session temp dir under /tmp, mode 0755 so the `postgres` user can
    traverse it (pytest's tmp_path lives under a 0700 dir).  Removed at the end
    unless PCHAT_KEEP_TMP=1."""
    path = pathlib.Path(tempfile.mkdtemp(prefix="pchat-test-", dir="/tmp"))
    path.chmod(0o755)
    yield path
    if os.environ.get("PCHAT_KEEP_TMP") == "1":
        print(f"\npchat test files kept in {path}")
    else:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def bins() -> pathlib.Path:
    """The binary directory; fails every test using servers if a binary is missing."""
    problem = None
    try:
        binary("pchatd")
        binary("pchatctl")
    except HarnessError as exc:
        problem = str(exc)
    if problem:
        pytest.fail(problem, pytrace=False)
    return bin_dir()


def _stop_all(servers) -> None:
    problems = []
    for server in servers:
        problems.extend(server.cleanup())
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)


@pytest.fixture
def server_factory(bins, base_dir, request):
    """``make(name=None, data_dir=None, extra_args=(), allow_guests=False, start=True)``
    -> PchatServer.  ``data_dir`` defaults to a fresh dir under ``base_dir``.
    Every server made is stopped (and its postmaster ended) at teardown; a
    sanitizer report or unclean exit fails the test."""
    servers = []

    def make(name=None, data_dir=None, extra_args=(), allow_guests=False, start=True):
        server = PchatServer(name or unique_name("s"))
        servers.append(server)
        if data_dir is None:
            data_dir = base_dir / server.name / "data"
        if start:
            server.start(data_dir, extra_args, allow_guests=allow_guests)
        else:
            server.data_dir = pathlib.Path(data_dir)
        return server

    yield make
    _stop_all(servers)


@pytest.fixture(scope="session")
def shared_server(bins, base_dir):
    """One pchatd for the whole session, started with --allow-guests on a
    fresh data dir.  Tests sharing it must use unique nicks and channels."""
    server = PchatServer("shared")
    try:
        server.start(base_dir / "shared" / "data", allow_guests=True)
        yield server
    finally:
        _stop_all([server])


@pytest.fixture
def account(request):
    """``create(name=None, password=None, server=None)`` -> (name, password).

    Runs ``pchatctl --data-dir DATA user add NAME`` with the password on stdin;
    ``server`` defaults to ``shared_server``."""

    def create(name=None, password=None, server=None):
        if server is None:
            server = request.getfixturevalue("shared_server")
        name = name or unique_name("acct")
        password = password or secrets.token_urlsafe(12)
        result = pchatctl(server.data_dir, "user", "add", name, input=password + "\n")
        if result.returncode != 0:
            pytest.fail(f"pchatctl user add {name} failed ({result.returncode}):\n"
                        f"{result.stdout}{result.stderr}", pytrace=False)
        return name, password

    return create


@pytest.fixture
def irc(request):
    """``connect(server=None, name=None)`` -> connected IrcClient (not yet
    registered).  ``server`` defaults to ``shared_server``; all clients are
    closed at teardown."""
    clients = []

    def connect(server=None, name=None):
        if server is None:
            server = request.getfixturevalue("shared_server")
        client = IrcClient(name or f"client{len(clients) + 1}")
        clients.append(client)
        return client.connect(server.irc_port)

    yield connect
    for client in clients:
        client.close()


@pytest.fixture
def lab_factory(request, bins, base_dir):
    """``make(servers_per_dc=1, allow_guests=True, extra_args=())`` -> a ``lab_harness.Lab``
    that is up (``extra_args`` go to ``lab up``, e.g. ``("--mirror-mode", "strict")``):
    the two-datacenter topology on loopback (``pchatctl lab up``).  Teardown runs
    ``lab down`` for every lab made and fails the test if anything is left."""
    labs = []

    def make(servers_per_dc=1, allow_guests=True, extra_args=()):
        lab = Lab(base_dir / unique_name("lab"), servers_per_dc, allow_guests, extra_args)
        labs.append(lab)
        return lab.up()

    yield make
    problems = []
    for lab in labs:
        logs_if_failed(request, lab)
        problems.extend(lab.cleanup())
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Each phase's report on the item (``item.rep_setup``, ``rep_call``, ``rep_teardown``),
    for fixtures that print logs when their test failed."""
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "package: installs the Debian package on this machine (root, dpkg); "
        "scripts/test runs these after the other system tests")
    config.addinivalue_line(
        "markers", "browser: drives Debian's Chromium headless (tests/system/browser.py)")
