"""Acknowledging at the edges: a resolved group, an unknown SMS code, and email links that a
mail scanner may open (a GET only shows a confirmation; the POST acknowledges)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from opsroom.clock import FakeClock
from opsroom.config import Settings
from tests.conftest import Api
from tests.contract.smtp_server import SmtpServer
from tests.contract.twilio_server import TwilioContract
from tests.integration.paging import (
    ALICE_EMAIL,
    BOB_SMS,
    fire,
    paging_settings,
    sms_signature,
    smtp,
    twilio,
    use_clock,
)
from tests.integration.payloads import alertmanager

__all__ = ["smtp", "twilio"]
INBOUND = "/api/v1/notify/twilio/inbound"


@pytest.fixture
def settings(
    database_url: str, tmp_path: Path, smtp: SmtpServer, twilio: TwilioContract
) -> Settings:
    return paging_settings(database_url, tmp_path, smtp, twilio)


@pytest.fixture
def clock(api: Api) -> FakeClock:
    return use_clock(api)


def group(api: Api) -> dict[str, Any]:
    [found] = api.get("/api/v1/alert-groups").json()["items"]
    assert isinstance(found, dict)
    return found


def sms_reply(api: Api, twilio: TwilioContract, body: str) -> Any:
    form = {"AccountSid": twilio.account_sid, "From": BOB_SMS, "To": "+15555550199", "Body": body}
    signature = sms_signature(f"http://127.0.0.1:8080{INBOUND}", form)
    return api.client.post(INBOUND, data=form, headers={"X-Twilio-Signature": signature})


def fire_and_resolve(api: Api, hook: Any) -> None:
    path = hook()
    fire(api, path)
    api.run_jobs()
    resolved = alertmanager("resolved", alertname="CheckoutDown", fingerprint="fp-CheckoutDown")
    assert api.client.post(path, json=resolved).status_code == 202
    api.run_jobs()
    assert group(api)["status"] == "resolved"


def test_acknowledging_a_resolved_group_is_409_and_records_nothing(
    api: Api, hook: Any, clock: FakeClock
) -> None:
    fire_and_resolve(api, hook)
    answer = api.post("/api/v1/alert-groups/1/ack")
    assert answer.status_code == 409, answer.text
    assert answer.json()["error"]["message"] == (
        "Alert group #1 is already resolved: there is nothing to acknowledge"
    )
    assert group(api)["acknowledged_by"] is None


def test_sms_ack_of_a_resolved_group_is_answered_in_twiml(
    api: Api, hook: Any, clock: FakeClock, twilio: TwilioContract
) -> None:
    fire_and_resolve(api, hook)
    answer = sms_reply(api, twilio, "ACK 1")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/xml")
    assert "is already resolved: there is nothing to acknowledge" in answer.text
    assert group(api)["acknowledged_by"] is None


def test_sms_reply_with_an_unknown_code_is_answered_in_twiml(
    api: Api, hook: Any, clock: FakeClock, twilio: TwilioContract
) -> None:
    answer = sms_reply(api, twilio, "ACK 999")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/xml")
    assert "<Message>No page has the code 999." in answer.text


def ack_link(smtp: SmtpServer) -> str:
    [message] = [m for m in smtp.messages if m["To"] == ALICE_EMAIL]
    line = next(x for x in message.get_content().splitlines() if "/pages/ack?token=" in x)
    parts = urlsplit(line.split("Acknowledge:")[-1].strip())
    return f"{parts.path}?{parts.query}"


def test_opening_an_email_ack_link_only_asks_to_confirm(
    api: Api, hook: Any, clock: FakeClock, smtp: SmtpServer
) -> None:
    fire(api, hook())
    api.run_jobs()
    link = ack_link(smtp)
    token = link.split("token=", 1)[1]
    for accept in ("text/html,application/xhtml+xml", "*/*"):
        opened = api.client.get(link, headers={"Accept": accept})
        assert opened.status_code == 200, opened.text
    page = api.client.get(link, headers={"Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html")
    assert '<form method="post" action="/api/v1/pages/ack">' in page.text
    assert "Acknowledge page 1 as alice?" in page.text
    assert group(api)["acknowledged_by"] is None  # a scanner's GET acknowledged nothing
    form = {"token": token.replace("%3D", "=")}
    confirmed = api.client.post("/api/v1/pages/ack", data=form, headers={"Accept": "text/html"})
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.headers["content-type"].startswith("text/html")
    assert "alice acknowledged alert group #1" in confirmed.text
    assert group(api)["acknowledged_by"] == "alice"


def test_a_browser_gets_an_html_error_for_a_bad_link(
    api: Api, hook: Any, clock: FakeClock, smtp: SmtpServer
) -> None:
    fire(api, hook())
    api.run_jobs()
    forged = ack_link(smtp)[:-3] + "xyz"
    for method in ("GET", "POST"):
        answer = api.client.request(method, forged, headers={"Accept": "text/html"})
        assert answer.status_code == 401
        assert answer.headers["content-type"].startswith("text/html")
        assert "this acknowledge link is not valid" in answer.text
    as_json = api.client.post(forged)
    assert as_json.json()["error"]["message"] == "this acknowledge link is not valid"
    assert group(api)["acknowledged_by"] is None
