"""Paging meets the chat port: a `chat` contact is a direct message on every platform with
DMs (the built-in chat's `dm-<name>` room and a remote platform where opsroom knows the
person), and the Acknowledge button of an alert group acknowledges it (its escalation stops)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from opsroom.alert.model import AlertStatus, NormalizedAlert
from opsroom.alert.service import create_integration, ingest
from opsroom.bootstrap import Container, ensure_channels
from opsroom.chat.inbound import ActionInvoked, CommandInvoked, InboundParse, Person
from opsroom.chat.registry import build_hub
from opsroom.chat.service import handle_inbound
from opsroom.clock import FakeClock
from opsroom.config import Settings
from tests.conftest import settings_from_yaml
from tests.integration.chat.fake_platform import FakeChatAdapter, fake_platform

CAROL = Person("fake", "U-CAROL", "carol")
CONFIG = """
integrations:
  prod:
    service: checkout
services:
  - name: checkout
    escalation_policy: carol-then-carol
escalation_policies:
  - name: carol-then-carol
    steps:
      - targets: [user:carol]
        wait: 5m
      - targets: [user:carol]
        wait: 5m
users:
  - name: carol
    contacts: [{kind: chat}]
rules:
  auto_declare:
    enabled: false
"""


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return settings_from_yaml(database_url, tmp_path, CONFIG)


@pytest.fixture
def fake(container: Container) -> Iterator[FakeChatAdapter]:
    adapter = FakeChatAdapter()
    container.ctx.clock = FakeClock(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    container.ctx.chat = build_hub(
        container.settings, container.ctx.clock, extra=[fake_platform(adapter)]
    )
    ensure_channels(container)
    yield adapter


def inbound(container: Container, *events: object) -> list[str]:
    with container.uow() as uow:
        outcomes = handle_inbound(
            uow,
            container.ctx,
            "fake",
            InboundParse(events=tuple(events)),  # type: ignore[arg-type]
        )
        uow.commit()
    return [outcome.reply.text for outcome in outcomes if outcome.reply is not None]


def fire(container: Container) -> None:
    with container.uow() as uow:
        integration, _ = create_integration(
            uow, container.ctx, kind="generic", name="prod", known_kinds=set(container.sources)
        )
        alert = NormalizedAlert(
            fingerprint="checkout-down",
            status=AlertStatus.FIRING,
            severity="critical",
            title="Checkout is down",
            group_key="checkout-down",
        )
        ingest(uow, container.ctx, integration, [alert])
        uow.commit()
    container.worker().drain()


def builtin_messages(container: Container, room: str) -> list[str]:
    with container.uow() as uow:
        row = uow.rooms.by_name(room)
        assert row is not None, f"no built-in room #{room}"
        return [message.text for message in uow.rooms.messages(row.id)]


def chat_pages(container: Container) -> list[tuple[str, str, str | None]]:
    with container.uow() as uow:
        rows = uow.pages.list_pages(user="carol")
        return [(row.channel, row.status, row.provider_id) for row in rows]


def test_a_chat_page_is_a_direct_message_on_every_platform_that_knows_the_person(
    container: Container, fake: FakeChatAdapter
) -> None:
    inbound(container, CommandInvoked(CAROL, "C-ALERTS", "/inc help"))  # first contact
    fire(container)
    [dm] = builtin_messages(container, "dm-carol")
    assert dm.startswith("[CRITICAL] Alert group #1: Checkout is down")
    assert dm.endswith("Acknowledge: /inc ack 1")
    [remote] = fake.channels["D-U-CAROL"]
    assert remote.startswith("[CRITICAL] Alert group #1: Checkout is down")
    assert "Acknowledge: /inc ack 1" in remote
    assert chat_pages(container) == [("chat", "sent", "builtin,fake")]


def test_someone_only_the_built_in_chat_knows_is_paged_there(
    container: Container, fake: FakeChatAdapter
) -> None:
    fire(container)
    assert len(builtin_messages(container, "dm-carol")) == 1
    assert "D-U-CAROL" not in fake.channels
    assert chat_pages(container) == [("chat", "delivered", "builtin")]


def test_the_acknowledge_button_of_an_alert_group_stops_its_escalation(
    container: Container, fake: FakeChatAdapter
) -> None:
    inbound(container, CommandInvoked(CAROL, "C-ALERTS", "/inc help"))
    fire(container)
    [announcement] = fake.channels["C-ALERTS"][-1:]
    assert "Acknowledge: /inc ack group:1" in announcement
    [reply] = inbound(container, ActionInvoked(CAROL, "C-ALERTS", "ack", "group:1"))
    assert reply == "carol acknowledged alert group #1"
    clock = container.ctx.clock
    assert isinstance(clock, FakeClock)
    for _ in range(20):  # 30 minutes, past the second step's due time
        clock.advance(timedelta(seconds=90))
        container.worker().drain()
    assert len(builtin_messages(container, "dm-carol")) == 1
    with container.uow() as uow:
        [escalation] = uow.escalations.for_group(1, active_only=False)
        group = uow.alerts.get_group(1)
        assert group is not None
        assert (escalation.status, escalation.acknowledged_by) == ("acknowledged", "carol")
        assert group.acknowledged_by == "carol"
    again = inbound(container, ActionInvoked(CAROL, "C-ALERTS", "ack", "group:1"))
    assert again == ["Alert group #1 was already acknowledged by carol"]
