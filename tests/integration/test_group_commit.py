"""Hook requests in flight together share one transaction; each still gets its own answer."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import select, update

from opsroom.alert import notify
from opsroom.alert.bulk import Delivery, Stored, plan_ingest, store_deliveries
from opsroom.alert.model import AlertStatus, NormalizedAlert
from opsroom.alert.service import create_integration
from opsroom.alert.tables import AlertRow, IntegrationRow
from opsroom.api import hooks
from opsroom.bootstrap import Container
from opsroom.clock import FakeClock
from opsroom.db.group_commit import GroupCommitter
from opsroom.jobs.tables import JobRow
from tests.conftest import Api
from tests.integration.payloads import alertmanager


class HeldCommitter(GroupCommitter[Any, Any]):
    """The app's own batch handler, with the first batch held until the test lets it go."""

    def __init__(self, container: Container, app_state: Any) -> None:
        super().__init__(
            container.uow,
            partial(hooks._store_batch, container, app_state.integrations),
            observe_batch=self._observe_size,
        )
        self.sizes: list[int] = []
        self.submitted = 0
        self.holding, self.release = threading.Event(), threading.Event()

    def submit(self, payload: Any, *, lock_keys: Any = ()) -> Any:
        self.submitted += 1
        return super().submit(payload, lock_keys=lock_keys)

    def _observe_size(self, size: int) -> None:
        self.sizes.append(size)
        if len(self.sizes) == 1:
            self.holding.set()
            assert self.release.wait(20)


def post(api: Api, url: str, body: bytes) -> tuple[int, dict[str, Any]]:
    response = api.client.post(url, content=body, headers={"Content-Type": "application/json"})
    return response.status_code, response.json()


def body(**kwargs: Any) -> bytes:
    return json.dumps(alertmanager(**kwargs)).encode()


def stored_fingerprints(api: Api) -> set[str]:
    return {item["fingerprint"] for item in api.get("/api/v1/alerts").json()["items"]}


def test_requests_in_one_batch_are_each_stored_and_a_malformed_one_fails_alone(
    api: Api, hook: Any
) -> None:
    url = hook()
    committer = HeldCommitter(api.container, api.client.app.state)  # type: ignore[attr-defined]
    api.client.app.state.committer = committer  # type: ignore[attr-defined]
    with ThreadPoolExecutor(max_workers=8) as pool:
        plug = pool.submit(post, api, url, body(fingerprint="plug"))
        assert committer.holding.wait(20)
        new = [pool.submit(post, api, url, body(fingerprint=f"new-{i}")) for i in range(3)]
        twice = [pool.submit(post, api, url, body(fingerprint="twice")) for _ in range(2)]
        malformed = pool.submit(post, api, url, b'{"version": "4", "alerts": [')
        unsupported = pool.submit(post, api, url, json.dumps({"title": "x"}).encode())
        assert malformed.result(20)[0] == 400  # refused before joining any batch
        assert unsupported.result(20)[0] == 422
        while committer.submitted < 1 + 3 + 2:
            threading.Event().wait(0.01)
        committer.release.set()
        answers = [future.result(20) for future in [plug, *new, *twice]]
    assert committer.sizes == [1, 5]
    assert [status for status, _ in answers] == [202] * 6
    assert all(answer["created"] == 1 for _, answer in answers[:4])
    assert sorted(answer["status"] for _, answer in answers[4:]) == ["accepted", "duplicate"]
    assert stored_fingerprints(api) == {"plug", "new-0", "new-1", "new-2", "twice"}
    committer.stop()


def test_request_for_an_integration_disabled_meanwhile_is_404_and_stores_nothing(
    api: Api, hook: Any
) -> None:
    url = hook()
    assert post(api, url, body(fingerprint="before"))[0] == 202  # the integration is cached now
    with api.container.uow() as uow:
        uow.session.execute(update(IntegrationRow).values(enabled=False))
        uow.commit()
    status, answer = post(api, url, body(fingerprint="after"))
    assert status == 404
    assert answer["error"]["message"] == "no alertmanager integration has this token"
    assert post(api, url, body(fingerprint="again"))[0] == 404
    with api.container.uow() as uow:
        stored = set(uow.session.scalars(select(AlertRow.fingerprint)))
    assert stored == {"before"}


