"""IRC operators: OPER with a hashed password from pchatd.toml, +o, KILL, WALLOPS,
INFO; who may not (a wrong password, a user who is not an operator, an operator
block tied to another account, a password in clear in the file)."""

from __future__ import annotations

import os
import signal
import subprocess

import pytest

from irc_client import IrcClient
from irc_helpers import registered, sync
from pchat_harness import binary, wait_until


def _hash(password: str) -> str:
    r = subprocess.run([str(binary("pchatctl")), "operator", "hash"], input=password + "\n",
                       capture_output=True, text=True, check=True)
    h = r.stdout.strip()
    assert h.startswith("$argon2id$") and password not in h, r.stdout
    return h


@pytest.fixture(scope="module")
def oper_hash():
    return _hash("s3cret-oper")


@pytest.fixture
def oper_server(server_factory, base_dir, unique, oper_hash):
    conf = base_dir / unique("oper") / "pchatd.toml"
    conf.parent.mkdir(parents=True)
    conf.write_text(
        f'[[operator]]\nname = "admin"\npassword_hash = "{oper_hash}"\n\n'
        f'[[operator]]\nname = "tied"\npassword_hash = "{oper_hash}"\naccount = "owner1"\n')
    server = server_factory(extra_args=["--config", str(conf)], allow_guests=True)
    server.conf = conf
    return server


def test_oper_gives_plus_o_shown_in_who_whois_and_lusers(oper_server, irc, unique):
    op = registered(irc, unique, "op", server=oper_server)
    other = registered(irc, unique, "ot", server=oper_server)
    op.send("OPER admin wrong-password")
    assert op.expect("464").params[0] == op.nick
    op.send("OPER nosuch s3cret-oper")
    op.expect("464")
    other.send(f"WHOIS {op.nick}")
    assert "313" not in [m.command for m in other.collect_until("318")]

    op.send("OPER admin s3cret-oper")
    lines = op.collect_until("381")
    assert any(m.command == "MODE" and m.params[:2] == [op.nick, "+o"] for m in lines), lines
    op.send(f"MODE {op.nick}")
    assert "o" in op.expect("221").params[1]

    other.send(f"WHOIS {op.nick}")
    assert "313" in [m.command for m in other.collect_until("318")]
    other.send(f"WHO {op.nick}")
    assert "*" in other.expect("352").params[6]
    other.send("LUSERS")
    assert int(other.expect("252").params[1]) >= 1

    # -o gives it up.
    op.send(f"MODE {op.nick} -o")
    op.expect("MODE", pred=lambda m: m.params[1] == "-o")
    op.send("WALLOPS :no longer")
    op.expect("481")


def test_kill_and_wallops_need_an_operator(oper_server, irc, unique):
    op = registered(irc, unique, "op", server=oper_server)
    user = registered(irc, unique, "us", server=oper_server)
    watcher = registered(irc, unique, "wa", server=oper_server)
    quiet = registered(irc, unique, "qu", server=oper_server)
    watcher.send(f"MODE {watcher.nick} +w")
    watcher.expect("MODE")

    # Someone who is not an operator may not.
    user.send(f"KILL {quiet.nick} :go away")
    user.expect("481")
    user.send("WALLOPS :hello")
    user.expect("481")
    sync(quiet)  # still connected

    op.send("OPER admin s3cret-oper")
    op.expect("381")
    op.send("WALLOPS :maintenance at noon")
    w = watcher.expect("WALLOPS")
    assert w.params[-1] == "maintenance at noon" and w.nick == op.nick
    assert not [m for m in sync(quiet) if m.command == "WALLOPS"]

    op.send(f"KILL {quiet.nick} :spamming")
    closing = quiet.wait_closed()
    assert any(m.command == "ERROR" and "Killed" in m.params[-1] and "spamming" in m.params[-1]
               for m in closing), closing
    op.send(f"KILL {quiet.nick} :again")
    op.expect("401")


