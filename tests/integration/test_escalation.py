"""Escalation end to end on a fake clock: policies page people in order until someone acks."""

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
    FakeOnCall,
    advance,
    fire,
    pages,
    paging_settings,
    sms_signature,
    smtp,
    twilio,
    use_clock,
)
from tests.integration.payloads import resolved

__all__ = ["smtp", "twilio"]


@pytest.fixture
def settings(
    database_url: str, tmp_path: Path, smtp: SmtpServer, twilio: TwilioContract
) -> Settings:
    return paging_settings(database_url, tmp_path, smtp, twilio)


@pytest.fixture
def clock(api: Api) -> FakeClock:
    return use_clock(api)


def escalations(api: Api) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = api.get("/api/v1/escalations").json()["items"]
    return items


def timeline(api: Api, number: int = 1) -> list[str]:
    items = api.get(f"/api/v1/incidents/{number}/timeline").json()["items"]
    return [item["text"] for item in items]


def ack_link(smtp: SmtpServer, index: int = 0) -> str:
    body = smtp.messages[index].get_content()
    link = next(line for line in body.splitlines() if "/api/v1/pages/ack?token=" in line)
    parts = urlsplit(link.strip())
    return f"{parts.path}?{parts.query}"


def test_new_alert_group_pages_first_step_then_escalates_by_sms(
    api: Api, hook: Any, clock: FakeClock, smtp: SmtpServer, twilio: TwilioContract
) -> None:
    fire(api, hook())
    api.run_jobs()
    [message] = smtp.messages
    assert message["To"] == ALICE_EMAIL
    assert "Checkout latency is above 2s" in message["Subject"]
    assert "- Checkout latency is above 2s: p99 latency of checkout-api is 2.4s" in (
        message.get_content()
    )
    assert any("Checkout latency" in text for text in api.messages("dm-alice"))
    assert {(p["user_name"], p["channel"], p["status"]) for p in pages(api)} == {
        ("alice", "email", "sent"),
        ("alice", "chat", "delivered"),
    }
    assert twilio.messages() == []
    advance(api, clock, 4.5)
    assert twilio.messages() == []  # the first step waits 5 minutes
    advance(api, clock, 0.5)
    [sms] = twilio.messages()
    assert sms.form["To"] == BOB_SMS
    assert sms.form["From"] == "+15555550199"
    [escalation] = escalations(api)
    assert f"Reply ACK {escalation['id']} to acknowledge." in sms.form["Body"]
    texts = timeline(api)
    assert any(t.startswith("Step 1 of 2: notifying user:alice") for t in texts)
    assert "Paged alice by email (alice@example.test)" in texts
    assert "Paged bob by sms (+15555550101)" in texts


def test_email_ack_link_acknowledges_once_then_thirty_minutes_bring_no_page(
    api: Api, hook: Any, clock: FakeClock, smtp: SmtpServer, twilio: TwilioContract
) -> None:
    fire(api, hook())
    api.run_jobs()
    link = ack_link(smtp)
    first = api.client.post(link, headers={"Accept": "text/html"})
    assert first.status_code == 200
    assert "alice acknowledged alert group #1" in first.text
    again = api.client.post(link)
    assert again.json() == {"message": "Alert group #1 was already acknowledged by alice"}
    before = len(pages(api))
    advance(api, clock, 30)
    assert len(pages(api)) == before
    assert twilio.messages() == []
    assert len(smtp.messages) == 1
    [escalation] = escalations(api)
    assert escalation["status"] == "acknowledged"
    assert escalation["acknowledged_by"] == "alice"
    assert api.get("/api/v1/incidents/1").json()["acknowledged_by"] == "alice"


def test_tampered_ack_link_is_refused(
    api: Api, hook: Any, clock: FakeClock, smtp: SmtpServer
) -> None:
    fire(api, hook())
    api.run_jobs()
    response = api.client.get(ack_link(smtp)[:-3] + "xyz")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "this acknowledge link is not valid"
    assert escalations(api)[0]["status"] == "active"


def test_api_ack_then_thirty_minutes_bring_zero_further_pages(
    api: Api, hook: Any, clock: FakeClock, smtp: SmtpServer, twilio: TwilioContract
) -> None:
    fire(api, hook())
    api.run_jobs()
    response = api.post("/api/v1/alert-groups/1/ack")
    assert response.json() == {"message": "alice acknowledged alert group #1"}
    before = pages(api)
    advance(api, clock, 30)
    assert pages(api) == before
    assert twilio.messages() == []
    assert any("acknowledged by alice (api)" in text for text in api.messages("alerts"))


