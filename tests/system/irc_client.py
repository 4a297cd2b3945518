"""A small, strict IRC (IRCv3) client for system tests.

Only the Python standard library is used.  The client is line oriented and
synchronous: tests send a line, then ``expect`` the reply they want, with every
wait bounded by a timeout.  Failures raise ``AssertionError`` carrying the lines
that were seen, so a failing test explains itself.
"""

from __future__ import annotations

import base64
import collections
import dataclasses
import socket
import ssl
import time
from typing import Callable, Iterable, Optional

DEFAULT_TIMEOUT = 5.0

_TAG_UNESCAPE = {":": ";", "s": " ", "\\": "\\", "r": "\r", "n": "\n"}
_TAG_ESCAPE = {";": "\\:", " ": "\\s", "\\": "\\\\", "\r": "\\r", "\n": "\\n"}


def unescape_tag_value(value: str) -> str:
    """Unescape an IRCv3 message-tag value (``\\:`` -> ``;`` and so on).

    An unknown escape drops the backslash; a trailing lone backslash is dropped.
    """
    out = []
    i = 0
    while i < len(value):
        ch = value[i]
        if ch == "\\":
            if i + 1 < len(value):
                nxt = value[i + 1]
                out.append(_TAG_UNESCAPE.get(nxt, nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def escape_tag_value(value: str) -> str:
    """Escape a message-tag value for sending."""
    return "".join(_TAG_ESCAPE.get(ch, ch) for ch in value)


def format_tags(tags: dict) -> str:
    """Serialize a tag dict to ``k=v;k2`` (no leading ``@``)."""
    parts = []
    for key, value in tags.items():
        parts.append(key if value in (None, "") else f"{key}={escape_tag_value(str(value))}")
    return ";".join(parts)


@dataclasses.dataclass
class Msg:
    """One parsed IRC message.

    ``command`` is upper-cased (numerics stay as their three digits);
    ``source`` is the prefix without ``:`` or ``None``; ``params`` includes the
    trailing parameter as its last element.
    """

    tags: dict
    source: Optional[str]
    command: str
    params: list
    raw: str = ""

    @property
    def nick(self) -> Optional[str]:
        """The nick (or server name) part of the source, if any."""
        if self.source is None:
            return None
        return self.source.split("!", 1)[0].split("@", 1)[0]

    @property
    def last(self) -> str:
        """The last parameter (usually the text), or ``""``."""
        return self.params[-1] if self.params else ""

    def __str__(self) -> str:
        return self.raw or f"{self.source} {self.command} {self.params} {self.tags}"


def parse_message(line: str) -> Msg:
    """Parse one IRC line (without CR LF) per the IRCv3 message format.

    Raises ``ValueError`` for a line without a command.
    """
    raw = line
    line = line.rstrip("\r\n")
    tags: dict = {}
    source = None
    rest = line.lstrip(" ")

    if rest.startswith("@"):
        tag_str, _, rest = rest[1:].partition(" ")
        for item in tag_str.split(";"):
            if not item:
                continue
            key, _, value = item.partition("=")
            tags[key] = unescape_tag_value(value)
        rest = rest.lstrip(" ")

    if rest.startswith(":"):
        source, _, rest = rest[1:].partition(" ")
        rest = rest.lstrip(" ")

    command, _, rest = rest.partition(" ")
    if not command:
        raise ValueError(f"IRC line without a command: {raw!r}")

    params = []
    while rest:
        rest = rest.lstrip(" ")
        if not rest:
            break
        if rest.startswith(":"):
            params.append(rest[1:])
            break
        param, _, rest = rest.partition(" ")
        params.append(param)

    return Msg(tags=tags, source=source, command=command.upper(), params=params, raw=line)


Predicate = Optional[Callable[[Msg], bool]]


class IrcError(AssertionError):
    """A protocol expectation failed; the message lists the lines seen."""


class IrcClient:
    """A blocking, line-oriented IRC client for tests.

    Typical use::

        c = IrcClient().connect(port)
        c.register("alice", caps=("echo-message",))
        c.send("JOIN #room")
        c.expect("366")
    """

    def __init__(self, name: str = "client", auto_pong: bool = True):
        self.name = name
        self.auto_pong = auto_pong
        self.sock: Optional[socket.socket] = None
        self._buf = bytearray()
        self._closed_by_peer = False
        self.history: collections.deque = collections.deque(maxlen=200)
        self.nick: Optional[str] = None
        self.available_caps: dict = {}
        self.caps: set = set()
        self.isupport: dict = {}

    # -- connection ---------------------------------------------------------

    def connect(self, port: int, host: str = "127.0.0.1", timeout: float = DEFAULT_TIMEOUT) -> "IrcClient":
        """Open the TCP connection; returns ``self`` for chaining."""
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self

    def connect_tls(self, port: int, context, host: str = "127.0.0.1",
                    server_hostname: str = "localhost",
                    timeout: float = DEFAULT_TIMEOUT) -> "IrcClient":
        """Open a TLS connection with ``context`` (an ``ssl.SSLContext``); the
        handshake is done when this returns.  Returns ``self``."""
        raw = socket.create_connection((host, port), timeout=timeout)
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = context.wrap_socket(raw, server_hostname=server_hostname)
        return self

    def close(self) -> None:
        """Close the socket (no QUIT is sent).  Safe to call twice."""
        if self.sock is not None:
            try:
                self.sock.close()
            finally:
                self.sock = None

    def __enter__(self) -> "IrcClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- sending ------------------------------------------------------------

    def send_raw(self, data: bytes) -> None:
        """Send bytes exactly as given."""
        if self.sock is None:
            raise IrcError(f"{self.name}: send on a closed client")
        self.sock.sendall(data)

    def send(self, line: str) -> None:
        """Send one line; CR LF is appended."""
        self.history.append(f">> {line}")
        self.send_raw(line.encode("utf-8") + b"\r\n")

    def request(self, line: str, label: str) -> str:
        """Send ``line`` with the ``label`` tag (labeled-response); returns the label.

        A line that already carries tags gets the label added to them.
        """
        if line.startswith("@"):
            tags, _, rest = line[1:].partition(" ")
            self.send(f"@label={escape_tag_value(label)};{tags} {rest}")
        else:
            self.send(f"@label={escape_tag_value(label)} {line}")
        return label

    # -- receiving ----------------------------------------------------------

    def recv_line(self, timeout: float = DEFAULT_TIMEOUT) -> str:
        """Return the next line (without CR LF).

        Raises ``TimeoutError`` if none arrives in time and ``ConnectionError``
        once the server has closed the connection and the buffer is empty.
        """
        deadline = time.monotonic() + timeout
        while True:
            nl = self._buf.find(b"\n")
            if nl >= 0:
                raw = bytes(self._buf[:nl]).rstrip(b"\r")
                del self._buf[: nl + 1]
                line = raw.decode("utf-8", errors="replace")
                self.history.append(f"<< {line}")
                return line
            if self._closed_by_peer or self.sock is None:
                raise ConnectionError(f"{self.name}: connection closed")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{self.name}: no line within {timeout}s")
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                raise TimeoutError(f"{self.name}: no line within {timeout}s") from None
            except (ConnectionResetError, ssl.SSLEOFError, ssl.SSLZeroReturnError):
                chunk = b""
            if not chunk:
                self._closed_by_peer = True
            self._buf += chunk

    def recv_msg(self, timeout: float = DEFAULT_TIMEOUT) -> Msg:
        """Return the next parsed message.  A PING is answered when ``auto_pong``."""
        msg = parse_message(self.recv_line(timeout))
        if self.auto_pong and msg.command == "PING":
            self.send("PONG :" + msg.last)
        return msg

    def _matches(self, msg: Msg, commands: tuple, pred: Predicate) -> bool:
        return msg.command in commands and (pred is None or pred(msg))

    def _fail(self, what: str, seen: Iterable[str]) -> IrcError:
        lines = "\n  ".join(seen) or "(nothing)"
        return IrcError(f"{self.name}: {what}; lines seen:\n  {lines}")

    def expect(self, command, timeout: float = DEFAULT_TIMEOUT, pred: Predicate = None) -> Msg:
        """Read until a message with ``command`` (a string, a tuple of them, or
        ``"*"`` for any) for which ``pred`` holds; return it.  Other messages
        are skipped.

        Raises ``IrcError`` with the lines seen on timeout or disconnect.
        """
        commands = _commands(command)
        deadline = time.monotonic() + timeout
        seen = []
        while True:
            remaining = deadline - time.monotonic()
            try:
                msg = self.recv_msg(max(remaining, 0.0))
            except TimeoutError:
                raise self._fail(f"timed out after {timeout}s waiting for {'/'.join(commands)}", seen) from None
            except ConnectionError:
                raise self._fail(f"connection closed while waiting for {'/'.join(commands)}", seen) from None
            seen.append(msg.raw)
            if self._matches(msg, commands, pred):
                return msg

    def collect_until(self, command, timeout: float = DEFAULT_TIMEOUT, pred: Predicate = None) -> list:
        """Return every message up to and including the first matching one."""
        commands = _commands(command)
        deadline = time.monotonic() + timeout
        got = []
        while True:
            remaining = deadline - time.monotonic()
            try:
                msg = self.recv_msg(max(remaining, 0.0))
            except TimeoutError:
                raise self._fail(f"timed out after {timeout}s collecting until {'/'.join(commands)}",
                                 (m.raw for m in got)) from None
            except ConnectionError:
                raise self._fail(f"connection closed collecting until {'/'.join(commands)}",
                                 (m.raw for m in got)) from None
            got.append(msg)
            if self._matches(msg, commands, pred):
                return got

    def assert_no_message(self, timeout: float = 0.5, pred: Predicate = None) -> None:
        """Fail if a message (matching ``pred``, if given) arrives within ``timeout``.

        PINGs are ignored while ``auto_pong`` is on.
        """
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            try:
                msg = self.recv_msg(remaining)
            except TimeoutError:
                return
            except ConnectionError:
                raise self._fail("connection closed while expecting silence", []) from None
            if self.auto_pong and msg.command == "PING":
                continue
            if pred is None or pred(msg):
                raise self._fail(f"unexpected message {msg.raw!r}", list(self.history)[-20:])

    def wait_closed(self, timeout: float = DEFAULT_TIMEOUT) -> list:
        """Read until the server closes the connection; return what arrived."""
        deadline = time.monotonic() + timeout
        got = []
        while True:
            remaining = deadline - time.monotonic()
            try:
                got.append(self.recv_msg(max(remaining, 0.0)))
            except ConnectionError:
                return got
            except TimeoutError:
                raise self._fail(f"connection still open after {timeout}s", (m.raw for m in got)) from None

    def expect_label(self, label: str, timeout: float = DEFAULT_TIMEOUT) -> Msg:
        """Return the first message tagged ``label=<label>`` (may be ACK or BATCH)."""
        return self.expect("*", timeout, pred=lambda m: m.tags.get("label") == label)

    # -- registration -------------------------------------------------------

    def register(
        self,
        nick: str,
        caps: Iterable[str] = (),
        sasl: Optional[tuple] = None,
        user: Optional[str] = None,
        realname: Optional[str] = None,
        timeout: float = 10.0,
    ) -> list:
        """Register the connection and return the messages up to end of MOTD.

        Does ``CAP LS 302``, ``CAP REQ`` for ``caps`` (plus ``sasl`` when
        ``sasl=(account, password)`` is given, then ``AUTHENTICATE PLAIN``),
        ``CAP END``, ``NICK`` and ``USER``; waits for 001 and 376/422.
        Fills ``nick``, ``available_caps``, ``caps`` and ``isupport``.
        """
        wanted = list(caps)
        if sasl is not None and "sasl" not in wanted:
            wanted.append("sasl")

        self.send("CAP LS 302")
        self.send(f"NICK {nick}")
        self.send(f"USER {user or nick} 0 * :{realname or nick}")
        self._read_cap_ls(timeout)

        if wanted:
            missing = [c for c in wanted if c not in self.available_caps]
            if missing:
                raise IrcError(f"{self.name}: server does not offer caps {missing}; "
                               f"offered: {sorted(self.available_caps)}")
            self.send("CAP REQ :" + " ".join(wanted))
            self._read_cap_ack(wanted, timeout)
        if sasl is not None:
            self.authenticate_plain(*sasl, timeout=timeout)
        self.send("CAP END")

        welcome = self.collect_until(("001", "433", "432", "465", "ERROR"), timeout)
        if welcome[-1].command != "001":
            raise self._fail(f"registration as {nick!r} refused", list(self.history)[-30:])
        self.nick = welcome[-1].params[0] if welcome[-1].params else nick
        rest = self.collect_until(("376", "422"), timeout)
        for msg in welcome + rest:
            if msg.command == "005":
                self._note_isupport(msg.params[1:-1])
        return welcome + rest

    def authenticate_plain(self, account: str, password: str, timeout: float = DEFAULT_TIMEOUT) -> Msg:
        """Run SASL PLAIN (the ``sasl`` cap must be acked); return the 903 reply."""
        self.send("AUTHENTICATE PLAIN")
        self.expect("AUTHENTICATE", timeout, pred=lambda m: m.params[:1] == ["+"])
        payload = base64.b64encode(f"{account}\0{account}\0{password}".encode()).decode()
        chunks = [payload[i : i + 400] for i in range(0, len(payload), 400)]
        if not chunks or len(chunks[-1]) == 400:
            chunks.append("+")
        for chunk in chunks:
            self.send(f"AUTHENTICATE {chunk}")
        reply = self.expect(("903", "902", "904", "905", "906", "907", "908"), timeout)
        if reply.command != "903":
            raise IrcError(f"{self.name}: SASL PLAIN as {account!r} failed: {reply.raw}")
        return reply

    def quit(self, reason: str = "bye", timeout: float = DEFAULT_TIMEOUT) -> list:
        """Send QUIT and wait for the server to close the connection."""
        self.send(f"QUIT :{reason}")
        got = self.wait_closed(timeout)
        self.close()
        return got

    def _read_cap_ls(self, timeout: float) -> None:
        """Read (possibly multi-line) ``CAP * LS`` replies into ``available_caps``."""
        while True:
            msg = self.expect("CAP", timeout, pred=lambda m: len(m.params) >= 3 and m.params[1].upper() == "LS")
            for item in msg.last.split():
                name, _, value = item.partition("=")
                self.available_caps[name] = value
            if not (len(msg.params) >= 4 and msg.params[2] == "*"):
                return

    def _read_cap_ack(self, wanted: list, timeout: float) -> None:
        """Read ACK/NAK replies until every requested cap is acknowledged."""
        pending = set(wanted)
        while pending:
            msg = self.expect("CAP", timeout, pred=lambda m: len(m.params) >= 3
                              and m.params[1].upper() in ("ACK", "NAK"))
            if msg.params[1].upper() == "NAK":
                raise IrcError(f"{self.name}: server refused caps: {msg.raw}")
            for cap in msg.last.split():
                self.caps.add(cap.lstrip("-"))
                pending.discard(cap.lstrip("-"))

    def _note_isupport(self, tokens: list) -> None:
        for token in tokens:
            key, _, value = token.partition("=")
            if key.startswith("-"):
                self.isupport.pop(key[1:], None)
            else:
                self.isupport[key] = value


class _AnyCommand(tuple):
    """Sentinel command set that matches every command."""

    def __contains__(self, item) -> bool:  # noqa: D401 - tuple protocol
        return True


_ANY = _AnyCommand(("*",))


def _commands(command) -> tuple:
    if isinstance(command, _AnyCommand):
        return command
    if command == "*":
        return _ANY
    if isinstance(command, str):
        return (command.upper(),)
    return tuple(c.upper() for c in command)
