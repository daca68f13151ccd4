"""The `AlertSource` port and helpers every source shares. No database, no web framework."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, Protocol, runtime_checkable
from urllib.parse import parse_qsl

from pydantic import AfterValidator, ValidationError

from opsroom.alert.model import NormalizedAlert
from opsroom.errors import (
    MalformedPayloadError,
    OpsroomError,
    UnsupportedMediaTypeError,
    UnsupportedPayloadError,
)
from opsroom.jsonfast import compact_size, loads_or_none
from opsroom.text import find_bad_text, may_hold_bad_text

JSON_TYPE = "application/json"
FORM_TYPE = "application/x-www-form-urlencoded"
# Content types that say a body is form data, never JSON.
FORM_TYPES = frozenset({FORM_TYPE, "multipart/form-data"})
# Content types a JSON hook reads as JSON besides `application/json` and `*/*+json`: none,
# vague ones real senders use (Amazon SNS posts `text/plain`), and other spellings of JSON.
VAGUE_TYPES = frozenset(
    {"", "text/plain", "application/octet-stream", "text/json", "application/x-json"}
)
_FORM_FIELD = re.compile(rb"^\s*[A-Za-z_][A-Za-z0-9_.%-]*=")


def wrong_media_type(expected: str, got: str, hint: str = "") -> UnsupportedMediaTypeError:
    """415 naming the Content-Type the source reads and the one the request had."""
    message = f"this hook takes {expected} bodies; got Content-Type {got}"
    return UnsupportedMediaTypeError(
        f"{message}: {hint}" if hint else message,
        details=[{"field": "Content-Type", "problem": f"expected {expected}", "got": got}],
    )


@dataclass(frozen=True)
class HookRequest:
    """One inbound hook request as a source sees it; header names are lower-case."""

    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def json(self, hint: str = "") -> Any:
        """The body as JSON; refused with 415 when its Content-Type says it is something else
        (form data, XML, HTML, ...).

        A missing Content-Type, `text/plain` (Amazon SNS) or `application/octet-stream` is read
        as JSON: many senders send none or a vague one. `hint` tells the sender how to fix a
        form-data refusal.
        """
        content_type = self.content_type
        if content_type in FORM_TYPES:
            raise wrong_media_type(JSON_TYPE, content_type, hint)
        if not (
            content_type in VAGUE_TYPES
            or content_type == JSON_TYPE
            or content_type.endswith("+json")
        ):
            raise wrong_media_type(JSON_TYPE, content_type)
        return decode_json(self.body)

    def looks_like_json(self) -> bool:
        return self.body.lstrip()[:1] in (b"{", b"[")

    def looks_like_form(self) -> bool:
        """`name=value&...` fields, as curl --data-urlencode or a form-posting tool sends."""
        return bool(_FORM_FIELD.match(self.body)) and not self.looks_like_json()

    def form(self) -> dict[str, str]:
        """Form fields (`application/x-www-form-urlencoded`); the last value of a name wins."""
        try:
            text = self.body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedPayloadError("form body is not UTF-8") from exc
        fields = dict(parse_qsl(text, keep_blank_values=True))
        _refuse_bad_text(fields)
        return fields


@dataclass(frozen=True)
class FollowUp:
    """Work a source asks for after the alerts are stored, run as a job (e.g. SNS confirm)."""

    job: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class HookResult:
    """What a source made of a request: alerts, and optionally its own answer and follow-ups."""

    alerts: list[NormalizedAlert]
    reply: dict[str, Any] | None = None
    status_code: int = 202
    follow_ups: tuple[FollowUp, ...] = ()


class AlertSource(Protocol):
    """Turns one inbound request into normalized alerts. `parse` is pure."""

    kind: str

    def parse(self, request: HookRequest) -> HookResult: ...


@runtime_checkable
class ErrorReplyingSource(Protocol):
    """A source whose senders expect errors in the vendor's own shape (e.g. PagerDuty)."""

    def error_reply(self, error: OpsroomError) -> tuple[dict[str, Any], int]:
        """The body and status code to answer a refused request with."""


