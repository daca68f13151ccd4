"""Slack's outbound calls through slack_sdk against the contract server: every fault the
platform can answer is handled by the outbox, and what reaches Slack is escaped and fits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from opsroom.bootstrap import Container
from opsroom.chat.outbox import DELIVER
from opsroom.clock import FakeClock
from opsroom.incident.service import Actor, declare_incident
from opsroom.jobs.tables import JobRow
from tests.contract.slack_server import SlackContractServer
from tests.integration.chat.slack_driver import SlackDriver
from tests.integration.payloads import alertmanager


@pytest.fixture
def clock(slack_container: Container) -> FakeClock:
    fake = FakeClock(datetime.now(UTC))
    slack_container.ctx.clock = fake
    return fake


def declare(container: Container, title: str = "Checkout is slow") -> None:
    with container.uow() as uow:
        declare_incident(uow, container.ctx, title=title, severity=2, actor=Actor("alice", "api"))
        uow.commit()


def drain(container: Container) -> None:
    container.worker(queues=["chat.slack"]).drain()


def slack_jobs(container: Container) -> list[JobRow]:
    with container.uow() as uow:
        return [
            j
            for j in uow.jobs.list_jobs(limit=500)
            if j.kind == DELIVER and j.queue == "chat.slack"
        ]


def test_calls_carry_the_bot_token_and_documented_fields(
    slack_client: object, slack_container: Container, slack: SlackContractServer
) -> None:
    declare(slack_container)
    drain(slack_container)
    methods = [call.method for call in slack.calls]
    assert (
        methods[:2] == ["conversations.create", "chat.postMessage"]
        or "conversations.create" in methods
    )
    assert all(call.error is None for call in slack.calls), slack.calls
    [create] = slack.ok_calls("conversations.create")
    assert create.params["name"] == "inc-1-checkout-is-slow"
    assert {"conversations.setTopic", "chat.postMessage"} <= set(methods)


def test_rate_limited_create_waits_for_retry_after_without_failing(
    slack_client: object, slack_container: Container, slack: SlackContractServer, clock: FakeClock
) -> None:
    slack.inject("conversations.create", "ratelimited", retry_after=42)
    declare(slack_container)
    drain(slack_container)
    [create] = [j for j in slack_jobs(slack_container) if j.payload["op"] == "create_room"]
    assert (create.status, create.attempts) == ("queued", 0)
    assert create.due_at == clock.now() + timedelta(seconds=42)
    assert slack.ok_calls("conversations.create") == []
    clock.advance(timedelta(seconds=43))
    drain(slack_container)
    assert len(slack.ok_calls("conversations.create")) == 1
    assert {j.status for j in slack_jobs(slack_container)} == {"done"}
    channel = slack.channel_named("inc-1-checkout-is-slow")
    assert channel.messages, "the summary waited for the channel and was posted"


def test_server_errors_and_slow_replies_are_retried_with_backoff(
    slack_client: object, slack_container: Container, slack: SlackContractServer, clock: FakeClock
) -> None:
    slack.inject("conversations.create", "5xx")
    slack.inject("conversations.create", "slow", delay=3.0)  # longer than the 2 s timeout
    declare(slack_container)
    drain(slack_container)
    [create] = [j for j in slack_jobs(slack_container) if j.payload["op"] == "create_room"]
    assert create.status == "queued" and create.attempts == 1
    assert "service_unavailable" in (create.last_error or "")
    clock.advance(timedelta(seconds=3))
    drain(slack_container)
    [create] = [j for j in slack_jobs(slack_container) if j.payload["op"] == "create_room"]
    assert create.attempts == 2 and "timed out" in (create.last_error or "").lower()
    clock.advance(timedelta(seconds=5))
    drain(slack_container)
    assert {j.status for j in slack_jobs(slack_container)} == {"done"}
    assert (
        len({c.name for c in slack.workspace.channels.values() if c.name.startswith("inc-1")}) >= 1
    )


def test_name_taken_in_slack_gets_a_suffix(
    slack_client: object, slack_container: Container, slack: SlackContractServer
) -> None:
    slack.workspace.add_channel("C0OLD", "inc-1-checkout-is-slow")
    declare(slack_container)
    drain(slack_container)
    assert slack.channel_named("inc-1-checkout-is-slow-2").messages
    with slack_container.uow() as uow:
        row = uow.chat.room_on(1, "slack")
        assert row is not None and row.name == "inc-1-checkout-is-slow-2"


def test_odd_titles_make_names_slack_accepts(
    slack_client: object, slack_container: Container, slack: SlackContractServer
) -> None:
    titles = ["🔥🔥", "DB.Primary.DOWN on eu-west.1", "Z" * 100, "ALL CAPS & <tags>"]
    for title in titles:
        declare(slack_container, title)
    drain(slack_container)
    created = [c.params["name"] for c in slack.ok_calls("conversations.create")]
    assert created == [
        "inc-1",
        "inc-2-db-primary-down-on-eu-west-1",
        "inc-3-" + "z" * 74,
        "inc-4-all-caps-tags",
    ]
    assert not [c for c in slack.calls if c.method == "conversations.create" and c.error]


def test_alert_text_cannot_mention_anyone_and_long_groups_fit(
    slack_client: object, slack_container: Container, slack: SlackContractServer, hook: object
) -> None:
    extra = [
        {
            "status": "firing",
            "labels": {"alertname": "Disk", "severity": "warning", "n": str(n)},
            "annotations": {"summary": f"disk {n} <!channel> @here @everyone <@U0BOSS> & co"},
            "startsAt": "2026-12-01T10:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "fingerprint": f"f{n:015d}",
        }
        for n in range(60)
    ]
    payload = alertmanager(severity="warning", summary="<!here> ping", extra_alerts=extra)
    assert slack_client.post(hook(), json=payload).status_code == 202  # type: ignore[attr-defined]
    slack_container.worker().drain()
    [message] = slack.workspace.channels["C0ALERTS"].messages
    rendered = message["text"] + str(message["blocks"])
    for forbidden in ("<!channel>", "<!here>", "<@U0BOSS>", "@here", "@everyone", "@channel"):
        assert forbidden not in rendered
    assert "&lt;!channel&gt;" in rendered and "&amp; co" in rendered
    lists = [b["text"]["text"] for b in message["blocks"] if b["type"] == "section"]
    assert lists[-1].endswith("... and 36 more")
    assert not [c for c in slack.calls if c.error]


def test_post_to_a_channel_archived_in_slack_is_a_timeline_warning(
    slack_driver: SlackDriver, slack: SlackContractServer
) -> None:
    slack_driver.command("C0INCIDENTS", "/inc declare Checkout is slow", user="alice")
    slack_driver.container.worker().drain()
    room = slack_driver.room_of(1)
    slack.workspace.channels[room].is_archived = True
    slack_driver.command(room, "/inc status identified bad deploy", user="alice")
    slack_driver.command(room, "/inc resolve fixed", user="alice")
    slack_driver.container.worker().drain()
    with slack_driver.container.uow() as uow:
        entries = uow.incidents.timeline(1)
        row = uow.chat.room_on(1, "slack")
    assert row is not None and row.status == "archived"
    warnings = [e for e in entries if e.kind == "warning"]
    assert warnings and all(w.source == "slack" for w in warnings)
    posts_after = [
        c for c in slack.calls if c.method == "chat.postMessage" and c.params["channel"] == room
    ]
    # Slack answered is_archived to setTopic; from then on nothing more is sent there.
    assert [c.error for c in posts_after] == [None]  # only the summary, before the archiving
    assert [c.error for c in slack.calls if c.method == "conversations.setTopic"][-1] == (
        "is_archived"
    )
    archive_calls = [c for c in slack.calls if c.method == "conversations.archive"]
    assert archive_calls == [], "a room Slack already archived is not archived again"


def test_deleted_channel_is_reported_on_the_timeline(
    slack_driver: SlackDriver, slack: SlackContractServer
) -> None:
    slack_driver.command("C0INCIDENTS", "/inc declare Checkout is slow", user="alice")
    slack_driver.container.worker().drain()
    room = slack_driver.room_of(1)
    del slack.workspace.channels[room]
    slack_driver.press("C0INCIDENTS", "resolve", "incident:1", user="alice")
    slack_driver.container.worker().drain()
    with slack_driver.container.uow() as uow:
        texts = [e.text for e in uow.incidents.timeline(1) if e.kind == "warning"]
    assert any("no longer exists" in text for text in texts)


def test_a_wrong_token_fails_the_job_visibly(
    slack_client: object, slack_container: Container, slack: SlackContractServer
) -> None:
    from pydantic import SecretStr

    from opsroom.chat.registry import build_hub

    settings = slack_container.settings.chat.slack
    assert settings is not None
    settings.bot_token = SecretStr("xoxb-wrong")
    slack_container.ctx.chat = build_hub(slack_container.settings, slack_container.ctx.clock)
    declare(slack_container)
    slack_container.worker(queues=["chat.slack"]).run_once()
    [create] = [j for j in slack_jobs(slack_container) if j.payload["op"] == "create_room"]
    assert "invalid_auth" in (create.last_error or "")


def test_direct_message_opens_a_dm_with_the_persons_slack_id(
    slack_driver: SlackDriver, slack: SlackContractServer
) -> None:
    from opsroom.chat.message import plain
    from opsroom.chat.rooms import send_direct

    slack_driver.command("C0ALERTS", "/inc help", user="carol")  # carol is known from Slack
    container = slack_driver.container
    with container.uow() as uow:
        carol = uow.users.get_by_name("carol")
        assert carol is not None
        assert send_direct(uow, container.ctx, carol, plain("You are paged for INC-9")) == ["slack"]
        uow.commit()
    container.worker().drain()
    [opened] = slack.ok_calls("conversations.open")
    assert opened.params["users"] == "U0CAROL"
    assert slack.messages("DU0CAROL") == ["You are paged for INC-9"]


def test_injected_platform_answers_are_handled_like_real_ones(
    slack_client: object, slack_container: Container, slack: SlackContractServer
) -> None:
    slack.inject("conversations.create", "name_taken")
    slack.inject("conversations.setTopic", "channel_not_found")
    declare(slack_container)
    drain(slack_container)
    created = [c.params["name"] for c in slack.ok_calls("conversations.create")]
    assert created == ["inc-1-checkout-is-slow-2"]
    with slack_container.uow() as uow:
        texts = [e.text for e in uow.incidents.timeline(1) if e.kind == "warning"]
    assert texts == ["The slack room #inc-1-checkout-is-slow-2 no longer exists"]
    slack.inject("chat.postMessage", "is_archived")
    with slack_container.uow() as uow:
        from opsroom.chat.message import plain
        from opsroom.chat.rooms import post_to_rooms

        incident = uow.incidents.by_number(1)
        assert incident is not None
        post_to_rooms(uow, slack_container.ctx, incident, plain("status update"), skip="builtin")
        uow.commit()
    drain(slack_container)
    with slack_container.uow() as uow:
        row = uow.chat.room_on(1, "slack")
        warnings = [e.text for e in uow.incidents.timeline(1) if e.kind == "warning"]
    assert row is not None and row.status == "archived"
    assert warnings[-1].startswith("Not posted to slack #inc-1-checkout-is-slow-2")
