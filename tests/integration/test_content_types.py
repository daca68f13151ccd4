"""Each hook reads the body its real sender posts; a Content-Type that says otherwise is 415."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import Api
from tests.integration.test_stale_updates import SOURCES, fixture

FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data; boundary=opsroom-test"
JSON_SOURCES = [
    ("alertmanager", "alertmanager/firing.json"),
    ("generic", "generic/firing.json"),
    ("grafana", "grafana/firing.json"),
    ("datadog", "datadog/firing.json"),
    ("site24x7", "site24x7/down.json"),
    ("zabbix", "zabbix/firing.json"),
    ("pagerduty", "pagerduty/trigger.json"),
    ("opsgenie", "opsgenie/create.json"),
]


def stored(api: Api) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = api.get("/api/v1/alerts").json()["items"]
    return items


@pytest.mark.parametrize(("kind", "name"), JSON_SOURCES)
@pytest.mark.parametrize("content_type", [FORM, MULTIPART])
def test_json_source_refuses_a_form_content_type_with_415(
    api: Api, hook: Any, kind: str, name: str, content_type: str
) -> None:
    body = json.dumps(fixture(name)).encode()
    response = api.client.post(
        hook(kind, kind), content=body, headers={"Content-Type": content_type}
    )
    assert response.status_code == 415, response.text
    assert "application/json" in response.text
    assert content_type.split(";", maxsplit=1)[0] in response.text
    assert stored(api) == []


def test_415_is_a_json_error_naming_the_expected_type(api: Api, hook: Any) -> None:
    body = json.dumps(fixture("alertmanager/firing.json")).encode()
    response = api.client.post(hook(), content=body, headers={"Content-Type": FORM})
    error = response.json()["error"]
    assert error["code"] == "unsupported_media_type"
    assert error["message"] == f"this hook takes application/json bodies; got Content-Type {FORM}"
    assert error["details"] == [
        {"field": "Content-Type", "problem": "expected application/json", "got": FORM}
    ]


@pytest.mark.parametrize(("kind", "name"), JSON_SOURCES)
@pytest.mark.parametrize("headers", [{}, {"Content-Type": "text/plain"}])
def test_json_source_takes_json_without_or_with_a_vague_content_type(
    api: Api, hook: Any, kind: str, name: str, headers: dict[str, str]
) -> None:
    body = json.dumps(fixture(name)).encode()
    response = api.client.post(hook(kind, kind), content=body, headers=headers)
    assert response.status_code in (200, 202), response.text
    assert stored(api) != []


@pytest.mark.parametrize(("kind", "name"), JSON_SOURCES)
@pytest.mark.parametrize("content_type", ["application/xml", "text/html; charset=utf-8"])
def test_json_source_refuses_another_content_type_with_415(
    api: Api, hook: Any, kind: str, name: str, content_type: str
) -> None:
    body = json.dumps(fixture(name)).encode()
    response = api.client.post(
        hook(kind, kind), content=body, headers={"Content-Type": content_type}
    )
    assert response.status_code == 415, response.text
    assert "application/json" in response.text  # PagerDuty answers in its own shape
    assert content_type.split(";", maxsplit=1)[0] in response.text
    assert stored(api) == []


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=utf-8", "application/vnd.api+json", "text/json"]
)
def test_json_source_takes_other_spellings_of_json(api: Api, hook: Any, content_type: str) -> None:
    body = json.dumps(fixture("generic/firing.json")).encode()
    response = api.client.post(
        hook("generic"), content=body, headers={"Content-Type": content_type}
    )
    assert response.status_code == 202, response.text


def test_datadog_form_body_is_415_with_the_setting_to_change(api: Api, hook: Any) -> None:
    response = api.client.post(
        hook("datadog", "datadog"), content=b"alert_id=1", headers={"Content-Type": FORM}
    )
    assert response.status_code == 415
    assert "untick 'Encode as form'" in response.json()["error"]["message"]


@pytest.mark.parametrize("kind", ["nagios", "icinga"])
@pytest.mark.parametrize("content_type", ["application/json", MULTIPART])
def test_form_source_refuses_json_and_multipart_with_415(
    api: Api, hook: Any, kind: str, content_type: str
) -> None:
    body = (SOURCES / "nagios" / "fixtures" / "service_problem_critical.txt").read_bytes()
    response = api.client.post(
        hook(kind, kind), content=body, headers={"Content-Type": content_type}
    )
    assert response.status_code == 415, response.text
    message = response.json()["error"]["message"]
    assert f"expected form fields ({FORM})" in message
    assert "curl --data-urlencode" in message
    assert stored(api) == []


def test_nagios_body_sent_to_site24x7_says_what_site24x7_sends(api: Api, hook: Any) -> None:
    body = (SOURCES / "nagios" / "fixtures" / "service_problem_critical.txt").read_bytes()
    response = api.client.post(hook("site24x7", "site24x7"), content=body)
    assert response.status_code == 422, response.text
    assert "tick 'Post as JSON'" in response.json()["error"]["message"]
    assert stored(api) == []


def test_site24x7_json_sent_to_nagios_says_what_nagios_sends(api: Api, hook: Any) -> None:
    body = json.dumps(fixture("site24x7/down.json")).encode()
    response = api.client.post(hook("nagios", "nagios"), content=body)
    assert response.status_code == 422, response.text
    message = response.json()["error"]["message"]
    assert "Nagios posts its macros (NOTIFICATIONTYPE, HOSTNAME, ...)" in message
    assert message.endswith("got JSON")
