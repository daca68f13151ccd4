"""Schedules through the API: config and API schedules, who is on call, shifts, gaps, overrides,
the function escalation uses, and `/inc oncall` in chat. The clock is fake."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from opsroom.clock import FakeClock
from opsroom.config import Settings
from opsroom.errors import NotFoundError
from opsroom.oncall.service import on_call_users
from tests.conftest import Api, make_user
from tests.integration.oncall_setup import oncall_settings

NOW = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)  # Monday 08:00 CST, alice's first week


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


def layer(members: list[str], **extra: Any) -> dict[str, Any]:
    return {"members": members, "shift": "1d", "handoff": "08:00", "start": "2026-11-01", **extra}


def who(api: Api, schedule: str, at: str) -> list[str]:
    response = api.get(f"/api/v1/schedules/{schedule}/oncall", params={"at": at})
    assert response.status_code == 200, response.text
    users: list[str] = response.json()["users"]
    return users


def test_config_schedules_are_listed_read_only_with_who_is_on_call(
    api: Api, clock: FakeClock
) -> None:
    items = api.get("/api/v1/schedules").json()["items"]
    assert [(s["name"], s["source"], s["on_call_now"]) for s in items] == [
        ("business", "config", []),
        ("primary", "config", ["alice"]),
    ]
    primary = items[1]
    assert primary["time_zone"] == "America/Chicago"
    assert primary["layers"][0] == {
        "name": "weekly",
        "members": ["alice", "bob"],
        "shift": "1w",
        "handoff": "09:00",
        "start": "2026-10-26",
        "days": None,
        "end": None,
        "restrictions": [],
        "position": 1,
    }
    assert primary["unknown_members"] == []
    response = api.client.patch(
        "/api/v1/schedules/primary", json={"description": "x"}, headers=api.headers
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "read_only"
    assert "opsroom.yaml" in response.json()["error"]["message"]


def test_who_is_on_call_at_exact_instants_across_the_november_change(
    api: Api, clock: FakeClock
) -> None:
    assert who(api, "primary", "2026-11-02T14:59:00Z") == ["alice"]
    assert who(api, "primary", "2026-11-02T15:00:00Z") == ["bob"]
    assert who(api, "primary", "2026-11-02T08:59:00-06:00") == ["alice"]
    body = api.get("/api/v1/schedules/primary/oncall").json()  # now
    assert body["users"] == ["alice"]
    assert body["shift"]["end"] == "2026-11-02T15:00:00Z"
    assert body["next"]["user"] == "bob"


def test_a_plus_sign_lost_in_an_unencoded_query_is_understood(api: Api, clock: FakeClock) -> None:
    response = api.get("/api/v1/schedules/primary/oncall?at=2026-11-02T15:00:00+00:00")
    assert response.json()["users"] == ["bob"]


def test_bad_times_and_unknown_schedules_are_clear_4xx(api: Api, clock: FakeClock) -> None:
    response = api.get("/api/v1/schedules/primary/oncall", params={"at": "tomorrow"})
    assert response.status_code == 422
    assert response.json()["error"]["message"].startswith("at: invalid time 'tomorrow'")
    response = api.get("/api/v1/schedules/primary/oncall", params={"at": "2026-11-02T15:00"})
    assert "needs an offset" in response.json()["error"]["message"]
    response = api.get("/api/v1/schedules/nope/oncall")
    assert response.status_code == 404
    assert "business, primary" in response.json()["error"]["message"]
    response = api.get(
        "/api/v1/schedules/primary/shifts",
        params={"start": "2026-11-02T00:00:00Z", "end": "2026-11-01T00:00:00Z"},
    )
    assert response.status_code == 422


def test_shifts_and_gaps_of_a_weekday_office_hours_rotation(api: Api, clock: FakeClock) -> None:
    window = {"start": "2027-03-26T00:00:00Z", "end": "2027-03-30T00:00:00Z"}
    shifts = api.get("/api/v1/schedules/business/shifts", params=window).json()["items"]
    assert [(s["user"], s["start"], s["end"]) for s in shifts] == [
        ("bob", "2027-03-26T08:00:00Z", "2027-03-26T16:00:00Z"),  # Friday 09-17 CET
        ("carol", "2027-03-29T07:00:00Z", "2027-03-29T15:00:00Z"),  # Monday 09-17 CEST
    ]
    gaps = api.get("/api/v1/schedules/business/gaps", params=window).json()["items"]
    assert gaps == [
        {"start": "2027-03-26T00:00:00Z", "end": "2027-03-26T08:00:00Z"},
        {"start": "2027-03-26T16:00:00Z", "end": "2027-03-29T07:00:00Z"},
        {"start": "2027-03-29T15:00:00Z", "end": "2027-03-30T00:00:00Z"},
    ]


def test_override_beats_the_rotation_and_can_be_removed(api: Api, clock: FakeClock) -> None:
    response = api.post(
        "/api/v1/schedules/primary/overrides",
        json={"user": "carol", "start": "2026-11-03T18:00:00Z", "end": "2026-11-04T06:00:00Z"},
    )
    assert response.status_code == 201, response.text
    override = response.json()
    assert (override["user"], override["created_by"]) == ("carol", "alice")
    assert who(api, "primary", "2026-11-03T17:59:00Z") == ["bob"]
    assert who(api, "primary", "2026-11-03T18:00:00Z") == ["carol"]
    assert who(api, "primary", "2026-11-04T06:00:00Z") == ["bob"]
    window = {"start": "2026-11-03T12:00:00Z", "end": "2026-11-04T12:00:00Z"}
    shifts = api.get("/api/v1/schedules/primary/shifts", params=window).json()["items"]
    assert [(s["user"], s["layer"], s["override_id"]) for s in shifts] == [
        ("bob", 1, None),
        ("carol", None, override["id"]),
        ("bob", 1, None),
    ]
    listed = api.get("/api/v1/schedules/primary/overrides").json()["items"]
    assert [item["id"] for item in listed] == [override["id"]]
    path = f"/api/v1/schedules/primary/overrides/{override['id']}"
    assert api.client.delete(path, headers=api.headers).status_code == 204
    assert who(api, "primary", "2026-11-03T18:00:00Z") == ["bob"]
    assert api.client.delete(path, headers=api.headers).status_code == 404


def test_override_for_someone_who_is_not_a_user_is_refused(api: Api, clock: FakeClock) -> None:
    response = api.post(
        "/api/v1/schedules/primary/overrides",
        json={"user": "mallory", "start": "2026-11-03T18:00:00Z", "end": "2026-11-04T06:00:00Z"},
    )
    assert response.status_code == 422
    assert "'mallory' is not an opsroom user" in response.json()["error"]["message"]
    response = api.post(
        "/api/v1/schedules/primary/overrides",
        json={"user": "bob", "start": "2026-11-04T06:00:00Z", "end": "2026-11-03T18:00:00Z"},
    )
    assert response.status_code == 422
    assert "must end after it starts" in response.json()["error"]["message"]


def test_api_schedule_lifecycle_with_layers(api: Api, clock: FakeClock) -> None:
    body = {"name": "db", "time_zone": "Asia/Kolkata", "layers": [layer(["alice", "bob"])]}
    response = api.post("/api/v1/schedules", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["source"] == "api"
    # 2026-11-02 14:00Z is 19:30 IST on Nov 2: turn 1 (from Nov 2 08:00 IST) is bob's.
    assert response.json()["on_call_now"] == ["bob"]
    response = api.post("/api/v1/schedules/db/layers", json=layer(["carol"], handoff="19:00"))
    assert response.status_code == 201, response.text
    assert [layer["position"] for layer in response.json()["layers"]] == [1, 2]
    assert response.json()["on_call_now"] == ["carol"]  # the last layer wins
    replaced = layer(["carol"], restrictions=[{"start": "sat 00:00", "end": "mon 00:00"}])
    response = api.client.put("/api/v1/schedules/db/layers/2", json=replaced, headers=api.headers)
    assert response.status_code == 200, response.text
    assert response.json()["on_call_now"] == ["bob"]  # carol now only at weekends
    response = api.client.patch(
        "/api/v1/schedules/db", json={"time_zone": "UTC"}, headers=api.headers
    )
    assert response.json()["time_zone"] == "UTC"
    response = api.client.delete("/api/v1/schedules/db/layers/1", headers=api.headers)
    assert [layer["members"] for layer in response.json()["layers"]] == [["carol"]]
    assert (
        api.client.delete("/api/v1/schedules/db/layers/5", headers=api.headers).status_code == 404
    )
    assert api.client.delete("/api/v1/schedules/db", headers=api.headers).status_code == 204
    assert api.get("/api/v1/schedules/db").status_code == 404


def test_creating_a_schedule_checks_members_zone_and_restrictions(
    api: Api, clock: FakeClock
) -> None:
    response = api.post(
        "/api/v1/schedules", json={"name": "db", "layers": [layer(["alice", "zed", "yan"])]}
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["message"].startswith("not opsroom users: zed, yan")
    assert error["details"] == {"unknown_members": ["zed", "yan"]}
    response = api.post(
        "/api/v1/schedules", json={"name": "db", "time_zone": "Mars/Olympus", "layers": []}
    )
    assert response.status_code == 422
    assert "body.time_zone" in response.json()["error"]["message"]
    assert "unknown time zone 'Mars/Olympus'" in response.json()["error"]["message"]
    bad = layer(["alice"], restrictions=[{"start": "fri 18:00", "end": "09:00"}])
    response = api.post("/api/v1/schedules", json={"name": "db", "layers": [bad]})
    assert response.status_code == 422
    assert "body.layers.0.restrictions.0" in response.json()["error"]["message"]
    response = api.post("/api/v1/schedules", json={"name": "db", "layers": [layer([])]})
    assert "a layer needs at least one member" in response.json()["error"]["message"]
    response = api.post("/api/v1/schedules", json={"name": "primary", "layers": []})
    assert response.status_code == 409


def test_viewers_can_read_but_not_change_schedules(api: Api, clock: FakeClock) -> None:
    from opsroom.user.service import add_user, create_token

    with api.container.uow() as uow:
        viewer = add_user(uow, api.container.ctx, name="vic", role="viewer")
        token = create_token(uow, api.container.ctx, viewer)
        uow.commit()
    headers = {"Authorization": f"Bearer {token}"}
    assert api.client.get("/api/v1/schedules", headers=headers).status_code == 200
    response = api.client.post(
        "/api/v1/schedules", json={"name": "db", "layers": []}, headers=headers
    )
    assert response.status_code == 403


def test_on_call_users_for_escalation(api: Api, clock: FakeClock) -> None:
    container = api.container
    with container.uow() as uow:
        ctx = container.ctx
        at = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
        assert on_call_users(uow, ctx, schedule="primary", at=at) == ["bob"]
        saturday = datetime(2027, 3, 27, 12, 0, tzinfo=UTC)
        assert on_call_users(uow, ctx, schedule="business", at=saturday) == []
        with pytest.raises(NotFoundError):
            on_call_users(uow, ctx, schedule="nope", at=at)


def test_inc_oncall_in_chat_says_who_until_when_and_who_is_next(api: Api, clock: FakeClock) -> None:
    reply = api.say("alerts", "/inc oncall primary")["replies"][0]["text"]
    assert reply == (
        "On call:\nprimary: alice until 2026-11-02 09:00 CST; next: bob from 2026-11-02 09:00 CST"
    )
    reply = api.say("alerts", "/inc oncall")["replies"][0]["text"]
    # The business rotation starts in March 2027.
    assert reply.splitlines()[1] == "business: nobody on call; next: nobody in the next 30 days"
    assert reply.splitlines()[2].startswith("primary: alice until")
    reply = api.say("alerts", "/inc oncall nope")["replies"][0]["text"]
    assert reply.startswith("no schedule 'nope'")
