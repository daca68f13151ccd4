"""Matrix against a real Synapse: names, escaping, limits, rate limits, invites, DMs, read-only."""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from opsroom.bootstrap import Container
from opsroom.chat.errors import ChatRateLimitedError
from opsroom.chat.matrix.client import MatrixChatAdapter
from opsroom.chat.matrix.settings import MatrixSettings
from opsroom.chat.message import Message, plain
from opsroom.chat.rooms import announce
from opsroom.incident.service import Actor, declare_incident, resolve
from tests.e2e.synapse import BOT, SERVER_NAME, Synapse
from tests.integration.chat.matrix_driver import MatrixDriver
from tests.integration.payloads import alertmanager

ALICE = Actor("alice", "api")
HOSTILE = (
    "@room deploy by @alice:example.test <a href='https://matrix.to/#/@bob:example.test'>x</a>"
)


def declare(container: Container, title: str) -> int:
    with container.uow() as uow:
        incident = declare_incident(uow, container.ctx, title=title, severity=2, actor=ALICE)
        uow.commit()
        return incident.number


def prefix(container: Container) -> str:
    settings = container.settings.chat.matrix
    assert settings is not None
    return settings.alias_prefix


def resolve_alias(driver: MatrixDriver, alias: str) -> str:
    response = driver.bot.get(f"/directory/room/{quote(alias)}")
    assert response.status_code == 200, response.text
    return str(response.json()["room_id"])


@pytest.mark.parametrize(
    "title",
    [
        "🔥 Checkout DOWN 🔥 in eu-west-1.prod.example.test",
        "Payments API... v2.3.1 (EU) returns 502 / timeouts!!!",
        "A" * 40 + " " + "b" * 60,
        "💥🚨🔥",
    ],
)
def test_odd_titles_give_valid_unique_aliases(
    matrix_driver: MatrixDriver, matrix_container: Container, title: str
) -> None:
    number = declare(matrix_container, title)
    matrix_container.worker().drain()
    room = matrix_driver.room_of(number)
    with matrix_container.uow() as uow:
        row = uow.chat.room_on(number, "matrix")
        assert row is not None
        name = row.name
    assert name.startswith(f"inc-{number}") and len(name) <= 80
    alias = f"#{prefix(matrix_container)}{name}:{SERVER_NAME}"
    assert resolve_alias(matrix_driver, alias) == room
    assert matrix_driver.state(room, "m.room.name")["name"] == name
    assert matrix_driver.state(room, "org.opsroom.incident")["number"] == number


def test_alias_taken_on_the_homeserver_gets_a_suffix(
    matrix_driver: MatrixDriver, matrix_container: Container, synapse: Synapse
) -> None:
    squatter = synapse.client(synapse.register("carol"))
    taken = f"{prefix(matrix_container)}inc-1-checkout"
    response = squatter.post("/createRoom", json={"room_alias_name": taken})
    assert response.status_code == 200, response.text
    declare(matrix_container, "Checkout")
    matrix_container.worker().drain()
    room = matrix_driver.room_of(1)
    assert resolve_alias(matrix_driver, f"#{taken}-2:{SERVER_NAME}") == room
    assert resolve_alias(matrix_driver, f"#{taken}:{SERVER_NAME}") != room


def notified(synapse: Synapse, user: str, event_id: str) -> dict[str, Any] | None:
    """How the homeserver's push rules treated the event for `user` (None: not at all)."""
    response = synapse.client(synapse.register(user)).get("/notifications", params={"limit": 100})
    assert response.status_code == 200, response.text
    for item in response.json()["notifications"]:
        if item["event"]["event_id"] == event_id:
            return dict(item)
    return None


def highlighted(item: dict[str, Any] | None) -> bool:
    actions = item["actions"] if item else []
    return any(isinstance(a, dict) and a.get("set_tweak") == "highlight" for a in actions)


def test_alert_text_never_pings_the_room_or_a_person(
    matrix_driver: MatrixDriver,
    matrix_container: Container,
    matrix_client: TestClient,
    synapse: Synapse,
    hook: Any,
) -> None:
    payload = alertmanager(severity="warning")
    payload["alerts"][0]["annotations"]["summary"] = HOSTILE
    assert matrix_client.post(hook(), json=payload).status_code == 202
    matrix_container.worker().drain()
    [event] = [e for e in matrix_driver.events(matrix_driver.alerts_room) if e["sender"] == BOT]
    content = event["content"]
    assert content["m.mentions"] == {}
    assert content["msgtype"] == "m.notice"
    assert "@room" not in content["body"] and "@alice:" not in content["body"]
    assert "<a " not in content["formatted_body"] and "&lt;a href=" in content["formatted_body"]
    for user in ("alice", "bob"):
        assert not highlighted(notified(synapse, user, event["event_id"]))
    # The same words typed by a person who may notify the room do notify: the check is real.
    sent = matrix_driver.send(matrix_driver.alerts_room, "@room standup now", user="alice")
    assert highlighted(notified(synapse, "bob", sent.json()["event_id"]))


