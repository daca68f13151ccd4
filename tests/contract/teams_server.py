"""A local Microsoft contract server for Teams: the Entra token endpoint (/login), the Bot
Framework OpenID metadata and JWKS (/openid), the Bot Connector (/connector/v3/...) and
Microsoft Graph (/graph/v1.0/...); routes and their checks are in teams_api.py.

It checks method and path, `Authorization: Bearer <token>` with a token it issued for the
right scope (api.botframework.com for the connector, graph.microsoft.com for Graph), the
required fields and the card size, answers the documented bodies, and can inject faults per
route: `ratelimited` (429 + Retry-After), 5xx and slow replies. It also signs inbound
activities as the Bot Framework does: RS256 JWTs with a key it serves in its JWKS.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.contract import cli
from tests.contract.teams_api import (
    ALERTS,
    APP_ID,
    APP_PASSWORD,
    INCIDENTS,
    MsError,
    Team,
    match,
    shown,
)

ISSUER = "https://api.botframework.com"
KEY_ID = "opsroom-test-key-1"
SCOPES = {
    "connector": "https://api.botframework.com/.default",
    "graph": "https://graph.microsoft.com/.default",
}


@dataclass
class Fault:
    kind: str  # ratelimited | 5xx | slow
    retry_after: int = 1
    delay: float = 0.0


@dataclass
class Call:
    method: str
    route: str
    body: Any
    status: int
    code: str | None
    headers: dict[str, str]


@dataclass
class TeamsContractServer:
    url: str = ""
    team: Team = field(default_factory=Team)
    calls: list[Call] = field(default_factory=list)
    faults: dict[str, list[Fault]] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # access token -> scope
    key: rsa.RSAPrivateKey = field(default_factory=lambda: rsa.generate_private_key(65537, 2048))
    endorsements: list[str] = field(default_factory=lambda: ["msteams", "webchat"])
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def service_url(self) -> str:
        return f"{self.url}/connector/"

    def inject(self, route: str, kind: str, *, times: int = 1, **options: Any) -> None:
        with self.lock:
            self.faults.setdefault(route, []).extend(Fault(kind, **options) for _ in range(times))

    def ok(self, route: str) -> list[Call]:
        return [c for c in self.calls if c.route == route and c.status < 300]

    def sign(
        self,
        claims: dict[str, Any] | None = None,
        *,
        key: rsa.RSAPrivateKey | None = None,
        kid: str = KEY_ID,
    ) -> str:
        """A Bot Framework token for an activity sent to opsroom."""
        now = int(time.time())
        base = {
            "iss": ISSUER,
            "aud": APP_ID,
            "nbf": now - 10,
            "exp": now + 3600,
            "serviceurl": self.service_url,
        }
        return jwt.encode(
            {**base, **(claims or {})}, key or self.key, algorithm="RS256", headers={"kid": kid}
        )

    def jwks(self) -> dict[str, Any]:
        public = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        return {
            "keys": [{**public, "kid": KEY_ID, "use": "sig", "endorsements": self.endorsements}]
        }

    def thread(self, room: str) -> list[dict[str, Any]]:
        channel, root = self.team.locate(room)
        if root is not None:
            return channel.posts[root]
        return [activity for thread in channel.posts.values() for activity in thread]

    def messages(self, room: str) -> list[str]:
        return [shown(activity) for activity in self.thread(room)]

    def token(self, form: dict[str, str]) -> tuple[int, Any]:
        if form.get("grant_type") != "client_credentials" or form.get("client_id") != APP_ID:
            return 400, {
                "error": "unauthorized_client",
                "error_description": "AADSTS700016: Application not found.",
            }
        if form.get("client_secret") != APP_PASSWORD:
            return 401, {
                "error": "invalid_client",
                "error_description": "AADSTS7000215: Invalid client secret provided.",
            }
        if form.get("scope") not in SCOPES.values():
            return 400, {
                "error": "invalid_scope",
                "error_description": "AADSTS70011: The provided value for scope is not valid.",
            }
        access = secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[access] = form["scope"]
        return 200, {
            "token_type": "Bearer",
            "expires_in": 3599,
            "ext_expires_in": 3599,
            "access_token": access,
        }

    def handle(
        self, method: str, service: str, parts: list[str], headers: dict[str, str], body: Any
    ) -> tuple[int, Any, dict[str, str]]:
        found = match(method, service, parts)
        if found is None:
            return 404, {"error": {"code": "NotFound", "message": "Resource not found"}}, {}
        route, handler, ids = found
        status, answer, extra = self._answer(service, route, handler, ids, headers, body)
        code = (answer.get("error") or {}).get("code") if isinstance(answer, dict) else None
        with self.lock:
            self.calls.append(Call(method, route, body, status, code, headers))
        return status, answer, extra

    def _answer(
        self,
        service: str,
        route: str,
        handler: Any,
        ids: list[str],
        headers: dict[str, str],
        body: Any,
    ) -> tuple[int, Any, dict[str, str]]:
        auth = headers.get("authorization", "")
        scope = (
            self.tokens.get(auth.removeprefix("Bearer ")) if auth.startswith("Bearer ") else None
        )
        if scope != SCOPES[service]:
            return (
                401,
                {
                    "error": {
                        "code": "Unauthorized",
                        "message": "Authorization has been denied for this request.",
                    }
                },
                {},
            )
        with self.lock:
            pending = self.faults.get(route)
            fault = pending.pop(0) if pending else None
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay)
        elif fault is not None and fault.kind == "ratelimited":
            error = {"error": {"code": "TooManyRequests", "message": "Too many requests"}}
            return 429, error, {"Retry-After": str(fault.retry_after)}
        elif fault is not None:
            return (
                503,
                {"error": {"code": "ServiceUnavailable", "message": "Service unavailable"}},
                {},
            )
        try:
            with self.lock:
                status, answer = handler(self.team, ids, body)
        except MsError as exc:
            return exc.status, exc.body(), {}
        return status, answer, {}


def _handler(server: TeamsContractServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            if path == "/openid/.well-known/openidconfiguration":
                metadata = {
                    "issuer": ISSUER,
                    "authorization_endpoint": f"{server.url}/openid/authorize",
                    "jwks_uri": f"{server.url}/openid/keys",
                    "id_token_signing_alg_values_supported": ["RS256"],
                    "token_endpoint_auth_methods_supported": ["private_key_jwt"],
                }
                self._send(200, metadata, {})
            elif path == "/openid/keys":
                self._send(200, server.jwks(), {})
            else:
                self._send(404, {"error": {"code": "NotFound", "message": path}}, {})

        def do_POST(self) -> None:
            self._route("POST")

        def do_PUT(self) -> None:
            self._route("PUT")

        def do_PATCH(self) -> None:
            self._route("PATCH")

        def _route(self, method: str) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            parts = [unquote(p) for p in self.path.split("?")[0].strip("/").split("/")]
            if parts[:1] == ["login"] and parts[2:] == ["oauth2", "v2.0", "token"]:
                status, answer = server.token(dict(parse_qsl(raw.decode())))
                self._send(status, answer, {})
                return
            services = {"connector": 1, "graph": 2}  # /connector/..., /graph/v1.0/...
            service = parts[0] if parts and parts[0] in services else ""
            if not service or (service == "graph" and parts[1:2] != ["v1.0"]):
                self._send(404, {"error": {"code": "NotFound", "message": self.path}}, {})
                return
            body = json.loads(raw) if raw else {}
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, answer, extra = server.handle(
                method, service, parts[services[service] :], headers, body
            )
            self._send(status, answer, extra)

        def _send(self, status: int, body: Any, headers: dict[str, str]) -> None:
            data = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            if body is not None:
                self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler


@contextmanager
def running_teams(port: int = 0) -> Iterator[TeamsContractServer]:
    """The contract server on a free loopback port, with #alerts and #incidents."""
    state = TeamsContractServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", port), _handler(state))
    httpd.daemon_threads = True
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    state.team.add_channel(ALERTS, "Alerts")
    state.team.add_channel(INCIDENTS, "Incidents")
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


def main(argv: list[str] | None = None) -> None:
    """Run the stand-in by hand: `python -m tests.contract.teams_server --port N`."""
    port = cli.port_of(
        "teams_server",
        "A local stand-in for the Bot Framework Connector, its login and Microsoft Graph",
        argv,
    )
    with running_teams(port) as server:
        cli.serve(
            [
                f"Teams stand-in at {server.url}: point chat.teams service_url, login_url,",
                "graph_url and openid_metadata_url at it (see the Teams README)",
                f"channels: {ALERTS} (Alerts), {INCIDENTS} (Incidents)",
            ]
        )


if __name__ == "__main__":
    main()
