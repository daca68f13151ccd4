"""Matrix transactions at the generic chat route: the homeserver's token first, each event
once (a retried transaction changes nothing), the bot's own events ignored."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from opsroom.bootstrap import Container
from opsroom.chat.tables import CREATED
from opsroom.incident.service import Actor, declare_incident
from tests.unit.chat.test_matrix import fixture

ROOM = "!zQ-SsWyDnZczPt2tz0RBCd0UrSct31oalWjpu7ORoHY"
TOKEN = {"Authorization": "Bearer hs-token-for-tests-only"}


@pytest.fixture
def offline(matrix_offline: tuple[TestClient, Container]) -> tuple[TestClient, Container]:
    return matrix_offline


def incident_in_fixture_room(container: Container) -> int:
    with container.uow() as uow:
        incident = declare_incident(
            uow, container.ctx, title="Checkout", severity=2, actor=Actor("alice", "api")
        )
        row = uow.chat.room_on(incident.id, "matrix")
        assert row is not None
        row.room_id, row.status = ROOM, CREATED
        uow.commit()
        return incident.id


def put(client: TestClient, txn: str, body: bytes, headers: dict[str, str] = TOKEN) -> Any:
    path = f"/api/v1/chat/matrix/_matrix/app/v1/transactions/{txn}"
    return client.put(path, content=body, headers={"Content-Type": "application/json", **headers})


def entries(container: Container, incident_id: int) -> list[tuple[str, str]]:
    with container.uow() as uow:
        return [(e.kind, e.text) for e in uow.incidents.timeline(incident_id)]


def test_a_transaction_is_answered_and_its_events_land_on_the_timeline(
    offline: tuple[TestClient, Container],
) -> None:
    client, container = offline
    incident = incident_in_fixture_room(container)
    response = put(client, "1", fixture("transaction_mixed.json"))
    assert response.status_code == 200 and response.json() == {}
    timeline = entries(container, incident)
    assert ("message", "Rolling back checkout to 4.1 now") in timeline
    assert ("role", "@alice is now commander") in timeline
    assert not any(kind == "resolve" for kind, _ in timeline)  # another bot's notice


def test_retried_transactions_and_repeated_events_change_nothing(
    offline: tuple[TestClient, Container],
) -> None:
    client, container = offline
    incident = incident_in_fixture_room(container)
    body = fixture("transaction_mixed.json")
    assert put(client, "1", body).status_code == 200
    before = entries(container, incident)
    assert put(client, "1", body).status_code == 200  # the same transaction again
    assert put(client, "2", body).status_code == 200  # the same events in a new one
    assert entries(container, incident) == before


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-the-hs-token"}])
def test_transactions_without_the_homeservers_token_are_refused(
    offline: tuple[TestClient, Container], headers: dict[str, str]
) -> None:
    client, container = offline
    incident = incident_in_fixture_room(container)
    before = entries(container, incident)
    response = put(client, "1", fixture("transaction_mixed.json"), headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    assert entries(container, incident) == before


def test_ping_is_answered_and_bad_bodies_are_named(offline: tuple[TestClient, Container]) -> None:
    client, _ = offline
    ping = client.post("/api/v1/chat/matrix/_matrix/app/v1/ping", json={}, headers=TOKEN)
    assert ping.status_code == 200 and ping.json() == {}
    bad = put(client, "9", b"not json")
    assert bad.status_code == 400
    assert "not JSON" in bad.json()["error"]["message"]
