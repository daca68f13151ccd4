"""Viewers read but never change; a person's contact methods and notification rules are theirs
(and an admin's) to change. Every refusal is a 403 naming the role it needs."""

from __future__ import annotations

from typing import Any

import pytest

from opsroom.bootstrap import Container
from opsroom.user.service import add_user, create_token
from tests.conftest import Api, make_user


def token(container: Container, name: str, role: str) -> dict[str, str]:
    with container.uow() as uow:
        user = add_user(uow, container.ctx, name=name, role=role)
        value = create_token(uow, container.ctx, user)
        uow.commit()
    return {"Authorization": f"Bearer {value}"}


@pytest.fixture
def people(api: Api) -> dict[str, dict[str, str]]:
    make_user(api.container, "bob")
    return {
        "vera": token(api.container, "vera", "viewer"),
        "erin": token(api.container, "erin", "responder"),
        "root": token(api.container, "root", "admin"),
    }


def open_group_and_incident(api: Api, hook: Any) -> tuple[int, int]:
    body = {"title": "Checkout is down", "status": "firing", "dedup_key": "perm-1"}
    assert api.client.post(hook("generic", "perm"), json=body).status_code == 202
    api.run_jobs()
    group = api.get("/api/v1/alert-groups").json()["items"][0]["id"]
    declared = api.post(f"/api/v1/alert-groups/{group}/declare", json={})
    assert declared.status_code == 201, declared.text
    return group, declared.json()["number"]


def assert_refused(answer: Any, needs: str) -> None:
    assert answer.status_code == 403, answer.text
    error = answer.json()["error"]
    assert error["code"] == "permission_denied"
    assert error["details"]["needs_role"] == needs


def test_viewer_cannot_acknowledge_groups_or_incidents(
    api: Api, hook: Any, people: dict[str, dict[str, str]]
) -> None:
    group, number = open_group_and_incident(api, hook)
    vera = people["vera"]
    refused = api.client.post(f"/api/v1/alert-groups/{group}/ack", headers=vera)
    assert_refused(refused, "responder")
    assert "acknowledging needs the responder role" in refused.json()["error"]["message"]
    assert_refused(api.client.post(f"/api/v1/incidents/{number}/ack", headers=vera), "responder")
    [read] = api.get("/api/v1/alert-groups").json()["items"]
    assert read["acknowledged_by"] is None
    erin = people["erin"]
    assert api.client.post(f"/api/v1/alert-groups/{group}/ack", headers=erin).status_code == 200


def test_viewer_cannot_declare_silence_or_add_maintenance(
    api: Api, hook: Any, people: dict[str, dict[str, str]]
) -> None:
    group, _ = open_group_and_incident(api, hook)
    vera = people["vera"]
    calls = [
        ("/api/v1/incidents", {"title": "by a viewer"}),
        (f"/api/v1/alert-groups/{group}/declare", {}),
        ("/api/v1/silences", {"matchers": ["alertname=x"], "duration": "1h"}),
    ]
    for path, body in calls:
        assert_refused(api.client.post(path, json=body, headers=vera), "responder")


def test_only_the_person_or_an_admin_changes_their_paging(
    api: Api, people: dict[str, dict[str, str]]
) -> None:
    rules = {"rules": [{"kind": "email", "after": "2m"}]}
    contact = {"kind": "email", "address": "bob@example.test"}
    for who in ("vera", "erin"):
        put = api.client.put(
            "/api/v1/users/bob/notification-rules", json=rules, headers=people[who]
        )
        assert_refused(put, "admin")
        assert "only bob or an admin" in put.json()["error"]["message"]
        post = api.client.post(
            "/api/v1/users/bob/contact-methods", json=contact, headers=people[who]
        )
        assert_refused(post, "admin")
    assert api.get("/api/v1/users/bob/contact-methods").json()["items"] == []
    root = people["root"]
    added = api.client.post("/api/v1/users/bob/contact-methods", json=contact, headers=root)
    assert added.status_code == 201, added.text
    contact_id = added.json()["id"]
    removed = api.client.delete(
        f"/api/v1/users/bob/contact-methods/{contact_id}", headers=people["erin"]
    )
    assert_refused(removed, "admin")
    put = api.client.put("/api/v1/users/bob/notification-rules", json=rules, headers=root)
    assert put.status_code == 200, put.text


def test_a_person_changes_their_own_paging(api: Api, people: dict[str, dict[str, str]]) -> None:
    contact = {"kind": "email", "address": "alice@example.test"}
    added = api.post("/api/v1/users/alice/contact-methods", json=contact)
    assert added.status_code == 201, added.text
    rules = {"rules": [{"kind": "email", "after": "0m"}]}
    answer = api.client.put(
        "/api/v1/users/alice/notification-rules", json=rules, headers=api.headers
    )
    assert answer.status_code == 200, answer.text


def test_rules_that_would_leave_a_person_unreachable_are_refused(api: Api) -> None:
    contact = {"kind": "email", "address": "alice@example.test"}
    assert api.post("/api/v1/users/alice/contact-methods", json=contact).status_code == 201
    rules = {"rules": [{"kind": "sms", "after": "1m"}]}
    refused = api.client.put(
        "/api/v1/users/alice/notification-rules", json=rules, headers=api.headers
    )
    assert refused.status_code == 422, refused.text
    assert (
        "no page would reach them (their contact methods: email)"
        in (refused.json()["error"]["message"])
    )
    assert api.get("/api/v1/users/alice/notification-rules").json()["items"] == [
        {"kind": "email", "after_seconds": 0}
    ]
