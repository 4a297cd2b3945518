"""Pool state and active servers in `mgc` (store and pchatctl side):
`pchatctl pool ...` and Lync's cmdlets Get-/Set-CsPersistentChatState and
Get-/Set-CsPersistentChatActiveServer, against a standalone data dir (--data-dir) and
through a topology file whose primary store is that same store (--topology).

Each test starts its own pchatd (a fresh store, epoch 1); pchatctl talks to the
store pchatd runs.  What is stored is checked with psql, independently of pchatctl.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from pchat_harness import binary, sanitizer_env
from store_query import PSQL, StoreError, conninfo, query

POOL = "atl-cs-001.litwareinc.com"
IDENTITY = f"service:{POOL}"
A1, A2, A3 = (f"atl-pc-00{i}.litwareinc.com" for i in (1, 2, 3))
B1, B2 = (f"dal-pc-00{i}.litwareinc.com" for i in (1, 2))
LYNC_LINE = f'Set-CsPersistentChatState -Identity "service:{POOL}" \u2013PoolState FailedOver'


def _topology(data_dir, path, low_latency=False):
    servers = [(A1, "A", 1), (A2, "A", 2), (A3, "A", 3), (B1, "B", 11), (B2, "B", 12)]
    text = [f'[pool]\nfqdn = "{POOL}"\nmax_active_servers = 2\n',
            "[datacenters.A]\n[datacenters.B]\n"]
    if low_latency:
        text.append('[[low_latency_links]]\ndatacenters = ["A", "B"]\n')
    for name, dc, n in servers:
        text.append(f'[[servers]]\nname = "{name}"\ndatacenter = "{dc}"\n'
                    f'irc_listen = "127.0.0.1:{16000 + n}"\nhttp_listen = "127.0.0.1:{17000 + n}"\n')
    text.append(f'[stores.primary]\ndatacenter = "A"\nconninfo = "{conninfo(data_dir)}"\n')
    text.append(f'[stores.backup]\ndatacenter = "B"\n'
                f'conninfo = "host={data_dir}/nowhere dbname=mgc user=pchat"\n')
    text.append('[log_shipping]\nbackup_share = "share"\ncopy_destination = "copy"\n')
    path.write_text("\n".join(text))
    return path


class Pool:
    """A pchatd's store, reached standalone (``ctl``) or through a topology (``pool``)."""

    def __init__(self, server, low_latency=False):
        self.data_dir = server.data_dir
        self.topology = _topology(self.data_dir, self.data_dir.parent / "topology.toml",
                                  low_latency)

    def ctl(self, *args, topology=None):
        cmd = [str(binary("pchatctl")), "--data-dir", str(self.data_dir)]
        if topology is not None:
            cmd += ["--topology", str(topology)]
        return subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=60,
                              check=False, env=sanitizer_env())

    def pool(self, *args):
        return self.ctl(*args, topology=self.topology)

    def ok(self, result):
        assert result.returncode == 0, f"{result.args}\n{result.stdout}{result.stderr}"
        assert result.stderr == "" or result.stderr.startswith("pchatctl: note:"), result.stderr
        return result.stdout

    def fails(self, result, *needles):
        assert result.returncode == 1, f"{result.args}\n{result.stdout}{result.stderr}"
        assert result.stderr.startswith("pchatctl: error: "), result.stderr
        for needle in needles:
            assert needle in result.stderr, result.stderr
        return result.stderr

    def row(self):
        """The stored row: (epoch, state, active list, primary store, fqdn, updated_at)."""
        r = query(self.data_dir, "select epoch, pool_state, array_to_json(active_servers),"
                  " primary_store, coalesce(pool_fqdn, ''), updated_at, count(*) over ()"
                  " from pool_state")
        assert len(r) == 1 and r[0][6] == "1"
        e, state, active, primary, fqdn, updated, _ = r[0]
        return int(e), state, json.loads(active), primary, fqdn, updated


def _pool(server_factory, low_latency=False):
    p = Pool(server_factory(), low_latency)
    p.ok(p.ctl("pool", "state"))  # migrates the store if pchatd has not
    return p


