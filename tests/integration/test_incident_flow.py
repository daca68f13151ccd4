"""From alert group to resolved incident in the built-in chat, with every step on the timeline."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api, make_user
from tests.integration.payloads import alertmanager, resolved


def incident(api: Api, number: int) -> dict[str, Any]:
    response = api.get(f"/api/v1/incidents/{number}")
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def timeline(api: Api, number: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = api.get(f"/api/v1/incidents/{number}/timeline").json()["items"]
    return items


def declare(api: Api, text: str = "/inc declare sev2 Payments API returns 502") -> str:
    replies = [reply["text"] for reply in api.say("incidents", text)["replies"]]
    reply = next((r for r in replies if r.startswith("Declared INC-")), str(replies))
    room: str = reply.rsplit("#", 1)[1]
    return room


def test_critical_alert_group_is_announced_and_auto_declared(api: Api, hook: Any) -> None:
    api.client.post(hook(), json=alertmanager())
    assert api.get("/api/v1/incidents").json()["items"] == []  # only after the job runs
    api.run_jobs()
    assert any(
        "[CRITICAL] Alert group #1: Checkout latency is above 2s" in text
        for text in api.messages("alerts")
    )
    [item] = api.get("/api/v1/incidents").json()["items"]
    assert item["title"] == "Checkout latency is above 2s"
    assert item["severity"] == "sev1"
    assert item["room"] == "inc-1-checkout-latency-is-above-2s"
    assert item["alert_group_ids"] == [1]
    assert any("INC-1 declared by opsroom" in text for text in api.messages("incidents"))
    room_messages = api.messages(item["room"])
    assert "Checkout latency is above 2s (firing)" in room_messages[0]
    assert timeline(api, 1)[0]["kind"] == "declare"


def test_warning_group_is_announced_but_not_declared(api: Api, hook: Any) -> None:
    api.client.post(hook(), json=alertmanager(severity="warning"))
    api.run_jobs()
    assert any("[WARNING]" in text for text in api.messages("alerts"))
    assert api.get("/api/v1/incidents").json()["items"] == []


def test_anyone_can_declare_from_a_group_by_command(api: Api, hook: Any) -> None:
    api.client.post(hook(), json=alertmanager(severity="warning"))
    api.run_jobs()
    room = declare(api, "/inc declare group:1")
    assert room == "inc-1-checkout-latency-is-above-2s"
    data = incident(api, 1)
    assert data["alert_group_ids"] == [1]
    assert data["severity"] == "sev3"
    assert data["declared_by"] == "alice"


def test_declared_room_name_is_slugged_bounded_and_unique(api: Api) -> None:
    room = declare(api, "/inc declare sev1 " + "Ünïcode 🔥 DB.Primary DOWN " * 10)
    assert room.startswith("inc-1-unicode-db-primary-down-")
    assert len(room) <= 80
    assert set(room) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")
    assert declare(api, "/inc declare 🔥🔥") == "inc-2"


def test_full_command_lifecycle_lands_on_the_timeline_in_order(api: Api, container: Any) -> None:
    make_user(container, "bob")
    room = declare(api)
    api.say(room, "/inc ack")
    api.say(room, "Looking at the load balancer logs")
    api.say(room, "/inc status identified bad deploy of payments-api 4.2")
    api.say(room, "/inc sev 1")
    api.say(room, "/inc role commander @bob")
    api.say(room, "/inc note rollback started at 10:42")
    timeline_reply = api.say(room, "/inc timeline")["replies"][0]["text"]
    assert "Acknowledged by alice" in timeline_reply
    api.say(room, "/inc resolve rolled back to 4.1")
    data = incident(api, 1)
    assert data["status"] == "resolved"
    assert data["severity"] == "sev1"
    assert data["commander"] == "bob"
    assert data["roles"] == {"commander": "bob"}
    assert data["acknowledged_by"] == "alice"
    assert data["summary"] == "rolled back to 4.1"
    kinds = [entry["kind"] for entry in timeline(api, 1)]
    assert kinds == [
        "declare",
        "ack",
        "message",
        "status",
        "severity",
        "role",
        "note",
        "resolve",
        "system",
    ]
    entries = timeline(api, 1)
    assert entries[2]["text"] == "Looking at the load balancer logs"
    assert entries[2]["actor"] == "alice"
    assert entries[3]["text"] == (
        "Status investigating -> identified: bad deploy of payments-api 4.2"
    )
    assert all(entry["source"] for entry in entries)
    assert [e["at"] for e in entries] == sorted(e["at"] for e in entries)


def test_resolved_room_is_archived_readable_and_refuses_posts(api: Api) -> None:
    room = declare(api)
    api.say(room, "first words")
    api.say(room, "/inc resolve fixed")
    response = api.post(f"/api/v1/rooms/{room}/messages", json={"text": "too late"})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "room_archived"
    assert "read-only" in error["message"]
    history = api.messages(room)
    assert "first words" in history
    assert "too late" not in history
    rooms = {r["name"]: r for r in api.get("/api/v1/rooms").json()["items"]}
    assert rooms[room]["archived"] is True


def test_wrong_command_replies_with_problem_and_usage(api: Api) -> None:
    room = declare(api)
    result = api.say(room, "/inc sev 7")
    reply = result["replies"][0]["text"]
    assert "severity must be 1, 2, 3 or 4" in reply
    assert "Usage: /inc sev <1-4>" in reply
    assert incident(api, 1)["severity"] == "sev2"
    unknown = api.say(room, "/inc launch-rockets")["replies"][0]["text"]
    assert "unknown command `launch-rockets`" in unknown
    assert "/inc declare [sev1..sev4] <title>" in unknown


def test_incident_commands_outside_an_incident_room_explain_why(api: Api) -> None:
    reply = api.say("alerts", "/inc ack")["replies"][0]["text"]
    assert "works only inside an incident room" in reply


def test_role_for_unknown_user_is_refused_clearly(api: Api) -> None:
    room = declare(api)
    reply = api.say(room, "/inc role commander @nobody")["replies"][0]["text"]
    assert "no user named @nobody" in reply
    assert incident(api, 1)["commander"] is None


def test_alert_changes_of_a_linked_group_reach_the_timeline(api: Api, hook: Any) -> None:
    url = hook()
    firing = alertmanager()
    api.client.post(url, json=firing)
    api.run_jobs()
    api.client.post(url, json=resolved(firing))
    texts = [entry["text"] for entry in timeline(api, 1)]
    assert "Alert resolved: Checkout latency is above 2s" in texts
    api.run_jobs()
    assert any("[RESOLVED] Alert group #1" in text for text in api.messages("alerts"))


def test_declare_through_the_api(api: Api) -> None:
    response = api.post("/api/v1/incidents", json={"title": "Login page blank", "severity": 2})
    assert response.status_code == 201
    assert response.json()["room"] == "inc-1-login-page-blank"
    assert api.post("/api/v1/incidents", json={"title": ""}).status_code == 422


def test_declare_from_group_through_the_api(api: Api, hook: Any) -> None:
    api.client.post(hook(), json=alertmanager(severity="warning"))
    response = api.post("/api/v1/alert-groups/1/declare", json={})
    assert response.status_code == 201
    assert response.json()["alert_group_ids"] == [1]
    again = api.post("/api/v1/alert-groups/1/declare", json={})
    assert again.status_code == 409
    assert api.post("/api/v1/alert-groups/99/declare", json={}).status_code == 404


def test_unknown_incident_and_room_are_404(api: Api) -> None:
    assert api.get("/api/v1/incidents/42").json()["error"]["message"] == "no incident INC-42"
    assert api.get("/api/v1/rooms/nope/messages").status_code == 404
    assert api.post("/api/v1/rooms/nope/messages", json={"text": "hi"}).status_code == 404


def test_blank_message_is_refused(api: Api) -> None:
    response = api.post("/api/v1/rooms/alerts/messages", json={"text": "   "})
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "body.text"


def test_declaring_a_group_that_has_an_incident_leaves_no_orphan(api: Api, hook: Any) -> None:
    api.client.post(hook(), json=alertmanager(severity="warning"))
    api.run_jobs()
    declare(api, "/inc declare group:1")
    for _ in range(2):
        [reply] = api.say("alerts", "/inc declare group:1")["replies"]
        assert reply["text"] == "alert group #1 already belongs to INC-1"
    assert [item["number"] for item in api.get("/api/v1/incidents").json()["items"]] == [1]


def test_the_prefix_of_a_command_is_not_case_sensitive(api: Api) -> None:
    room = declare(api)
    [reply] = api.say(room, "/INC ack")["replies"]
    assert reply["text"] == "alice acknowledged INC-1"
    assert [entry["kind"] for entry in timeline(api, 1)] == ["declare", "ack"]


def test_alerts_of_a_declared_group_are_on_the_timeline_from_the_start(api: Api, hook: Any) -> None:
    api.client.post(hook(), json=alertmanager())
    api.run_jobs()
    entries = timeline(api, 1)
    assert [entry["kind"] for entry in entries[:2]] == ["declare", "alert"]
    assert entries[1]["text"] == "Alert firing: Checkout latency is above 2s"
    members = api.get("/api/v1/alerts", params={"group_id": 1}).json()["items"]
    assert [alert["title"] for alert in members] == ["Checkout latency is above 2s"]
    assert api.get("/api/v1/alerts", params={"group_id": 2}).json()["items"] == []
