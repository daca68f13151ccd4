"""Real `opsroom worker` processes on PostgreSQL: every escalation step fires exactly once,
with two workers at once and across a `kill -9` of one of them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from opsroom.alert.model import AlertStatus, NormalizedAlert
from opsroom.alert.service import create_integration, ingest
from opsroom.bootstrap import Container, bootstrap
from opsroom.config import load_settings
from opsroom.db.engine import build_engine
from opsroom.db.tables import metadata
from opsroom.escalation.tables import StepRunRow
from opsroom.jobs.tables import JobRow
from opsroom.notify.tables import PageRow
from tests.conftest import PG_URL
from tests.contract.twilio_server import TwilioContract
from tests.integration.paging import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, twilio

__all__ = ["twilio"]
OPSROOM = str(Path(sys.executable).with_name("opsroom"))
STEPS = 200
DEADLINE = 180.0

CONFIG = """
integrations:
  load: {service: bulk}
services:
  - name: bulk
    escalation_policy: bulk
escalation_policies:
  - name: bulk
    steps:
      - targets: [user:bob]
        wait: 1h
users:
  - name: bob
    contacts: [{kind: sms, address: "+15555550101"}]
    rate_limit: {max_pages: 100000, per: 1m}
rules:
  auto_declare: {enabled: false}
notify:
  twilio:
    account_sid: %s
    from_number: "%s"
    base_url: %s
"""


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> str:
    if not PG_URL:
        if os.environ.get("CI"):
            pytest.fail("CI must set OPSROOM_TEST_DATABASE_URL for the multi-worker tests")
        pytest.skip("needs OPSROOM_TEST_DATABASE_URL (PostgreSQL)")
    url: str = request.getfixturevalue("postgres_migrated")
    engine = build_engine(url)
    tables = ", ".join(table.name for table in metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


@pytest.fixture
def env(pg_url: str, tmp_path: Path, twilio: TwilioContract) -> dict[str, str]:
    config = tmp_path / "opsroom.yaml"
    config.write_text(CONFIG % (ACCOUNT_SID, FROM_NUMBER, twilio.url), encoding="utf-8")
    return {
        **os.environ,
        "OPSROOM_CONFIG": str(config),
        "OPSROOM_DATABASE__URL": pg_url,
        "OPSROOM_VAR_DIR": str(tmp_path / "var"),
        "OPSROOM_SERVER__SECRET_KEY": "test-secret-key-not-used-anywhere-else",
        "OPSROOM_NOTIFY__TWILIO__AUTH_TOKEN": AUTH_TOKEN,
        "OPSROOM_WORKER__POLL_INTERVAL": "0.05",
        "OPSROOM_WORKER__BATCH_SIZE": "5",
        "OPSROOM_WORKER__LEASE_SECONDS": "5",
        "OPSROOM_LOGGING__LEVEL": "warning",
    }


@pytest.fixture
def container(env: dict[str, str]) -> Iterator[Container]:
    settings = load_settings(
        Path(env["OPSROOM_CONFIG"]),
        database={"url": env["OPSROOM_DATABASE__URL"]},
        var_dir=env["OPSROOM_VAR_DIR"],
        server={"secret_key": env["OPSROOM_SERVER__SECRET_KEY"]},
        notify={
            "twilio": {
                "account_sid": ACCOUNT_SID,
                "auth_token": AUTH_TOKEN,
                "from_number": FROM_NUMBER,
            }
        },
    )
    built = bootstrap(settings)
    yield built
    built.close()


def fire_groups(container: Container, count: int) -> None:
    """`count` new alert groups of the `bulk` service: each starts one escalation."""
    with container.uow() as uow:
        integration, _ = create_integration(
            uow, container.ctx, kind="generic", name="load", known_kinds=set(container.sources)
        )
        alerts = [
            NormalizedAlert(
                fingerprint=f"bulk-{n}",
                status=AlertStatus.FIRING,
                severity="warning",
                title=f"Bulk alert {n}",
                group_key=f"bulk-{n}",
            )
            for n in range(count)
        ]
        ingest(uow, container.ctx, integration, alerts)
        uow.commit()


@contextmanager
def workers(
    env: dict[str, str], log_dir: Path, count: int
) -> Iterator[list[subprocess.Popen[bytes]]]:
    procs = [start_worker(env, log_dir / f"worker-{n}.log") for n in range(count)]
    try:
        yield procs
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as sink:
        return subprocess.Popen([OPSROOM, "worker"], env=env, stdout=sink, stderr=subprocess.STDOUT)


def handed_over(container: Container) -> int:
    with container.uow() as uow:
        return (
            uow.session.scalar(
                select(func.count()).select_from(PageRow).where(PageRow.status == "sent")
            )
            or 0
        )


def wait_for(container: Container, pages: int, procs: list[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + DEADLINE
    while handed_over(container) < pages:
        assert time.monotonic() < deadline, f"only {handed_over(container)} of {pages} pages"
        assert any(p.poll() is None for p in procs), "every worker exited"
        time.sleep(0.2)
    time.sleep(1.0)  # let a doubled delivery, if there were one, show up too


def assert_each_step_fired_once(container: Container, twilio: TwilioContract) -> Counter[str]:
    with container.uow() as uow:
        runs = list(uow.session.scalars(select(StepRunRow)))
        pages = list(uow.session.scalars(select(PageRow)))
        # Only the alert groups' 4-hour reminders may still wait; nothing runs or failed.
        stuck = uow.session.scalar(
            select(func.count())
            .select_from(JobRow)
            .where(JobRow.status != "done", JobRow.kind != "alert_group.notify")
        )
    assert len(runs) == STEPS
    assert len({r.escalation_id for r in runs}) == STEPS
    assert len(pages) == STEPS
    assert {p.status for p in pages} == {"sent"}
    markers = Counter(m.form["Body"].rsplit(" ", 1)[-1] for m in twilio.messages())
    assert sorted(markers) == sorted(f"(p{p.id})" for p in pages)
    assert set(markers.values()) == {1}, "a page was delivered twice"
    assert stuck == 0
    return Counter(r.fired_by for r in runs)


def test_two_workers_fire_each_of_200_steps_exactly_once(
    container: Container, env: dict[str, str], tmp_path: Path, twilio: TwilioContract
) -> None:
    fire_groups(container, STEPS)
    with workers(env, tmp_path, 2) as procs:
        wait_for(container, STEPS, procs)
    by_worker = assert_each_step_fired_once(container, twilio)
    assert len(by_worker) == 2, f"both workers should have fired steps: {by_worker}"


def test_kill_9_of_a_worker_mid_run_loses_and_doubles_nothing(
    container: Container, env: dict[str, str], tmp_path: Path, twilio: TwilioContract
) -> None:
    twilio.answer_delay = 0.02  # most of a delivery's time is spent waiting for Twilio
    fire_groups(container, STEPS)
    with workers(env, tmp_path, 2) as procs:
        deadline = time.monotonic() + DEADLINE
        while len(twilio.messages()) < STEPS // 4:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        os.kill(procs[0].pid, signal.SIGKILL)
        procs[0].wait()
        procs.append(start_worker(env, tmp_path / "worker-restarted.log"))
        wait_for(container, STEPS, procs)
    assert procs[0].returncode == -signal.SIGKILL
    assert_each_step_fired_once(container, twilio)