@pytest.fixture
def pool(server_factory):
    return _pool(server_factory)


# -- pool state ------------------------------------------------------------------


def test_state_starts_normal_and_epoch_grows_only_on_change(pool):
    shown = json.loads(pool.ok(pool.ctl("pool", "state", "--json")))
    assert shown["state"] == "Normal" and shown["epoch"] == 1
    assert shown["primary_store"] == "primary" and shown["active_servers"] == []
    assert shown["pool_fqdn"] is None
    first = pool.row()
    assert first[:5] == (1, "Normal", [], "primary", "")

    out = pool.ok(pool.ctl("pool", "set-state", "FailedOver", "--dry-run"))
    assert "Dry run" in out and "epoch 1 -> 2" in out
    assert pool.row() == first

    out = pool.ok(pool.ctl("pool", "set-state", "FailedOver"))
    assert "Normal -> FailedOver" in out
    after = pool.row()
    assert after[:4] == (2, "FailedOver", [], "backup")
    assert after[5] != first[5]
    who = query(pool.data_dir, "select updated_by from pool_state")[0][0]
    assert who.startswith("pchatctl ")

    # Idempotent: the same again writes nothing (epoch and updated_at kept).
    out = pool.ok(pool.ctl("pool", "set-state", "FailedOver"))
    assert "already FailedOver" in out
    assert pool.row() == after
    again = json.loads(pool.ok(pool.ctl("pool", "set-state", "failedover", "--json")))
    assert again["changed"] is False and again["after"]["epoch"] == 2

    back = json.loads(pool.ok(pool.ctl("pool", "set-state", "Normal", "--json")))
    assert back["changed"] is True and back["before"]["epoch"] == 2
    assert back["after"]["epoch"] == 3 and back["after"]["primary_store"] == "primary"
    assert pool.row()[:2] == (3, "Normal")


def test_bad_state_and_bad_parameters_change_nothing(pool):
    pool.ok(pool.ctl("pool", "set-state", "FailedOver"))
    before = pool.row()
    pool.fails(pool.ctl("pool", "set-state", "Sideways"), "bad pool state 'Sideways'",
               "Normal or FailedOver")
    pool.fails(pool.ctl("cmdlet", f"Set-CsPersistentChatState -Identity {IDENTITY} "
                                  "-PoolState Sideways"), "Sideways")
    pool.fails(pool.ctl("cmdlet", f"Set-CsPersistentChatState -Identity {IDENTITY} "
                                  "-PoolState Normal -Bogus 1"), "Bogus")
    pool.fails(pool.ctl("cmdlet", "Set-CsPersistentChatState -PoolState Normal"), "Identity")
    pool.fails(pool.ctl("cmdlet", f"Set-CsPersistentChatState -Identity {IDENTITY} "
                                  "-PoolState Normal | Out-Null"), "pipelines")
    pool.fails(pool.ctl("cmdlet", "Set-CsPersistentChatState -Identity '' -PoolState Normal"),
               "identity")
    err = pool.fails(pool.ctl("Get-CsPersistentChatStat"), "Get-CsPersistentChatState",
                     "Set-CsPersistentChatState", "Get-CsPersistentChatActiveServer",
                     "Set-CsPersistentChatActiveServer")
    assert "Get-CsPersistentChatStat" in err
    assert pool.row() == before


def test_store_refuses_a_lower_epoch_and_deleting_the_row(pool):
    pool.ok(pool.ctl("pool", "set-state", "FailedOver"))
    with pytest.raises(StoreError, match="cannot go down"):
        query(pool.data_dir, "update pool_state set epoch = 1")
    with pytest.raises(StoreError, match="cannot be deleted"):
        query(pool.data_dir, "delete from pool_state")
    with pytest.raises(StoreError):
        query(pool.data_dir, "insert into pool_state (id) values (2)")
    assert pool.row()[:2] == (2, "FailedOver")


