"""The `AlertSource` port and helpers every source shares. No database, no web framework."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from pydantic import ValidationError

from opsroom.alert.model import NormalizedAlert
from opsroom.errors import MalformedPayloadError, UnsupportedPayloadError


class AlertSource(Protocol):
    """Turns one inbound request body into normalized alerts. `parse` is pure."""

    kind: str

    def parse(self, headers: Mapping[str, str], body: bytes) -> list[NormalizedAlert]: ...


def decode_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except UnicodeDecodeError as exc:
        raise MalformedPayloadError("body is not UTF-8 encoded JSON") from exc
    except json.JSONDecodeError as exc:
        raise MalformedPayloadError(
            f"body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc


def unsupported(kind: str, exc: ValidationError) -> UnsupportedPayloadError:
    """Name every field that does not match the source's documented format."""
    problems = [
        {"field": ".".join(str(part) for part in error["loc"]) or "(body)", "problem": error["msg"]}
        for error in exc.errors()
    ]
    first = problems[0]
    article = "an" if kind[:1] in "aeiou" else "a"
    return UnsupportedPayloadError(
        f"not {article} {kind} payload: {first['field']}: {first['problem']}", details=problems
    )


def parse_time(value: str | None) -> datetime | None:
    """RFC 3339 time, or None for empty values and Go's zero time (0001-01-01)."""
    if not value or value.startswith("0001-01-01"):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


RAW_LIMIT = 64 * 1024


def capped_raw(raw: dict[str, Any]) -> dict[str, Any]:
    """Keep the raw payload for debugging, but never more than RAW_LIMIT bytes of it."""
    encoded = json.dumps(raw, default=str)
    if len(encoded) <= RAW_LIMIT:
        return raw
    return {"truncated": True, "size": len(encoded), "head": encoded[:RAW_LIMIT]}
