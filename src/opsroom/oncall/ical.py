"""iCalendar feeds of final shifts, reached through signed URLs (calendar apps send no tokens).

A feed URL carries a token signed with the server's secret key that names one schedule or one
person; changing `server.secret_key` revokes every feed URL.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Literal
from urllib.parse import quote
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event
from itsdangerous import BadSignature, URLSafeSerializer

from opsroom.errors import AuthenticationError
from opsroom.oncall.model import Shift

FeedKind = Literal["schedule", "user"]
PAST = timedelta(days=30)
FUTURE = timedelta(days=180)
_SALT = "opsroom.oncall.calendar"


def feed_token(secret_key: str, kind: FeedKind, name: str) -> str:
    return URLSafeSerializer(secret_key, salt=_SALT).dumps([kind, name])


def check_feed_token(secret_key: str, kind: FeedKind, name: str, token: str) -> None:
    """Accept the token only if it was signed here for exactly this schedule or person."""
    try:
        payload = URLSafeSerializer(secret_key, salt=_SALT).loads(token)
    except BadSignature as exc:
        raise AuthenticationError("invalid calendar token: ask opsroom for the feed URL") from exc
    if payload != [kind, name]:
        raise AuthenticationError(f"this calendar token is not for {kind} {name!r}")


def feed_url(base_url: str, secret_key: str, kind: FeedKind, name: str) -> str:
    collection = "schedules" if kind == "schedule" else "users"
    token = feed_token(secret_key, kind, name)
    return f"{base_url}/api/v1/{collection}/{quote(name)}/calendar.ics?token={token}"


def feed_window(now: datetime) -> tuple[datetime, datetime]:
    return now - PAST, now + FUTURE


def event_uid(schedule: str, shift: Shift) -> str:
    """Stable while the schedule is unchanged: the source of the shift, its start and person."""
    source = (
        f"override-{shift.override}"
        if shift.override is not None
        else f"layer-{shift.layer}-turn-{shift.turn}"
    )
    text = f"{schedule}|{source}|{shift.start.isoformat()}|{shift.user}"
    return hashlib.sha256(text.encode()).hexdigest()[:32] + "@opsroom"


def build_calendar(
    title: str,
    shifts: Sequence[tuple[str, Shift]],
    zones: dict[str, ZoneInfo],
    now: datetime,
    *,
    per_person: bool,
) -> bytes:
    """One VEVENT per final shift, in its schedule's time zone (with VTIMEZONE blocks)."""
    calendar = Calendar.new(
        prodid="-//opsroom//on-call schedules//EN",
        uid=hashlib.sha256(title.encode()).hexdigest()[:32] + "@opsroom",
        name=title,
    )
    # RFC 7986 requires the VALUE=DURATION parameter on REFRESH-INTERVAL.
    calendar.add("REFRESH-INTERVAL", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    for schedule, shift in shifts:
        zone = zones[schedule]
        summary = f"On call: {schedule}" if per_person else f"{shift.user} on call ({schedule})"
        origin = "override" if shift.override is not None else f"layer {(shift.layer or 0) + 1}"
        calendar.add_component(
            Event.new(
                uid=event_uid(schedule, shift),
                summary=summary,
                description=f"{shift.user} is on call for {schedule} ({origin}).",
                start=shift.start.astimezone(zone),
                end=shift.end.astimezone(zone),
                stamp=now,
                categories=["on-call", schedule],
            )
        )
    first, last = feed_window(now)
    calendar.add_missing_timezones(
        first_date=(first - timedelta(days=400)).date(), last_date=(last + FUTURE).date()
    )
    data: bytes = calendar.to_ical()
    return data
