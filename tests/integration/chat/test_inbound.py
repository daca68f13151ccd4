"""Inbound chat events on any platform: identities by immutable id, permissions that follow
the person, retries deduplicated, mentions turned into opsroom users."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from opsroom.bootstrap import Container, ensure_channels
from opsroom.chat.inbound import (
    ActionInvoked,
    CommandInvoked,
    InboundOutcome,
    InboundParse,
    MessagePosted,
    Person,
)
from opsroom.chat.message import Mention
from opsroom.chat.registry import build_hub
from opsroom.chat.service import handle_inbound
from tests.integration.chat.fake_platform import FakeChatAdapter, fake_platform


@pytest.fixture
def fake(container: Container) -> Iterator[FakeChatAdapter]:
    adapter = FakeChatAdapter()
    container.ctx.chat = build_hub(
        container.settings, container.ctx.clock, extra=[fake_platform(adapter)]
    )
    ensure_channels(container)
    yield adapter


def run(container: Container, *events: object, event_id: str | None = None) -> list[InboundOutcome]:
    with container.uow() as uow:
        outcomes = handle_inbound(
            uow,
            container.ctx,
            "fake",
            InboundParse(events=tuple(events), event_id=event_id),  # type: ignore[arg-type]
        )
        uow.commit()
    return outcomes


def declare_in_fake_room(container: Container, person: Person) -> str:
    [outcome] = run(container, CommandInvoked(person, "C-INCIDENTS", "/inc declare sev2 DB down"))
    assert outcome.ok and outcome.reply is not None
    assert outcome.reply.text == (
        "Declared INC-1: DB down. Its fake room is being opened; a reply names it."
    )
    assert outcome.follow_ups and outcome.follow_ups[0][0].text == "Declared INC-1: DB down. Room: "
    container.worker().drain()
    with container.uow() as uow:
        row = uow.chat.room_on(1, "fake")
        assert row is not None and row.room_id is not None
        return row.room_id


def test_first_contact_creates_a_user_and_renames_keep_it(
    container: Container, fake: FakeChatAdapter
) -> None:
    run(container, CommandInvoked(Person("fake", "U1", "Jane Doe"), "C-ALERTS", "/inc help"))
    run(container, CommandInvoked(Person("fake", "U1", "Jane D."), "C-ALERTS", "/inc help"))
    with container.uow() as uow:
        identity = uow.chat.identity("fake", "U1")
        assert identity is not None
        assert identity.display_name == "Jane D."
        user = uow.users.get(identity.user_id)
        assert user is not None
        assert user.name == "Jane-Doe"
        assert user.role == "responder"


def test_someone_using_an_existing_users_name_is_a_different_user(
    container: Container, fake: FakeChatAdapter
) -> None:
    run(container, CommandInvoked(Person("fake", "U1", "admin"), "C-ALERTS", "/inc help"))
    run(container, CommandInvoked(Person("fake", "U2", "admin"), "C-ALERTS", "/inc help"))
    with container.uow() as uow:
        first, second = uow.chat.identity("fake", "U1"), uow.chat.identity("fake", "U2")
        assert first is not None and second is not None
        assert first.user_id != second.user_id


def test_permissions_follow_the_person_not_the_display_name(
    container: Container, fake: FakeChatAdapter
) -> None:
    room = declare_in_fake_room(container, Person("fake", "U1", "alice"))
    run(container, CommandInvoked(Person("fake", "U9", "mallory"), room, "/inc help"))
    with container.uow() as uow:
        identity = uow.chat.identity("fake", "U9")
        assert identity is not None
        user = uow.users.get(identity.user_id)
        assert user is not None
        user.role = "viewer"
        uow.commit()
    # The viewer renames themselves to look like alice; the id still says who they are.
    [outcome] = run(container, CommandInvoked(Person("fake", "U9", "alice"), room, "/inc ack"))
    assert not outcome.ok
    assert outcome.reply is not None and "needs the responder role" in outcome.reply.text
    [button] = run(
        container, ActionInvoked(Person("fake", "U9", "alice"), room, "resolve", "incident:1")
    )
    assert not button.ok
    [timeline] = run(
        container, CommandInvoked(Person("fake", "U9", "alice"), room, "/inc timeline")
    )
    assert timeline.ok


def test_a_retried_event_changes_nothing(container: Container, fake: FakeChatAdapter) -> None:
    room = declare_in_fake_room(container, Person("fake", "U1", "alice"))
    said = MessagePosted(Person("fake", "U1", "alice"), room, "checking the logs", "m1")
    assert len(run(container, said, event_id="Ev1")) == 1
    assert run(container, said, event_id="Ev1") == []
    with container.uow() as uow:
        messages = [e for e in uow.incidents.timeline(1) if e.kind == "message"]
    assert [m.text for m in messages] == ["checking the logs"]
    assert messages[0].source == "fake"


def test_mentions_become_opsroom_users(container: Container, fake: FakeChatAdapter) -> None:
    room = declare_in_fake_room(container, Person("fake", "U1", "alice"))
    token = "<@U2|bob>"
    command = CommandInvoked(
        Person("fake", "U1", "alice"),
        room,
        f"/inc role commander {token}",
        mentions=(Mention(token, "U2", "bob"),),
    )
    [outcome] = run(container, command)
    assert outcome.reply is not None and outcome.reply.text == "@bob is now commander of INC-1"
    with container.uow() as uow:
        incident = uow.incidents.by_number(1)
        assert incident is not None and incident.commander == "bob"


def test_buttons_acknowledge_and_resolve(container: Container, fake: FakeChatAdapter) -> None:
    room = declare_in_fake_room(container, Person("fake", "U1", "alice"))
    [ack] = run(container, ActionInvoked(Person("fake", "U1", "alice"), room, "ack", "incident:1"))
    assert ack.reply is not None and ack.reply.text == "alice acknowledged INC-1"
    [done] = run(
        container, ActionInvoked(Person("fake", "U1", "alice"), room, "resolve", "incident:1")
    )
    assert done.reply is not None and done.reply.text == "alice resolved INC-1"
    [again] = run(
        container, ActionInvoked(Person("fake", "U1", "alice"), room, "ack", "incident:1")
    )
    assert not again.ok
    container.worker().drain()
    assert all(r.archived for r in fake.rooms.values())


def test_first_contacts_at_the_same_moment_make_one_user(
    container: Container, fake: FakeChatAdapter
) -> None:
    """Two requests from a new person racing (and a namesake): no duplicate, no error."""
    from concurrent.futures import ThreadPoolExecutor

    people = [Person("fake", "U7", "dana"), Person("fake", "U8", "dana")] * 4
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(
            pool.map(lambda p: run(container, CommandInvoked(p, "C-ALERTS", "/inc help")), people)
        )
    assert all(outcome[0].ok for outcome in outcomes)
    with container.uow() as uow:
        first, second = uow.chat.identity("fake", "U7"), uow.chat.identity("fake", "U8")
        assert first is not None and second is not None
        names = {uow.users.get(i.user_id).name for i in (first, second)}  # type: ignore[union-attr]
    assert names == {"dana", "dana-fake"}
