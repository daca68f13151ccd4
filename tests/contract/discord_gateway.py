"""A local Discord Gateway (discord.com/developers/docs/events/gateway) over WebSocket.

HELLO on connect; IDENTIFY must carry the bot token and the GUILD_MESSAGES and
MESSAGE_CONTENT intents (else close 4004 / 4014, as Discord does); READY follows with a
session id and a resume URL; heartbeats are acknowledged; RESUME replays what was missed.
`dispatch` sends an event to every identified connection; `drop` closes them all.
"""

from __future__ import annotations

import json
import threading
from types import TracebackType
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

MESSAGE_CONTENT, GUILD_MESSAGES = 1 << 15, 1 << 9


class GatewayServer:
    def __init__(self, token: str) -> None:
        self.token = token
        self.url = ""
        self.identified: list[ServerConnection] = []
        self.sent: list[dict[str, Any]] = []  # every dispatch, for RESUME
        self.opcodes: list[int] = []  # what clients sent, in order
        self.heartbeat_interval = 41250
        self._lock = threading.Lock()
        self._server: Server | None = None
        self.sessions = 0

    def __enter__(self) -> GatewayServer:
        self._server = serve(self._client, "127.0.0.1", 0)
        self.url = f"ws://127.0.0.1:{self._server.socket.getsockname()[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._server is not None
        self.drop()
        self._server.shutdown()

    def dispatch(self, kind: str, data: dict[str, Any]) -> None:
        with self._lock:
            payload = {"op": 0, "t": kind, "s": len(self.sent) + 2, "d": data}
            self.sent.append(payload)
            targets = list(self.identified)
        for ws in targets:
            try:
                ws.send(json.dumps(payload))
            except ConnectionClosed:
                continue

    def drop(self) -> None:
        with self._lock:
            targets, self.identified = list(self.identified), []
        for ws in targets:
            ws.close(1001, "going away")

    def _client(self, ws: ServerConnection) -> None:
        ws.send(json.dumps({"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval}}))
        try:
            for raw in ws:
                self._receive(ws, json.loads(raw))
        except ConnectionClosed:
            pass
        finally:
            with self._lock:
                if ws in self.identified:
                    self.identified.remove(ws)

    def _receive(self, ws: ServerConnection, payload: dict[str, Any]) -> None:
        op, data = payload.get("op"), payload.get("d")
        with self._lock:
            self.opcodes.append(int(op or 0))
        if op == 1:
            ws.send(json.dumps({"op": 11}))
        elif op == 2:
            self._identify(ws, data or {})
        elif op == 6:
            if (data or {}).get("token") != self.token:
                ws.close(4004, "Authentication failed.")
                return
            seq = int((data or {}).get("seq") or 0)
            with self._lock:
                missed = [p for p in self.sent if p["s"] > seq]
                self.identified.append(ws)
            for payload_missed in missed:
                ws.send(json.dumps(payload_missed))
            ws.send(json.dumps({"op": 0, "t": "RESUMED", "s": None, "d": {}}))

    def _identify(self, ws: ServerConnection, data: dict[str, Any]) -> None:
        if data.get("token") != self.token:
            ws.close(4004, "Authentication failed.")
            return
        intents = int(data.get("intents") or 0)
        if not intents & MESSAGE_CONTENT or not intents & GUILD_MESSAGES:
            ws.close(4014, "Disallowed intent(s).")
            return
        with self._lock:
            self.sessions += 1
            session = f"session-{self.sessions}"
            self.identified.append(ws)
        ready = {
            "v": 10,
            "user": {"id": "100000000000000003", "username": "opsroom", "bot": True},
            "guilds": [{"id": "100000000000000001", "unavailable": True}],
            "session_id": session,
            "resume_gateway_url": self.url,
            "application": {"id": "100000000000000002", "flags": 0},
        }
        ws.send(json.dumps({"op": 0, "t": "READY", "s": 1, "d": ready}))
