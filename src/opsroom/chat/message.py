"""Platform-neutral messages: what opsroom says, before any platform renders it. Pure.

Every string in a `Message` is plain text and may come from an alert, so each platform's
renderer escapes all of it; nothing here is markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

ButtonStyle = Literal["default", "primary", "danger"]
Level = Literal["info", "warning", "critical", "good"]

# Actions a button can carry; inbound clicks are mapped back to these by every platform.
ACK, DECLARE, RESOLVE = "ack", "declare", "resolve"
ACTIONS = (ACK, DECLARE, RESOLVE)


@dataclass(frozen=True)
class Field:
    """A labelled value, shown as a two-column field where the platform has them."""

    title: str
    value: str


@dataclass(frozen=True)
class Button:
    """An action a person can take with one click: `value` says on what (`incident:3`)."""

    label: str
    action: str
    value: str
    style: ButtonStyle = "default"


@dataclass(frozen=True)
class Message:
    """One bot message: a headline, optional body, list items, fields, buttons and a footer."""

    text: str
    body: str = ""
    lines: tuple[str, ...] = ()
    fields: tuple[Field, ...] = ()
    buttons: tuple[Button, ...] = ()
    context: str = ""
    level: Level = "info"
    # Lines that were cut before the message was built (e.g. beyond a query limit).
    more_lines: int = 0

    def with_changes(self, **changes: Any) -> Message:
        return replace(self, **changes)


def plain(text: str) -> Message:
    return Message(text=text)


def plain_text(message: Message, escape: Any = None) -> str:
    """The message as lines of text: for platforms without layout, and as a fallback."""
    esc = escape or (lambda value: value)
    parts = [esc(message.text)]
    if message.body:
        parts.append(esc(message.body))
    parts.extend(f"- {esc(line)}" for line in message.lines)
    if message.more_lines:
        parts.append(more(message.more_lines))
    parts.extend(f"{esc(item.title)}: {esc(item.value)}" for item in message.fields)
    if message.context:
        parts.append(esc(message.context))
    return "\n".join(parts)


def more(count: int) -> str:
    return f"... and {count} more"


def to_dict(message: Message) -> dict[str, Any]:
    """A JSON-safe form for job payloads."""
    data: dict[str, Any] = {"text": message.text}
    for name in ("body", "context"):
        if getattr(message, name):
            data[name] = getattr(message, name)
    if message.lines:
        data["lines"] = list(message.lines)
    if message.fields:
        data["fields"] = [[item.title, item.value] for item in message.fields]
    if message.buttons:
        data["buttons"] = [[b.label, b.action, b.value, b.style] for b in message.buttons]
    if message.level != "info":
        data["level"] = message.level
    if message.more_lines:
        data["more_lines"] = message.more_lines
    return data


def from_dict(data: dict[str, Any]) -> Message:
    return Message(
        text=str(data.get("text", "")),
        body=str(data.get("body", "")),
        lines=tuple(str(line) for line in data.get("lines", ())),
        fields=tuple(Field(str(t), str(v)) for t, v in data.get("fields", ())),
        buttons=tuple(
            Button(str(label), str(action), str(value), style)
            for label, action, value, style in data.get("buttons", ())
        ),
        context=str(data.get("context", "")),
        level=data.get("level", "info"),
        more_lines=int(data.get("more_lines", 0)),
    )


@dataclass(frozen=True)
class Mention:
    """A person named in an inbound message by the platform's own syntax (`<@U024BE7LH>`)."""

    token: str
    user_id: str
    display_name: str = ""


@dataclass(frozen=True)
class ReplyTarget:
    """Where a deferred answer to an inbound request goes (e.g. Slack's `response_url`)."""

    platform: str
    data: dict[str, Any] = field(default_factory=dict)
