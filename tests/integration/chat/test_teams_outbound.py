"""Teams' outbound calls against the contract server: tokens, rate limits, server errors,
channels through Graph, archived channels, escaping and card size."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from opsroom.bootstrap import Container
from opsroom.chat.outbox import DELIVER
from opsroom.chat.registry import build_hub
from opsroom.clock import FakeClock
from opsroom.incident.service import Actor, declare_incident, resolve
from opsroom.jobs.tables import JobRow
from tests.contract.teams_api import ALERTS, INCIDENTS
from tests.contract.teams_server import TeamsContractServer
from tests.integration.payloads import alertmanager

SEND = "POST /v3/conversations/{}/activities"
START = "POST /v3/conversations"
CHANNELS = "POST /teams/{}/channels"
CHANNEL_ROOMS = [{"rooms": "channel"}]


@pytest.fixture
def clock(teams_container: Container) -> FakeClock:
    fake = FakeClock(datetime.now(UTC))
    teams_container.ctx.clock = fake
    teams_container.ctx.chat = build_hub(teams_container.settings, fake)
    return fake


def declare(container: Container, title: str = "Checkout is slow") -> None:
    with container.uow() as uow:
        declare_incident(uow, container.ctx, title=title, severity=2, actor=Actor("alice", "api"))
        uow.commit()


def resolve_incident(container: Container, number: int = 1) -> None:
    with container.uow() as uow:
        incident = uow.incidents.by_number(number)
        assert incident is not None
        resolve(uow, container.ctx, incident, Actor("alice", "api"), "fixed")
        uow.commit()


def drain(container: Container) -> None:
    container.worker(queues=["chat.teams"]).drain()


def jobs(container: Container, op: str | None = None) -> list[JobRow]:
    with container.uow() as uow:
        return [
            j
            for j in uow.jobs.list_jobs(limit=500)
            if j.kind == DELIVER and j.queue == "chat.teams" and op in (None, j.payload["op"])
        ]


def test_a_thread_per_incident_with_a_bot_token_fetched_once(
    teams_container: Container, teams: TeamsContractServer
) -> None:
    declare(teams_container)
    resolve_incident(teams_container)
    drain(teams_container)
    assert [c for c in teams.calls if c.status >= 300] == []
    assert len(teams.tokens) == 1, "one client-credentials token, reused for every call"
    [start] = teams.ok(START)
    assert start.body["channelData"]["channel"]["id"] == INCIDENTS
    assert start.body["activity"]["text"].startswith("INC-1 SEV2 investigating")
    with teams_container.uow() as uow:
        row = uow.chat.room_on(1, "teams")
        assert row is not None and row.status == "archived"
    root = teams.thread(str(row.room_id))[0]
    assert root["text"].startswith("[RESOLVED] INC-1 SEV2 resolved: "), root["text"]
    posted = json.dumps(teams.thread(str(row.room_id))[1:])
    assert "This room is now closed" in posted and "read-only" not in posted


def test_rate_limited_call_waits_for_retry_after_without_failing(
    teams_container: Container, teams: TeamsContractServer, clock: FakeClock
) -> None:
    teams.inject(START, "ratelimited", retry_after=20)
    declare(teams_container)
    drain(teams_container)
    [create] = jobs(teams_container, "create_room")
    assert (create.status, create.attempts) == ("queued", 0)
    assert create.due_at == clock.now() + timedelta(seconds=20)
    clock.advance(timedelta(seconds=21))
    drain(teams_container)
    assert {j.status for j in jobs(teams_container)} == {"done"}


def test_server_errors_and_slow_replies_are_retried_with_backoff(
    teams_container: Container, teams: TeamsContractServer, clock: FakeClock
) -> None:
    teams.inject(START, "5xx")
    teams.inject(START, "slow", delay=3.0)
    declare(teams_container)
    drain(teams_container)
    [create] = jobs(teams_container, "create_room")
    assert create.attempts == 1 and "ServiceUnavailable" in (create.last_error or "")
    clock.advance(timedelta(seconds=3))
    drain(teams_container)
    [create] = jobs(teams_container, "create_room")
    assert create.attempts == 2 and "timed out" in (create.last_error or "")
    clock.advance(timedelta(seconds=10))
    drain(teams_container)
    assert {j.status for j in jobs(teams_container)} == {"done"}


@pytest.mark.parametrize("teams_options", CHANNEL_ROOMS)
def test_channel_rooms_through_graph_with_names_teams_accepts(
    teams_container: Container, teams: TeamsContractServer
) -> None:
    teams.team.add_channel("19:old00000000000000000000000@thread.tacv2", "inc-1-checkout-is-slow")
    titles = ["Checkout is slow", "🔥🔥", "DB.Primary.DOWN on eu-west.1", "Z" * 100]
    for title in titles:
        declare(teams_container, title)
    drain(teams_container)
    names = sorted(c.body["displayName"] for c in teams.ok(CHANNELS))
    assert names == [
        "inc-1-checkout-is-slow-2",
        "inc-2",
        "inc-3-db-primary-down-on-eu-west-1",
        "inc-4-" + "z" * 44,
    ]
    refused = [c for c in teams.calls if c.status >= 300]
    assert [c.code for c in refused] == ["NameAlreadyExists"]
    channel = next(c for c in teams.team.channels.values() if c.name == "inc-1-checkout-is-slow-2")
    assert channel.description.startswith("INC-1 SEV2 investigating")
    assert any("INC-1: Checkout is slow" in m for m in teams.messages(channel.id))
    resolve_incident(teams_container)
    drain(teams_container)
    assert channel.archived


@pytest.mark.parametrize("teams_options", CHANNEL_ROOMS)
def test_no_post_is_attempted_to_a_channel_archived_in_teams(
    teams_container: Container, teams: TeamsContractServer
) -> None:
    declare(teams_container)
    drain(teams_container)
    channel = next(c for c in teams.team.channels.values() if c.name.startswith("inc-1"))
    channel.archived = True  # archived by a team owner
    resolve_incident(teams_container)
    drain(teams_container)
    with teams_container.uow() as uow:
        warnings = [e for e in uow.incidents.timeline(1) if e.kind == "warning"]
        row = uow.chat.room_on(1, "teams")
    assert row is not None and row.status == "archived"
    assert warnings and all(w.source == "teams" for w in warnings)
    refused = [c for c in teams.calls if c.status >= 300]
    assert [(c.route, c.status) for c in refused] == [("PATCH /teams/{}/channels/{}", 403)]
    assert len(teams.messages(channel.id)) == 1, "only the summary, nothing after the archiving"
    assert not teams.ok("POST /teams/{}/channels/{}/archive"), "not archived a second time"


def test_alert_text_cannot_mention_anyone_and_long_groups_fit(
    teams_client: Any, teams_container: Container, teams: TeamsContractServer, hook: Any
) -> None:
    extra = [
        {
            "status": "firing",
            "labels": {"alertname": "Disk", "severity": "warning", "n": str(n)},
            "annotations": {"summary": f"disk {n} <at>Everyone</at> @channel <script>x</script>"},
            "startsAt": "2026-12-01T10:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "fingerprint": f"f{n:015d}",
        }
        for n in range(80)
    ]
    payload = alertmanager(severity="warning", summary="<at>all</at> ping", extra_alerts=extra)
    assert teams_client.post(hook(), json=payload).status_code == 202
    teams_container.worker().drain()
    [post] = teams.thread(ALERTS)
    rendered = str(post)
    assert "<at>" not in rendered and "<script>" not in rendered and "@channel" not in rendered
    blocks = post["attachments"][0]["content"]["body"]
    assert any(b["type"] == "TextBlock" and b["text"].endswith("... and 51 more") for b in blocks)
    actions = post["attachments"][0]["content"]["actions"]
    assert {a["type"] for a in actions} == {"Action.Submit"}
    assert [c for c in teams.calls if c.status >= 300] == []


def test_a_wrong_client_secret_fails_the_job_visibly(
    teams_container: Container, teams: TeamsContractServer
) -> None:
    from pydantic import SecretStr

    settings = teams_container.settings.chat.teams
    assert settings is not None
    settings.app_password = SecretStr("wrong")
    teams_container.ctx.chat = build_hub(teams_container.settings, teams_container.ctx.clock)
    declare(teams_container)
    teams_container.worker(queues=["chat.teams"]).run_once()
    [create] = jobs(teams_container, "create_room")
    assert "invalid_client" in (create.last_error or "")
