"""Directory sign-in: a real OpenLDAP slapd (one per module, slapd_harness.py) with a
test CA, reached over StartTLS and over ldaps, and real pchatd/pchatctl. SASL PLAIN
is checked by a bind as the user; groups come from the directory (nested too) and
reach rooms live; a user disabled in the directory is refused and taken out; a
directory that stops answering gives a clear 904, a log line, and nothing else."""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from conftest import _stop_all, unique_name
from irc_client import IrcClient
from irc_helpers import sasl_refusal
from pchat_harness import PchatServer, binary, free_port, pchatctl, sanitizer_env
from rooms_helpers import CAPS, ctl, try_join
from store_query import query
from slapd_harness import (GROUP_BASE, SERVICE_DN, USER_BASE, USER_FILTER, Slapd, group,
                           group_dn, person, user_dn)

# Users of the test directory and their directory passwords.
PW = {u: f"{u}-dir-pw" for u in ("dana", "fred", "gina", "eve", "hana", "ivan", "jack", "kim")}
LEGAL = group_dn("legal")  # dana, and the nested group paralegals (fred)


@pytest.fixture(scope="module")
def slapd(base_dir):
    d = Slapd(base_dir / unique_name("slapd"))
    entries = [person(u, pw, disabled=(u == "eve")) for u, pw in PW.items()]
    entries += [group("paralegals", user_dn("fred")),
                group("legal", user_dn("dana"), group_dn("paralegals")),
                group("staff", user_dn("gina"), user_dn("kim"))]
    try:
        d.setup(entries)
        d.start()
        yield d
    finally:
        d.stop()


def directory_toml(slapd, urls, precedence="local-first", refresh=10):
    quoted = ", ".join(f'"{u}"' for u in urls)
    return f"""
[directory]
urls = [{quoted}]
ca_file = "{slapd.ca_file}"
bind_dn = "{SERVICE_DN}"
bind_password_file = "{slapd.root / 'service-password'}"
user_base = "{USER_BASE}"
user_filter = "{USER_FILTER}"
name_attribute = "uid"
group_base = "{GROUP_BASE}"
group_filter = "(objectClass=groupOfNames)"
member_attribute = "member"
precedence = "{precedence}"
refresh_seconds = {refresh}
timeout_seconds = 2
"""


def start_server(base_dir, name, toml):
    server = PchatServer(name)
    conf = base_dir / name / "pchatd.toml"
    conf.parent.mkdir(parents=True, exist_ok=True)
    conf.write_text(toml)
    server.start(base_dir / name / "data", ["--config", str(conf)])
    return server


# IRC operators granted by a directory group, no password of their own.
OPERATORS_TOML = f"""
[[operator]]
name = "legalops"
group = "{LEGAL}"
"""


@pytest.fixture(scope="module")
def server(slapd, base_dir):
    """pchatd reaching slapd over StartTLS (ldap://), refreshing every 10 s; the members
    of the directory group legal may OPER as legalops."""
    s = start_server(base_dir, unique_name("dir"),
                     directory_toml(slapd, [slapd.ldap_url]) + OPERATORS_TOML)
    try:
        yield s
    finally:
        _stop_all([s])


def login(server, account, password=None, nick=None):
    c = IrcClient(account).connect(server.irc_port)
    c.register(nick or unique_name(account[:3]), caps=CAPS,
               sasl=(account, password or PW[account]))
    return c


def refusal(server, account, password):
    # A directory that does not answer costs its timeout per URL (2 s here) before the
    # 904: the wait leaves room for a loaded machine.
    return sasl_refusal(server.irc_port, account, password, timeout=20.0)[0]


def status(server):
    return json.loads(ctl(server, "directory", "status", "--json"))


def sync(server):
    return json.loads(ctl(server, "group", "sync", "--json"))


