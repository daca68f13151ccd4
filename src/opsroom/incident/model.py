"""Pure incident vocabulary: statuses, severities, room names. Standard library only."""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

ROOM_NAME_MAX = 80


class IncidentStatus(StrEnum):
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"
    CLOSED = "closed"


OPEN_STATUSES = (
    IncidentStatus.INVESTIGATING,
    IncidentStatus.IDENTIFIED,
    IncidentStatus.MONITORING,
)
SETTABLE_STATUSES = OPEN_STATUSES

ROLES = ("commander", "comms", "scribe")

_ALERT_TO_INCIDENT_SEVERITY = {"critical": 1, "error": 2, "warning": 3, "info": 4}


def severity_label(level: int) -> str:
    return f"sev{level}"


def parse_severity(text: str) -> int | None:
    """`sev2`, `SEV2`, `2` -> 2; anything else -> None."""
    match = re.fullmatch(r"(?:sev)?([1-4])", text.strip().lower())
    return int(match.group(1)) if match else None


def severity_from_alert(alert_severity: str) -> int:
    return _ALERT_TO_INCIDENT_SEVERITY.get(alert_severity, 3)


def slugify(text: str) -> str:
    """Lowercase `[a-z0-9-]` words of `text`; accents folded, everything else dropped."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")


def room_name(
    number: int,
    title: str,
    taken: set[str] | frozenset[str] = frozenset(),
    *,
    max_length: int = ROOM_NAME_MAX,
    attempt: int = 0,
) -> str:
    """`inc-<number>-<slug>`, at most `max_length` characters, not in `taken`.

    Only `[a-z0-9-]`, so it is valid on every chat platform opsroom supports. `attempt` > 0
    (the platform said the name is taken) starts at the suffix `-<attempt + 1>`.
    """
    prefix = f"inc-{number}"
    slug = slugify(title)
    base = f"{prefix}-{slug}" if slug else prefix
    base = base[:max_length].rstrip("-")
    suffix = attempt + 1
    candidate = base if attempt == 0 else _suffixed(base, suffix, max_length)
    while candidate in taken:
        suffix += 1
        candidate = _suffixed(base, suffix, max_length)
    return candidate


def _suffixed(base: str, suffix: int, max_length: int) -> str:
    tail = f"-{suffix}"
    return base[: max_length - len(tail)].rstrip("-") + tail


def incident_ref(number: int) -> str:
    return f"INC-{number}"
