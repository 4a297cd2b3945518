"""IRC over WebSocket for the system tests: ``WsIrcClient`` is an ``IrcClient``
(every helper: register, expect, collect_until, wait_closed ...) whose transport is
a WebSocket (Debian's python3-websocket, websocket-client): each line sent is one
message without CR LF, each message received is one line.

    c = WsIrcClient().connect_ws(f"ws://127.0.0.1:{port}/irc", ["text.ircv3.net"])
    c.register("alice")

``opcodes`` records the opcode of every data message received (text or binary);
``close_code`` is the code of the server's close frame, once one came.
"""

from __future__ import annotations

from typing import Iterable, Optional

import websocket  # python3-websocket

from irc_client import DEFAULT_TIMEOUT, IrcClient

TEXT = websocket.ABNF.OPCODE_TEXT
BINARY = websocket.ABNF.OPCODE_BINARY


class WsIrcClient(IrcClient):
    def __init__(self, name: str = "web", auto_pong: bool = True):
        super().__init__(name, auto_pong)
        self.ws: Optional[websocket.WebSocket] = None
        self.subprotocol: Optional[str] = None
        self.opcodes: list = []
        self.close_code: Optional[int] = None

    def connect_ws(self, url: str, subprotocols: Iterable[str] = ("text.ircv3.net",),
                   origin: Optional[str] = None, sslopt: Optional[dict] = None,
                   timeout: float = DEFAULT_TIMEOUT) -> "WsIrcClient":
        """The handshake (no Origin header unless ``origin``); raises
        websocket.WebSocketBadStatusException when the server refuses it."""
        protocols = list(subprotocols)
        self.ws = websocket.create_connection(
            url, timeout=timeout, subprotocols=protocols or None, origin=origin,
            suppress_origin=origin is None, sslopt=sslopt or {})
        self.sock = self.ws
        self.subprotocol = self.ws.getsubprotocol()
        return self

    @property
    def binary(self) -> bool:
        return self.subprotocol == "binary.ircv3.net"

    def send_message(self, data: bytes, opcode: Optional[int] = None) -> None:
        """One WebSocket message, exactly these bytes (text frames are not checked
        here: invalid UTF-8 can be sent on purpose)."""
        if opcode is None:
            opcode = BINARY if self.binary else TEXT
        self.ws.send(data, opcode=opcode)

    def send_raw(self, data: bytes) -> None:
        self.send_message(data)

    def send(self, line: str) -> None:
        self.history.append(f">> {line}")
        self.send_message(line.encode("utf-8"))

    def recv_line(self, timeout: float = DEFAULT_TIMEOUT) -> str:
        if self._closed_by_peer or self.ws is None:
            raise ConnectionError(f"{self.name}: connection closed")
        self.ws.settimeout(max(timeout, 0.001))
        try:
            opcode, data = self.ws.recv_data()
        except websocket.WebSocketTimeoutException:
            raise TimeoutError(f"{self.name}: no message within {timeout}s") from None
        except (websocket.WebSocketConnectionClosedException, ConnectionError, OSError):
            self._closed_by_peer = True
            raise ConnectionError(f"{self.name}: connection closed") from None
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            self._closed_by_peer = True
            payload = getattr(data, "data", data) or b""
            if len(payload) >= 2:
                self.close_code = int.from_bytes(payload[:2], "big")
            raise ConnectionError(f"{self.name}: closed by the server ({self.close_code})")
        self.opcodes.append(opcode)
        raw = data if isinstance(data, bytes) else data.encode()
        if b"\r" in raw or b"\n" in raw:
            raise AssertionError(f"{self.name}: a message holds CR or LF: {raw!r}")
        line = raw.decode("utf-8", errors="replace")
        self.history.append(f"<< {line}")
        return line
