"""Mattermost's rendering of a platform-neutral message: a Markdown `message` plus, for colour
and buttons, one message attachment (developers.mattermost.com/integrate/reference/
message-attachments, .../interactive-messages).

Alert text is data: Markdown control characters are escaped with a backslash, so no link,
image, table or heading can be injected, and every `@` that starts a name (`@channel`,
`@here`, `@all`, `@alice`) is broken with a word joiner, so nobody is notified; the post
also carries `disable_group_highlight`. A post is at most 16,383 characters.
"""

from __future__ import annotations

import re
from typing import Any

from opsroom.chat.escape import break_mentions
from opsroom.chat.limits import CUT, Limits
from opsroom.chat.message import Button, Message, more

MAX_MESSAGE = 16383
MATTERMOST_LIMITS = Limits(
    text=2000,
    body=4000,
    lines=50,
    lines_text=6000,
    fields=10,
    field_title=100,
    field_value=500,
    buttons=5,
    button_label=50,
    context=1000,
    room_name=64,
    topic=1024,
)
_MARKDOWN = re.compile(r"([\\`*_~\[\]<>|#])")
_COLORS = {"critical": "#d40e0d", "warning": "#e8a723", "good": "#2eb67d", "info": "#1d9bd1"}
_STYLES = {"primary": "primary", "danger": "danger", "default": "default"}


def escape(text: str) -> str:
    """Plain text made inert in Mattermost Markdown: no markup, no mentions."""
    return break_mentions(_MARKDOWN.sub(r"\\\1", text))


def markdown(message: Message) -> str:
    """The Markdown of a message already fitted to the limits."""
    parts = [f"**{escape(message.text)}**"]
    if message.body:
        parts.append(escape(message.body))
    parts.extend(f"- {escape(line)}" for line in message.lines)
    if message.more_lines:
        parts.append(more(message.more_lines))
    parts.extend(f"**{escape(item.title)}**: {escape(item.value)}" for item in message.fields)
    if message.context:
        parts.append(f"_{escape(message.context)}_")
    text = "\n".join(parts)
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - len(CUT)] + CUT


def payload(message: Message, actions: tuple[str, str] | None = None) -> dict[str, Any]:
    """`message` and `props` for POST /api/v4/posts; `actions` is (callback URL, secret)."""
    attachment: dict[str, Any] = {"color": _COLORS.get(message.level, _COLORS["info"])}
    if actions is not None and message.buttons:
        url, secret = actions
        attachment["actions"] = [_action(button, url, secret) for button in message.buttons]
    props: dict[str, Any] = {"disable_group_highlight": True}
    if message.level != "info" or "actions" in attachment:
        props["attachments"] = [attachment]
    return {"message": markdown(message), "props": props}


def _action(button: Button, url: str, secret: str) -> dict[str, Any]:
    return {
        "id": f"opsroom{button.action}",
        "name": button.label,
        "type": "button",
        "style": _STYLES.get(button.style, "default"),
        "integration": {
            "url": url,
            "context": {"action": button.action, "value": button.value, "secret": secret},
        },
    }
