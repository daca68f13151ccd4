"""Hook deliveries are served ahead of FastAPI's middleware, with the same answers."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import Request, Response
from fastapi.testclient import TestClient
from sqlalchemy import select

from opsroom.alert.tables import AlertRow
from opsroom.api.app import create_app
from tests.conftest import Api
from tests.integration.payloads import alertmanager


def test_hook_posts_skip_the_middleware_stack_and_other_requests_do_not(
    api: Api, hook: Any
) -> None:
    app = create_app(api.container, run_worker=False)
    seen: list[str] = []

    @app.middleware("http")
    async def record(request: Request, call_next: Any) -> Response:
        seen.append(request.url.path)
        response: Response = await call_next(request)
        return response

    client = TestClient(app)
    url = hook()
    try:
        assert client.post(url, json=alertmanager()).status_code == 202
        assert client.get("/healthz").status_code == 200
        assert client.get(url).status_code == 405  # other methods take the usual way
    finally:
        app.state.committer.stop()
    assert seen == ["/healthz", url]


def test_answers_and_errors_have_the_documented_shape(api: Api, hook: Any) -> None:
    url = hook()
    accepted = api.client.post(url, json=alertmanager())
    assert accepted.headers["content-type"] == "application/json"
    assert accepted.json() == {
        "status": "accepted",
        "integration": "prod",
        "received": 1,
        "created": 1,
        "updated": 0,
        "deduplicated": 0,
    }
    missing = api.client.post(url.rsplit("/", 1)[0] + "/no-such-token", json=alertmanager())
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    bad = api.client.post(url, content=b"{", headers={"content-type": "application/json"})
    assert bad.status_code == 400
    assert bad.json()["error"]["message"].startswith("body is not valid JSON")


def test_a_huge_integer_in_a_payload_is_stored_exactly(api: Api, hook: Any) -> None:
    payload = alertmanager()
    payload["alerts"][0]["value"] = 123456789012345678901234567890
    response = api.client.post(hook(), content=json.dumps(payload).encode())
    assert response.status_code == 202, response.text
    with api.container.uow() as uow:
        [row] = uow.session.scalars(select(AlertRow)).all()
        assert row.raw["value"] == 123456789012345678901234567890


def test_a_sender_gone_before_its_body_arrives_stores_nothing(api: Api, hook: Any) -> None:
    app = create_app(api.container, run_worker=False)
    url = hook()
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": url,
        "root_path": "",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json")],
    }
    asyncio.run(app(scope, receive, send))
    assert sent == []
    with api.container.uow() as uow:
        assert uow.session.scalars(select(AlertRow)).all() == []
