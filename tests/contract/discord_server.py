"""A local Discord contract server: REST API v10 under /api/v10 (routes in discord_api.py),
`GET /gateway/bot`, and a Gateway WebSocket that opsroom's gateway client connects to.

It checks the method and path, `Authorization: Bot <token>` (interaction webhooks need
none), the User-Agent Discord requires, and each route's fields and limits; it answers with
the documented objects and error bodies, sends X-RateLimit-* headers on every answer, and
can inject faults per route: `ratelimited` (429 + Retry-After + `retry_after` in the body),
`exhausted` (an answer with X-RateLimit-Remaining: 0), 5xx and slow replies.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.contract import cli
from tests.contract.discord_api import (
    ALERTS_ID,
    INCIDENTS_ID,
    DiscordError,
    Guild,
    match,
)
from tests.contract.discord_gateway import GatewayServer

BOT_TOKEN = "MTAwMDAwMDAwMDAwMDAwMDAz.test-token.not-real"
_UNESCAPE = re.compile(r"\\([^\w\s])")


@dataclass
class Fault:
    kind: str  # ratelimited | global | exhausted | 5xx | slow
    retry_after: float = 1.0
    delay: float = 0.0


@dataclass
class Call:
    method: str
    route: str
    path: str
    body: Any
    status: int
    code: int | None
    headers: dict[str, str]


@dataclass
class DiscordContractServer:
    url: str = ""
    guild: Guild = field(default_factory=Guild)
    calls: list[Call] = field(default_factory=list)
    faults: dict[str, list[Fault]] = field(default_factory=dict)
    gateway: GatewayServer | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def api(self) -> str:
        return f"{self.url}/api/v10"

    def inject(self, route: str, kind: str, *, times: int = 1, **options: Any) -> None:
        """A fault for the next calls of `route`, e.g. "POST /channels/{id}/messages"."""
        with self.lock:
            self.faults.setdefault(route, []).extend(Fault(kind, **options) for _ in range(times))

    def ok(self, route: str) -> list[Call]:
        return [c for c in self.calls if c.route == route and c.status < 300]

    def messages(self, channel_id: str) -> list[str]:
        """The bot's messages in a channel as a person reads them (markdown escapes undone)."""
        return [shown(m) for m in self.guild.channel(channel_id).messages]

    def thread_named(self, name: str) -> Any:
        return next(c for c in self.guild.channels.values() if c.name == name)

    def handle(
        self, method: str, path: str, headers: dict[str, str], body: Any
    ) -> tuple[int, Any, dict[str, str]]:
        found = match(method, path)
        if found is None:
            return 404, {"message": "404: Not Found", "code": 0}, {}
        route, handler, ids = found
        status, answer, extra = self._answer(route, handler, ids, headers, body)
        code = answer.get("code") if isinstance(answer, dict) and status >= 400 else None
        with self.lock:
            self.calls.append(Call(method, route, path, body, status, code, headers))
        return status, answer, {**_bucket(route, ids), **extra}

    def _answer(
        self, route: str, handler: Any, ids: list[str], headers: dict[str, str], body: Any
    ) -> tuple[int, Any, dict[str, str]]:
        webhook = route.startswith("PATCH /webhooks/")
        if not webhook and headers.get("authorization") != f"Bot {BOT_TOKEN}":
            return 401, {"message": "401: Unauthorized", "code": 0}, {}
        if not headers.get("user-agent", "").startswith("DiscordBot ("):
            return 400, {"message": "User-Agent must be DiscordBot ($url, $version)", "code": 0}, {}
        with self.lock:
            pending = self.faults.get(route)
            fault = pending.pop(0) if pending else None
        if fault is not None:
            if fault.kind == "slow":
                time.sleep(fault.delay)
            elif fault.kind != "exhausted":
                return _fault(fault)
        try:
            with self.lock:
                result = handler(self.guild, ids, body)
        except DiscordError as exc:
            return exc.status, exc.body(), {}
        extra = {}
        if fault is not None and fault.kind == "exhausted":
            extra = {
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset-After": str(fault.retry_after),
            }
        return (204, None, extra) if result is None else (200, result, extra)


