"""SIGHUP: pchatd reloads its --config file's live settings and keeps running.

Live keys (motd, flood limits, log level, ...) apply at once without dropping a
client; a changed key that needs a restart is named in the log; a file that no
longer parses changes nothing; without --config there is nothing to reload.
"""

from __future__ import annotations

import os
import signal

from irc_client import IrcClient
from pchat_harness import wait_until


def _motd(lines) -> str:
    return "\n".join(m.params[-1] for m in lines if m.command == "372")


def _sighup_and_wait(server, marker: str, seen_before: int) -> str:
    """SIGHUP pchatd; wait for the ``seen_before + 1``-th log line holding ``marker``."""
    os.kill(server.pid, signal.SIGHUP)
    wait_until(lambda: not server.running or server.log_tail(2000).count(marker) > seen_before,
               15, f"'{marker}' in the log after SIGHUP")
    assert server.running, f"pchatd ended on SIGHUP:\n{server.log_tail()}"
    return server.log_tail(2000)


def test_sighup_reloads_motd_and_names_restart_only_keys(server_factory, base_dir, unique):
    conf = base_dir / unique("reload") / "pchatd.toml"
    conf.parent.mkdir(parents=True)
    conf.write_text('motd = "first motd"\nreader_threads = 2\n')
    server = server_factory(extra_args=["--config", str(conf)], allow_guests=True)
    with IrcClient("before").connect(server.irc_port) as before:
        assert "first motd" in _motd(before.register(unique("hup")))

        conf.write_text('motd = "second motd"\nreader_threads = 3\nflood_burst = 50\n')
        log = _sighup_and_wait(server, "SIGHUP: reloaded", 0)
        assert "applied motd, flood_burst 400 -> 50" in log, log
        assert "reader_threads (2 -> 3) changed but needs a restart" in log, log

        # The client connected before the reload is still served, and sees the new MOTD.
        before.send("PING :still-here")
        before.expect("PONG", pred=lambda m: m.params[-1] == "still-here")
        before.send("MOTD")
        assert "second motd" in _motd(before.collect_until("376"))
        with IrcClient("after").connect(server.irc_port) as after:
            motd = _motd(after.register(unique("hup")))
            assert "second motd" in motd and "first motd" not in motd, motd

        # A file that no longer parses changes nothing; pchatd keeps running.
        conf.write_text('motd = "third motd"\nmotd_typo = 1\n')
        log = _sighup_and_wait(server, "not reloaded", 0)
        assert "motd_typo" in log and "unknown key" in log, log
        with IrcClient("after-bad").connect(server.irc_port) as late:
            assert "second motd" in _motd(late.register(unique("hup")))
        before.send("PING :after-bad")
        before.expect("PONG", pred=lambda m: m.params[-1] == "after-bad")


def test_sighup_without_config_file_says_there_is_nothing_to_reload(server_factory):
    server = server_factory(allow_guests=True)
    _sighup_and_wait(server, "no --config file", 0)
    assert server.http_get("/healthz")[0] == 200
