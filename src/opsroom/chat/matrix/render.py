"""Matrix's rendering of a platform-neutral message: an `m.notice` with a plain `body` and an
HTML `formatted_body` (spec.matrix.org/latest/client-server-api/#mroommessage-msgtypes).

Nothing from an alert can notify anyone: every event carries `"m.mentions": {}` (intentional
mentions, spec v1.7: clients and servers then ignore the body-based legacy push rules), and
every `@` that starts a name (`@room`, `@alice:example.test`) is broken with a word joiner for
older clients; HTML is escaped, so no link or pill can be injected. Bots send `m.notice` so
that other bots do not answer them. An event is at most 65,536 bytes of canonical JSON
(spec: "Size limits"); content is kept well under that, dropping the HTML copy first.
"""

from __future__ import annotations

import html
import json
from dataclasses import replace
from typing import Any

from opsroom.chat.escape import break_mentions
from opsroom.chat.limits import CUT, Limits
from opsroom.chat.message import Message, more, plain_text

# The whole event, with its envelope (ids, hashes, signatures), must fit in 65,536 bytes.
MAX_CONTENT_BYTES = 56 * 1024
MAX_ALIAS_BYTES = 255
MATRIX_LIMITS = Limits(
    text=2000,
    body=8000,
    lines=50,
    lines_text=12000,
    fields=10,
    field_title=200,
    field_value=1000,
    buttons=5,
    button_label=75,
    context=2000,
    room_name=80,
    topic=1000,
)
HTML_FORMAT = "org.matrix.custom.html"


def limits_for(server_name: str, alias_prefix: str = "") -> Limits:
    """Room names that make a valid alias: `#<prefix><name>:<server>` is at most 255 bytes."""
    room = min(MATRIX_LIMITS.room_name, MAX_ALIAS_BYTES - 2 - len(server_name) - len(alias_prefix))
    return replace(MATRIX_LIMITS, room_name=max(room, 12))


def escape(text: str) -> str:
    """Plain text as it goes in `body`: no `@` starts a mention."""
    return break_mentions(text)


def escape_html(text: str) -> str:
    return break_mentions(html.escape(text, quote=True)).replace("\n", "<br>")


def formatted(message: Message) -> str:
    """The HTML of a message already fitted to the limits."""
    parts = [f"<p><strong>{escape_html(message.text)}</strong></p>"]
    if message.body:
        parts.append(f"<p>{escape_html(message.body)}</p>")
    if message.lines:
        items = "".join(f"<li>{escape_html(line)}</li>" for line in message.lines)
        parts.append(f"<ul>{items}</ul>")
    if message.more_lines:
        parts.append(f"<p>{more(message.more_lines)}</p>")
    if message.fields:
        rows = "<br>".join(
            f"<strong>{escape_html(item.title)}</strong>: {escape_html(item.value)}"
            for item in message.fields
        )
        parts.append(f"<p>{rows}</p>")
    if message.context:
        parts.append(f"<p><em>{escape_html(message.context)}</em></p>")
    return "".join(parts)


def content(message: Message, **extra: Any) -> dict[str, Any]:
    """The `m.room.message` content, guaranteed to fit in one event."""
    body = plain_text(message, escape)
    result: dict[str, Any] = {
        "msgtype": "m.notice",
        "body": body,
        "format": HTML_FORMAT,
        "formatted_body": formatted(message),
        "m.mentions": {},
        **extra,
    }
    if size(result) > MAX_CONTENT_BYTES:
        del result["format"], result["formatted_body"]
    overshoot = size(result) - MAX_CONTENT_BYTES
    if overshoot > 0:
        result["body"] = cut_bytes(body, len(body.encode()) - overshoot)
    return result


def size(data: dict[str, Any]) -> int:
    """Bytes of the content as the homeserver counts them (UTF-8 JSON)."""
    return len(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode())


def cut_bytes(text: str, limit: int) -> str:
    """`text` cut so that its UTF-8 form with the cut mark fits in `limit` bytes."""
    budget = max(0, limit - len(CUT.encode()) - 16)  # JSON escapes can grow a little
    cut = text.encode()[:budget].decode("utf-8", errors="ignore")
    return cut.rstrip() + CUT
