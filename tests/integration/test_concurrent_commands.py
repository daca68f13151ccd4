"""Commands from several people (or platforms) at the same moment act once, on both backends."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from opsroom.bootstrap import Container
from opsroom.errors import ConflictError
from opsroom.incident import service as incidents
from opsroom.incident.service import Actor
from tests.conftest import Api
from tests.integration.payloads import alertmanager

RACERS = 4


def race(container: Container, work: Callable[[Any, int, threading.Barrier], str]) -> list[str]:
    """Run `work(uow, n, loaded)` in RACERS threads; each reads what it needs, waits on `loaded`
    until all have, then acts and commits on its own."""
    loaded = threading.Barrier(RACERS, timeout=30)
    results: list[str] = []

    def run(n: int) -> None:
        with container.uow() as uow:
            try:
                outcome = work(uow, n, loaded)
                uow.commit()
            except ConflictError as exc:
                outcome = f"refused: {exc.message}"
        results.append(outcome)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_one_group_declared_at_once_from_everywhere_makes_one_incident(api: Api, hook: Any) -> None:
    api.client.post(hook(), json=alertmanager(severity="warning"))
    api.run_jobs()
    container = api.container

    def declare(uow: Any, n: int, loaded: threading.Barrier) -> str:
        group = uow.alerts.get_group(1)  # read first, as the chat paths do
        assert group is not None
        uow.commit()  # SQLite: let the others read too (its transactions take the write lock)
        loaded.wait()
        incident = incidents.declare_incident(
            uow,
            container.ctx,
            title=group.title,
            severity=3,
            actor=Actor(f"person{n}", "api"),
            group_ids=[1],
        )
        return f"declared INC-{incident.number}"

    results = race(container, declare)
    assert sorted(results)[0].startswith("declared INC-"), results
    assert sum(result.startswith("declared") for result in results) == 1, results
    refused = [result for result in results if result.startswith("refused")]
    assert len(refused) == RACERS - 1
    assert all("already belongs to INC-" in result for result in refused)
    items = api.get("/api/v1/incidents").json()["items"]
    assert len(items) == 1
    assert items[0]["alert_group_ids"] == [1]


def test_an_incident_resolved_at_once_from_everywhere_is_resolved_once(api: Api) -> None:
    replies = [
        r["text"] for r in api.say("incidents", "/inc declare sev2 Checkout is slow")["replies"]
    ]
    assert any(text.startswith("Declared INC-1") for text in replies), replies
    container = api.container
    with container.uow() as uow:
        incident = incidents.open_incident(uow, 1)

    def resolve(uow: Any, n: int, loaded: threading.Barrier) -> str:
        uow.incidents.get(incident.id)  # the row is in this session before the lock is taken
        uow.commit()  # SQLite: let the others read too (its transactions take the write lock)
        loaded.wait()
        row = incidents.open_incident(uow, 1)
        return incidents.resolve(uow, container.ctx, row, Actor(f"person{n}", "api"), "done")

    results = race(container, resolve)
    assert sum("resolved INC-1" in result for result in results) == 1, results
    assert sum("already resolved" in result for result in results) == RACERS - 1, results
    kinds = [e["kind"] for e in api.get("/api/v1/incidents/1/timeline").json()["items"]]
    assert kinds.count("resolve") == 1
