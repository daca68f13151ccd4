"""Inbound chat text screened once, for every platform, before anything is stored.

NUL characters and lone UTF-16 surrogates cannot be stored by PostgreSQL (text or jsonb)
nor encoded by any database. Ids carrying them make the request meaningless (a 4xx naming
the field); a command, button or form with them is refused with a reply naming the problem;
a plain message or a display name keeps its readable text, the bad characters replaced.
"""

from __future__ import annotations

import dataclasses
import re

from opsroom.chat.inbound import (
    ActionInvoked,
    CommandInvoked,
    DeclareSubmitted,
    InboundEvent,
    InboundParse,
    MessagePosted,
    Person,
)
from opsroom.chat.message import Mention
from opsroom.errors import InvalidInputError
from opsroom.text import text_problem

_BAD = re.compile("[\x00\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def check_ids(parsed: InboundParse) -> None:
    """Refuse a request whose event ids cannot be stored (they are deduplication keys)."""
    for name, value in [("event_id", parsed.event_id or ""), *_each("event_ids", parsed.event_ids)]:
        _require(name, value)


def screened(event: InboundEvent) -> tuple[InboundEvent, str | None]:
    """The event as it can be stored, and the reason to refuse running it (None: run it)."""
    _require("room_id", getattr(event, "room_id", ""))
    _require("user_id", event.person.user_id)
    _require("message_id", getattr(event, "message_id", ""))
    event = dataclasses.replace(event, person=_clean_person(event.person))
    if isinstance(event, CommandInvoked | MessagePosted):
        event = dataclasses.replace(event, mentions=_clean_mentions(event.mentions))
    if isinstance(event, MessagePosted):
        return dataclasses.replace(event, text=clean(event.text)), None
    fields = _refusable(event)
    for name, value in fields:
        problem = text_problem(value)
        if problem:
            return event, f"Not run: the {name} {problem}. Send it again without it."
    return event, None


def clean(value: str) -> str:
    """The text with what no database stores replaced by U+FFFD."""
    return _BAD.sub(REPLACEMENT, value)


def _refusable(event: InboundEvent) -> list[tuple[str, str]]:
    match event:
        case CommandInvoked():
            return [("command text", event.text), *_mention_fields(event.mentions)]
        case ActionInvoked():
            return [("button", event.action), ("button value", event.value)]
        case DeclareSubmitted():
            return [("title", event.title)]
    return []


def _mention_fields(mentions: tuple[Mention, ...]) -> list[tuple[str, str]]:
    return [("mention", value) for m in mentions for value in (m.token, m.user_id)]


def _clean_mentions(mentions: tuple[Mention, ...]) -> tuple[Mention, ...]:
    return tuple(dataclasses.replace(m, display_name=clean(m.display_name)) for m in mentions)


def _clean_person(person: Person) -> Person:
    return dataclasses.replace(person, display_name=clean(person.display_name))


def _each(name: str, values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(f"{name}.{index}", value) for index, value in enumerate(values)]


def _require(name: str, value: str) -> None:
    problem = text_problem(value) if value else None
    if problem:
        raise InvalidInputError(f"{name} {problem}", details={"field": name})