def test_change_notifies_pchat_pool_state_with_the_epoch(pool):
    # One psql session LISTENs, then changes the row as pchatctl does: the trigger's
    # NOTIFY (payload: the new epoch) is delivered to it at commit.
    cmd = [PSQL, conninfo(pool.data_dir), "-X", "-v", "ON_ERROR_STOP=1",
           "-c", "LISTEN pchat_pool_state",
           "-c", "UPDATE pool_state SET pool_state = 'FailedOver', epoch = epoch + 1",
           "-c", "UPDATE pool_state SET active_servers = '{x}'"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=True).stdout
    assert 'notification "pchat_pool_state" with payload "2"' in out, out
    assert out.count('"pchat_pool_state"') == 2, out


def test_lync_line_with_en_dash_and_pool_identity(pool):
    # As the shell splits Lync's line (quotes gone, en dash kept).
    argv = ["Set-CsPersistentChatState", "-Identity", IDENTITY, "\u2013PoolState", "FailedOver"]
    # The backup store is not online (this pool has only its primary): refused.
    pool.fails(pool.pool(*argv), "bring the backup database online first", "runbook step 4")
    assert pool.row()[:2] == (1, "Normal")
    out = pool.ok(pool.pool(*argv, "-Force"))
    assert "Normal -> FailedOver" in out and "epoch 1 -> 2" in out
    assert pool.row()[:5] == (2, "FailedOver", [], "backup", POOL)
    # The same line as one argument, verbatim: idempotent.
    out = pool.ok(pool.pool("cmdlet", LYNC_LINE))
    assert "already FailedOver" in out
    assert pool.row()[0] == 2
    got = json.loads(pool.ok(pool.pool("Get-CsPersistentChatState", "--json")))
    assert got["identity"] == IDENTITY and got["state"] == "FailedOver" and got["epoch"] == 2
    text = pool.ok(pool.pool("cmdlet", f'Get-CsPersistentChatState "{IDENTITY}"'))
    assert "FailedOver" in text and IDENTITY in text
    # The whole line as one argument, without `cmdlet`.
    text = pool.ok(pool.pool(f'Get-CsPersistentChatState -Identity "{IDENTITY}"'))
    assert "FailedOver" in text

    # Another pool's identity: refused, nothing changed.
    before = pool.row()
    pool.fails(pool.pool("Set-CsPersistentChatState", "-Identity", "service:other.example.com",
                         "-PoolState", "Normal"), "is not this pool", IDENTITY)
    pool.fails(pool.pool("Get-CsPersistentChatState", "-Identity", "service:other.example.com"),
               "is not this pool")
    # Standalone, the store remembers its pool: another FQDN is refused too...
    pool.fails(pool.ctl("Set-CsPersistentChatState", "-Identity", "service:other.example.com",
                        "-PoolState", "Normal"), "service:other.example.com", IDENTITY)
    assert pool.row() == before
    # ... and its own accepted.
    pool.ok(pool.ctl("Set-CsPersistentChatState", "-Identity", IDENTITY, "-PoolState", "Normal"))
    assert pool.row()[:2] == (3, "Normal")


def test_standalone_records_any_identity(pool):
    pool.ok(pool.ctl("cmdlet", "Set-CsPersistentChatState -Identity service:chat.example.org "
                               "-PoolState Normal"))
    epoch, state, _, _, fqdn, _ = pool.row()
    assert (epoch, state, fqdn) == (1, "Normal", "chat.example.org")
    assert "service:chat.example.org" in pool.ok(pool.ctl("pool", "state"))


def test_whatif_is_a_dry_run(pool):
    before = pool.row()
    out = pool.ok(pool.pool("cmdlet", LYNC_LINE + " -WhatIf -Force"))
    assert "Dry run" in out
    assert pool.row() == before


# -- active servers --------------------------------------------------------------


