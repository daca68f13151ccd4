"""Input no database can store, or numbers no table holds, get a 4xx and leave nothing behind."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import Api
from tests.integration.payloads import alertmanager

BAD_TEXT = [
    pytest.param("bad \\ud800 surrogate", "surrogate", id="lone-surrogate"),
    pytest.param("nul \\u0000 byte", "NUL", id="nul"),
]


def stored_alerts(api: Api) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = api.get("/api/v1/alerts").json()["items"]
    return items


def alertmanager_body_with(summary_escape: str) -> bytes:
    """An Alertmanager payload whose summary holds a raw JSON escape."""
    encoded = json.dumps(alertmanager(summary="PLACEHOLDER"))
    return encoded.replace("PLACEHOLDER", summary_escape).encode()


@pytest.mark.parametrize(("escape", "word"), BAD_TEXT)
def test_hook_text_no_database_can_store_is_refused_naming_the_field(
    api: Api, hook: Any, escape: str, word: str
) -> None:
    response = api.client.post(
        hook(), content=alertmanager_body_with(escape), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "malformed_payload"
    assert "alerts.0.annotations.summary" in error["message"]
    assert word in error["message"]
    assert stored_alerts(api) == []


def test_hook_label_name_with_lone_surrogate_is_refused(api: Api, hook: Any) -> None:
    body = json.dumps(alertmanager()).replace('"alertname":', '"k\\udc00":', 1).encode()
    response = api.client.post(hook(), content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert "key contains a lone UTF-16 surrogate" in response.json()["error"]["message"]
    assert stored_alerts(api) == []


def test_valid_surrogate_pair_is_an_ordinary_character(api: Api, hook: Any) -> None:
    response = api.client.post(
        hook(),
        content=alertmanager_body_with("on fire \\ud83d\\udd25"),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 202, response.text
    [alert] = stored_alerts(api)
    assert alert["title"] == "on fire \N{FIRE}"


def test_deeply_nested_json_is_malformed_not_a_crash(api: Api, hook: Any) -> None:
    depth = 100_000
    body = '{"version": "4", "x": ' + "[" * depth + "]" * depth + "}"
    response = api.client.post(hook(), content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["message"] == "body is not acceptable JSON: nested too deeply"


def test_form_field_with_nul_is_refused(api: Api, hook: Any) -> None:
    response = api.client.post(
        hook("nagios", "nagios"),
        content=b"HOSTNAME=db1.example.test&SERVICEOUTPUT=disk%00full",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400, response.text
    assert "SERVICEOUTPUT: contains a NUL character" in response.json()["error"]["message"]
    assert stored_alerts(api) == []


def test_unparseable_alertmanager_time_is_refused_naming_the_field(api: Api, hook: Any) -> None:
    payload = alertmanager(starts_at="yesterday")
    response = api.client.post(hook(), json=payload)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["message"].startswith("not an alertmanager payload: alerts.0")
    assert "startsAt" in response.json()["error"]["message"]
    assert stored_alerts(api) == []


def test_too_many_labels_are_refused(api: Api, hook: Any) -> None:
    payload = alertmanager()
    payload["alerts"][0]["labels"].update({f"l{n}": "x" for n in range(300)})
    response = api.client.post(hook(), json=payload)
    assert response.status_code == 422, response.text
    assert "labels; at most 256 are accepted" in response.json()["error"]["message"]
    assert stored_alerts(api) == []


def test_generic_link_must_be_a_web_address(api: Api, hook: Any) -> None:
    alert = {
        "title": "Backup failed",
        "dedup_key": "backup-db1",
        "links": [{"url": "javascript:alert(1)", "text": "click"}],
    }
    response = api.client.post(hook("generic", "scripts"), json=alert)
    assert response.status_code == 422, response.text
    assert "links.0.url" in response.json()["error"]["message"]
    assert stored_alerts(api) == []


@pytest.mark.parametrize(("escape", "word"), BAD_TEXT)
def test_chat_message_no_database_can_store_is_refused(api: Api, escape: str, word: str) -> None:
    body = '{"text": "/inc declare sev2 ' + escape + '"}'
    response = api.client.post(
        "/api/v1/rooms/incidents/messages",
        content=body,
        headers={**api.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert api.get("/api/v1/incidents").json()["items"] == []


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/incidents/99999999999999999999999",
        "/api/v1/incidents/2147483648",
        "/api/v1/incidents/0",
        "/api/v1/incidents/2147483648/timeline",
        "/api/v1/alerts?offset=9223372036854775808",
        "/api/v1/alerts?group_id=2147483648",
        "/api/v1/rooms/incidents/messages?after=99999999999999999999",
        "/api/v1/escalations/2147483648",
        "/api/v1/escalations?offset=9223372036854775808",
        "/api/v1/alert-groups/2147483648/history",
        "/api/v1/pages?escalation_id=2147483648",
    ],
)
def test_numbers_no_table_holds_are_a_422(api: Api, path: str) -> None:
    response = api.get(path)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_request"


def test_huge_ids_in_writes_are_a_422(api: Api) -> None:
    declare = api.post("/api/v1/alert-groups/2147483648/declare", json={})
    assert declare.status_code == 422, declare.text
    expire = api.client.delete("/api/v1/silences/99999999999999999999", headers=api.headers)
    assert expire.status_code == 422, expire.text
    for path in ("/api/v1/alert-groups/2147483648/ack", "/api/v1/incidents/2147483648/ack"):
        ack = api.post(path, json={})
        assert ack.status_code == 422, ack.text
    contact = api.client.delete(
        "/api/v1/users/alice/contact-methods/2147483648", headers=api.headers
    )
    assert contact.status_code == 422, contact.text


@pytest.mark.parametrize("text", ["/inc ack group:2147483648", "/inc escalate group:2147483648"])
def test_paging_commands_refuse_groups_that_cannot_exist(api: Api, text: str) -> None:
    [reply] = api.say("alerts", text)["replies"]
    assert "is not a number opsroom gives out" in reply["text"]


def test_a_page_code_no_page_has_says_so(api: Api) -> None:
    [reply] = api.say("alerts", "/inc ack 2147483647")["replies"]
    assert reply["text"] == "no page has the code 2147483647"


@pytest.mark.parametrize("ref", ["group:99999999999999999999999", "group:2147483648", "group:abc"])
def test_declare_from_a_group_that_cannot_exist_says_so(api: Api, ref: str) -> None:
    [reply] = api.say("alerts", f"/inc declare {ref}")["replies"]
    assert "is not an alert group" in reply["text"]
    assert api.get("/api/v1/incidents").json()["items"] == []


def test_blank_search_is_a_422(api: Api) -> None:
    response = api.get("/api/v1/search", params={"q": "   "})
    assert response.status_code == 422, response.text


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("alertmanager", '{"version": "4", "alerts": [], "x": ' + "9" * 5000 + "}"),
        ("generic", '{"title": "t", "n": ' + "9" * 5000 + "}"),
    ],
)
def test_a_number_too_long_to_read_is_malformed(api: Api, hook: Any, kind: str, body: str) -> None:
    response = api.client.post(
        hook(kind, kind), content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert (
        response.json()["error"]["message"] == "body is not acceptable JSON: a number is too long"
    )


EDGE_OF_TIME = "9999-12-31T23:59:59-14:00"


def test_times_past_the_end_of_the_calendar_are_refused(api: Api, hook: Any) -> None:
    response = api.client.post(hook(), json=alertmanager(starts_at=EDGE_OF_TIME))
    assert response.status_code == 422, response.text
    assert "startsAt" in response.json()["error"]["message"]
    generic = {"title": "t", "starts_at": EDGE_OF_TIME}
    response = api.client.post(hook("generic", "scripts"), json=generic)
    assert response.status_code == 422, response.text
    assert "starts_at" in response.json()["error"]["message"]
    assert stored_alerts(api) == []


@pytest.mark.parametrize("value", ["253402300800000", "9" * 20])
def test_datadog_dates_past_the_calendar_are_no_date(api: Api, hook: Any, value: str) -> None:
    body = {
        "id": "1",
        "alert_id": "48213577",
        "alert_transition": "Triggered",
        "alert_title": "[Triggered] Disk usage high",
        "date": value,
    }
    response = api.client.post(hook("datadog", "dd"), json=body)
    assert response.status_code in (202, 422), response.text


@pytest.mark.parametrize("field", [{"starts_at": "not a time"}, {"title": "   "}])
def test_generic_fields_that_say_nothing_are_refused(
    api: Api, hook: Any, field: dict[str, str]
) -> None:
    response = api.client.post(hook("generic", "scripts"), json={"title": "t", **field})
    assert response.status_code == 422, response.text
    assert next(iter(field)) in response.json()["error"]["message"]
    assert stored_alerts(api) == []
