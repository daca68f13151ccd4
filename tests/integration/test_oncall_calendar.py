"""iCalendar feeds: reached by signed URL without a bearer token, parsed back with icalendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event

from opsroom.clock import FakeClock
from opsroom.config import Settings
from tests.conftest import Api, make_user
from tests.integration.oncall_setup import oncall_settings

NOW = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
CHICAGO = ZoneInfo("America/Chicago")


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return oncall_settings(database_url, tmp_path)


@pytest.fixture
def clock(api: Api) -> FakeClock:
    fake = FakeClock(NOW)
    api.container.ctx.clock = fake
    make_user(api.container, "bob")
    make_user(api.container, "carol")
    return fake


def feed_path(api: Api, link: str) -> str:
    response = api.get(link)
    assert response.status_code == 200, response.text
    url: str = response.json()["url"]
    assert url.startswith("http://127.0.0.1:8080/api/v1/")
    return url.removeprefix("http://127.0.0.1:8080")


def fetch(api: Api, path: str) -> list[Event]:
    response = api.client.get(path)  # no Authorization header: calendar apps send none
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    assert isinstance(calendar, Calendar)
    return list(calendar.events)


def test_schedule_feed_has_one_event_per_shift_in_local_time(api: Api, clock: FakeClock) -> None:
    path = feed_path(api, "/api/v1/schedules/primary/calendar")
    events = fetch(api, path)
    first, second = events[0], events[1]
    assert str(first["SUMMARY"]) == "alice on call (primary)"
    assert first.start == datetime(2026, 10, 26, 9, 0, tzinfo=CHICAGO)  # 09:00 CDT
    assert first.end == datetime(2026, 11, 2, 9, 0, tzinfo=CHICAGO)  # 09:00 CST
    assert first.start.astimezone(UTC) == datetime(2026, 10, 26, 14, 0, tzinfo=UTC)
    assert first.end.astimezone(UTC) == datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
    assert first["DTSTART"].params["TZID"] == "America/Chicago"
    assert str(second["SUMMARY"]) == "bob on call (primary)"
    march = next(e for e in events if e.start.date().isoformat() == "2027-03-15")
    assert march.start.astimezone(UTC) == datetime(2027, 3, 15, 14, 0, tzinfo=UTC)  # 09:00 CDT
    assert len({str(e["UID"]) for e in events}) == len(events)
    assert all(a.end == b.start for a, b in pairwise(events))


def test_event_uids_are_stable_between_fetches(api: Api, clock: FakeClock) -> None:
    path = feed_path(api, "/api/v1/schedules/primary/calendar")
    calendar_uid = Calendar.from_ical(api.client.get(path).content)["UID"]
    assert Calendar.from_ical(api.client.get(path).content)["UID"] == calendar_uid
    before = {e.start: str(e["UID"]) for e in fetch(api, path)}
    clock.advance(timedelta(days=3))
    after = {e.start: str(e["UID"]) for e in fetch(api, path)}
    common = before.keys() & after.keys()
    assert len(common) > 20
    assert all(before[start] == after[start] for start in common)


def test_feed_shows_overrides_as_their_own_events(api: Api, clock: FakeClock) -> None:
    api.post(
        "/api/v1/schedules/primary/overrides",
        json={"user": "carol", "start": "2026-11-03T18:00:00Z", "end": "2026-11-04T06:00:00Z"},
    )
    events = fetch(api, feed_path(api, "/api/v1/schedules/primary/calendar"))
    carol = [e for e in events if "carol" in str(e["SUMMARY"])]
    assert [(e.start.astimezone(UTC), e.end.astimezone(UTC)) for e in carol] == [
        (datetime(2026, 11, 3, 18, 0, tzinfo=UTC), datetime(2026, 11, 4, 6, 0, tzinfo=UTC))
    ]


def test_person_feed_has_only_their_shifts_from_every_schedule(api: Api, clock: FakeClock) -> None:
    events = fetch(api, feed_path(api, "/api/v1/users/alice/calendar"))
    summaries = {str(e["SUMMARY"]) for e in events}
    assert summaries == {"On call: primary", "On call: business"}
    assert all("alice is on call" in str(e["DESCRIPTION"]) for e in events)
    business = [e for e in events if str(e["SUMMARY"]) == "On call: business"]
    assert business[0].start == datetime(2027, 3, 22, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))
    assert business[0].end == datetime(2027, 3, 22, 17, 0, tzinfo=ZoneInfo("Europe/Paris"))
    assert [e.start.day for e in business[:3]] == [22, 25, 30]  # Mon, Thu, then Tue (CEST)


def test_feeds_refuse_missing_wrong_and_borrowed_tokens(api: Api, clock: FakeClock) -> None:
    primary = feed_path(api, "/api/v1/schedules/primary/calendar")
    token = primary.split("token=", 1)[1]
    assert api.client.get("/api/v1/schedules/primary/calendar.ics").status_code == 422
    wrong = api.client.get("/api/v1/schedules/primary/calendar.ics?token=forged.token")
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "unauthenticated"
    borrowed = api.client.get(f"/api/v1/schedules/business/calendar.ics?token={token}")
    assert borrowed.status_code == 401
    as_person = api.client.get(f"/api/v1/users/alice/calendar.ics?token={token}")
    assert as_person.status_code == 401
    assert api.get("/api/v1/users/nobody/calendar").status_code == 404
    assert api.get("/api/v1/schedules/nope/calendar").status_code == 404
