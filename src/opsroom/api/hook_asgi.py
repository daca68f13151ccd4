"""Hook requests served straight from ASGI, ahead of FastAPI's middleware and routing.

The hook URL is the hot path: Starlette's middleware stack, router and request objects cost
about as much per request as parsing and storing the alert. `OpsroomApp` answers
`POST /api/v1/hooks/{kind}/{token}[/{rest}]` here with the same handler, answers and error
bodies as the documented routes in `hooks.py`; everything else goes to FastAPI.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI
from sqlalchemy.exc import OperationalError
from starlette.types import Receive, Scope, Send

from opsroom.api import hooks
from opsroom.api.errors import database_trouble, database_trouble_headers, error_body
from opsroom.errors import PayloadTooLargeError
from opsroom.jsonfast import dumps_bytes
from opsroom.logging import get_logger

log = get_logger(__name__)

# As Starlette matches `{kind}` and `{token}` (no slash) and `{rest:path}` (anything).
_HOOK_PATH = re.compile(r"/api/v1/hooks/([^/]+)/([^/]+)(?:/(.*))?")


class _DisconnectedError(Exception):
    """The client went away before its body arrived: nothing to store, nobody to answer."""


class OpsroomApp(FastAPI):
    """FastAPI, with hook deliveries taken before the middleware stack."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            match = _HOOK_PATH.fullmatch(_route_path(scope))
            if match is not None:
                scope["app"] = self
                kind, token, rest = match.group(1), match.group(2), match.group(3) or ""
                await serve_hook(self, scope, receive, send, kind, token, rest)
                return
        await super().__call__(scope, receive, send)


def _route_path(scope: Scope) -> str:
    """The path without the app's root path, as Starlette's router sees it."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root) and path[len(root) : len(root) + 1] == "/":
        return path[len(root) :]
    return path


async def serve_hook(
    app: FastAPI, scope: Scope, receive: Receive, send: Send, kind: str, token: str, rest: str
) -> None:
    # The last value of a repeated header or query parameter wins, as in `hooks.py`.
    headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}
    query = _query(scope.get("query_string", b""))

    async def read(limit: int) -> bytes:
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _DisconnectedError
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise PayloadTooLargeError(f"body is over the limit of {limit} bytes")
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    try:
        answer = await hooks.handle_hook(app.state, kind, token, rest, headers, query, read)
    except _DisconnectedError:
        return
    except (OperationalError, TimeoutError) as exc:  # as the app's handler (api/errors.py)
        code, message = database_trouble(exc)
        log.warning("api.database_error", path=scope["path"], code=code, error=str(exc)[:300])
        answer = hooks.HookAnswer(503, error_body(code, message), database_trouble_headers())
    except Exception as exc:  # as the app's handler for unexpected errors (api/errors.py)
        log.error(
            "api.unexpected_error", path=scope["path"], error=type(exc).__name__, exc_info=exc
        )
        answer = hooks.HookAnswer(500, error_body("internal_error", "an unexpected error occurred"))
    await _send_json(send, answer)


def _query(raw: bytes) -> dict[str, str]:
    if not raw:
        return {}
    return dict(parse_qsl(raw.decode("latin-1"), keep_blank_values=True))


async def _send_json(send: Send, answer: hooks.HookAnswer) -> None:
    body = dumps_bytes(answer.body)
    raw_headers: list[tuple[bytes, bytes]] = [
        (b"content-length", str(len(body)).encode("latin-1")),
        (b"content-type", b"application/json"),
    ]
    for name, value in (answer.headers or {}).items():
        raw_headers.append((name.lower().encode("latin-1"), value.encode("latin-1")))
    start: dict[str, Any] = {
        "type": "http.response.start",
        "status": answer.status,
        "headers": raw_headers,
    }
    await send(start)
    await send({"type": "http.response.body", "body": body})
