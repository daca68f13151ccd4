"""Teams' rendering of a platform-neutral message: an Adaptive Card (learn.microsoft.com/
microsoftteams/platform/task-modules-and-cards/cards/cards-reference) with Action.Submit
buttons, and plain replies as `textFormat: xml` text.

Escaping: in activity text `&`, `<`, `>` become entities, so no HTML and no `<at>` mention
(which would also need an `entities` entry: opsroom never sends one). Card TextBlocks know
no HTML but a little markdown: `*`, `_`, `[`, `]`, `` ` `` get a backslash and a `<` is
followed by a word joiner, so `<at>` is never a tag. Broadcast words are broken everywhere.
Size: a bot message is at most 40 KB counted in UTF-16, an Adaptive Card about 28 KB; the
limits below keep the largest card near 24 KB and `card_size` checks it.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

from opsroom.chat.escape import WORD_JOINER, break_broadcasts
from opsroom.chat.limits import Limits, fit
from opsroom.chat.message import Button, Message, more, plain_text

TEAMS_LIMITS = Limits(
    text=2000,
    body=2000,
    lines=30,
    lines_text=4000,
    fields=10,
    field_title=50,
    field_value=300,
    buttons=6,
    button_label=40,
    context=500,
    room_name=50,
    topic=1000,
)
CARD_BYTES = 28 * 1024
CARD = "application/vnd.microsoft.card.adaptive"
_MARKDOWN = re.compile(r"([\\*_\[\]`])")
_COLORS = {"critical": "Attention", "warning": "Warning", "good": "Good", "info": "Default"}
_STYLES = {"primary": "positive", "danger": "destructive"}


def escape(text: str) -> str:
    """Text made inert in an activity's `text` (textFormat xml)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return break_broadcasts(text)


def escape_card(text: str) -> str:
    """Text made inert in an Adaptive Card TextBlock or FactSet."""
    text = _MARKDOWN.sub(r"\\\1", text).replace("<", "<" + WORD_JOINER)
    return break_broadcasts(text)


def text_activity(text: str) -> dict[str, Any]:
    return {"type": "message", "textFormat": "xml", "text": escape(text).replace("\n", "<br>")}


def card(message: Message) -> dict[str, Any]:
    """The Adaptive Card (version 1.4) of a message already fitted to TEAMS_LIMITS."""
    body: list[dict[str, Any]] = [
        _block(escape_card(message.text), weight="Bolder", color=_COLORS[message.level])
    ]
    if message.body:
        body.append(_block(escape_card(message.body)))
    listed = [f"- {escape_card(line)}" for line in message.lines]
    if message.more_lines:
        listed.append(more(message.more_lines))
    if listed:
        body.append(_block("\n".join(listed)))
    if message.fields:
        facts = [
            {"title": escape_card(f.title), "value": escape_card(f.value)} for f in message.fields
        ]
        body.append({"type": "FactSet", "facts": facts})
    if message.context:
        body.append(_block(escape_card(message.context), isSubtle=True, size="Small"))
    result: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.4",
        "body": body,
        "msteams": {"width": "Full"},
    }
    if message.buttons:
        result["actions"] = [_action(button) for button in message.buttons]
    return result


def activity(message: Message) -> dict[str, Any]:
    """A message activity carrying the card, with a plain `summary` for notifications.

    The limits count characters; Teams counts UTF-16 bytes, so text of emoji can still be
    too big: then the message is fitted again to halved limits until the card fits (lists
    still end in "... and N more")."""
    limits = TEAMS_LIMITS
    for _ in range(8):
        payload = {
            "type": "message",
            "summary": escape_card(plain_text(message.with_changes(lines=(), more_lines=0)))[:200],
            "attachments": [{"contentType": CARD, "content": card(message)}],
        }
        if card_size(payload) <= CARD_BYTES:
            break
        limits = _halved(limits)
        message = fit(message, limits, escape_card)
    return payload


def _halved(limits: Limits) -> Limits:
    sizes = ("text", "body", "lines_text", "field_value", "context")
    return replace(limits, **{name: max(40, getattr(limits, name) // 2) for name in sizes})


def card_size(payload: dict[str, Any]) -> int:
    """Bytes as Teams counts them (the JSON in UTF-16)."""
    return len(json.dumps(payload, ensure_ascii=False).encode("utf-16-le"))


def _block(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **extra}


def _action(button: Button) -> dict[str, Any]:
    action: dict[str, Any] = {
        "type": "Action.Submit",
        "title": button.label,
        "data": {"opsroom_action": button.action, "opsroom_value": button.value},
    }
    if button.style in _STYLES:
        action["style"] = _STYLES[button.style]
    return action
