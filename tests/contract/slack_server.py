"""A local Slack contract server: the Web API (`POST /api/<method>`) and `response_url`s
(`POST /response/<id>`), written from the published reference, for slack_sdk to talk to.

It checks the method (POST), the path, the `Authorization: Bearer xoxb-...` header and each
method's required fields, answers `{"ok": true, ...}` or `{"ok": false, "error": "..."}` with
HTTP 200 as Slack does, and can inject faults per method: `ratelimited` (HTTP 429 with
Retry-After), `name_taken`, `is_archived`, `channel_not_found`, 5xx and slow replies.
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
from urllib.parse import parse_qsl

from tests.contract import cli
from tests.contract.slack_methods import METHODS, SlackError, Workspace

BOT_TOKEN = "xoxb-0000000000-test-token-not-real"
APP_TOKEN = "xapp-1-A000-test-app-token-not-real"


@dataclass
class Fault:
    kind: str  # ratelimited | name_taken | is_archived | channel_not_found | 5xx | slow
    retry_after: int = 1
    delay: float = 0.0


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    status: int
    error: str | None


@dataclass
class SlackContractServer:
    url: str = ""
    workspace: Workspace = field(default_factory=Workspace)
    calls: list[Call] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)
    faults: dict[str, list[Fault]] = field(default_factory=dict)
    socket_url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def inject(self, method: str, kind: str, *, times: int = 1, **options: Any) -> None:
        with self.lock:
            self.faults.setdefault(method, []).extend(Fault(kind, **options) for _ in range(times))

    def _fault(self, method: str) -> Fault | None:
        with self.lock:
            pending = self.faults.get(method)
            return pending.pop(0) if pending else None

    def ok_calls(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.error is None]

    def messages(self, channel_id: str) -> list[str]:
        return [m["text"] for m in self.workspace.channels[channel_id].messages]

    def channel_named(self, name: str) -> Any:
        return next(c for c in self.workspace.channels.values() if c.name == name)

    def handle(
        self, method: str, token: str, params: dict[str, Any]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        fault = self._fault(method)
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay)
            fault = None
        status, body, headers = self._answer(method, token, params, fault)
        with self.lock:
            self.calls.append(
                Call(method, params, status, None if body.get("ok") else body.get("error"))
            )
        return status, body, headers

    def _answer(
        self, method: str, token: str, params: dict[str, Any], fault: Fault | None
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        expected = APP_TOKEN if method == "apps.connections.open" else BOT_TOKEN
        if not token:
            return 200, {"ok": False, "error": "not_authed"}, {}
        if token != expected:
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        if fault is not None:
            if fault.kind == "ratelimited":
                return (
                    429,
                    {"ok": False, "error": "ratelimited"},
                    {"Retry-After": str(fault.retry_after)},
                )
            if fault.kind == "5xx":
                return 503, {"ok": False, "error": "service_unavailable"}, {}
            return 200, {"ok": False, "error": fault.kind}, {}
        if method == "apps.connections.open":
            return 200, {"ok": True, "url": self.socket_url}, {}
        handler = METHODS.get(method)
        if handler is None:
            return 200, {"ok": False, "error": "unknown_method"}, {}
        try:
            with self.lock:
                return 200, handler(self.workspace, params), {}
        except SlackError as exc:
            return exc.status, {"ok": False, "error": exc.error}, {}


def _handler(server: SlackContractServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            self._send(405, {"ok": False, "error": "method_not_allowed"}, {})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if self.path.startswith("/response/"):
                server.responses.append({"path": self.path, **json.loads(raw or b"{}")})
                self._send(200, "ok", {})
                return
            if not self.path.startswith("/api/"):
                self._send(404, {"ok": False, "error": "not_found"}, {})
                return
            method = self.path[len("/api/") :].split("?")[0]
            auth = self.headers.get("Authorization", "")
            token = auth[len("Bearer ") :] if auth.startswith("Bearer ") else ""
            status, body, headers = server.handle(method, token, self._params(raw))
            self._send(status, body, headers)

        def _params(self, raw: bytes) -> dict[str, Any]:
            kind = self.headers.get("Content-Type", "")
            if kind.startswith("application/json"):
                loaded = json.loads(raw or b"{}")
                return loaded if isinstance(loaded, dict) else {}
            return dict(parse_qsl(raw.decode(), keep_blank_values=True))

        def _send(self, status: int, body: Any, headers: dict[str, str]) -> None:
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            self.send_response(status)
            kind = "text/plain" if isinstance(body, str) else "application/json; charset=utf-8"
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler


@contextmanager
def running_slack(port: int = 0) -> Iterator[SlackContractServer]:
    """The contract server on a free loopback port, with #alerts and #incidents."""
    state = SlackContractServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", port), _handler(state))
    httpd.daemon_threads = True
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    state.workspace.add_channel("C0ALERTS", "alerts")
    state.workspace.add_channel("C0INCIDENTS", "incidents")
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


def main(argv: list[str] | None = None) -> None:
    """Run the stand-in by hand: `python -m tests.contract.slack_server --port N`."""
    port = cli.port_of(
        "slack_server",
        "A local stand-in for Slack's Web API (the contract the tests run against)",
        argv,
    )
    with running_slack(port) as server:
        cli.serve(
            [
                f"Slack Web API at {server.url}/api/ (chat.slack.api_url)",
                f"bot token: {BOT_TOKEN}",
                "channels: C0ALERTS (#alerts), C0INCIDENTS (#incidents)",
            ]
        )


if __name__ == "__main__":
    main()