def test_sms_reply_ack_acknowledges(
    api: Api, hook: Any, clock: FakeClock, twilio: TwilioContract
) -> None:
    fire(api, hook())
    api.run_jobs()
    advance(api, clock, 5)
    [escalation] = escalations(api)
    form = {
        "MessageSid": "SM" + "0" * 32,
        "AccountSid": twilio.account_sid,
        "From": BOB_SMS,
        "To": "+15555550199",
        "Body": f"ack {escalation['id']}",
    }
    url = "http://127.0.0.1:8080/api/v1/notify/twilio/inbound"
    response = api.client.post(
        "/api/v1/notify/twilio/inbound",
        data=form,
        headers={"X-Twilio-Signature": sms_signature(url, form)},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert "<Message>bob acknowledged alert group #1</Message>" in response.text
    [after] = escalations(api)
    assert (after["status"], after["acknowledged_by"]) == ("acknowledged", "bob")
    assert "Escalation #1 stopped: acknowledged by bob (sms)" in timeline(api)


def test_bad_twilio_signature_is_refused(
    api: Api, hook: Any, clock: FakeClock, twilio: TwilioContract
) -> None:
    fire(api, hook())
    api.run_jobs()
    form = {"AccountSid": twilio.account_sid, "From": BOB_SMS, "Body": "ACK 1"}
    url = "http://127.0.0.1:8080/api/v1/notify/twilio/inbound"
    forged = sms_signature(url, {**form, "Body": "hello"})
    for headers in ({"X-Twilio-Signature": forged}, {}):
        response = api.client.post("/api/v1/notify/twilio/inbound", data=form, headers=headers)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "bad_signature"
    assert escalations(api)[0]["status"] == "active"


def test_unreachable_targets_are_recorded_and_the_next_step_runs(
    api: Api, hook: Any, clock: FakeClock, twilio: TwilioContract, smtp: SmtpServer
) -> None:
    api.container.ctx.on_call = FakeOnCall({"empty": []})
    fire(api, hook(name="search"), name="SearchDown", severity="warning")
    api.run_jobs()
    history = [e["text"] for e in api.get("/api/v1/alert-groups/1/history").json()["items"]]
    problems = [t for t in history if t.startswith("Could not reach")]
    assert problems == [
        "Could not reach schedule:nobody-home: unknown schedule 'nobody-home'",
        "Could not reach user:carol: carol has no usable contact method",
        "Could not reach schedule:empty: nobody is on call in empty",
        "Could not reach user:ghost: no user named ghost",
    ]
    posted = [t for t in api.messages("alerts") if "Could not reach" in t]
    assert len(posted) == 4
    assert pages(api) == []
    advance(api, clock, 1)
    assert {p["user_name"] for p in pages(api)} == {"alice", "bob"}  # team:sre
    assert len(twilio.messages()) == 1
    advance(api, clock, 1)  # repeat: 1 runs the policy once more
    assert len(twilio.messages()) == 1
    advance(api, clock, 1)
    assert len(twilio.messages()) == 2
    assert "Last step fired: nobody else is paged automatically" in [
        e["text"] for e in api.get("/api/v1/alert-groups/1/history").json()["items"]
    ]


def test_resolution_stops_escalation_and_refiring_starts_a_fresh_one(
    api: Api, hook: Any, clock: FakeClock, twilio: TwilioContract
) -> None:
    url = hook()
    fire(api, url)
    api.run_jobs()
    from tests.integration.payloads import alertmanager

    firing = alertmanager(alertname="CheckoutDown", fingerprint="fp-CheckoutDown")
    assert api.client.post(url, json=resolved(firing)).status_code == 202
    api.run_jobs()
    advance(api, clock, 10)
    assert twilio.messages() == []
    assert [e["status"] for e in escalations(api)] == ["resolved"]
    later = alertmanager(
        alertname="CheckoutDown", fingerprint="fp-CheckoutDown", starts_at="2026-12-01T11:00:00Z"
    )
    assert api.client.post(url, json=later).status_code == 202
    api.run_jobs()
    fresh, old = escalations(api)
    assert (fresh["status"], old["status"]) == ("active", "resolved")
    assert fresh["alert_group_id"] != old["alert_group_id"]
    advance(api, clock, 5)
    assert len(twilio.messages()) == 1


def test_chat_ack_in_alerts_room_stops_the_group_escalation(
    api: Api, hook: Any, clock: FakeClock, twilio: TwilioContract
) -> None:
    fire(api, hook(), severity="warning")  # warning: no incident is declared
    api.run_jobs()
    assert any("/inc ack group:1" in text for text in api.messages("alerts"))
    replies = [r["text"] for r in api.say("alerts", "/inc ack group:1")["replies"]]
    assert "alice acknowledged alert group #1" in replies
    advance(api, clock, 30)
    assert twilio.messages() == []
    group = api.get("/api/v1/alert-groups").json()["items"][0]
    assert group["acknowledged_by"] == "alice"


def test_inc_ack_in_the_incident_room_stops_its_alert_group_escalation(
    api: Api, hook: Any, clock: FakeClock, twilio: TwilioContract
) -> None:
    fire(api, hook())
    api.run_jobs()
    room = api.get("/api/v1/incidents/1").json()["room"]
    api.say(room, "/inc ack")
    advance(api, clock, 30)
    assert twilio.messages() == []
    assert escalations(api)[0]["status"] == "acknowledged"


def test_inc_escalate_fires_the_next_step_now(
    api: Api, hook: Any, clock: FakeClock, twilio: TwilioContract
) -> None:
    fire(api, hook())
    api.run_jobs()
    room = api.get("/api/v1/incidents/1").json()["room"]
    reply = api.say(room, "/inc escalate")["replies"][0]["text"]
    assert reply == "Escalation #1: step 2 fires now"
    api.run_jobs()
    assert len(twilio.messages()) == 1
    advance(api, clock, 15)
    assert len(twilio.messages()) == 1  # the skipped wait does not fire step 2 again


def test_inc_page_pages_on_demand_with_its_own_code(
    api: Api, hook: Any, clock: FakeClock, twilio: TwilioContract
) -> None:
    api.container.ctx.on_call = FakeOnCall({"primary": ["bob"]})
    created = api.post("/api/v1/incidents", json={"title": "Billing is slow", "severity": 2})
    room = created.json()["room"]
    reply = api.say(room, "/inc page primary please look")["replies"][0]["text"]
    assert reply == "Paging schedule:primary (page code 1)"
    api.run_jobs()
    [sms] = twilio.messages()
    assert "please look" in sms.form["Body"]
    assert "Reply ACK 1" in sms.form["Body"]
    failed = api.say(room, "/inc page @carol")["replies"][0]["text"]
    assert failed == "Could not page user:carol: see #alerts"


def test_incident_declared_with_a_service_starts_its_policy(
    api: Api, clock: FakeClock, smtp: SmtpServer
) -> None:
    response = api.post(
        "/api/v1/incidents", json={"title": "Checkout broken", "service": "checkout"}
    )
    assert response.status_code == 201
    api.run_jobs()
    [escalation] = escalations(api)
    assert (escalation["incident_id"], escalation["policy"]) == (1, "checkout-oncall")
    assert len(smtp.messages) == 1
    unknown = api.post("/api/v1/incidents", json={"title": "x", "service": "nope"})
    assert unknown.status_code == 422


def test_escalation_policies_are_readable(api: Api) -> None:
    items = api.get("/api/v1/escalation-policies").json()["items"]
    checkout = next(p for p in items if p["name"] == "checkout-oncall")
    assert checkout == {
        "name": "checkout-oncall",
        "description": "",
        "repeat": 0,
        "steps": [
            {"targets": ["user:alice"], "wait_seconds": 300},
            {"targets": ["user:bob"], "wait_seconds": 600},
        ],
        "services": ["checkout"],
    }


def test_declaring_an_incident_from_an_acknowledged_group_pages_nobody_again(
    api: Api, hook: Any, clock: FakeClock, smtp: SmtpServer
) -> None:
    fire(api, hook(), severity="warning")
    api.run_jobs()
    api.post("/api/v1/alert-groups/1/ack")
    api.say("alerts", "/inc declare group:1")
    api.run_jobs()
    assert [e["status"] for e in escalations(api)] == ["acknowledged"]
    assert len(smtp.messages) == 1


@pytest.mark.parametrize(
    ("status", "page_status"), [("delivered", "delivered"), ("undelivered", "failed")]
)
def test_twilio_status_callback_updates_the_page(
    api: Api, hook: Any, clock: FakeClock, twilio: TwilioContract, status: str, page_status: str
) -> None:
    fire(api, hook())
    api.run_jobs()
    advance(api, clock, 5)
    [sms] = twilio.messages()
    url = "http://127.0.0.1:8080/api/v1/notify/twilio/status"
    assert sms.form["StatusCallback"] == url
    form = {
        "AccountSid": twilio.account_sid,
        "MessageSid": sms.sid,
        "MessageStatus": status,
        "ErrorCode": "30003" if status == "undelivered" else "",
    }
    signature = sms_signature(url, form)
    response = api.client.post(
        "/api/v1/notify/twilio/status", data=form, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 204
    [page] = pages(api, user="bob")
    assert page["status"] == page_status
    if status == "undelivered":
        assert page["last_error"] == "Twilio reports undelivered 30003"
        assert any("not delivered" in t for t in api.messages("alerts"))
    forged = api.client.post("/api/v1/notify/twilio/status", data=form)
    assert forged.status_code == 403
