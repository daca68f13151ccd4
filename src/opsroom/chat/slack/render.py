"""Slack's rendering of a platform-neutral message: Block Kit plus a plain `text` fallback.

Everything is escaped: `&`, `<` and `>` become entities (Slack's control characters, so no
`<!channel>`, `<@U123>` or links can be injected) and broadcast words are broken. Limits
(api.slack.com/reference/block-kit/blocks): section text 3000 characters, 10 fields of 2000,
25 elements in an actions block, button text 75, 50 blocks; `text` is cut by Slack at 40000.
"""

from __future__ import annotations

from typing import Any

from opsroom.chat.escape import break_broadcasts
from opsroom.chat.limits import Limits
from opsroom.chat.message import Button, Message, more, plain_text

SLACK_LIMITS = Limits(
    text=2900,
    body=2900,
    lines=25,
    lines_text=2900,
    fields=10,
    field_title=100,
    field_value=1900,
    buttons=5,
    button_label=75,
    context=2900,
    room_name=80,
    topic=250,
)
_STYLES = {"primary": "primary", "danger": "danger"}


def escape(text: str) -> str:
    """Plain text made inert in Slack mrkdwn and plain_text objects."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return break_broadcasts(text)


def blocks(message: Message) -> list[dict[str, Any]]:
    """Block Kit blocks of a message already fitted to SLACK_LIMITS."""
    result: list[dict[str, Any]] = [_section(escape(message.text))]
    if message.body:
        result.append(_section(escape(message.body)))
    listed = [f"• {escape(line)}" for line in message.lines]
    if message.more_lines:
        listed.append(more(message.more_lines))
    if listed:
        result.append(_section("\n".join(listed)))
    if message.fields:
        fields = [
            {"type": "mrkdwn", "text": f"*{escape(item.title)}*\n{escape(item.value)}"}
            for item in message.fields
        ]
        result.append({"type": "section", "fields": fields})
    if message.context:
        result.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": escape(message.context)}]}
        )
    if message.buttons:
        result.append({"type": "actions", "elements": [_button(b) for b in message.buttons]})
    return result


def payload(message: Message) -> dict[str, Any]:
    """`text` (notifications, screen readers; within Slack's 40,000 characters once fitted) and
    `blocks` for chat.postMessage and friends."""
    return {"text": plain_text(message, escape), "blocks": blocks(message)}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}}


def _button(button: Button) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": button.label, "emoji": True},
        "action_id": f"opsroom_{button.action}",
        "value": button.value,
    }
    if button.style in _STYLES:
        element["style"] = _STYLES[button.style]
    return element
