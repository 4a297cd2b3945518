"""irctest's WebSocket tests (irctest/server_tests/websocket.py) use
``websockets.sync.client`` (websockets >= 11); Debian 12 has websockets 10.4, which
lacks it. This plugin provides the part they use over websocket-client (Debian's
python3-websocket), so only Debian packages are needed:

    connect(url, subprotocols=[...]) -> ClientConnection
    ClientConnection.subprotocol, .send(str | bytes), .recv(timeout=None), .close()

str is sent as a text message and bytes as a binary one; recv gives str for text
and bytes for binary, and raises TimeoutError when nothing came in time. A real
``websockets.sync.client``, when installed, is used instead.
"""

import sys
import types
from typing import Iterable, Optional, Union

try:
    import websockets.sync.client  # noqa: F401  (the real one: nothing to do)
except ImportError:
    import websocket  # python3-websocket

    class ClientConnection:
        def __init__(self, ws: "websocket.WebSocket"):
            self._ws = ws
            self.subprotocol: Optional[str] = ws.getsubprotocol()

        def send(self, message: Union[str, bytes]) -> None:
            if isinstance(message, bytes):
                self._ws.send_binary(message)
            else:
                self._ws.send(message)

        def recv(self, timeout: Optional[float] = None) -> Union[str, bytes]:
            self._ws.settimeout(timeout)
            try:
                opcode, data = self._ws.recv_data()
            except websocket.WebSocketTimeoutException:
                raise TimeoutError from None
            if opcode == websocket.ABNF.OPCODE_TEXT:
                return data.decode("utf-8") if isinstance(data, bytes) else data
            return data

        def close(self) -> None:
            self._ws.close()

    def connect(url: str, subprotocols: Optional[Iterable[str]] = None) -> ClientConnection:
        return ClientConnection(websocket.create_connection(
            url, subprotocols=list(subprotocols or []) or None, suppress_origin=True))

    client = types.ModuleType("websockets.sync.client")
    client.ClientConnection = ClientConnection
    client.connect = connect
    sync = types.ModuleType("websockets.sync")
    sync.client = client
    package = sys.modules.get("websockets") or types.ModuleType("websockets")
    package.sync = sync
    sys.modules.setdefault("websockets", package)
    sys.modules["websockets.sync"] = sync
    sys.modules["websockets.sync.client"] = client
