"""Tokens, sign-in, the CSRF guard on cookie writes, health, readiness, metrics, OpenAPI."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import Api


def sign_in(client: TestClient, name: str, password: str) -> int:
    response = client.post(
        "/login", data={"username": name, "password": password}, follow_redirects=False
    )
    assert response.status_code == 303
    location = response.headers["location"]
    return 0 if location.startswith("/login") else 1


def test_unknown_bearer_token_is_401(api: Api) -> None:
    response = api.client.get("/api/v1/incidents", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "unknown or revoked API token"


def test_wrong_scheme_is_401(api: Api) -> None:
    response = api.client.get("/api/v1/incidents", headers={"Authorization": "Basic eDp5"})
    assert response.status_code == 401


def test_messages_are_posted_as_the_tokens_user(api: Api) -> None:
    result = api.say("alerts", "hello from the API")
    assert result["message"]["author"] == "alice"
    assert api.get("/api/v1/me").json() == {"name": "alice", "role": "responder"}


def test_web_page_requires_sign_in(api: Api) -> None:
    response = api.client.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    room = api.client.get("/rooms/alerts", follow_redirects=False)
    assert room.headers["location"] == "/login?next=/rooms/alerts"


def test_wrong_password_does_not_sign_in(api: Api) -> None:
    assert sign_in(api.client, "alice", "wrong-password") == 0
    assert api.client.get("/api/v1/me").status_code == 401


def test_signed_in_page_reads_and_writes_with_the_csrf_header(api: Api) -> None:
    assert sign_in(api.client, "alice", "alice-password") == 1
    page = api.client.get("/")
    assert page.status_code == 200
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert api.client.get("/api/v1/me").json()["name"] == "alice"
    refused = api.client.post("/api/v1/rooms/alerts/messages", json={"text": "hi"})
    assert refused.status_code == 403
    accepted = api.client.post(
        "/api/v1/rooms/alerts/messages",
        json={"text": "hi"},
        headers={"X-Requested-With": "opsroom"},
    )
    assert accepted.status_code == 201
    assert accepted.json()["message"]["author"] == "alice"


def test_login_never_redirects_off_site(api: Api) -> None:
    for target in ("//evil.example.test", "/\\evil.example.test", "https://evil.example.test"):
        response = api.client.post(
            f"/login?next={target}",
            data={"username": "alice", "password": "alice-password"},
            follow_redirects=False,
        )
        assert response.headers["location"] == "/"


def test_static_assets_are_served(api: Api) -> None:
    assert api.client.get("/static/room.js").status_code == 200
    assert api.client.get("/login").status_code == 200


def test_health_ready_metrics_openapi(api: Api) -> None:
    assert api.client.get("/healthz").json() == {"status": "ok"}
    assert api.client.get("/readyz").json()["status"] == "ready"
    metrics = api.client.get("/metrics")
    assert metrics.status_code == 200
    for name in (
        "opsroom_alerts_received_total",
        "opsroom_alerts_deduplicated_total",
        "opsroom_incidents_declared_total",
        "opsroom_jobs_processed_total",
        'opsroom_incidents{status="investigating"}',
        'opsroom_jobs{status="queued"}',
    ):
        assert name in metrics.text
    paths = api.client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/hooks/{kind}/{token}",
        "/api/v1/incidents/{number}/timeline",
        "/api/v1/rooms/{name}/messages",
        "/api/v1/search",
        "/api/v1/alerts",
    ):
        assert path in paths


def test_unknown_route_is_json_404(api: Api) -> None:
    response = api.client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
