"""Silences and maintenance windows: create, list, expire (never delete)."""

from __future__ import annotations

from datetime import datetime, timedelta

from opsroom.alert.matchers import parse_matchers
from opsroom.alert.tables import MaintenanceWindowRow, SilenceRow
from opsroom.clock import as_utc
from opsroom.context import Context
from opsroom.db.uow import UnitOfWork
from opsroom.errors import InvalidInputError, NotFoundError

MAX_SILENCE = timedelta(days=366)


def create_silence(
    uow: UnitOfWork,
    ctx: Context,
    *,
    matchers: list[str] | str,
    author: str,
    ends_at: datetime | None = None,
    duration: timedelta | None = None,
    starts_at: datetime | None = None,
    comment: str = "",
) -> SilenceRow:
    parsed = parse_matchers(matchers)
    if not parsed:
        raise InvalidInputError('a silence needs at least one matcher, e.g. alertname="X"')
    if all(matcher.matches({}) for matcher in parsed):
        # Alertmanager's rule: such a silence would mute every alert there is.
        raise InvalidInputError(
            "a silence needs a matcher that does not match an empty label, "
            'e.g. alertname="X" (these would mute every alert)'
        )
    if ends_at is not None and duration is not None:
        raise InvalidInputError("give ends_at or duration, not both")
    now = ctx.clock.now()
    start = as_utc(starts_at) if starts_at else now
    end = as_utc(ends_at) if ends_at else (_plus(start, duration) if duration is not None else None)
    if end is None:
        raise InvalidInputError("a silence needs an end: give a duration or ends_at")
    if end <= start or end <= now:
        raise InvalidInputError("a silence must end in the future and after it starts")
    if end - start > MAX_SILENCE:
        raise InvalidInputError("a silence can last at most 366 days")
    return uow.alerts.add_silence(
        SilenceRow(
            matchers=[str(m) for m in parsed],
            starts_at=start,
            ends_at=end,
            created_by=author,
            comment=comment,
            created_at=now,
        )
    )


def expire_silence(uow: UnitOfWork, ctx: Context, silence_id: int, actor: str) -> SilenceRow:
    silence = uow.alerts.get_silence(silence_id)
    if silence is None:
        raise NotFoundError(f"no silence #{silence_id}")
    now = ctx.clock.now()
    if silence.ends_at > now:
        silence.ends_at = max(now, silence.starts_at)
        silence.expired_by = actor
    return silence


def silence_state(silence: SilenceRow, now: datetime) -> str:
    if silence.ends_at <= now:
        return "expired"
    return "active" if silence.starts_at <= now else "pending"


def add_maintenance(
    uow: UnitOfWork,
    ctx: Context,
    *,
    service: str,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    duration: timedelta | None = None,
    reason: str,
    author: str,
) -> MaintenanceWindowRow:
    """A window from `starts_at` (default now) to `ends_at`, or for `duration`, as silences."""
    if ends_at is not None and duration is not None:
        raise InvalidInputError("give ends_at or duration, not both")
    starts_at = as_utc(starts_at) if starts_at else ctx.clock.now()  # no offset: UTC
    if ends_at is None and duration is None:
        raise InvalidInputError("a maintenance window needs an end: give ends_at or a duration")
    ends_at = as_utc(ends_at) if ends_at else _plus(starts_at, duration or timedelta(0))
    if ends_at <= starts_at or ends_at <= ctx.clock.now():
        raise InvalidInputError("a maintenance window must end in the future and after it starts")
    return uow.alerts.add_maintenance(
        MaintenanceWindowRow(
            service=service,
            starts_at=starts_at,
            ends_at=ends_at,
            reason=reason,
            created_by=author,
            created_at=ctx.clock.now(),
        )
    )


def _plus(start: datetime, duration: timedelta) -> datetime:
    try:
        return start + duration
    except OverflowError:
        raise InvalidInputError("the end would be after the year 9999") from None