def test_active_servers_add_remove_clear_null(pool):
    line = (f'Set-CsPersistentChatActiveServer -Identity "{IDENTITY}" '
            f'-ActiveServers @{{Add="{A1}","{A2.upper()}"}}')
    out = pool.ok(pool.pool("cmdlet", line))
    assert "add" in out
    first = pool.row()
    assert first[2] == [A1, A2]  # spelled as the topology does
    assert first[0] == 1  # the epoch is the pool state's, not the list's
    assert pool.ok(pool.pool("cmdlet", line)).startswith("Active servers unchanged")
    assert pool.row() == first

    pool.ok(pool.pool("cmdlet", f'Set-CsPersistentChatActiveServer {IDENTITY} '
                                f'-ActiveServers @{{Remove="{A1}"}}'))
    assert pool.row()[2] == [A2]
    pool.ok(pool.pool("pool", "active-servers", "--add", A3))
    assert pool.row()[2] == [A2, A3]
    table = pool.ok(pool.pool("Get-CsPersistentChatActiveServer"))
    assert any(l.split()[:3] == [A3, "A", "yes"] for l in table.splitlines()), table
    assert any(l.split()[:3] == [B1, "B", "no"] for l in table.splitlines()), table

    # $null typed in the cmdlet line, and quoted through the shell.
    pool.ok(pool.pool("cmdlet", f"Set-CsPersistentChatActiveServer {IDENTITY} "
                                "-ActiveServers $null"))
    assert pool.row()[2] == []
    pool.ok(pool.pool("pool", "active-servers", "--set", f"{A1},{A2}"))
    assert pool.row()[2] == [A1, A2]
    pool.ok(pool.pool("Set-CsPersistentChatActiveServer", "-Identity", IDENTITY,
                      "-ActiveServers", "$null"))
    assert pool.row()[2] == []
    pool.ok(pool.pool("Set-CsPersistentChatActiveServer", "-Identity", IDENTITY,
                      "-ActiveServers", f"{A2},{A1}"))
    assert pool.row()[2] == [A2, A1]
    pool.ok(pool.pool("pool", "active-servers", "--clear"))
    assert pool.row()[2] == []
    # Unquoted $null vanishes in a POSIX shell: a clear error with the hint.
    pool.fails(pool.pool("Set-CsPersistentChatActiveServer", "-Identity", IDENTITY,
                         "-ActiveServers"), "$null")
    got = json.loads(pool.ok(pool.pool("pool", "active-servers", "--json")))
    assert got["active_servers"] == [] and len(got["servers"]) == 5
    assert pool.row()[0] == 1


def test_active_servers_refusals_change_nothing(pool):
    pool.ok(pool.pool("pool", "active-servers", "--add", A1))
    before = pool.row()
    err = pool.fails(pool.pool("pool", "active-servers", "--add", "nosuch.litwareinc.com"),
                     "'nosuch.litwareinc.com' is not a server", A1, B2)
    pool.fails(pool.pool("pool", "active-servers", "--remove", "nosuch.litwareinc.com"),
               "nosuch.litwareinc.com")
    err = pool.fails(pool.pool("pool", "active-servers", "--add", f"{A2},{A3}"),
                     "3 active servers", "(2")
    err = pool.fails(pool.pool("cmdlet", f"Set-CsPersistentChatActiveServer {IDENTITY} "
                                         f"-ActiveServers @{{Add='{B1}'}}"),
                     B1, "datacenter B", "low-latency")
    pool.fails(pool.pool("pool", "active-servers", "--set", "a b"), "bad server name")
    pool.fails(pool.pool("pool", "active-servers", "--set", A1, "--clear"), "contradict")
    pool.fails(pool.pool("pool", "active-servers", "--swap", "--add", A2), "swap")
    pool.fails(pool.ctl("pool", "active-servers", "--swap"), "topology")
    pool.fails(pool.pool("Set-CsPersistentChatActiveServer", "-Identity", IDENTITY),
               "-ActiveServers or -Swap")
    pool.fails(pool.pool("Set-CsPersistentChatActiveServer", "-Identity", "service:x.example.com",
                         "-ActiveServers", A2), "is not this pool")
    out = pool.ok(pool.pool("pool", "active-servers", "--add", A2, "--dry-run"))
    assert "Dry run" in out and A2 in out
    assert pool.row() == before
    del err

    # -Force allows a server outside the primary store's datacenter (not more than the max).
    pool.ok(pool.pool("cmdlet", f"Set-CsPersistentChatActiveServer {IDENTITY} "
                                f"-ActiveServers @{{Add='{B1}'}} -Force"))
    assert pool.row()[2] == [A1, B1]
    pool.fails(pool.pool("pool", "active-servers", "--add", B2, "--force"), "3 active servers")
    # Removing from a list is never refused by the datacenter rule.
    pool.ok(pool.pool("pool", "active-servers", "--remove", A1))
    assert pool.row()[2] == [B1]


