"""The README's paging walk-through with real processes: `opsroom serve`, a real SMTP server
(aiosmtpd) and the Twilio contract server. An alert pages alice by email, escalates to bob by
SMS, bob's signed SMS reply acknowledges, and the timeline shows all of it."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.contract.smtp_server import SmtpServer
from tests.contract.twilio_server import TwilioContract
from tests.e2e.opsroom_process import OPSROOM
from tests.e2e.peers import STOP_TIMEOUT, free_port, wait_http_ok
from tests.integration.paging import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    BOB_SMS,
    FROM_NUMBER,
    sms_signature,
    smtp,
    twilio,
)

pytestmark = pytest.mark.e2e
__all__ = ["smtp", "twilio"]

CONFIG = """
integrations:
  checkout-prom: {service: checkout}
services:
  - name: checkout
    escalation_policy: checkout-oncall
escalation_policies:
  - name: checkout-oncall
    steps:
      - targets: [user:alice]
        wait: 3s
      - targets: [user:bob]
        wait: 10m
users:
  - name: alice
    contacts: [{kind: email, address: alice@example.test}]
  - name: bob
    contacts: [{kind: sms, address: "+15555550101"}]
notify:
  smtp: {host: 127.0.0.1, port: %d, from_address: opsroom@example.test}
  twilio: {from_number: "%s", base_url: "%s"}
"""


def eventually(check: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)
    return found


@pytest.fixture
def opsroom(tmp_path: Path, smtp: SmtpServer, twilio: TwilioContract) -> Iterator[dict[str, str]]:
    config = tmp_path / "opsroom.yaml"
    config.write_text(CONFIG % (smtp.port, FROM_NUMBER, twilio.url), encoding="utf-8")
    port = free_port()
    env = {
        **os.environ,
        "OPSROOM_CONFIG": str(config),
        "OPSROOM_DATABASE__URL": f"sqlite:///{tmp_path / 'opsroom.db'}",
        "OPSROOM_VAR_DIR": str(tmp_path / "var"),
        "OPSROOM_SERVER__PORT": str(port),
        "OPSROOM_WORKER__POLL_INTERVAL": "0.1",
        "OPSROOM_NOTIFY__TWILIO__ACCOUNT_SID": ACCOUNT_SID,
        "OPSROOM_NOTIFY__TWILIO__AUTH_TOKEN": AUTH_TOKEN,
    }

    def cli(*args: str) -> str:
        done = subprocess.run(
            [OPSROOM, *args], env=env, capture_output=True, text=True, timeout=60, check=False
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    cli("db", "upgrade")
    info = {
        "url": f"http://127.0.0.1:{port}",
        "hook": cli(
            "integration", "create", "--kind", "generic", "--name", "checkout-prom", "--url-only"
        ),
        "token": cli("token", "create", "--user", "responder"),
    }
    log = tmp_path / "serve.log"
    with log.open("wb") as sink:
        process = subprocess.Popen([OPSROOM, "serve"], env=env, stdout=sink, stderr=sink)
    try:
        wait_http_ok(f"{info['url']}/readyz", 30, process, log)
        yield info
    finally:
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_alert_pages_by_email_escalates_by_sms_and_sms_reply_acknowledges(
    opsroom: dict[str, str], smtp: SmtpServer, twilio: TwilioContract
) -> None:
    alert = {"title": "Checkout is down", "severity": "critical", "dedup_key": "checkout-down"}
    assert httpx.post(opsroom["hook"], json=alert, timeout=10).status_code == 202
    [email] = eventually(lambda: smtp.messages, "alice's email")
    assert email["To"] == "alice@example.test"
    assert "/api/v1/pages/ack?token=" in email.get_content()
    [sms] = eventually(twilio.messages, "bob's SMS")
    assert sms.form["To"] == BOB_SMS
    assert "Reply ACK 1 to acknowledge." in sms.form["Body"]
    inbound = f"{opsroom['url']}/api/v1/notify/twilio/inbound"
    form = {"AccountSid": ACCOUNT_SID, "From": BOB_SMS, "To": FROM_NUMBER, "Body": "ACK 1"}
    reply = httpx.post(
        inbound, data=form, headers={"X-Twilio-Signature": sms_signature(inbound, form)}
    )
    assert "<Message>bob acknowledged alert group #1</Message>" in reply.text
    headers = {"Authorization": f"Bearer {opsroom['token']}"}
    entries = httpx.get(f"{opsroom['url']}/api/v1/incidents/1/timeline", headers=headers).json()
    texts = [entry["text"] for entry in entries["items"]]
    for expected in (
        "Escalation #1 started: policy checkout-oncall",
        "Paged alice by email (alice@example.test)",
        "Paged bob by sms (+15555550101)",
        "Escalation #1 stopped: acknowledged by bob (sms)",
    ):
        assert expected in texts
    assert len(smtp.messages) == 1 and len(twilio.messages()) == 1