def delivery(row: IntegrationRow, container: Container, fingerprint: str, **raw: Any) -> Delivery:
    alert = NormalizedAlert(
        fingerprint=fingerprint,
        status=AlertStatus.FIRING,
        severity="warning",
        title=f"Disk full on {fingerprint}.example.test",
        group_key="disk",
        labels={"alertname": "DiskFull", "host": f"{fingerprint}.example.test"},
        raw=raw,
    )
    return Delivery(
        integration=row,
        body_hash=f"hash-{fingerprint}",
        duplicate_window=timedelta(seconds=10),
        alerts=[alert],
        plan=plan_ingest(container.ctx, row, [alert]),
    )


def test_a_delivery_failing_inside_a_batch_is_undone_alone(container: Container) -> None:
    with container.uow() as uow:
        row, _ = create_integration(
            uow, container.ctx, kind="generic", name="scripts", known_kinds=set(container.sources)
        )
        batch = [
            delivery(row, container, "db1"),
            delivery(row, container, "db2", unstorable=object()),  # cannot be written as JSON
            delivery(row, container, "db3"),
        ]
        outcomes = store_deliveries(uow, container.ctx, batch)
        uow.commit()
    assert isinstance(outcomes[0], Stored) and outcomes[0].result.created == 1
    assert isinstance(outcomes[1], Exception)
    assert isinstance(outcomes[2], Stored) and outcomes[2].result.created == 1
    with container.uow() as uow:
        stored = set(uow.session.scalars(select(AlertRow.fingerprint)))
        seen = uow.alerts.recent_deliveries(row.id, ["hash-db1", "hash-db2", "hash-db3"])
    assert stored == {"db1", "db3"}
    assert set(seen) == {"hash-db1", "hash-db3"}  # a re-sent db2 is stored, not a duplicate


def test_alerts_joining_a_notified_group_share_one_pending_update(api: Api, hook: Any) -> None:
    clock = FakeClock(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    api.container.ctx.clock = clock
    url = hook()
    assert post(api, url, body(fingerprint="first", severity="warning"))[0] == 202
    api.run_jobs()  # group_wait is 0: announced at once
    for name in ("second", "third", "fourth"):
        clock.advance(timedelta(seconds=5))
        assert post(api, url, body(fingerprint=name, severity="warning"))[0] == 202
    with api.container.uow() as uow:
        queued = list(
            uow.session.scalars(
                select(JobRow).where(JobRow.kind == notify.NOTIFY, JobRow.status == "queued")
            )
        )
    # the repeat (4h) and one update after group_interval (1m), not one per alert
    assert sorted(job.due_at - clock.now() for job in queued) == [
        timedelta(seconds=45),
        timedelta(hours=4) - timedelta(seconds=15),
    ]
    clock.advance(timedelta(minutes=1))
    api.run_jobs()
    updates = [text for text in api.messages("alerts") if "now has 4 firing alerts" in text]
    assert len(updates) == 1


def test_concurrent_changes_of_one_alert_are_all_counted(api: Api, hook: Any) -> None:
    url = hook()

    def changed(i: int) -> bytes:
        payload = alertmanager(fingerprint="shared")
        payload["alerts"][0]["annotations"]["description"] = f"reading {i}"
        return json.dumps(payload).encode()

    with ThreadPoolExecutor(max_workers=12) as pool:
        shared = [pool.submit(post, api, url, changed(i)) for i in range(12)]
        others = [pool.submit(post, api, url, body(fingerprint=f"other-{i}")) for i in range(12)]
        statuses = [future.result(60)[0] for future in [*shared, *others]]
    assert statuses == [202] * 24
    items = {item["fingerprint"]: item for item in api.get("/api/v1/alerts").json()["items"]}
    assert items["shared"]["occurrences"] == 12  # none of the concurrent updates was lost
    assert {f"other-{i}" for i in range(12)} <= set(items)