def test_cross_datacenter_allowed_with_a_low_latency_link(server_factory):
    linked = _pool(server_factory, low_latency=True)
    out = linked.ok(linked.pool("pool", "active-servers", "--add", f"{A1},{B1}"))
    assert linked.row()[2] == [A1, B1], out


def test_swap_follows_the_failover(pool):
    pool.ok(pool.pool("pool", "active-servers", "--set", f"{A1},{A2}"))
    # Before the failover the backup datacenter is far from the primary store.
    pool.fails(pool.pool("pool", "active-servers", "--swap"), "datacenter B")
    before = pool.row()
    # (-Force: this pool has no backup store running to bring online first.)
    result = pool.pool(*LYNC_LINE.replace('"', "").split(" "), "-Force")
    pool.ok(result)
    assert "active servers outside datacenter B" in result.stderr
    assert pool.row()[:4] == (before[0] + 1, "FailedOver", [A1, A2], "backup")
    out = pool.ok(pool.pool("cmdlet", f"Set-CsPersistentChatActiveServer {IDENTITY} -Swap -WhatIf"))
    assert "Dry run" in out and pool.row()[2] == [A1, A2]
    pool.ok(pool.pool("cmdlet", f"Set-CsPersistentChatActiveServer {IDENTITY} -Swap"))
    assert pool.row()[2] == [B1, B2]
    # Back in datacenter A there are 3 servers, more than the pool's 2 active.
    pool.ok(pool.pool("pool", "set-state", "Normal"))
    pool.fails(pool.pool("pool", "active-servers", "--swap", "--force"), "3 active servers")
    assert pool.row()[2] == [B1, B2]


def test_script_runs_every_line_or_none(pool, tmp_path):
    good = pool.data_dir.parent / "failover.ps1"
    good.write_text(
        "\ufeff# step 5 and 7 of the runbook\r\n"
        f"{LYNC_LINE} -Force\r\n"
        "\r\n"
        f"Set-CsPersistentChatActiveServer -Identity \"{IDENTITY}\" `\r\n"
        f"    -ActiveServers @{{Add=\"{B1}\"}}\r\n"
        f"Get-CsPersistentChatState {IDENTITY}\r\n", encoding="utf-8")
    out = pool.ok(pool.pool("cmdlet", "--file", str(good)))
    assert [l for l in out.splitlines() if l.startswith("> ")] == [
        f"> {LYNC_LINE} -Force",
        f'> Set-CsPersistentChatActiveServer -Identity "{IDENTITY}" '
        f'-ActiveServers @{{Add="{B1}"}}',
        f"> Get-CsPersistentChatState {IDENTITY}"]
    assert pool.row()[:4] == (2, "FailedOver", [B1], "backup")
    # Re-running the script is harmless.
    pool.ok(pool.pool("cmdlet", "--file", str(good)))
    after = pool.row()
    assert after[:4] == (2, "FailedOver", [B1], "backup")

    bad = pool.data_dir.parent / "bad.ps1"
    bad.write_text(f"Set-CsPersistentChatState {IDENTITY} -PoolState Normal\n"
                   f"Set-CsPersistentChatActiveServer {IDENTITY} -ActiveServer @{{Nope=1}}\n")
    pool.fails(pool.pool("cmdlet", "--file", str(bad)), "command 2", "nothing was run")
    assert pool.row() == after
    pool.fails(pool.pool("cmdlet", "--file", str(pool.data_dir / "missing.ps1")), "missing.ps1")
