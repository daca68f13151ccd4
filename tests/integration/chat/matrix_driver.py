"""Matrix's driver for the scripted incident, against a real Synapse: people talk in rooms
through the client-server API; Synapse pushes the events to opsroom as application-service
transactions, and what people see is read back from the homeserver.

The forwarder is the address in opsroom's registration on the homeserver: it hands each
transaction, unchanged, to the opsroom app of the test that is running (one Synapse serves
the whole session), and answers 200 when no test is running.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select

from opsroom.bootstrap import Container
from opsroom.chat.tables import ChatDeliveryRow
from tests.e2e.synapse import AS_TOKEN, BOT, SERVER_NAME, Synapse

T = TypeVar("T")
WAIT = 30.0
_txn = itertools.count(1)


class AppserviceForwarder:
    def __init__(self) -> None:
        self.client: TestClient | None = None
        self.lock = threading.Lock()
        self.received = 0
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def forward(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> Any:
        with self.lock:
            client = self.client
            self.received += 1
            if client is None:
                return 200, b"{}"
            response = client.request(method, path, content=body, headers=headers)
            return response.status_code, response.content

    @contextmanager
    def serving(self, client: TestClient) -> Iterator[None]:
        with self.lock:
            self.client = client
        try:
            yield
        finally:
            with self.lock:
                self.client = None

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def _handler(forwarder: AppserviceForwarder) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _relay(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {
                name: value
                for name, value in self.headers.items()
                if name.lower() in ("authorization", "content-type")
            }
            status, data = forwarder.forward(self.command, self.path, body, headers)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_PUT(self) -> None:
            self._relay()

        def do_POST(self) -> None:
            self._relay()

    return Handler


class MatrixDriver:
    platform = "matrix"

    def __init__(
        self, container: Container, synapse: Synapse, alerts_room: str, incidents_room: str
    ) -> None:
        self.container = container
        self.synapse = synapse
        self.alerts_room = alerts_room
        self.incidents_room = incidents_room
        self.bot = synapse.client(AS_TOKEN)
        self._joined: set[tuple[str, str]] = set()

    def user(self, name: str) -> httpx.Client:
        return self.synapse.client(self.synapse.register(name))

    def join(self, user: str, room: str) -> None:
        if (user, room) not in self._joined:
            response = self.user(user).post(f"/join/{quote(room)}")
            assert response.status_code == 200, response.text
            self._joined.add((user, room))

    def invite_bot(self, room: str, *, by: str) -> None:
        response = self.user(by).post(f"/rooms/{quote(room)}/invite", json={"user_id": BOT})
        assert response.status_code == 200, response.text
        member = f"/rooms/{quote(room)}/state/m.room.member/{quote(BOT)}"

        def joined() -> bool:
            state = self.user(by).get(member)
            return state.status_code == 200 and state.json().get("membership") == "join"

        self.wait(joined, f"the bot to accept the invitation to {room}")

    def send(self, room: str, text: str, *, user: str, **content: Any) -> httpx.Response:
        self.join(user, room)
        body = {"msgtype": "m.text", "body": text, **content}
        path = f"/rooms/{quote(room)}/send/m.room.message/opsroom-test-{next(_txn)}"
        return self.user(user).put(path, json=body)

    def command(self, room: str, text: str, *, user: str) -> str:
        event_id = self.say_event(room, text, user=user)
        reply = self.wait(lambda: self._reply_to(room, event_id), f"a reply to {text!r}")
        return reply

    def say(self, room: str, text: str, *, user: str) -> None:
        self.say_event(room, text, user=user)

    def say_event(self, room: str, text: str, *, user: str) -> str:
        response = self.send(room, text, user=user)
        assert response.status_code == 200, response.text
        event_id = str(response.json()["event_id"])
        self.wait(lambda: self.handled(event_id), f"opsroom to receive {text!r}")
        return event_id

    def handled(self, event_id: str) -> bool:
        with self.container.uow() as uow:
            query = select(ChatDeliveryRow.id).where(
                ChatDeliveryRow.platform == "matrix", ChatDeliveryRow.event_id == event_id
            )
            return uow.session.scalar(query) is not None

    def wait(self, found: Callable[[], T | None], what: str) -> T:
        """Run the worker until `found` returns something (the homeserver pushes on its own)."""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            self.container.worker().drain()
            result = found()
            if result:
                return result
            time.sleep(0.05)
        raise AssertionError(f"waited {WAIT:.0f} s for {what}")

    def events(self, room: str) -> list[dict[str, Any]]:
        """The room's message events, oldest first (read as the bot, who is in every room)."""
        response = self.bot.get(f"/rooms/{quote(room)}/messages", params={"dir": "b", "limit": 500})
        assert response.status_code == 200, response.text
        chunk = response.json()["chunk"]
        return [e for e in reversed(chunk) if e["type"] == "m.room.message"]

    def _reply_to(self, room: str, event_id: str) -> str | None:
        for event in self.events(room):
            relation = event["content"].get("m.relates_to", {})
            if relation.get("m.in_reply_to", {}).get("event_id") == event_id:
                return str(event["content"]["body"])
        return None

    def mention(self, user: str) -> str:
        return f"@{user}:{SERVER_NAME}"

    def room_of(self, incident: int) -> str:
        with self.container.uow() as uow:
            row = uow.chat.room_on(incident, "matrix")
            assert row is not None and row.room_id, "no Matrix room for the incident"
            return row.room_id

    def messages(self, room: str) -> list[str]:
        return [str(e["content"]["body"]) for e in self.events(room) if e["sender"] == BOT]

    def state(self, room: str, kind: str) -> dict[str, Any]:
        response = self.bot.get(f"/rooms/{quote(room)}/state/{kind}")
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def topic(self, room: str) -> str:
        return str(self.state(room, "m.room.topic").get("topic", ""))

    def is_archived(self, room: str) -> bool:
        levels = self.state(room, "m.room.power_levels")
        name = str(self.state(room, "m.room.name").get("name", ""))
        return int(levels.get("events_default", 0)) > 50 and name.startswith("[closed]")
