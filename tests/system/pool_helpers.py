"""A pool of pchatd on one machine for the system tests: a standalone pchatd owns the
store (its private PostgreSQL), and members started with --topology/--server use it as
their primary store."""

from __future__ import annotations

import pathlib

CAPS = ("echo-message", "message-tags", "server-time", "batch", "labeled-response")


def write_topology(path: pathlib.Path, store_dir: pathlib.Path, members) -> pathlib.Path:
    """A one-datacenter topology: `members` all active, the primary store on the unix
    socket of the standalone store in `store_dir`."""
    lines = [
        "[pool]",
        'fqdn = "pool.test.local"',
        "active_servers = [" + ", ".join(f'"{m.name}"' for m in members) + "]",
        "",
        "[datacenters.A]",
        "",
    ]
    for m in members:
        lines += [
            "[[servers]]",
            f'name = "{m.name}"',
            'datacenter = "A"',
            f'irc_listen = "127.0.0.1:{m.irc_port}"',
            f'http_listen = "127.0.0.1:{m.http_port}"',
            "",
        ]
    lines += [
        "[stores.primary]",
        'datacenter = "A"',
        f'host = "{store_dir / "run"}"',
        'dbname = "mgc"',
        'user = "pchat"',
        "",
    ]
    path.write_text("\n".join(lines))
    return path


def start_pool(server_factory, base_dir, n_members=2):
    """Starts the store's owner (guests allowed) and `n_members` pool members; returns
    (owner, members, topology path)."""
    owner = server_factory(allow_guests=True)
    members = [server_factory(start=False) for _ in range(n_members)]
    topo = write_topology(base_dir / f"{owner.name}-topology.toml", owner.data_dir, members)
    for m in members:
        m.start(base_dir / m.name / "unused", ["--topology", str(topo), "--server", m.name],
                allow_guests=True)
    return owner, members, topo