def _fault(fault: Fault) -> tuple[int, Any, dict[str, str]]:
    if fault.kind in ("ratelimited", "global"):
        body = {
            "message": "You are being rate limited.",
            "retry_after": fault.retry_after,
            "global": fault.kind == "global",
        }
        headers = {
            "Retry-After": str(int(fault.retry_after + 0.999)),
            "X-RateLimit-Scope": "global" if fault.kind == "global" else "user",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset-After": str(fault.retry_after),
        }
        return 429, body, headers
    return 502, {"message": "502: Bad Gateway", "code": 0}, {}


def _bucket(route: str, ids: list[str]) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": "5",
        "X-RateLimit-Remaining": "4",
        "X-RateLimit-Reset-After": "1.000",
        "X-RateLimit-Bucket": f"b{abs(hash(route)) % 10**8:08x}",
    }


def shown(message: dict[str, Any]) -> str:
    """What Discord shows of a message: content, embed description, fields and footer."""
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts.append(embed.get("description", ""))
        parts.extend(f"{f['name']}: {f['value']}" for f in embed.get("fields") or [])
        parts.append((embed.get("footer") or {}).get("text", ""))
    text = "\n".join(part for part in parts if part)
    return _UNESCAPE.sub(r"\1", text).replace("\u2060", "")


def _handler(server: DiscordContractServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            if self.path.split("?")[0] == "/api/v10/gateway/bot":
                if self.headers.get("Authorization") != f"Bot {BOT_TOKEN}":
                    self._send(401, {"message": "401: Unauthorized", "code": 0}, {})
                    return
                assert server.gateway is not None
                limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
                answer = {"url": server.gateway.url, "shards": 1, "session_start_limit": limit}
                self._send(200, answer, {})
                return
            self._route("GET")

        def do_POST(self) -> None:
            self._route("POST")

        def do_PATCH(self) -> None:
            self._route("PATCH")

        def do_PUT(self) -> None:
            self._route("PUT")

        def do_DELETE(self) -> None:
            self._route("DELETE")

        def _route(self, method: str) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            path = self.path.split("?")[0]
            if not path.startswith("/api/v10/"):
                self._send(404, {"message": "404: Not Found", "code": 0}, {})
                return
            if raw and not self.headers.get("Content-Type", "").startswith("application/json"):
                self._send(400, {"message": "Content-Type must be application/json", "code": 0}, {})
                return
            body = json.loads(raw) if raw else None
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, answer, extra = server.handle(method, path[len("/api/v10") :], headers, body)
            self._send(status, answer, extra)

        def _send(self, status: int, body: Any, headers: dict[str, str]) -> None:
            data = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            if body is not None:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler


@contextmanager
def running_discord(port: int = 0) -> Iterator[DiscordContractServer]:
    """The contract server on free loopback ports, with #alerts and #incidents."""
    state = DiscordContractServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", port), _handler(state))
    httpd.daemon_threads = True
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    state.guild.add_channel(ALERTS_ID, "alerts")
    state.guild.add_channel(INCIDENTS_ID, "incidents")
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    with GatewayServer(BOT_TOKEN) as gateway:
        state.gateway = gateway
        try:
            yield state
        finally:
            httpd.shutdown()
            httpd.server_close()


def main(argv: list[str] | None = None) -> None:
    """Run the stand-in by hand: `python -m tests.contract.discord_server --port N`."""
    port = cli.port_of(
        "discord_server", "A local stand-in for Discord's REST API and Gateway", argv
    )
    with running_discord(port) as server:
        cli.serve(
            [
                f"Discord REST API at {server.api} (chat.discord.api_url)",
                f"Gateway at {server.gateway.url} (chat.discord.gateway_url)",
                f"bot token: {BOT_TOKEN}",
                f"channels: {ALERTS_ID} (#alerts), {INCIDENTS_ID} (#incidents)",
            ]
        )


if __name__ == "__main__":
    main()