def test_right_password_over_starttls_makes_a_directory_account(server):
    c = login(server, "dana")
    c.close()
    users = json.loads(ctl(server, "user", "list", "--json"))
    assert {"name": "dana", "source": "directory"}.items() <= \
        next(u for u in users if u["name"] == "dana").items(), users
    assert status(server)["directory_accounts"] >= 1
    # pchat keeps no password for it: the local check cannot be used for it.
    rows = query(server.data_dir, "select source, password_hash is null, directory_dn "
                                  "from accounts where name = 'dana'")
    assert rows == [["directory", "t", user_dn("dana")]], rows


def test_wrong_password_unknown_user_empty_password_and_disabled_user(server):
    for name, pw in [("dana", "wrong"), ("nobody", "x"), ("dana", ""), ("eve", PW["eve"])]:
        text = refusal(server, name, pw)
        assert text.endswith(":SASL authentication failed"), (name, text)
    # An unknown name costs what a wrong password costs (both spend an argon2id check).
    wrong, unknown, right = [], [], []
    for k in range(3):
        wrong.append(sasl_refusal(server.irc_port, "dana", f"wrong-{k}")[1])
        unknown.append(sasl_refusal(server.irc_port, f"nobody{k}", f"wrong-{k}")[1])
        t0 = time.monotonic()
        login(server, "fred").close()
        right.append(time.monotonic() - t0)
    w, u, r = sorted(wrong)[1], sorted(unknown)[1], sorted(right)[1]
    print(f"\ndirectory sign-in (StartTLS) medians: wrong password {w * 1000:.0f} ms, "
          f"unknown name {u * 1000:.0f} ms, right password (whole registration) {r * 1000:.0f} ms")
    assert u >= 0.5 * w, (wrong, unknown)


def test_ldaps_failover_and_directory_first(slapd, base_dir):
    """ldaps:// only, the first URL dead (failover to the second), directory-first."""
    dead = f"ldaps://127.0.0.1:{free_port()}"
    s = start_server(base_dir, unique_name("dirs"),
                     directory_toml(slapd, [dead, slapd.ldaps_url], "directory-first"))
    try:
        login(s, "fred").close()
        assert refusal(s, "fred", "wrong").endswith(":SASL authentication failed")
        assert f"directory: {dead}: " in s.log_tail(200)
        # hana has a local account too: directory-first asks the directory, which knows her.
        for name, pw in [("hana", "hana-local-pw"), ("lou", "lou-local-pw")]:
            r = pchatctl(s.data_dir, "user", "add", name, input=pw + "\n")
            assert r.returncode == 0, r.stderr
        login(s, "hana", PW["hana"]).close()
        assert refusal(s, "hana", "hana-local-pw").endswith(":SASL authentication failed")
        login(s, "lou", "lou-local-pw").close()  # unknown to the directory: local
    finally:
        _stop_all([s])


def test_local_and_directory_accounts_side_by_side(server):
    r = pchatctl(server.data_dir, "user", "add", "lou", input="lou-local-pw\n")
    assert r.returncode == 0, r.stderr
    login(server, "lou", "lou-local-pw").close()
    # hana is in the directory and has a local account: local-first checks the local one.
    r = pchatctl(server.data_dir, "user", "add", "hana", input="hana-local-pw\n")
    assert r.returncode == 0, r.stderr
    login(server, "hana", "hana-local-pw").close()
    assert refusal(server, "hana", PW["hana"]).endswith(":SASL authentication failed")


def test_nested_directory_groups_open_a_secret_room(server):
    chan = "#" + unique_name("sec")
    ctl(server, "room", "add", chan, "--category", "default", "--privacy", "Secret",
        "--members", LEGAL)
    out = sync(server)  # members need no sign-in first: groups name accounts
    assert out["ok"] is True and out["groups"] == 3, out
    fred, gina = login(server, "fred"), login(server, "gina")
    try:
        assert try_join(fred, chan)[0] == "366"  # through paralegals, nested in legal
        assert try_join(gina, chan)[0] == "403"  # Secret: it does not exist for her
    finally:
        fred.close()
        gina.close()


