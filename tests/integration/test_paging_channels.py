"""Page channels: retries with backoff, permanent failures, voice, apprise, rate limits,
contact methods and notification rules through the API."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from opsroom.clock import FakeClock
from opsroom.config import Settings
from opsroom.escalation.service import STEP
from opsroom.jobs.tables import DEFAULT_QUEUE, JobRow
from opsroom.notify.service import DELIVER, NOTIFY_QUEUE
from opsroom.notify.tables import PageRow
from tests.conftest import Api
from tests.contract.http_sink import HttpSink
from tests.contract.smtp_server import SmtpServer
from tests.contract.twilio_server import TwilioContract
from tests.integration.paging import (
    BOB_SMS,
    advance,
    fire,
    pages,
    paging_settings,
    smtp,
    twilio,
    use_clock,
)

__all__ = ["smtp", "twilio"]

EXTRA = """
  - name: dave
    contacts:
      - {kind: sms, address: "+15555550104"}
      - {kind: voice, address: "+15555550104"}
      - {kind: email, address: dave@example.test}
    notification_rules:
      - {kind: email, after: 0m}
      - {kind: sms, after: 2m}
      - {kind: voice, after: 5m}
    rate_limit: {max_pages: 3, per: 10m}
"""


@pytest.fixture
def settings(
    database_url: str, tmp_path: Path, smtp: SmtpServer, twilio: TwilioContract
) -> Settings:
    config = paging_settings(database_url, tmp_path, smtp, twilio, extra="")
    text = (tmp_path / "opsroom.yaml").read_text(encoding="utf-8")
    text = text.replace("  - name: carol\n", "  - name: carol\n" + EXTRA.lstrip("\n"))
    (tmp_path / "opsroom.yaml").write_text(text, encoding="utf-8")
    from opsroom.config import load_settings

    return load_settings(tmp_path / "opsroom.yaml", **_overrides(config))


def _overrides(config: Settings) -> dict[str, Any]:
    return {
        "var_dir": str(config.var_dir),
        "database": {"url": config.database.url},
        "server": {"secret_key": "test-secret-key-not-used-anywhere-else"},
        "notify": config.notify.model_dump(),
    }


@pytest.fixture
def clock(api: Api) -> FakeClock:
    return use_clock(api)


@pytest.fixture
def admin(api: Api) -> None:
    """alice (the API caller) as an admin: only the person or an admin edits their paging."""
    with api.container.uow() as uow:
        user = uow.users.get_by_name("alice")
        assert user is not None
        user.role = "admin"
        uow.commit()


def page_dave(api: Api) -> None:
    incident = api.post("/api/v1/incidents", json={"title": "Ledger drift"}).json()
    api.say(incident["room"], "/inc page @dave")


def test_failed_sms_is_retried_with_backoff_and_recorded(
    api: Api, hook: Any, clock: FakeClock, twilio: TwilioContract
) -> None:
    twilio.fail_next(20500)
    twilio.fail_next(20429)
    fire(api, hook())
    api.run_jobs()
    advance(api, clock, 6)  # step 2 pages bob: 500, then 429 after 5 s, then sent after 10 s
    [sms_page] = pages(api, user="bob")
    assert (sms_page["status"], sms_page["attempts"]) == ("sent", 3)
    assert len(twilio.messages()) == 1
    history = [e["text"] for e in api.get("/api/v1/alert-groups/1/history").json()["items"]]
    failures = [t for t in history if "failed" in t]
    assert failures[0].startswith("Page to bob by sms failed (attempt 1): Twilio answered 500")
    assert failures[1].startswith("Page to bob by sms failed (attempt 2): Twilio answered 429")
    assert failures[0].endswith("retrying in 0:00:05")
    assert failures[1].endswith("retrying in 0:00:10")


def test_a_failing_channel_never_holds_up_another_page(
    api: Api, hook: Any, clock: FakeClock, twilio: TwilioContract, smtp: SmtpServer
) -> None:
    twilio.fail_next(20500, times=10)
    page_dave(api)
    advance(api, clock, 1)
    assert len(smtp.messages) == 1  # email went out while SMS fails on and on
    advance(api, clock, 2)
    statuses = {p["channel"]: p["status"] for p in pages(api, user="dave")}
    assert statuses == {"email": "sent", "sms": "failed", "voice": "queued"}
    assert any("Could not page dave by sms" in t for t in api.messages("alerts"))


def test_invalid_number_fails_at_once_and_is_posted(
    api: Api, hook: Any, clock: FakeClock, twilio: TwilioContract
) -> None:
    twilio.invalid_numbers.add(BOB_SMS)
    fire(api, hook())
    api.run_jobs()
    advance(api, clock, 5)
    [sms_page] = pages(api, user="bob")
    assert (sms_page["status"], sms_page["attempts"]) == ("failed", 1)
    assert "code 21211" in sms_page["last_error"]
    assert any("Could not page bob by sms" in t for t in api.messages("alerts"))


def test_notification_rules_space_channels_and_voice_calls_with_twiml(
    api: Api, clock: FakeClock, twilio: TwilioContract, smtp: SmtpServer
) -> None:
    page_dave(api)
    api.run_jobs()
    assert len(smtp.messages) == 1
    assert twilio.messages() == []
    advance(api, clock, 2)
    assert len(twilio.messages()) == 1
    assert twilio.calls() == []
    advance(api, clock, 3)
    [call] = twilio.calls()
    assert call.form["To"] == "+15555550104"
    assert call.form["Twiml"].startswith("<Response><Say")


def test_rate_limit_suppresses_pages_over_the_limit(
    api: Api, clock: FakeClock, twilio: TwilioContract
) -> None:
    page_dave(api)
    page_dave(api)
    advance(api, clock, 6)
    statuses = [p["status"] for p in pages(api, user="dave")]
    # max_pages 3 per 10 minutes: two emails at once, one SMS at 2 minutes, then nothing
    assert statuses == ["sent", "sent", "suppressed", "sent", "suppressed", "suppressed"]
    assert twilio.calls() == []
    assert len(twilio.messages()) == 1


def test_apprise_url_contact_posts_json(api: Api, clock: FakeClock, admin: None) -> None:
    with HttpSink() as sink:
        response = api.post(
            "/api/v1/users/carol/contact-methods",
            json={"kind": "apprise", "address": f"json://127.0.0.1:{sink.port}/hook"},
        )
        assert response.status_code == 201, response.text
        incident = api.post("/api/v1/incidents", json={"title": "Queue stuck"}).json()
        api.say(incident["room"], "/inc page @carol")
        api.run_jobs()
        [body] = sink.bodies
    assert body["title"].startswith("INC-1: Queue stuck")
    assert "Acknowledge: http://127.0.0.1:8080/api/v1/pages/ack?token=" in body["message"]
    [page] = pages(api, user="carol")
    assert page["status"] == "sent"


def test_apprise_failure_is_retried(api: Api, clock: FakeClock, admin: None) -> None:
    with HttpSink(status=503) as sink:
        api.post(
            "/api/v1/users/carol/contact-methods",
            json={"kind": "apprise", "address": f"json://127.0.0.1:{sink.port}/hook"},
        )
        incident = api.post("/api/v1/incidents", json={"title": "Queue stuck"}).json()
        api.say(incident["room"], "/inc page @carol")
        api.run_jobs()
        [page] = pages(api, user="carol")
        assert (page["status"], page["attempts"]) == ("queued", 1)
        sink.status = 200
        clock.advance(timedelta(seconds=6))
        api.run_jobs()
    [page] = pages(api, user="carol")
    assert (page["status"], page["attempts"]) == ("sent", 2)


def test_contact_methods_and_rules_through_the_api(api: Api, admin: None) -> None:
    added = api.post(
        "/api/v1/users/carol/contact-methods", json={"kind": "sms", "address": "+1 555 555 0103"}
    )
    assert added.json() == {"id": 1, "kind": "sms", "address": "+15555550103", "source": "api"}
    duplicate = api.post(
        "/api/v1/users/carol/contact-methods", json={"kind": "sms", "address": "+15555550103"}
    )
    assert duplicate.status_code == 409
    bad = api.post("/api/v1/users/carol/contact-methods", json={"kind": "sms", "address": "12"})
    assert bad.status_code == 422
    assert "E.164" in bad.json()["error"]["message"]
    rules = api.client.put(
        "/api/v1/users/carol/notification-rules",
        headers=api.headers,
        json={"rules": [{"kind": "sms", "after": "2m"}, {"kind": "chat"}]},
    )
    assert rules.json()["items"] == [
        {"kind": "chat", "after_seconds": 0},
        {"kind": "sms", "after_seconds": 120},
    ]
    alice = api.get("/api/v1/users/alice/contact-methods").json()["items"]
    assert [(c["kind"], c["source"]) for c in alice] == [("email", "config"), ("chat", "config")]
    assert api.get("/api/v1/users/nobody/contact-methods").status_code == 404
    teams = api.get("/api/v1/teams").json()["items"]
    assert teams == [{"name": "sre", "members": ["alice", "bob"]}]


class CrashingNotifier:
    """A worker dying around the provider call: the page is committed as `sending`, the
    outcome is not (the job fails and is replayed, as after a kill -9 and a lease timeout)."""

    def __init__(self, real: Any, *, after_send: bool) -> None:
        self.channel, self._real, self._after = real.channel, real, after_send
        self.find_delivery = real.find_delivery

    def deliver(self, message: Any) -> Any:
        if self._after:
            self._real.deliver(message)
        raise RuntimeError("worker killed")


class LockProbe:
    """A channel that looks at the page from its own transaction while it is being sent."""

    def __init__(self, real: Any, api: Api) -> None:
        self.channel, self._real, self._api = real.channel, real, api
        self.seen: list[str] = []

    def deliver(self, message: Any) -> Any:
        with self._api.container.uow() as uow:
            # NOWAIT: on PostgreSQL this fails at once if the worker still held the row.
            row = uow.session.scalar(
                select(PageRow).where(PageRow.id == message.page_id).with_for_update(nowait=True)
            )
            assert row is not None
            self.seen.append(row.status)
            uow.commit()
        return self._real.deliver(message)


def test_a_channel_is_called_with_sending_committed_and_no_transaction_open(
    api: Api, hook: Any, clock: FakeClock, smtp: SmtpServer
) -> None:
    probe = LockProbe(api.container.ctx.notifiers["email"], api)
    api.container.ctx.notifiers["email"] = probe  # type: ignore[assignment]
    fire(api, hook())
    api.run_jobs()
    assert probe.seen == ["sending"]
    assert len(smtp.messages) == 1
    [page] = [p for p in pages(api) if p["channel"] == "email"]
    assert page["status"] == "sent"


@pytest.mark.parametrize("after_send", [True, False])
def test_a_page_interrupted_mid_send_is_sent_exactly_once(
    api: Api, hook: Any, clock: FakeClock, twilio: TwilioContract, after_send: bool
) -> None:
    notifiers = api.container.ctx.notifiers
    real = notifiers["sms"]
    notifiers["sms"] = CrashingNotifier(real, after_send=after_send)  # type: ignore[assignment]
    fire(api, hook())
    api.run_jobs()
    advance(api, clock, 5)
    [page] = pages(api, user="bob")
    assert page["status"] == "sending"
    notifiers["sms"] = real
    advance(api, clock, 1)
    [page] = pages(api, user="bob")
    assert page["status"] == "sent"
    assert len(twilio.messages()) == 1
    assert page["attempts"] == (1 if after_send else 2)


def test_page_deliveries_have_their_own_lane_so_slow_channels_never_delay_steps(
    api: Api, hook: Any, clock: FakeClock
) -> None:
    """Deliveries are jobs of the `notify` queue, served by `worker.delivery_threads`
    workers; the `default` queue's worker (escalation steps) never claims them."""
    container = api.container
    lanes = [worker.queues for worker in container.lane_workers()]
    assert lanes == [(DEFAULT_QUEUE,), (NOTIFY_QUEUE,), (NOTIFY_QUEUE,)]
    fire(api, hook())
    api.run_jobs()
    with container.uow() as uow:
        jobs = uow.session.scalars(select(JobRow).where(JobRow.kind == DELIVER)).all()
        assert jobs
        assert {job.queue for job in jobs} == {NOTIFY_QUEUE}
    now = clock.now()
    with container.uow() as uow:
        uow.jobs.enqueue(DELIVER, {"page_id": 999}, now=now, queue=NOTIFY_QUEUE)
        uow.jobs.enqueue(STEP, {"escalation_id": 999}, now=now)
        uow.commit()
    default_lane, notify_lane = lanes[0], lanes[1]
    lease = timedelta(minutes=1)
    with container.uow() as uow:
        steps = uow.jobs.claim("m", now=now, limit=10, lease=lease, queues=default_lane)
        assert [job.kind for job in steps] == [STEP]
        deliveries = uow.jobs.claim("d", now=now, limit=10, lease=lease, queues=notify_lane)
        assert [job.kind for job in deliveries] == [DELIVER]


def test_without_delivery_threads_the_default_worker_delivers_pages_too(api: Api) -> None:
    api.container.settings.worker.delivery_threads = 0
    lanes = [worker.queues for worker in api.container.lane_workers()]
    assert lanes == [(DEFAULT_QUEUE, NOTIFY_QUEUE)]
