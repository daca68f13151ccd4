"""Escalation meets the on-call schedules: a `schedule:` target pages whoever the schedule of
opsroom.yaml has on call when the step fires (the real `on_call_users`, no stand-in)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from opsroom.clock import FakeClock
from opsroom.config import Settings, load_settings
from opsroom.oncall.service import on_call_users
from tests.conftest import Api
from tests.contract.smtp_server import SmtpServer
from tests.integration.paging import fire, pages, smtp, use_clock

__all__ = ["smtp"]

# Daily hand-off at 09:00 Paris time: alice from Monday 2026-11-30 09:00 CET, bob from
# Tuesday 09:00, alice again from Wednesday 09:00. The tests start Tuesday 11:00 CET
# (10:00 UTC): bob's turn.
CONFIG = """
integrations:
  prod:
    service: checkout
services:
  - name: checkout
    escalation_policy: primary-oncall
escalation_policies:
  - name: primary-oncall
    steps:
      - targets: [schedule:primary]
        wait: 30m
schedules:
  primary:
    time_zone: Europe/Paris
    layers:
      - name: daily
        members: [alice, bob]
        shift: 1d
        handoff: "09:00"
        start: 2026-11-30
users:
  - name: alice
    contacts: [{kind: email, address: alice@example.test}]
  - name: bob
    contacts: [{kind: email, address: bob@example.test}]
rules:
  auto_declare:
    enabled: false
"""


@pytest.fixture
def settings(database_url: str, tmp_path: Path, smtp: SmtpServer) -> Settings:
    path = tmp_path / "opsroom.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    return load_settings(
        path,
        var_dir=str(tmp_path / "var"),
        database={"url": database_url},
        server={"secret_key": "test-secret-key-not-used-anywhere-else"},
        notify={
            "smtp": {"host": "127.0.0.1", "port": smtp.port, "from_address": "opsroom@example.test"}
        },
    )


@pytest.fixture
def clock(api: Api) -> FakeClock:
    return use_clock(api)


def history(api: Api, group_id: int) -> list[str]:
    response = api.get(f"/api/v1/alert-groups/{group_id}/history")
    assert response.status_code == 200, response.text
    return [item["text"] for item in response.json()["items"]]


def test_the_composition_root_wires_the_on_call_schedules_into_escalation(api: Api) -> None:
    assert api.container.ctx.on_call is on_call_users


def test_schedule_target_pages_the_person_on_call_and_the_next_one_after_the_handoff(
    api: Api, hook: Any, clock: FakeClock, smtp: SmtpServer
) -> None:
    path = hook()
    fire(api, path, name="CheckoutDown", summary="Checkout is down")
    api.run_jobs()
    [first] = smtp.messages
    assert first["To"] == "bob@example.test"
    assert "Checkout is down" in first["Subject"]
    assert "Step 1 of 1: notifying schedule:primary" in history(api, 1)
    assert "Paged bob by email (bob@example.test)" in history(api, 1)
    clock.advance(timedelta(days=1))  # Wednesday 11:00 CET: alice took over at 09:00
    fire(api, path, name="PaymentsDown", summary="Payments are down")
    api.run_jobs()
    assert len(smtp.messages) == 2
    second = smtp.messages[1]
    assert second["To"] == "alice@example.test"
    assert "Payments are down" in second["Subject"]
    assert "Paged alice by email (alice@example.test)" in history(api, 2)
    paged = [(page["user_name"], page["status"]) for page in pages(api)]
    assert paged == [("bob", "sent"), ("alice", "sent")]


def test_an_override_in_the_schedule_decides_who_a_schedule_target_pages(
    api: Api, hook: Any, clock: FakeClock, smtp: SmtpServer
) -> None:
    now = clock.now()
    override = api.post(
        "/api/v1/schedules/primary/overrides",
        json={
            "user": "alice",
            "start": (now - timedelta(hours=1)).isoformat(),
            "end": (now + timedelta(hours=1)).isoformat(),
            "reason": "swap with bob",
        },
    )
    assert override.status_code == 201, override.text
    fire(api, hook(), name="CheckoutDown", summary="Checkout is down")
    api.run_jobs()
    [message] = smtp.messages
    assert message["To"] == "alice@example.test"


def test_inc_page_with_a_schedule_pages_its_current_on_call(
    api: Api, clock: FakeClock, smtp: SmtpServer
) -> None:
    created = api.post("/api/v1/incidents", json={"title": "Billing is slow", "severity": 2})
    reply = api.say(created.json()["room"], "/inc page primary please look")["replies"][0]
    assert reply["text"] == "Paging schedule:primary (page code 1)"
    api.run_jobs()
    [message] = smtp.messages
    assert message["To"] == "bob@example.test"
    assert "please look" in message["Subject"]
