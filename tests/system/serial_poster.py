"""A client that posts labeled messages to one channel, one at a time and without pause,
reconnecting whenever it must, and records when each acknowledgement (echo-message)
came: the workload of the automatic failover tests and of
bench/auto_failover_rto.py (time from a fault to the first acknowledgement)."""

from __future__ import annotations

import threading
import time

from irc_client import IrcClient

CAPS = ("echo-message", "labeled-response", "message-tags")


class SerialPoster(threading.Thread):
    """Posts `<tag>-<n>` to `channel` through the IRC port `port` until `finish()`."""

    def __init__(self, port: int, channel: str, nick_prefix: str = "sp"):
        super().__init__(daemon=True)
        self.port, self.channel, self.nick_prefix = port, channel, nick_prefix
        self.acked: list[tuple[str, float]] = []  # (body, monotonic time of the echo)
        self.sent_at: dict[str, float] = {}  # body -> monotonic time it was sent
        self.refused = 0  # FAIL, no answer within 10 s, or a dropped connection
        self.stop = threading.Event()

    def _join(self, k: int) -> IrcClient:
        c = IrcClient(self.nick_prefix).connect(self.port, timeout=5)
        c.register(f"{self.nick_prefix}{k}", caps=CAPS, timeout=5)
        c.send(f"JOIN {self.channel}")
        c.expect("366", 10)
        return c

    def run(self):
        c, k = None, 0
        while not self.stop.is_set():
            try:
                if c is None:
                    c = self._join(k)
                text = f"{self.channel[1:]}-{k}"
                k += 1
                self.sent_at[text] = time.monotonic()
                c.request(f"PRIVMSG {self.channel} :{text}", "l" + text)
                m = c.expect(("PRIVMSG", "FAIL", "ERROR"), 10,
                             pred=lambda m, t=text: m.tags.get("label") == "l" + t or m.command == "ERROR")
                if m.command == "PRIVMSG":
                    self.acked.append((text, time.monotonic()))
                else:
                    self.refused += 1
                    time.sleep(0.02)
            except Exception:  # noqa: BLE001 - closed or timed out: reconnect
                self.refused += 1
                if c is not None:
                    c.close()
                c = None
                time.sleep(0.05)
        if c is not None:
            c.close()

    def first_ack_after(self, t0: float):
        """When the first message sent after `t0` was acknowledged (None yet): one in
        flight at `t0` may be acknowledged just after it, committed before."""
        later = [t for body, t in self.acked if self.sent_at[body] > t0]
        return min(later) if later else None

    def finish(self) -> list[str]:
        """Stops; the acknowledged bodies."""
        self.stop.set()
        self.join(30)
        return [t for t, _ in self.acked]