def test_long_content_is_cut_to_fit_one_event(
    matrix_driver: MatrixDriver, matrix_container: Container
) -> None:
    lines = tuple(f"🔥 disk full on db{n}.example.test <&> " + "x" * 400 for n in range(300))
    with matrix_container.uow() as uow:
        announce(uow, matrix_container.ctx, "alerts", Message(text="🚨" * 3000, lines=lines))
        uow.commit()
    matrix_container.worker().drain()
    [event] = [e for e in matrix_driver.events(matrix_driver.alerts_room) if e["sender"] == BOT]
    body = event["content"]["body"]
    assert "... and " in body and " more" in body
    assert len(json.dumps(event["content"], ensure_ascii=False).encode()) < 64 * 1024
    with matrix_container.uow() as uow:
        assert all(job.status == "done" for job in uow.jobs.list_jobs(limit=100))


def test_people_are_invited_by_matrix_id_and_commands_reply_in_the_room(
    matrix_driver: MatrixDriver, matrix_container: Container, synapse: Synapse
) -> None:
    reply = matrix_driver.command(matrix_driver.incidents_room, "!inc declare sev2 DNS", user="bob")
    assert reply.startswith("Declared INC-1: DNS"), reply
    matrix_container.worker().drain()
    room = matrix_driver.room_of(1)
    member = matrix_driver.state(room, f"m.room.member/{quote('@bob:example.test')}")
    assert member["membership"] == "invite"
    reply = matrix_driver.command(room, "/inc frobnicate", user="bob")
    assert "frobnicate" in reply


def test_messages_after_resolution_are_not_posted_and_recorded_as_warnings(
    matrix_driver: MatrixDriver, matrix_container: Container
) -> None:
    number = declare(matrix_container, "Queue backlog")
    matrix_container.worker().drain()
    with matrix_container.uow() as uow:
        incident = uow.incidents.by_number(number)
        assert incident is not None
        resolve(uow, matrix_container.ctx, incident, ALICE, "drained")
        uow.commit()
    matrix_container.worker().drain()
    room = matrix_driver.room_of(number)
    before = len(matrix_driver.messages(room))
    with matrix_container.uow() as uow:
        from opsroom.chat.rooms import post_to_rooms

        incident = uow.incidents.by_number(number)
        assert incident is not None
        post_to_rooms(uow, matrix_container.ctx, incident, plain("late update"))
        uow.commit()
    matrix_container.worker().drain()
    assert len(matrix_driver.messages(room)) == before
    with matrix_container.uow() as uow:
        incident = uow.incidents.by_number(number)
        assert incident is not None
        warnings = [e.text for e in uow.incidents.timeline(incident.id) if e.kind == "warning"]
    assert any("Not posted to matrix" in text and "late update" in text for text in warnings)


def test_direct_room_is_created_once_and_reused(
    matrix_container: Container, synapse: Synapse
) -> None:
    settings = matrix_container.settings.chat.matrix
    assert settings is not None
    adapter = MatrixChatAdapter(settings)
    synapse.register("dave")
    first = adapter.open_direct("@dave:example.test")
    assert adapter.open_direct("@dave:example.test") == first
    adapter.post(first, plain("You are on call"))


def test_rate_limit_honours_retry_after_ms(synapse: Synapse, matrix_settings: Any) -> None:
    """A bot account under Synapse's message rate limit: 429 M_LIMIT_EXCEEDED."""
    admin = synapse.client(synapse.register("admin", admin=True))
    # A new account each run: one homeserver serves the session, and an earlier run (the
    # other database backend) leaves its account rate-limited for a while.
    name = f"slowbot{uuid.uuid4().hex[:8]}"
    token = synapse.register(name)
    override = admin.post(
        f"{synapse.url}/_synapse/admin/v1/users/@{name}:{SERVER_NAME}/override_ratelimit",
        json={"messages_per_second": 1, "burst_count": 1},
    )
    assert override.status_code == 200, override.text
    base = matrix_settings.chat.matrix
    assert base is not None
    settings = MatrixSettings(
        **{**base.model_dump(), "user_id": f"@{name}:{SERVER_NAME}", "as_token": token}
    )
    room = synapse.client(token).post("/createRoom", json={}).json()["room_id"]
    adapter = MatrixChatAdapter(settings)
    with pytest.raises(ChatRateLimitedError) as raised:
        for _ in range(5):
            adapter.post(room, plain("tick"))
    assert 0 < raised.value.retry_after <= 2
    assert raised.value.reason == "M_LIMIT_EXCEEDED"
