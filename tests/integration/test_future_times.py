"""A source's time later than the receive time is clamped, so it cannot make an alert permanent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.conftest import Api
from tests.integration.test_stale_updates import only_alert


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def test_a_future_start_is_clamped_and_the_alert_still_resolves(api: Api, hook: Any) -> None:
    url = hook("generic", "bad-clock")
    body = {"title": "future", "dedup_key": "ff2", "starts_at": "2099-01-01T00:00:00Z"}
    assert api.client.post(url, json=body).status_code == 202
    alert = only_alert(api)
    assert alert["starts_at"] < "2099"
    again = api.client.post(url, json={**body, "title": "future, again"})
    assert again.json()["updated"] == 1
    assert only_alert(api)["starts_at"] == alert["starts_at"]  # the stored start is kept
    ends = _iso(datetime.now(UTC) + timedelta(seconds=1))
    resolved = api.client.post(url, json={**body, "status": "resolved", "ends_at": ends})
    assert resolved.json()["updated"] == 1
    assert only_alert(api)["status"] == "resolved"


def test_a_future_end_is_clamped(api: Api, hook: Any) -> None:
    url = hook("generic", "bad-clock")
    started = _iso(datetime.now(UTC) - timedelta(minutes=1))
    body = {"title": "t", "dedup_key": "fe", "starts_at": started}
    api.client.post(url, json=body)
    api.client.post(url, json={**body, "status": "resolved", "ends_at": "9999-12-31T23:59:59Z"})
    alert = only_alert(api)
    assert alert["status"] == "resolved"
    assert alert["ends_at"] < "2099"
    # A new occurrence, started after the (clamped) end, re-opens it.
    refire = {**body, "starts_at": _iso(datetime.now(UTC) + timedelta(seconds=1))}
    assert api.client.post(url, json=refire).json()["updated"] == 1
    assert only_alert(api)["status"] == "firing"


def test_a_time_within_the_skew_is_kept(api: Api, hook: Any) -> None:
    url = hook("generic", "bad-clock")
    ahead = datetime.now(UTC) + timedelta(minutes=2)
    api.client.post(url, json={"title": "t", "dedup_key": "sk", "starts_at": _iso(ahead)})
    assert only_alert(api)["starts_at"].startswith(_iso(ahead)[:19])
