"""A local Socket Mode endpoint: what `apps.connections.open` hands out (docs.slack.dev/apis/
events-api/using-socket-mode). It greets with `hello`, sends envelopes
`{"envelope_id", "type", "payload", "accepts_response_payload"}` and collects the acks."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve


class SocketModeEndpoint:
    def __init__(self) -> None:
        self.outgoing: queue.Queue[dict[str, Any]] = queue.Queue()
        self.acks: queue.Queue[dict[str, Any]] = queue.Queue()
        self.connected = threading.Event()
        self.url = ""

    def send(self, envelope_id: str, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Deliver one envelope and wait for its ack."""
        self.outgoing.put(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": kind != "events_api",
                "retry_attempt": 0,
                "retry_reason": "",
            }
        )
        return self.acks.get(timeout=10)

    def handler(self, connection: ServerConnection) -> None:
        hello = {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0APP"}}
        connection.send(json.dumps(hello))
        self.connected.set()
        reader = threading.Thread(target=self._read, args=(connection,), daemon=True)
        reader.start()
        while reader.is_alive():
            try:
                envelope = self.outgoing.get(timeout=0.1)
            except queue.Empty:
                continue
            connection.send(json.dumps(envelope))

    def _read(self, connection: ServerConnection) -> None:
        try:
            for message in connection:
                data = json.loads(message)
                if "envelope_id" in data:
                    self.acks.put(data)
        except ConnectionClosed:
            return


@contextmanager
def running_socket_mode() -> Iterator[SocketModeEndpoint]:
    endpoint = SocketModeEndpoint()
    server: Server = serve(endpoint.handler, "127.0.0.1", 0)
    endpoint.url = f"ws://127.0.0.1:{server.socket.getsockname()[1]}/link/?ticket=t&app_id=A0APP"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield endpoint
    finally:
        server.shutdown()