def test_a_directory_group_makes_its_members_irc_operators(server):
    """[[operator]] group = legal's DN: fred (in paralegals, nested in legal) signs in and
    OPERs with no operator password; gina (not in legal) and a wrong name are refused."""
    assert sync(server)["ok"] is True
    fred, gina = login(server, "fred"), login(server, "gina")
    try:
        gina.send("OPER legalops -")
        assert gina.expect("491").params[0] == gina.nick
        fred.send("OPER nosuch -")
        fred.expect("464")
        fred.send("OPER legalops -")
        lines = fred.collect_until("381")
        assert any(m.command == "MODE" and m.params[1] == "+o" for m in lines), lines
        gina.send(f"WHOIS {fred.nick}")
        assert "313" in [m.command for m in gina.collect_until("318")]
        gina.send("WALLOPS :not an operator")
        gina.expect("481")
    finally:
        fred.close()
        gina.close()


def test_a_group_removed_from_a_secret_room_in_the_directory_loses_access_live(server, slapd):
    chan = "#" + unique_name("sec")
    ctl(server, "room", "add", chan, "--category", "default", "--privacy", "Secret",
        "--members", LEGAL)
    login(server, "fred").close()
    sync(server)
    fred = login(server, "fred")
    try:
        assert try_join(fred, chan)[0] == "366"
        # The directory takes the nested group paralegals (fred) out of legal.
        slapd.modify(f"dn: {LEGAL}\nchangetype: modify\n"
                     f"delete: member\nmember: {group_dn('paralegals')}\n")
        t0 = time.monotonic()
        out = sync(server)
        assert out["ok"] is True, out
        kick = fred.expect("KICK", timeout=5)
        print(f"\nkicked {time.monotonic() - t0:.2f} s after the sync was asked for")
        assert kick.params[0].lower() == chan.lower()
        assert try_join(fred, chan)[0] == "403"
    finally:
        fred.close()
        slapd.modify(f"dn: {LEGAL}\nchangetype: modify\n"
                     f"add: member\nmember: {group_dn('paralegals')}\n")


def disable(slapd, uid, disabled=True):
    slapd.modify(f"dn: {user_dn(uid)}\nchangetype: modify\nreplace: employeeType\n"
                 f"employeeType: {'disabled' if disabled else 'staff'}\n")


def test_a_user_disabled_in_the_directory_is_taken_out_by_the_periodic_refresh(server, slapd):
    """No `group sync`: the schedule (refresh_seconds = 10) alone closes the session."""
    chan = "#" + unique_name("open")
    ivan = login(server, "ivan")
    try:
        ivan.send(f"JOIN {chan}")
        ivan.expect("366")
        disable(slapd, "ivan")
        assert refusal(server, "ivan", PW["ivan"]).endswith(":SASL authentication failed")
        t0 = time.monotonic()
        lines = ivan.wait_closed(timeout=10 + 5)
        took = time.monotonic() - t0
        print(f"\nivan's session closed {took:.1f} s after he was disabled (bound 10 s + 2 s)")
        assert any("disabled in the directory" in str(m) for m in lines), lines
        assert took <= 12.5, took
        assert status(server)["disabled_accounts"] >= 1
    finally:
        ivan.close()
        disable(slapd, "ivan", False)
    login(server, "ivan").close()  # enabled again: signs in again


def test_directory_down_clear_904_log_server_alive_signed_in_users_stay(server, slapd):
    local = unique_name("loc")
    r = pchatctl(server.data_dir, "user", "add", local, input="local-pw\n")
    assert r.returncode == 0, r.stderr
    assert sync(server)["ok"] is True
    kim = login(server, "kim")
    try:
        kim.send("JOIN #" + unique_name("down"))
        kim.expect("366")
        slapd.pause()  # SIGSTOP: connections hang until timeout_seconds
        try:
            text = refusal(server, "jack", PW["jack"])
            assert text.endswith(":SASL authentication failed: the directory is unavailable"), text
            assert "directory: sign-in of 'jack' refused: the directory is unavailable" in \
                server.log_tail(200)
            failures = server.metrics().get("pchat_directory_refresh_failures_total", 0)
            r = pchatctl(server.data_dir, "group", "sync", "--wait", "20")
            assert r.returncode == 1 and "the directory refresh failed" in r.stderr, r
            assert server.metrics()["pchat_directory_refresh_failures_total"] > failures
            # Nothing changed: kim is still here, the server answers, groups stay.
            kim.send("PING :still-here")
            kim.expect("PONG")
            assert server.http_get("/healthz")[0] == 200
            assert status(server)["directory_groups"] == 3
            login(server, local, "local-pw").close()  # local accounts still sign in
        finally:
            slapd.resume()
        login(server, "jack").close()
    finally:
        kim.close()


