"""A client that posts to a channel until told to stop, reconnecting whenever its
connection drops, and records what was acknowledged, failed or left unknown: the
workload of the crash and outage tests."""

from __future__ import annotations

import random
import re
import threading
import time

from irc_client import IrcClient, IrcError

CAPS = ("echo-message", "labeled-response", "message-tags")
WINDOW = 4                 # labels in flight per client
RATE = 60.0                # messages per second per client (under the flood limits)
BODY_RE = re.compile(r"^p(\d+) s(\d+) ")  # a Poster's body: p<index> s<seq> ...


class Poster(threading.Thread):
    """One client posting to ``channel`` until ``stop`` is set, reconnecting
    whenever the connection drops.  All fields are read by the test only after
    the thread has ended (or under ``lock``)."""

    def __init__(self, index: int, server, channel: str, nick: str, stop: threading.Event):
        super().__init__(name=f"poster{index}", daemon=True)
        self.index = index
        self.server = server
        self.channel = channel
        self.nick = nick
        self.stop = stop
        self.lock = threading.Lock()
        self.seq = 0
        self.sent = {}          # seq -> body
        self.inflight = {}      # label -> seq
        self.acked = []         # [(seq, msgid)] in acknowledgement order
        self.failed = {}        # seq -> FAIL code
        self.unknown = set()    # seqs in flight when a connection dropped
        self.unexpected = []    # labeled replies that are neither echo nor FAIL
        self.fail_codes = {}    # code -> count
        self.connections = 0
        self.drops = 0
        self.stuck = []         # seqs never answered on a live connection at the end
        self.error = None       # an unexpected exception in the thread
        self.client = None

    # -- thread body --

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                if not self._connect():
                    time.sleep(0.2)
                    continue
                try:
                    self._post_loop()
                except (ConnectionError, OSError, IrcError):
                    self._dropped()
                    continue
                self._drain()
                break
        except Exception as exc:  # noqa: BLE001 - reported by the test
            self.error = repr(exc)
        finally:
            if self.client is not None:
                self.client.close()

    def _connect(self) -> bool:
        client = IrcClient(f"{self.name}-{self.connections + 1}")
        try:
            client.connect(self.server.irc_port, timeout=5)
            client.register(self.nick, caps=CAPS, timeout=10)
            client.send(f"JOIN {self.channel}")
            client.expect("366", timeout=10)
        except (ConnectionError, OSError, IrcError, TimeoutError):
            client.close()
            return False
        self.client = client
        with self.lock:
            self.connections += 1
        return True

    def _dropped(self) -> None:
        with self.lock:
            self.drops += 1
            self.unknown.update(self.inflight.values())
            self.inflight.clear()
        self.client.close()
        self.client = None

    def _send_next(self) -> None:
        with self.lock:
            self.seq += 1
            seq = self.seq
            body = f"p{self.index} s{seq} " + "x" * random.Random(seq).randint(0, 80)
            label = f"l{self.index}-{seq}"
            self.sent[seq] = body
            self.inflight[label] = seq
        self.client.send(f"@label={label} PRIVMSG {self.channel} :{body}")

    def _handle(self, msg) -> None:
        label = msg.tags.get("label")
        if label is None:
            return  # someone else's message, JOIN replay, ...
        with self.lock:
            seq = self.inflight.pop(label, None)
            if seq is None:
                self.unexpected.append(f"reply for an unknown label: {msg.raw}")
                return
            if msg.command == "PRIVMSG" and "msgid" in msg.tags:
                if msg.last != self.sent[seq]:
                    self.unexpected.append(f"echo body differs for s{seq}: {msg.raw}")
                self.acked.append((seq, msg.tags["msgid"]))
            elif msg.command == "FAIL":
                code = msg.params[1] if len(msg.params) > 1 else "?"
                self.failed[seq] = code
                self.fail_codes[code] = self.fail_codes.get(code, 0) + 1
            else:
                self.failed[seq] = msg.command
                self.unexpected.append(msg.raw)

    def _post_loop(self) -> None:
        next_send = time.monotonic()
        while not self.stop.is_set():
            now = time.monotonic()
            if len(self.inflight) < WINDOW and now >= next_send:
                self._send_next()
                next_send = max(next_send + 1.0 / RATE, now - 1.0)
                continue
            wait = max(0.005, min(0.2, next_send - now))
            try:
                self._handle(self.client.recv_msg(timeout=wait))
            except TimeoutError:
                pass

    def _drain(self) -> None:
        """Stop sending; wait (bounded) for answers to everything in flight."""
        deadline = time.monotonic() + 15
        try:
            while self.inflight and time.monotonic() < deadline:
                try:
                    self._handle(self.client.recv_msg(timeout=0.2))
                except TimeoutError:
                    pass
        except (ConnectionError, OSError, IrcError):
            self._dropped()
            return
        with self.lock:
            self.stuck = sorted(self.inflight.values())

    # -- observation --

    def snapshot(self) -> tuple:
        with self.lock:
            return len(self.acked), self.drops, sum(self.fail_codes.values())
