"""Each platform's size limits, applied once before rendering, so a platform never rejects a
message for its size: long lists end in "... and N more", long texts are cut. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from opsroom.chat.message import Field, Message, more

Escape = Callable[[str], str]
CUT = " ... (cut)"
# A last line that already counts what is not shown ("... and 12 earlier entries").
_COUNTED = re.compile(r"^\.\.\. and (\d+) (.+)$")


@dataclass(frozen=True)
class Limits:
    """Sizes in characters after escaping, counts in items."""

    text: int = 4000
    body: int = 4000
    lines: int = 20
    lines_text: int = 4000
    fields: int = 10
    field_title: int = 100
    field_value: int = 1000
    buttons: int = 5
    button_label: int = 75
    context: int = 1000
    room_name: int = 80
    topic: int = 250


def fit(message: Message, limits: Limits, escape: Escape) -> Message:
    """The message cut to `limits`; what was dropped is counted, never silently lost."""
    lines, dropped = _fit_lines(message.lines, limits, escape, message.more_lines)
    fields = tuple(
        Field(
            cut(item.title, limits.field_title, escape), cut(item.value, limits.field_value, escape)
        )
        for item in message.fields[: limits.fields]
    )
    context = message.context
    hidden_fields = len(message.fields) - len(fields)
    if hidden_fields > 0:
        context = f"{context} ({more(hidden_fields)} fields)".strip()
    buttons = tuple(
        button.__class__(
            cut(button.label, limits.button_label, escape),
            button.action,
            button.value,
            button.style,
        )
        for button in message.buttons[: limits.buttons]
    )
    return message.with_changes(
        text=cut_lines(message.text, limits.text, escape),
        body=cut_lines(message.body, limits.body, escape),
        lines=lines,
        more_lines=dropped,
        fields=fields,
        buttons=buttons,
        context=cut(context, limits.context, escape),
    )


def cut(text: str, limit: int, escape: Escape) -> str:
    """`text` shortened so that its escaped form fits in `limit` characters."""
    if len(escape(text)) <= limit:
        return text
    keep = max(0, limit - len(CUT))
    candidate = text[:keep]
    while candidate and len(escape(candidate)) + len(CUT) > limit:
        overshoot = len(escape(candidate)) + len(CUT) - limit
        candidate = candidate[: len(candidate) - max(1, overshoot // 6)]
    return candidate.rstrip() + CUT if limit > len(CUT) else text[:limit]


def cut_lines(text: str, limit: int, escape: Escape) -> str:
    """A long text of several lines (a timeline, the help) keeps as many whole lines as fit
    and ends in "... and N more"; a single line is cut as `cut` does."""
    if len(escape(text)) <= limit or "\n" not in text:
        return cut(text, limit, escape)
    lines = text.split("\n")
    counted = _COUNTED.match(lines[-1])
    extra = int(counted.group(1)) if counted else 0
    noun = counted.group(2) if counted else "more"
    if counted:
        lines = lines[:-1]
    kept: list[str] = []
    for line in lines:
        tail = f"... and {len(lines) - len(kept) - 1 + extra} {noun}"
        candidate = "\n".join([*kept, line, tail])
        if len(escape(candidate)) > limit:
            break
        kept.append(line)
    if not kept:
        return cut(text.split("\n", 1)[0], limit, escape)
    dropped = len(lines) - len(kept) + extra
    return "\n".join([*kept, f"... and {dropped} {noun}"]) if dropped else "\n".join(kept)


def _fit_lines(
    lines: tuple[str, ...], limits: Limits, escape: Escape, already_dropped: int
) -> tuple[tuple[str, ...], int]:
    """As many whole lines as fit by count and total size, keeping room for the tail."""
    tail_room = len(more(len(lines) + already_dropped)) + 1
    kept: list[str] = []
    used = 0
    for index, original in enumerate(lines):
        line = original
        remaining = len(lines) - index - 1 + already_dropped
        budget = limits.lines_text - (tail_room if remaining else 0)
        if len(kept) >= limits.lines:
            break
        size = len(escape(line)) + 3
        if used + size > budget:
            shortened = cut(line, max(0, budget - used - 3), escape)
            if kept or not shortened:
                break
            line, size = shortened, len(escape(shortened)) + 3
        kept.append(line)
        used += size
    return tuple(kept), len(lines) - len(kept) + already_dropped