def test_who_may_not_use_the_directory_commands(server):
    """The commands need the store, as `group add` does: a user who cannot reach the
    store's socket gets an error and no status."""
    env = sanitizer_env()
    r = subprocess.run([str(binary("pchatctl")), "--data-dir", str(server.data_dir),
                        "directory", "status"], capture_output=True, text=True, timeout=60,
                       env=env, user="nobody", group="nogroup", extra_groups=[])
    assert r.returncode != 0 and r.stderr.startswith("pchatctl: error: "), r
    print(f"\nas nobody: {r.stderr.strip()}")
    assert "Directory accounts" not in r.stdout


def test_a_pool_shares_the_topology_directory_groups_and_disabled_users(slapd, server_factory,
                                                                         base_dir):
    """Two servers of a pool with the topology's [directory]: one refresh (claimed by
    one of them) gives both the same groups, and a user disabled in the directory is
    taken out on whichever server she is on."""
    from pool_helpers import write_topology

    owner = server_factory()
    members = [server_factory(start=False) for _ in range(2)]
    topo = write_topology(base_dir / f"{owner.name}-topology.toml", owner.data_dir, members)
    topo.write_text(topo.read_text() + directory_toml(slapd, [slapd.ldaps_url], refresh=3600))
    for m in members:
        m.start(base_dir / m.name / "unused", ["--topology", str(topo), "--server", m.name])
    chan = "#" + unique_name("staff")
    ctl(owner, "room", "add", chan, "--category", "default", "--privacy", "Secret",
        "--members", group_dn("staff"))
    pool = lambda *a: subprocess.run(  # noqa: E731
        [str(binary("pchatctl")), "--topology", str(topo), *a], capture_output=True, text=True,
        timeout=60, env=sanitizer_env())
    r = pool("group", "sync", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["ok"] is True and out["started_by"] in [m.name for m in members], out
    kim, gina = login(members[0], "kim"), login(members[1], "gina")
    try:
        assert try_join(kim, chan)[0] == "366"
        assert try_join(gina, chan)[0] == "366"
        disable(slapd, "kim")
        r = pool("group", "sync")
        assert r.returncode == 0, r.stderr
        assert any("disabled in the directory" in str(m) for m in kim.wait_closed(timeout=5))
        assert json.loads(pool("directory", "status", "--json").stdout)["disabled_accounts"] == 1
        gina.send("PING :alive")
        gina.expect("PONG")
    finally:
        kim.close()
        gina.close()
        disable(slapd, "kim", False)


def test_a_directory_whose_certificate_another_ca_signed_is_not_trusted(slapd, base_dir):
    """The server's certificate is always verified: with another CA in ca_file, neither
    StartTLS nor ldaps gets a password through."""
    from slapd_harness import make_ca

    other = base_dir / unique_name("otherca")
    other.mkdir()
    make_ca(other)
    toml = directory_toml(slapd, [slapd.ldap_url, slapd.ldaps_url]).replace(
        str(slapd.ca_file), str(other / "ca.pem"))
    s = start_server(base_dir, unique_name("dirca"), toml)
    try:
        text = refusal(s, "dana", PW["dana"])
        assert text.endswith(":SASL authentication failed: the directory is unavailable"), text
        log = s.log_tail(200)
        assert f"directory: {slapd.ldap_url}: StartTLS: " in log, log
        assert f"directory: {slapd.ldaps_url}: " in log, log
    finally:
        _stop_all([s])
