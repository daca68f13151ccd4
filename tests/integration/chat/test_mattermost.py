"""Mattermost against its contract server: tokens, names, escaping, limits, rate limits,
outages, archived channels, buttons, identities and the bot account reading posts."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from opsroom.bootstrap import Container
from opsroom.chat.mattermost.render import MAX_MESSAGE
from opsroom.chat.message import Message, plain
from opsroom.chat.outbox import DELIVER
from opsroom.chat.rooms import announce, post_to_rooms
from opsroom.clock import FakeClock
from opsroom.incident.service import Actor, declare_incident
from opsroom.jobs.tables import JobRow
from tests.contract.mattermost_api import USERS
from tests.contract.mattermost_server import MattermostContractServer
from tests.integration.chat.mattermost_driver import MattermostDriver
from tests.integration.payloads import alertmanager

ALICE = Actor("alice", "api")


def declare(container: Container, title: str = "Payments API returns 502") -> int:
    with container.uow() as uow:
        incident = declare_incident(uow, container.ctx, title=title, severity=2, actor=ALICE)
        uow.commit()
        return incident.number


def deliveries(container: Container) -> list[JobRow]:
    with container.uow() as uow:
        return [job for job in uow.jobs.list_jobs(limit=1000) if job.kind == DELIVER]


def fake_clock(container: Container) -> FakeClock:
    clock = FakeClock(datetime.now(UTC))
    container.ctx.clock = clock
    return clock


@pytest.mark.parametrize(
    ("headers", "form_token"),
    [({}, ""), ({"Authorization": "Token wrong"}, "wrong"), ({}, "wrong")],
)
def test_slash_commands_without_the_token_are_refused(
    mattermost_client: TestClient, headers: dict[str, str], form_token: str
) -> None:
    body = f"channel_id=c&user_id=u&text=ack&token={form_token}".encode()
    response = mattermost_client.post(
        "/api/v1/chat/mattermost/commands",
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", **headers},
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


@pytest.mark.parametrize(
    "title",
    ["🔥 Checkout DOWN 🔥", "Payments API... v2.3.1 (EU)", "X" * 100, "💥🚨🔥", "a.b.c"],
)
def test_odd_titles_give_valid_channel_names(
    mattermost_driver: MattermostDriver, mattermost_container: Container, title: str
) -> None:
    number = declare(mattermost_container, title)
    mattermost_container.worker().drain()
    channel = mattermost_driver.server.state.channels[mattermost_driver.room_of(number)]
    assert channel.name.startswith(f"inc-{number}") and len(channel.name) <= 64
    assert len(channel.display_name) <= 64


@pytest.mark.parametrize("injected", [False, True])
def test_taken_channel_name_gets_a_suffix(
    mattermost_driver: MattermostDriver,
    mattermost_container: Container,
    mattermost: MattermostContractServer,
    injected: bool,
) -> None:
    if injected:
        mattermost.inject("POST /channels", "name_taken")
    else:
        mattermost.state.add_channel("inc-1-checkout")  # the server's own check refuses it
    declare(mattermost_container, "Checkout")
    mattermost_container.worker().drain()
    channel = mattermost.state.channels[mattermost_driver.room_of(1)]
    assert channel.name == "inc-1-checkout-2"
    taken = "store.sql_channel.save_channel.exists.app_error"
    assert [c.error for c in mattermost.calls if c.route == "POST /channels"] == [taken, ""]


def test_channel_made_by_a_timed_out_create_is_adopted_not_doubled(
    mattermost_driver: MattermostDriver,
    mattermost_container: Container,
    mattermost: MattermostContractServer,
) -> None:
    from datetime import UTC, datetime, timedelta

    from opsroom.clock import FakeClock

    clock = FakeClock(datetime.now(UTC))
    mattermost_container.ctx.clock = clock
    mattermost.inject("POST /channels", "slow", delay=3.0)  # longer than the 2 s timeout
    declare(mattermost_container, "Checkout")
    mattermost_container.worker().drain()
    time.sleep(1.5)  # Mattermost made the channel after opsroom gave up waiting
    for _ in range(2):
        clock.advance(timedelta(seconds=10))
        mattermost_container.worker().drain()
    names = sorted(c.name for c in mattermost.state.channels.values() if c.name.startswith("inc-"))
    assert names == ["inc-1-checkout"]
    assert (
        mattermost_driver.room_of(1) == mattermost.state.channels[mattermost_driver.room_of(1)].id
    )


def test_alert_text_cannot_mention_anyone_or_inject_markdown(
    mattermost_driver: MattermostDriver,
    mattermost_container: Container,
    mattermost_client: TestClient,
    hook: Any,
) -> None:
    payload = alertmanager(severity="warning")
    payload["alerts"][0]["annotations"]["summary"] = (
        "@channel @here @all ping @alice [click](https://evil.example.test) <b>x</b> **bold**"
    )
    assert mattermost_client.post(hook(), json=payload).status_code == 202
    mattermost_container.worker().drain()
    [post] = [p for p in mattermost_driver.posts(mattermost_driver.alerts_room)]
    message = post["message"]
    for mention in ("@channel", "@here", "@all", "@alice"):
        assert mention not in message
    assert "[click](" not in message and "<b>" not in message
    assert "\\*\\*bold\\*\\*" in message
    assert post["props"]["disable_group_highlight"] is True


def test_long_content_is_cut_to_the_post_limit(
    mattermost_driver: MattermostDriver, mattermost_container: Container
) -> None:
    lines = tuple(f"disk full on db{n}.example.test *_*" + "x" * 300 for n in range(300))
    with mattermost_container.uow() as uow:
        announce(uow, mattermost_container.ctx, "alerts", Message(text="🚨" * 5000, lines=lines))
        uow.commit()
    mattermost_container.worker().drain()
    [post] = mattermost_driver.posts(mattermost_driver.alerts_room)
    assert len(post["message"]) <= MAX_MESSAGE
    assert "... and " in post["message"]


@pytest.mark.parametrize(("retry_after", "reset"), [(7, 7), (None, 7)])
def test_rate_limit_waits_for_retry_after_or_the_reset(
    mattermost_driver: MattermostDriver,
    mattermost_container: Container,
    mattermost: MattermostContractServer,
    retry_after: int | None,
    reset: int,
) -> None:
    clock = fake_clock(mattermost_container)
    mattermost.inject("POST /posts", "ratelimited", retry_after=retry_after, reset=reset)
    with mattermost_container.uow() as uow:
        announce(uow, mattermost_container.ctx, "alerts", plain("disk full on db1.example.test"))
        uow.commit()
    mattermost_container.worker().drain()
    [job] = deliveries(mattermost_container)
    assert job.status == "queued" and job.attempts == 0
    assert job.due_at == clock.now() + timedelta(seconds=7)
    clock.advance(timedelta(seconds=8))
    mattermost_container.worker().drain()
    assert mattermost_driver.messages(mattermost_driver.alerts_room) == [
        "disk full on db1.example.test"
    ]


@pytest.mark.parametrize("kind", ["5xx", "slow"])
def test_outages_are_retried_with_backoff_and_nothing_is_lost(
    mattermost_driver: MattermostDriver,
    mattermost_container: Container,
    mattermost: MattermostContractServer,
    kind: str,
) -> None:
    clock = fake_clock(mattermost_container)
    mattermost.inject("POST /posts", kind, times=2, delay=2.5)
    with mattermost_container.uow() as uow:
        announce(uow, mattermost_container.ctx, "alerts", plain("disk full"))
        uow.commit()
    for _ in range(3):
        mattermost_container.worker().drain()
        clock.advance(timedelta(minutes=5))
    [job] = deliveries(mattermost_container)
    assert job.status == "done" and job.attempts == 3
    assert mattermost_driver.messages(mattermost_driver.alerts_room) == ["disk full"]


def test_channel_archived_by_hand_is_not_posted_to_and_a_warning_is_recorded(
    mattermost_driver: MattermostDriver,
    mattermost_container: Container,
    mattermost: MattermostContractServer,
) -> None:
    number = declare(mattermost_container)
    mattermost_container.worker().drain()
    mattermost.state.channels[mattermost_driver.room_of(number)].delete_at = 1
    for text in ("first update", "second update"):
        with mattermost_container.uow() as uow:
            incident = uow.incidents.by_number(number)
            assert incident is not None
            post_to_rooms(uow, mattermost_container.ctx, incident, plain(text))
            uow.commit()
        mattermost_container.worker().drain()
    refused = [c for c in mattermost.calls if c.error.endswith("can_not_post_to_deleted.error")]
    assert len(refused) == 1  # the second one was never attempted
    with mattermost_container.uow() as uow:
        incident = uow.incidents.by_number(number)
        assert incident is not None
        warnings = [e.text for e in uow.incidents.timeline(incident.id) if e.kind == "warning"]
        assert uow.chat.room_on(incident.id, "mattermost").status == "archived"  # type: ignore[union-attr]
    assert len(warnings) == 2 and all("archived" in text for text in warnings)


def test_buttons_acknowledge_and_refuse_a_wrong_secret(
    mattermost_driver: MattermostDriver, mattermost_container: Container
) -> None:
    number = declare(mattermost_container)
    mattermost_container.worker().drain()
    room = mattermost_driver.room_of(number)
    refused = mattermost_driver.press(room, "ack", f"incident:{number}", user="bob", secret="x")
    assert refused.status_code == 401
    response = mattermost_driver.press(room, "ack", f"incident:{number}", user="bob")
    assert response.status_code == 200
    assert "acknowledged INC-1" in response.json()["ephemeral_text"]
    mattermost_container.worker().drain()
    assert any("bob acknowledged INC-1" in m for m in mattermost_driver.messages(room))


def test_identity_follows_the_immutable_user_id_across_renames(
    mattermost_driver: MattermostDriver, mattermost_container: Container
) -> None:
    room = mattermost_driver.incidents_room
    mattermost_driver.command(room, "/inc help", user="carol")
    renamed = mattermost_driver.slash(room, "help", user="carol", name="caroline")  # same id
    assert renamed.status_code == 200
    with mattermost_container.uow() as uow:
        identity = uow.chat.identity("mattermost", USERS["carol"])
        assert identity is not None
        user = uow.users.get(identity.user_id)
        assert user is not None and user.name == "carol"
        identities = uow.chat.identities_of_user(user.id)
        assert uow.users.get_by_name("caroline") is None
    assert len(identities) == 1
    assert identities[0].display_name == "caroline"


def test_the_bot_reads_only_peoples_posts_once(
    mattermost_driver: MattermostDriver,
    mattermost_container: Container,
    mattermost: MattermostContractServer,
) -> None:
    number = declare(mattermost_container)
    mattermost_container.worker().drain()
    room = mattermost_driver.room_of(number)
    mattermost.state.add_post(room, USERS["bob"], "bob joined", type="system_join_channel")
    mattermost.state.add_post(room, USERS["carol"], "from a hook", props={"from_webhook": "true"})
    mattermost_driver.say(room, "checking the database", user="bob")
    edited = mattermost.state.posts[mattermost_driver.posts(room)[-1]["id"]]
    edited["message"], edited["update_at"] = "checking the database now", edited["update_at"] + 5
    mattermost_driver.say(room, "found it", user="alice")
    with mattermost_container.uow() as uow:
        incident = uow.incidents.by_number(number)
        assert incident is not None
        messages = [e.text for e in uow.incidents.timeline(incident.id) if e.kind == "message"]
    assert messages == ["checking the database", "found it"]


def test_direct_messages_open_a_direct_channel(
    mattermost_driver: MattermostDriver,
    mattermost_container: Container,
    mattermost: MattermostContractServer,
) -> None:
    with mattermost_container.uow() as uow:
        from opsroom.chat.outbox import post

        post(
            uow, mattermost_container.ctx, "mattermost", plain("You are paged"), direct=USERS["bob"]
        )
        uow.commit()
    mattermost_container.worker().drain()
    [channel] = [c for c in mattermost.state.channels.values() if c.type == "D"]
    assert sorted(channel.members) == sorted([USERS["opsroom"], USERS["bob"]])
    assert mattermost_driver.messages(channel.id) == ["You are paged"]


def test_the_poll_job_reuses_its_one_row(
    mattermost_driver: MattermostDriver, mattermost_container: Container
) -> None:
    from opsroom.chat.poller import POLL

    room = mattermost_driver.incidents_room
    mattermost_driver.command(room, "/inc declare sev2 DB down", user="alice")
    mattermost_container.worker().drain()
    room = mattermost_driver.room_of(1)
    for text in ("first", "second", "third"):  # each waits for a poll to read it
        mattermost_driver.say(room, text, user="bob")
    with mattermost_container.uow() as uow:
        polls = [job for job in uow.jobs.list_jobs(limit=500) if job.kind == POLL]
    assert [job.status for job in polls] == ["queued"], [(j.id, j.status) for j in polls]


def test_one_poll_chain_per_platform_even_when_two_processes_start_one(
    mattermost_container: Container, mattermost_client: TestClient
) -> None:
    from opsroom.chat.poller import POLL

    with mattermost_container.uow() as uow:  # a second process starting at the same moment
        uow.jobs.enqueue(
            POLL,
            {"platform": "mattermost", "cursors": {}},
            now=mattermost_container.ctx.clock.now(),
            queue="chat.mattermost",
        )
        uow.commit()
    mattermost_container.worker().drain()
    with mattermost_container.uow() as uow:
        waiting = [
            job
            for job in uow.jobs.list_jobs(limit=100)
            if job.kind == POLL and job.status == "queued"
        ]
    assert len(waiting) == 1
