"""The chat outbox: a job per outbound call, rate limits honoured, 5xx retried, nothing lost,
archived rooms never posted to, and chat back-pressure never delaying other jobs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from opsroom.bootstrap import Container, ensure_channels
from opsroom.chat.errors import ChatRateLimitedError, ChatUnavailableError
from opsroom.chat.outbox import DELIVER
from opsroom.chat.registry import build_hub
from opsroom.clock import FakeClock
from opsroom.db.uow import UnitOfWork
from opsroom.incident.service import Actor, declare_incident, resolve
from opsroom.jobs.tables import JobRow
from tests.integration.chat.fake_platform import FakeChatAdapter, fake_platform

ALICE = Actor("alice", "api")


@pytest.fixture
def fake(container: Container) -> Iterator[FakeChatAdapter]:
    adapter = FakeChatAdapter()
    container.ctx.clock = FakeClock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    container.ctx.chat = build_hub(
        container.settings, container.ctx.clock, extra=[fake_platform(adapter)]
    )
    ensure_channels(container)
    yield adapter


def clock(container: Container) -> FakeClock:
    assert isinstance(container.ctx.clock, FakeClock)
    return container.ctx.clock


def declare(container: Container, title: str = "Payments API returns 502") -> int:
    with container.uow() as uow:
        incident = declare_incident(uow, container.ctx, title=title, severity=2, actor=ALICE)
        uow.commit()
        return incident.number


def chat_jobs(container: Container) -> list[JobRow]:
    with container.uow() as uow:
        return [job for job in uow.jobs.list_jobs(limit=1000) if job.kind == DELIVER]


def drain_chat(container: Container) -> int:
    return container.worker(queues=["chat.fake"]).drain()


def test_each_outbound_call_is_a_job_in_the_platform_lane(
    container: Container, fake: FakeChatAdapter
) -> None:
    declare(container)
    jobs = chat_jobs(container)
    assert {job.queue for job in jobs} == {"chat.fake"}
    assert sorted(job.payload["op"] for job in jobs) == ["create_room", "post", "post", "topic"]
    assert fake.calls == []  # nothing is called inside the use case's transaction
    drain_chat(container)
    [room] = fake.rooms.values()
    assert room.name == "inc-1-payments-api-returns-502"[:30].rstrip("-")
    assert room.topic.startswith("INC-1 SEV2 investigating")
    assert any("INC-1: Payments API returns 502" in text for text in room.messages)
    assert any("INC-1 declared by alice" in t for t in fake.channels["C-INCIDENTS"])


def test_rate_limit_reschedules_at_retry_after_without_using_an_attempt(
    container: Container, fake: FakeChatAdapter
) -> None:
    declare(container)
    fake.fail_next("create_room", ChatRateLimitedError("slow down", retry_after=30))
    drain_chat(container)
    [create] = [job for job in chat_jobs(container) if job.payload["op"] == "create_room"]
    assert create.status == "queued"
    assert create.attempts == 0
    assert create.due_at == clock(container).now() + timedelta(seconds=30)
    assert fake.rooms == {}
    clock(container).advance(timedelta(seconds=31))
    drain_chat(container)
    assert len(fake.rooms) == 1
    assert all(job.status == "done" for job in chat_jobs(container))


def test_server_errors_are_retried_with_backoff_and_nothing_is_lost(
    container: Container, fake: FakeChatAdapter
) -> None:
    declare(container)
    drain_chat(container)
    fake.fail_next("post", *[ChatUnavailableError("HTTP 503", reason="http_503")] * 3)
    with container.uow() as uow:
        from opsroom.chat.message import plain
        from opsroom.chat.rooms import announce

        announce(uow, container.ctx, "alerts", plain("disk full on db1.example.test"))
        uow.commit()
    for _ in range(4):
        drain_chat(container)
        clock(container).advance(timedelta(minutes=5))
    [job] = [j for j in chat_jobs(container) if j.payload.get("channel") == "C-ALERTS"]
    assert job.status == "done"
    assert job.attempts == 4
    assert fake.channels["C-ALERTS"] == ["disk full on db1.example.test"]


def test_taken_room_name_gets_a_suffix(container: Container, fake: FakeChatAdapter) -> None:
    fake.names_in_use = {"inc-1-checkout", "inc-1-checkout-2"}
    declare(container, "Checkout")
    drain_chat(container)
    [room] = fake.rooms.values()
    assert room.name == "inc-1-checkout-3"
    with container.uow() as uow:
        rows = {row.platform: row for row in uow.chat.rooms_of_incident(1)}
    assert rows["fake"].name == "inc-1-checkout-3"
    assert rows["fake"].room_id == room.id
    assert rows["builtin"].name == "inc-1-checkout"


def test_posts_wait_for_their_room_to_exist(container: Container, fake: FakeChatAdapter) -> None:
    declare(container)
    fake.fail_next("create_room", ChatRateLimitedError("slow down", retry_after=60))
    drain_chat(container)
    posts = [job for job in chat_jobs(container) if job.payload.get("room")]
    assert {job.status for job in posts} == {"queued"}
    assert fake.calls == ["create_room"]  # the announcement names the room: it waits too
    clock(container).advance(timedelta(seconds=61))
    drain_chat(container)
    [room] = fake.rooms.values()
    assert room.messages


def test_message_to_archived_room_is_not_attempted_and_warns_on_the_timeline(
    container: Container, fake: FakeChatAdapter
) -> None:
    number = declare(container)
    with container.uow() as uow:
        incident = uow.incidents.by_number(number)
        assert incident is not None
        resolve(uow, container.ctx, incident, ALICE, "rolled back")
        uow.commit()
    drain_chat(container)
    [room] = fake.rooms.values()
    assert room.archived
    posts_before = fake.calls.count("post")
    with container.uow() as uow:
        from opsroom.chat.message import plain
        from opsroom.chat.rooms import post_to_rooms

        incident = uow.incidents.by_number(number)
        assert incident is not None
        post_to_rooms(uow, container.ctx, incident, plain("late news"))
        uow.commit()
    drain_chat(container)
    assert fake.calls.count("post") == posts_before
    with container.uow() as uow:
        entries = uow.incidents.timeline(1)
    warnings = [e for e in entries if e.kind == "warning"]
    assert sorted(w.source for w in warnings) == ["builtin", "fake"]
    assert all("the room is archived" in w.text and "late news" in w.text for w in warnings)
    assert "Room #inc-1-payments-api-returns-502 archived" in [e.text for e in entries]
    assert any(e.text.endswith("archived on fake") for e in entries)


def test_room_archived_by_hand_is_noticed_and_warned(
    container: Container, fake: FakeChatAdapter
) -> None:
    declare(container)
    drain_chat(container)
    [room] = fake.rooms.values()
    room.archived = True
    with container.uow() as uow:
        from opsroom.chat.message import plain
        from opsroom.chat.rooms import post_to_rooms

        incident = uow.incidents.by_number(1)
        assert incident is not None
        post_to_rooms(uow, container.ctx, incident, plain("hello?"), skip="builtin")
        uow.commit()
    drain_chat(container)
    with container.uow() as uow:
        row = uow.chat.room_on(1, "fake")
        assert row is not None and row.status == "archived"
        assert any(e.kind == "warning" for e in uow.incidents.timeline(1))
    assert all(job.status == "done" for job in chat_jobs(container))


def test_chat_back_pressure_never_delays_the_default_queue(
    container: Container, fake: FakeChatAdapter
) -> None:
    """A platform rate-limiting everything, with many messages waiting, does not hold up
    a page: the default lane's worker never claims chat jobs."""
    pages: list[int] = []

    def page(uow: UnitOfWork, ctx: Any, payload: dict[str, Any]) -> None:
        pages.append(payload["n"])

    container.handlers["page"] = page
    for n in range(30):
        declare(container, f"Incident {n}")
    fake.fail_next("create_room", *[ChatRateLimitedError("slow", retry_after=120)] * 100)
    with container.uow() as uow:
        uow.jobs.enqueue("page", {"n": 1}, now=clock(container).now())
        uow.commit()
    default_lane, chat_lane, *notify_lanes = container.lane_workers()
    assert default_lane.queues == ("default",)
    assert chat_lane.queues == ("chat.fake",)
    assert {lane.queues for lane in notify_lanes} == {("notify",)}  # page deliveries
    assert default_lane.run_once() == 1
    assert pages == [1]
    assert fake.calls == []


def test_calls_for_one_room_keep_their_order_through_a_rate_limit(
    container: Container, fake: FakeChatAdapter
) -> None:
    """The closing message held back by a 429 is not overtaken by the archiving."""
    number = declare(container)
    drain_chat(container)
    with container.uow() as uow:
        incident = uow.incidents.by_number(number)
        assert incident is not None
        resolve(uow, container.ctx, incident, ALICE, "rolled back")
        uow.commit()
    fake.fail_next("set_topic", ChatRateLimitedError("slow down", retry_after=30))
    drain_chat(container)
    [room] = fake.rooms.values()
    assert not room.archived
    assert fake.calls.count("archive_room") == 0
    clock(container).advance(timedelta(seconds=31))
    drain_chat(container)
    assert room.archived
    assert room.messages[-1].startswith("INC-1 resolved: Payments API returns 502")
    assert fake.calls[-3:] == ["set_topic", "post", "archive_room"]
    with container.uow() as uow:
        assert [e for e in uow.incidents.timeline(1) if e.kind == "warning"] == []
