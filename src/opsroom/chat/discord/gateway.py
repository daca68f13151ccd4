"""The Discord Gateway: a WebSocket Discord pushes events through. Interactions (slash
commands, buttons) come over HTTP; only the Gateway delivers what people *say* in an
incident thread, so it is what mirrors messages to the timeline. MESSAGE_CONTENT is a
privileged intent: without it Discord sends empty `content`.

A small client (discord.com/developers/docs/events/gateway): HELLO gives the heartbeat
interval; IDENTIFY (or RESUME after a drop) with the bot token and intents; heartbeats with
the last sequence number, and a reconnect when one goes unacknowledged (a zombie
connection); RECONNECT and INVALID_SESSION are honoured. Each MESSAGE_CREATE becomes a
MessagePosted event keyed by the message id, so several opsroom processes connected at
once record a message once.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable
from typing import Any

from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.sync.client import ClientConnection, connect

from opsroom.chat.discord.inbound import MENTION, PLATFORM
from opsroom.chat.inbound import InboundParse, MessagePosted, Person
from opsroom.chat.message import Mention
from opsroom.errors import OpsroomError
from opsroom.logging import get_logger

log = get_logger(__name__)

DISPATCH, HEARTBEAT, IDENTIFY, RESUME, RECONNECT = 0, 1, 2, 6, 7
INVALID_SESSION, HELLO, HEARTBEAT_ACK = 9, 10, 11
GUILDS, GUILD_MESSAGES, MESSAGE_CONTENT = 1 << 0, 1 << 9, 1 << 15
INTENTS = GUILDS | GUILD_MESSAGES | MESSAGE_CONTENT
# Close codes after which reconnecting cannot help (bad token, intents not allowed, ...).
FATAL_CLOSE = frozenset({4004, 4010, 4011, 4012, 4013, 4014})
_SPOKEN = frozenset({0, 19})  # DEFAULT and REPLY messages; joins, pins, ... are not talk

Run = Callable[[InboundParse], object]


def parse_message_create(data: dict[str, Any]) -> InboundParse:
    """A MESSAGE_CREATE as a MessagePosted event; nothing for bots, webhooks and system
    messages."""
    author = data.get("author") or {}
    content = str(data.get("content") or "")
    spoken = data.get("type", 0) in _SPOKEN and not data.get("webhook_id")
    if not spoken or author.get("bot") or not author.get("id") or not content.strip():
        return InboundParse()
    names = {str(u.get("id")): u for u in data.get("mentions") or []}
    mentions = tuple(
        Mention(m.group(0), m.group(1), _name(names.get(m.group(1)) or {}))
        for m in MENTION.finditer(content)
    )
    posted = MessagePosted(
        person=Person(PLATFORM, str(author["id"]), _name(author)),
        room_id=str(data.get("channel_id", "")),
        text=content,
        message_id=str(data.get("id", "")),
        mentions=mentions,
    )
    return InboundParse(events=(posted,), event_id=f"message:{data.get('id', '')}")


def _name(user: dict[str, Any]) -> str:
    return str(user.get("global_name") or user.get("username") or "")


class DiscordGateway:
    """Runs in a thread of `opsroom serve`; reconnects with backoff until stopped."""

    def __init__(self, token: str, url: Callable[[], str], run: Run) -> None:
        self._token, self._url, self._run = token, url, run
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._ws: ClientConnection | None = None
        self._seq: int | None = None
        self._session: tuple[str, str] | None = None  # (session_id, resume_gateway_url)
        self.ready = threading.Event()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="discord-gateway", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._ws is not None:
            self._ws.close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        backoff = 1.0
        while not self._stop.is_set():
            try:
                fatal = self._connect_once()
                backoff = 1.0
            except (OSError, ConnectionClosed, InvalidHandshake, InvalidURI, OpsroomError) as exc:
                log.warning("discord.gateway_dropped", error=type(exc).__name__)
                fatal = False
            if fatal:
                log.error("discord.gateway_refused")
                return
            self.ready.clear()
            self._stop.wait(backoff * (1 + random.random()))  # noqa: S311 - jitter, not crypto
            backoff = min(backoff * 2, 60.0)

    def _connect_once(self) -> bool:
        """One connection until it closes; True when Discord refused us for good."""
        url = self._session[1] if self._session else self._url()
        with connect(f"{url.rstrip('/')}/?v=10&encoding=json", open_timeout=10) as ws:
            self._ws = ws
            hello = json.loads(ws.recv(timeout=30))
            if hello.get("op") != HELLO:
                return False
            self._greet(ws)
            self._listen(ws, float(hello["d"]["heartbeat_interval"]) / 1000)
            code = ws.close_code
        return code in FATAL_CLOSE

    def _greet(self, ws: ClientConnection) -> None:
        if self._session is not None and self._seq is not None:
            resume = {"token": self._token, "session_id": self._session[0], "seq": self._seq}
            ws.send(json.dumps({"op": RESUME, "d": resume}))
            return
        identify = {
            "token": self._token,
            "intents": INTENTS,
            "properties": {"os": "linux", "browser": "opsroom", "device": "opsroom"},
        }
        ws.send(json.dumps({"op": IDENTIFY, "d": identify}))

    def _listen(self, ws: ClientConnection, interval: float) -> None:
        next_beat = time.monotonic() + interval * random.random()  # noqa: S311 - jitter
        acked = True
        while not self._stop.is_set():
            if time.monotonic() >= next_beat:
                if not acked:
                    ws.close(4000, "heartbeat not acknowledged")  # zombie: resume anew
                    return
                ws.send(json.dumps({"op": HEARTBEAT, "d": self._seq}))
                acked, next_beat = False, time.monotonic() + interval
            try:
                raw = ws.recv(timeout=max(0.05, min(1.0, next_beat - time.monotonic())))
            except TimeoutError:
                continue
            payload = json.loads(raw)
            op = payload.get("op")
            if op == HEARTBEAT_ACK:
                acked = True
            elif op == HEARTBEAT:
                next_beat = time.monotonic()
            elif op == RECONNECT:
                ws.close(4000, "reconnect requested")
                return
            elif op == INVALID_SESSION:
                if not payload.get("d"):
                    self._session, self._seq = None, None
                ws.close(4000, "invalid session")
                return
            elif op == DISPATCH:
                self._dispatch(payload)

    def _dispatch(self, payload: dict[str, Any]) -> None:
        if payload.get("s") is not None:
            self._seq = int(payload["s"])
        kind, data = payload.get("t"), payload.get("d") or {}
        if kind == "READY":
            self._session = (str(data["session_id"]), str(data["resume_gateway_url"]))
            self.ready.set()
            log.info("discord.gateway_ready")
        elif kind == "RESUMED":
            self.ready.set()
        elif kind == "MESSAGE_CREATE":
            parsed = parse_message_create(data)
            if parsed.events:
                try:
                    self._run(parsed)
                except Exception as exc:  # noqa: BLE001 - one bad event must not drop the link
                    log.warning("discord.gateway_event_failed", error=type(exc).__name__)
