"""Pure escalation vocabulary: targets, positions in a policy, statuses. Standard library only."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from opsroom.errors import InvalidInputError

TARGET_KINDS = ("user", "schedule", "team")
_TARGET = re.compile(r"^(?:(user|schedule|team):)?@?([A-Za-z0-9_.-]{1,100})$")


class EscalationStatus(StrEnum):
    ACTIVE = "active"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


@dataclass(frozen=True, order=True)
class Target:
    """Who a step notifies: a person, whoever a schedule has on call, or a team's members."""

    kind: str
    name: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.name}"


def parse_target(text: str) -> Target:
    """`user:alice`, `@alice`, `schedule:web-primary`, `team:sre`."""
    match = _TARGET.match(text.strip())
    if match is None:
        raise InvalidInputError(
            f"invalid target {text!r}: use user:<name>, @<name>, schedule:<name> or team:<name>"
        )
    kind = match.group(1) or "user"
    return Target(kind, match.group(2))


@dataclass(frozen=True, order=True)
class Position:
    """A step of one pass through a policy; pass 0 is the first run, pass k the k-th repeat."""

    pass_no: int
    step: int


def next_position(current: Position, *, steps: int, repeat: int) -> Position | None:
    """The step after `current`, wrapping into the next pass while repeats remain."""
    if current.step + 1 < steps:
        return Position(current.pass_no, current.step + 1)
    if current.pass_no < repeat:
        return Position(current.pass_no + 1, 0)
    return None


def ack_code_from_text(text: str) -> int | None:
    """An SMS reply such as `ACK 42`, `ack #42` or `Ack42`; None when it is something else."""
    match = re.fullmatch(r"\s*ack\s*#?\s*(\d{1,12})\s*[.!]?\s*", text, flags=re.IGNORECASE)
    return int(match.group(1)) if match else None
