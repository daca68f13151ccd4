"""A local Mattermost contract server: REST API v4 under /api/v4 and slash-command
`response_url`s (POST /hooks/commands/<id>), for opsroom's httpx client to talk to.

It checks the method and path, the `Authorization: Bearer <bot token>` header and each
route's required fields (see mattermost_api.py), answers with the documented bodies and
error format, and can inject faults per route (`"POST /posts"`): `ratelimited` (429 with
X-Ratelimit-* and Retry-After), `name_taken`, `archived`, `5xx` and `slow` replies.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.contract import cli
from tests.contract.mattermost_api import ROUTES, ApiError, Server

BOT_TOKEN = "mattermost-bot-token-for-tests"
FAULT_ERRORS = {
    "name_taken": ApiError(
        400,
        "store.sql_channel.save_channel.exists.app_error",
        "A channel with that name already exists on the same team.",
    ),
    "archived": ApiError(
        400,
        "api.post.create_post.can_not_post_to_deleted.error",
        "Can not post to deleted channel.",
    ),
}


@dataclass
class Fault:
    kind: str  # ratelimited | name_taken | archived | 5xx | slow
    retry_after: int | None = 1
    reset: int = 1
    delay: float = 0.0


@dataclass
class Call:
    route: str
    body: Any
    status: int
    error: str


@dataclass
class MattermostContractServer:
    url: str = ""
    state: Server = field(default_factory=Server)
    calls: list[Call] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)
    faults: dict[str, list[Fault]] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def inject(self, route: str, kind: str, *, times: int = 1, **options: Any) -> None:
        with self.lock:
            self.faults.setdefault(route, []).extend(Fault(kind, **options) for _ in range(times))

    def ok_calls(self, route: str) -> list[Call]:
        return [c for c in self.calls if c.route == route and c.status < 400]

    def handle(
        self, method: str, path: str, token: str, body: Any
    ) -> tuple[int, Any, dict[str, str]]:
        split = urlsplit(path)
        route = f"{method} {_route_name(split.path)}"
        with self.lock:
            pending = self.faults.get(route)
            fault = pending.pop(0) if pending else None
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay)
            fault = None
        status, answer, headers = self._answer(method, split, token, body, fault)
        with self.lock:
            error = answer.get("id", "") if isinstance(answer, dict) and status >= 400 else ""
            self.calls.append(Call(route, body, status, str(error)))
        return status, answer, headers

    def _answer(
        self, method: str, split: Any, token: str, body: Any, fault: Fault | None
    ) -> tuple[int, Any, dict[str, str]]:
        if token != BOT_TOKEN:
            error = ApiError(
                401,
                "api.context.session_expired.app_error",
                "Invalid or expired session, please login again.",
            )
            return 401, error.body(), {}
        if fault is not None:
            return _fault(fault)
        path = split.path.removeprefix("/api/v4")
        for route_method, pattern, handler in ROUTES:
            match = pattern.match(path)
            if match and route_method == method:
                try:
                    with self.lock:
                        if handler.__name__ == "channel_posts":
                            since = int(parse_qs(split.query).get("since", ["0"])[0])
                            return (*handler(self.state, body, match, since), {})
                        return (*handler(self.state, body, match), {})
                except ApiError as exc:
                    return exc.status, exc.body(), {}
        error = ApiError(404, "api.context.404.app_error", "Sorry, we could not find the page.")
        return 404, error.body(), {}


def _route_name(path: str) -> str:
    """`/api/v4/channels/<26 chars>/patch` -> `/channels/{id}/patch`, for faults and calls."""
    parts = path.removeprefix("/api/v4").split("/")
    return "/".join("{id}" if len(p) == 26 else p for p in parts)


def _fault(fault: Fault) -> tuple[int, Any, dict[str, str]]:
    if fault.kind == "ratelimited":
        headers = {
            "X-Ratelimit-Limit": "10",
            "X-Ratelimit-Remaining": "0",
            "X-Ratelimit-Reset": str(fault.reset),
        }
        if fault.retry_after is not None:
            headers["Retry-After"] = str(fault.retry_after)
        return 429, "limit exceeded\n", headers
    if fault.kind == "5xx":
        error = ApiError(503, "api.server.unavailable", "The server is temporarily unavailable.")
        return 503, error.body(), {}
    error = FAULT_ERRORS[fault.kind]
    return error.status, error.body(), {}


def _handler(server: MattermostContractServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _body(self) -> Any:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            return json.loads(raw) if raw else None

        def _serve(self) -> None:
            body = self._body()
            if self.path.startswith("/hooks/commands/"):
                server.responses.append({"path": self.path, **(body or {})})
                self._send(200, {}, {})
                return
            if not self.path.startswith("/api/v4/"):
                self._send(404, {"id": "api.context.404.app_error", "status_code": 404}, {})
                return
            auth = self.headers.get("Authorization", "")
            token = auth[len("Bearer ") :] if auth.startswith("Bearer ") else ""
            self._send(*server.handle(self.command, self.path, token, body))

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def do_PUT(self) -> None:
            self._serve()

        def do_DELETE(self) -> None:
            self._serve()

        def _send(self, status: int, body: Any, headers: dict[str, str]) -> None:
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            self.send_response(status)
            kind = "text/plain" if isinstance(body, str) else "application/json"
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            try:
                self.wfile.write(data)
            except BrokenPipeError:  # the client gave up waiting (a `slow` fault)
                return

    return Handler


@contextmanager
def running_mattermost(port: int = 0) -> Iterator[MattermostContractServer]:
    """The contract server on a free loopback port, with ~alerts and ~incidents."""
    state = MattermostContractServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", port), _handler(state))
    httpd.daemon_threads = True
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    for name in ("alerts", "incidents"):
        state.state.add_channel(name)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


def main(argv: list[str] | None = None) -> None:
    """Run the stand-in by hand: `python -m tests.contract.mattermost_server --port N`."""
    port = cli.port_of("mattermost_server", "A local stand-in for Mattermost's REST API v4", argv)
    with running_mattermost(port) as server:
        cli.serve([f"Mattermost at {server.url} (chat.mattermost.url)", f"bot token: {BOT_TOKEN}"])


if __name__ == "__main__":
    main()
