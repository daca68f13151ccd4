"""`python -m bench.ingest.inproc`: the CPU one hook delivery costs, in-process, without HTTP.

Drives opsroom's ASGI app directly (no sockets, no uvicorn, no job worker) with `--concurrency`
tasks sending the benchmark's Alertmanager webhooks: 80% new alerts, 10% exact repeats of the
body just sent (duplicates), 10% repeats of an earlier alert (a stored alert seen again). It
prints the process CPU per delivery, which moves far less with a busy machine than alerts/s:
a quick before/after for a change to the ingest path. `--profile FILE` writes cProfile stats.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from bench.ingest.payloads import AlertFactory
from bench.ingest.targets import BENCH_CONFIG


def _app(database_url: str, workdir: Path) -> tuple[Any, str]:
    config = workdir / "opsroom.yaml"
    config.write_text(yaml.safe_dump(BENCH_CONFIG), encoding="utf-8")
    os.environ.update(
        OPSROOM_DATABASE__URL=database_url,
        OPSROOM_VAR_DIR=str(workdir / "var"),
        OPSROOM_CONFIG=str(config),
    )
    from opsroom.alert.service import create_integration
    from opsroom.api.app import create_app
    from opsroom.bootstrap import bootstrap
    from opsroom.config import load_settings
    from opsroom.db.engine import build_engine
    from opsroom.db.migrate import upgrade

    engine = build_engine(database_url)
    upgrade(engine)
    engine.dispose()
    container = bootstrap(load_settings())
    with container.uow() as uow:
        _, token = create_integration(
            uow, container.ctx, kind="alertmanager", name="bench", known_kinds={"alertmanager"}
        )
        uow.commit()
    return create_app(container, run_worker=False), f"/api/v1/hooks/alertmanager/{token}"


async def _post(app: Any, path: str, body: bytes, query: bytes = b"") -> int:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query,
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
    }
    sent = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def _load(app: Any, path: str, total: int, concurrency: int) -> dict[str, int]:
    factory = AlertFactory("webhook", f"inproc{random.randrange(10**6)}")
    counter = iter(range(total))
    statuses: dict[str, int] = {}

    async def connection() -> None:
        last = None
        for sequence in counter:
            if sequence % 10 == 5 and last is not None:
                body, query = factory.alert(last).body, b""
            elif sequence % 10 == 0 and sequence > 1000:
                body, query = factory.alert(sequence - 1000).body, b"late=1"
            else:
                body, query, last = factory.alert(sequence).body, b"", sequence
            status = await _post(app, path, body, query)
            statuses[str(status)] = statuses.get(str(status), 0) + 1

    await asyncio.gather(*(connection() for _ in range(concurrency)))
    return statuses


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest.inproc", description=__doc__)
    parser.add_argument("--database-url", help="default: a new SQLite file")
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--profile", type=Path, help="write cProfile stats here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="opsroom-inproc-") as work:
        url = args.database_url or f"sqlite:///{work}/opsroom.db"
        app, path = _app(url, Path(work))
        asyncio.run(_load(app, path, args.warmup, args.concurrency))
        profiler = cProfile.Profile() if args.profile else None
        cpu, wall = time.process_time(), time.perf_counter()
        if profiler is not None:
            profiler.enable()
        statuses = asyncio.run(_load(app, path, args.requests, args.concurrency))
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(args.profile)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        app.state.committer.stop()
        batches = _batches(app)
    print(
        f"{args.requests} requests {statuses}: {1e6 * cpu / args.requests:.0f} us CPU each, "
        f"{args.requests / wall:.0f}/s wall, {batches} per batch, "
        f"load {os.getloadavg()[0]:.1f}"
    )


def _batches(app: Any) -> str:
    """Mean batch size over the whole run (warm-up included)."""
    histogram = app.state.container.ctx.metrics.ingest_batch_size
    samples = {s.name: s.value for m in histogram.collect() for s in m.samples}
    count = samples.get("opsroom_ingest_batch_size_count", 0)
    return f"{samples.get('opsroom_ingest_batch_size_sum', 0) / count:.1f}" if count else "?"


if __name__ == "__main__":
    main()