@runtime_checkable
class VerifyingSource(Protocol):
    """A source that proves where a request came from beyond the URL token (e.g. SNS)."""

    def verify(self, request: HookRequest) -> None:
        """Raise AuthenticationError when the request's signature does not hold."""


def decode_json(body: bytes) -> Any:
    fast, data = loads_or_none(body)
    if not fast:
        data = _decode_json_slowly(body)
    if may_hold_bad_text(body):
        _refuse_bad_text(data)
    return data


def _decode_json_slowly(body: bytes) -> Any:
    try:
        return json.loads(body)
    except UnicodeDecodeError as exc:
        raise MalformedPayloadError("body is not UTF-8 encoded JSON") from exc
    except json.JSONDecodeError as exc:
        if _FORM_FIELD.match(body):
            raise MalformedPayloadError(
                "body is not valid JSON: it looks like form fields (name=value&...); this hook "
                f"takes JSON, sent with Content-Type: {JSON_TYPE}"
            ) from exc
        raise MalformedPayloadError(
            f"body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc
    except RecursionError as exc:
        raise MalformedPayloadError("body is not acceptable JSON: nested too deeply") from exc
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise MalformedPayloadError("body is not acceptable JSON: a number is too long") from exc


def _refuse_bad_text(data: Any) -> None:
    found = find_bad_text(data)
    if found is not None:
        field_path, problem = found
        raise MalformedPayloadError(
            f"{field_path}: {problem}", details=[{"field": field_path, "problem": problem}]
        )


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
        parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        parsed.astimezone(UTC)  # a time at the edge of the calendar fails here, not at commit
        return parsed
    except (ValueError, OverflowError):
        return None


# What a sender leaves in a field it has no value for: nothing, or its macro unreplaced
# (Zabbix `{EVENT.RECOVERY.TIMESTAMP}`, Nagios `$LASTSERVICESTATECHANGE$`, `$INCIDENT_TIME_ISO`).
_UNSET = re.compile(r"^\s*(\{\$?[A-Z0-9_.]+\}|\$[A-Z0-9_]+\$?)?\s*$")


def unset(value: str) -> bool:
    """Whether a sender's field says nothing: empty, or a macro it did not replace."""
    return bool(_UNSET.match(value))


def bad_time(kind: str, name: str, value: str, expected: str) -> UnsupportedPayloadError:
    """422 naming the time field a sender filled with something that is no time."""
    return UnsupportedPayloadError(
        f"not a {kind} payload: {name}={value[:60]!r} is not {expected}",
        details=[{"field": name, "problem": f"not {expected}"}],
    )


def epoch_time(seconds: float) -> datetime | None:
    """A Unix time, or None when it is outside the calendar Python and databases share."""
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (ValueError, OverflowError, OSError):
        return None


def _checked_time(value: str | None) -> str | None:
    if value and not value.startswith("0001-01-01") and parse_time(value) is None:
        raise ValueError("not an RFC 3339 time such as 2026-12-04T10:00:00Z")
    return value


# A time field that must be RFC 3339 when present (empty and Go's zero time mean "none").
Rfc3339 = Annotated[str | None, AfterValidator(_checked_time)]

RAW_LIMIT = 64 * 1024


def capped_raw(raw: dict[str, Any]) -> dict[str, Any]:
    """Keep the raw payload for debugging, but never more than RAW_LIMIT bytes of it."""
    if compact_size(raw) * 3 <= RAW_LIMIT:
        return raw  # `json.dumps` below writes at most 3 characters per byte of compact JSON
    encoded = json.dumps(raw, default=str)
    if len(encoded) <= RAW_LIMIT:
        return raw
    return {"truncated": True, "size": len(encoded), "head": encoded[:RAW_LIMIT]}
