"""Shared set-up of the escalation and paging tests: opsroom.yaml, real SMTP, Twilio contract."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from twilio.request_validator import RequestValidator

from opsroom.clock import FakeClock
from opsroom.config import Settings, load_settings
from opsroom.context import Context
from opsroom.db.uow import UnitOfWork
from opsroom.errors import NotFoundError
from tests.conftest import Api
from tests.contract.smtp_server import SmtpServer
from tests.contract.twilio_server import TwilioContract, TwilioServer
from tests.integration.payloads import alertmanager

ACCOUNT_SID = "AC" + "5e" * 16
AUTH_TOKEN = "contract-test-auth-token"
FROM_NUMBER = "+15555550199"
ALICE_EMAIL = "alice@example.test"
BOB_SMS = "+15555550101"
START = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)

CONFIG = """
integrations:
  prod:
    service: checkout
  search:
    service: search
services:
  - name: checkout
    escalation_policy: checkout-oncall
  - name: search
    escalation_policy: hard-to-reach
  - name: quiet
escalation_policies:
  - name: checkout-oncall
    steps:
      - targets: [user:alice]
        wait: 5m
      - targets: [user:bob]
        wait: 10m
  - name: hard-to-reach
    repeat: 1
    steps:
      - targets: [schedule:nobody-home, user:carol, schedule:empty, user:ghost]
        wait: 1m
      - targets: [team:sre]
        wait: 1m
users:
  - name: alice
    contacts:
      - {kind: email, address: alice@example.test}
      - {kind: chat}
  - name: bob
    contacts:
      - {kind: sms, address: "+15555550101"}
    notification_rules:
      - {kind: sms, after: 0m}
  - name: carol
teams:
  - name: sre
    members: [alice, bob]
rules:
  auto_declare:
    enabled: true
    severities: [critical]
"""


class FakeOnCall:
    """Stands in for opsroom.oncall.service.on_call_users (another branch builds it)."""

    def __init__(self, schedules: dict[str, list[str]]) -> None:
        self.schedules = schedules

    def __call__(self, uow: UnitOfWork, ctx: Context, *, schedule: str, at: datetime) -> list[str]:
        if schedule not in self.schedules:
            raise NotFoundError(f"unknown schedule {schedule!r}")
        return list(self.schedules[schedule])


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def twilio() -> Iterator[TwilioContract]:
    with TwilioServer(ACCOUNT_SID, AUTH_TOKEN) as contract:
        yield contract


def paging_settings(
    database_url: str, tmp_path: Path, smtp: SmtpServer, twilio: TwilioContract, extra: str = ""
) -> Settings:
    path = tmp_path / "opsroom.yaml"
    path.write_text(CONFIG + extra, encoding="utf-8")
    return load_settings(
        path,
        var_dir=str(tmp_path / "var"),
        database={"url": database_url},
        server={"secret_key": "test-secret-key-not-used-anywhere-else"},
        notify={
            "smtp": {
                "host": "127.0.0.1",
                "port": smtp.port,
                "from_address": "opsroom@example.test",
            },
            "twilio": {
                "account_sid": ACCOUNT_SID,
                "auth_token": AUTH_TOKEN,
                "from_number": FROM_NUMBER,
                "base_url": twilio.url,
            },
            "retry_base": "5s",
            "max_attempts": 3,
        },
    )


def use_clock(api: Api) -> FakeClock:
    clock = FakeClock(START)
    api.container.ctx.clock = clock
    return clock


def fire(api: Api, hook_path: str, name: str = "CheckoutDown", **kwargs: Any) -> None:
    payload = alertmanager(alertname=name, fingerprint=f"fp-{name}", **kwargs)
    response = api.client.post(hook_path, json=payload)
    assert response.status_code == 202, response.text


def pages(api: Api, **params: Any) -> list[dict[str, Any]]:
    response = api.get("/api/v1/pages", params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return sorted(items, key=lambda p: p["id"])


def advance(api: Api, clock: FakeClock, minutes: float) -> None:
    """Move time in small steps, running due jobs at each, as a polling worker would."""
    for _ in range(int(minutes * 2)):
        clock.advance(timedelta(seconds=30))
        api.run_jobs()


def sms_signature(url: str, form: dict[str, str]) -> str:
    return str(RequestValidator(AUTH_TOKEN).compute_signature(url, form))