def test_info_and_an_operator_block_tied_to_an_account(oper_server, irc, unique, account):
    c = registered(irc, unique, "in", server=oper_server)
    c.send("INFO")
    lines = c.collect_until("374")
    assert any("pchat" in m.params[-1] for m in lines if m.command == "371"), lines
    c.send("INFO no.such.server")
    c.expect("402")
    # The "tied" block needs the account owner1: a guest with the right password is refused.
    c.send("OPER tied s3cret-oper")
    c.expect("491")
    name, password = account(name="owner1", server=oper_server)
    with IrcClient("owner").connect(oper_server.irc_port) as owner:
        owner.register(unique("ow"), sasl=(name, password))
        owner.send("OPER tied s3cret-oper")
        owner.expect("381")


def test_oper_failures_are_throttled(oper_server, irc, unique):
    c = registered(irc, unique, "th", server=oper_server)
    answers = []
    for _ in range(8):  # a few free failures, then each attempt must wait
        c.send("OPER admin wrong")
        answers.append(c.expect("464").params[-1])
        if "try again" in answers[-1]:
            break
    assert "try again" in answers[-1] and len(answers) > 3, answers
    c.send("OPER admin s3cret-oper")  # right, but too early: refused unchecked
    msg = c.expect("464")
    assert "try again" in msg.params[-1], msg
    assert "381" not in [m.command for m in sync(c)]


def test_operator_blocks_reload_and_refuse_clear_passwords(oper_server, irc, unique):
    c = registered(irc, unique, "rl", server=oper_server)
    oper_server.conf.write_text('[[operator]]\nname = "admin"\npassword_hash = "s3cret-oper"\n')
    os.kill(oper_server.pid, signal.SIGHUP)
    wait_until(lambda: "not reloaded" in oper_server.log_tail(400), 15, "the refusal in the log")
    assert "argon2id hash" in oper_server.log_tail(400)
    # The running blocks stay.
    c.send("OPER admin s3cret-oper")
    c.expect("381")
    # A reload without operators: nobody can become one any more.
    oper_server.conf.write_text('motd = "no operators"\n')
    os.kill(oper_server.pid, signal.SIGHUP)
    wait_until(lambda: "applied" in oper_server.log_tail(400) and "operator" in
               oper_server.log_tail(400), 15, "the reload in the log")
    d = registered(irc, unique, "rm", server=oper_server)
    d.send("OPER admin s3cret-oper")
    d.expect("464")


def test_kill_reaches_a_user_of_another_server_of_the_pool(server_factory, base_dir, unique,
                                                            oper_hash):
    from pool_helpers import write_topology

    conf = base_dir / unique("pooloper") / "pchatd.toml"
    conf.parent.mkdir(parents=True)
    conf.write_text(f'[[operator]]\nname = "admin"\npassword_hash = "{oper_hash}"\n')
    owner = server_factory(allow_guests=True)
    members = [server_factory(start=False) for _ in range(2)]
    topo = write_topology(base_dir / f"{owner.name}-topology.toml", owner.data_dir, members)
    for m in members:
        m.start(base_dir / m.name / "unused",
                ["--topology", str(topo), "--server", m.name, "--config", str(conf)],
                allow_guests=True)
    with IrcClient("op").connect(members[0].irc_port) as op, \
            IrcClient("far").connect(members[1].irc_port) as far:
        op.register(unique("po"))
        far.register(unique("pf"))
        op.send("OPER admin s3cret-oper")
        op.expect("381")
        # The far user is known to the operator's server through the pool's presence.
        wait_until(lambda: op.send(f"WHOIS {far.nick}") or
                   "311" in [m.command for m in op.collect_until("318")], 20,
                   "the other server's user in WHOIS")
        op.send(f"KILL {far.nick} :pool-wide")
        closing = far.wait_closed(20)
        assert any(m.command == "ERROR" and "pool-wide" in m.params[-1] for m in closing), closing
