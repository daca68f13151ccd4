"""Discord's rendering of a platform-neutral message: `content`, one embed, button rows.

Everything is escaped: Discord markdown (`*_~` and friends, headings, quotes, masked links)
gets a backslash, `<` gets one too so `<@id>`, `<@&role>`, `<#channel>` and `<t:...>` show
as text, and broadcast words are broken. `allowed_mentions: {"parse": []}` on every message
means that even a mention that slipped through notifies nobody. Limits (discord.com/
developers/docs/resources/message#create-message and #embed-object-embed-limits): content
2000 characters; embed description 4096, 25 fields of 256/1024, footer 2048, all embeds
together 6000; 5 buttons in a row, 5 rows; button label 80, custom_id 100.
"""

from __future__ import annotations

import re
from typing import Any

from opsroom.chat.escape import break_broadcasts
from opsroom.chat.limits import Limits
from opsroom.chat.message import Button, Message, more

# Sizes are chosen so that the worst case stays inside every limit above, the 6000 total
# included: description 800 + 1 + 3000 + fields 8 * (50 + 150) + footer 500 = 5901.
DISCORD_LIMITS = Limits(
    text=1900,
    body=800,
    lines=25,
    lines_text=3000,
    fields=8,
    field_title=50,
    field_value=150,
    buttons=25,
    button_label=80,
    context=500,
    room_name=100,
    topic=1024,
)
EMBED_TOTAL = 6000
BUTTONS_PER_ROW = 5
CUSTOM_ID = "opsroom"
NO_MENTIONS: dict[str, Any] = {"parse": []}
_COLORS = {"critical": 0xD40E0D, "warning": 0xE8A723, "good": 0x2EB67D, "info": 0x1D9BD1}
# Button styles: 1 primary (blurple), 2 secondary (grey), 4 danger (red).
_STYLES = {"primary": 1, "default": 2, "danger": 4}
_MARKUP = re.compile(r"([\\*_~`|\[\]<>])")
_LINE_START = re.compile(r"^([#>-])", re.MULTILINE)
_EMPTY = "\u200b"  # Discord refuses empty field names and values


def escape(text: str) -> str:
    """Plain text made inert in Discord content, embed descriptions and field values."""
    text = _MARKUP.sub(r"\\\1", text)
    text = _LINE_START.sub(r"\\\1", text)
    return break_broadcasts(text)


def payload(message: Message) -> dict[str, Any]:
    """The JSON body of Create/Edit Message and of an interaction's (edited) response."""
    body: dict[str, Any] = {
        "content": escape(message.text)[:2000],
        "allowed_mentions": NO_MENTIONS,
        "embeds": [],
        "components": rows(message.buttons),
    }
    embed = _embed(message)
    if embed:
        body["embeds"] = [embed]
    return body


def text_payload(text: str, *, ephemeral: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {"content": escape(text)[:2000], "allowed_mentions": NO_MENTIONS}
    if ephemeral:
        body["flags"] = 64
    return body


def _embed(message: Message) -> dict[str, Any]:
    parts = [escape(message.body)] if message.body else []
    parts.extend(f"• {escape(line)}" for line in message.lines)
    if message.more_lines:
        parts.append(more(message.more_lines))
    embed: dict[str, Any] = {}
    if parts:
        embed["description"] = "\n".join(parts)[:4096]
    if message.fields:
        embed["fields"] = [
            {
                "name": escape(item.title) or _EMPTY,
                "value": escape(item.value) or _EMPTY,
                "inline": True,
            }
            for item in message.fields[:25]
        ]
    if message.context:
        embed["footer"] = {"text": escape(message.context)[:2048]}
    if embed:
        embed["color"] = _COLORS.get(message.level, _COLORS["info"])
    return embed


def rows(buttons: tuple[Button, ...]) -> list[dict[str, Any]]:
    """Action rows (component type 1) of at most 5 buttons (type 2), at most 5 rows."""
    chunks = [buttons[i : i + BUTTONS_PER_ROW] for i in range(0, len(buttons), BUTTONS_PER_ROW)]
    return [
        {"type": 1, "components": [_button(b) for b in chunk]} for chunk in chunks[:BUTTONS_PER_ROW]
    ]


def _button(button: Button) -> dict[str, Any]:
    return {
        "type": 2,
        "style": _STYLES.get(button.style, 2),
        "label": button.label[:80],
        "custom_id": custom_id(button.action, button.value),
    }


def custom_id(action: str, value: str) -> str:
    return f"{CUSTOM_ID}:{action}:{value}"[:100]


def parse_custom_id(value: str) -> tuple[str, str] | None:
    """(action, value) of a button opsroom rendered; None for anything else."""
    prefix, _, rest = value.partition(":")
    action, _, target = rest.partition(":")
    if prefix != CUSTOM_ID or not action or not target:
        return None
    return action, target


def embed_size(embed: dict[str, Any]) -> int:
    """Characters that count toward Discord's 6000 per message."""
    size = len(embed.get("title", "")) + len(embed.get("description", ""))
    size += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    return size + len(embed.get("footer", {}).get("text", ""))
