"""An asyncio (uvloop) HTTP/1.1 load generator over keep-alive loopback connections.

Two modes: closed loop (every connection sends its next request as soon as the last one is
answered, for a fixed duration) and fixed rate (request k is due at start + k/rate; latency is
measured from the due time, so a stalled server is not hidden by a stalled client, as in wrk2).

Every 5th request repeats an earlier body byte for byte, alternating two kinds:
`repeat_now` re-sends the body this connection last sent as a new alert, right after its answer
(inside opsroom's 10 s `duplicate_window`); `repeat_late` re-sends a body first answered more
than `late_after` seconds ago (outside the window). Until the first body is that old, a late
repeat is sent as a `repeat_now` instead; the counts report what was actually sent.
"""

from __future__ import annotations

import asyncio
import json
import resource
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any, Literal

from bench.ingest.payloads import AlertFactory

Kind = Literal["new", "repeat_now", "repeat_late"]
REQUEST_TIMEOUT = 30.0


@dataclass
class Endpoint:
    host: str
    port: int
    path: str
    method: str = "POST"


@dataclass
class Result:
    mode: str
    concurrency: int
    target_rate: float | None
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    classified: Counter[str] = field(default_factory=Counter)
    acked: set[str] = field(default_factory=set)
    client_cpu: float = 0.0

    @property
    def ok(self) -> int:
        return sum(n for code, n in self.statuses.items() if code.startswith("2"))

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies)

        def pct(p: float) -> float:
            if not ordered:
                return float("nan")
            return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

        return {
            "mode": self.mode,
            "concurrency": self.concurrency,
            "target_rate": self.target_rate,
            "elapsed_s": round(self.elapsed, 3),
            "requests": sum(self.statuses.values()),
            "ok_2xx": self.ok,
            "alerts_per_s": round(self.ok / self.elapsed, 1) if self.elapsed else 0.0,
            "latency_ms": {
                "p50": round(pct(50), 2),
                "p90": round(pct(90), 2),
                "p99": round(pct(99), 2),
                "max": round(ordered[-1] * 1000, 2) if ordered else None,
            },
            "statuses": dict(sorted(self.statuses.items())),
            "sent_by_kind": dict(sorted(self.kinds.items())),
            "answers_by_kind": dict(sorted(self.classified.items())),
            "distinct_fingerprints_acked": len(self.acked),
            "client_cpu_s": round(self.client_cpu, 2),
            "client_cpu_us_per_request": (
                round(self.client_cpu / sum(self.statuses.values()) * 1e6, 1)
                if self.statuses
                else None
            ),
        }


class Plan:
    """Chooses each request: a new alert, or an exact repeat of an earlier body."""

    def __init__(
        self,
        factory: AlertFactory | None,
        *,
        repeat_every: int = 5,
        late_after: float = 10.5,
        classify: bool = False,
    ) -> None:
        self.factory = factory
        self.repeat_every = repeat_every
        self.late_after = late_after
        self.classify = classify
        self.sequence = 0
        self.next_number = 0
        self.repeats = 0
        self.late_queue: deque[tuple[float, int]] = deque()

    def choose(self, last_new: int | None, now: float) -> tuple[Kind, int]:
        self.sequence += 1
        if self.repeat_every and self.sequence % self.repeat_every == 0:
            self.repeats += 1
            if self.repeats % 2 == 0 and self.late_queue:
                acked_at, number = self.late_queue[0]
                if now - acked_at > self.late_after:
                    self.late_queue.popleft()
                    return "repeat_late", number
            if last_new is not None:
                return "repeat_now", last_new
        number = self.next_number
        self.next_number += 1
        return "new", number

    def answered(self, kind: Kind, number: int, now: float) -> None:
        if kind == "new":
            self.late_queue.append((now, number))


def _request_bytes(endpoint: Endpoint, body: bytes) -> bytes:
    head = (
        f"{endpoint.method} {endpoint.path} HTTP/1.1\r\n"
        f"Host: {endpoint.host}:{endpoint.port}\r\n"
        "User-Agent: opsroom-bench\r\n"
    )
    if endpoint.method == "POST":
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return (head + "\r\n").encode() + (body if endpoint.method == "POST" else b"")


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """Status, body and whether the server keeps the connection open."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    chunked = False
    keep_alive = True
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
        elif name == b"connection" and b"close" in value.lower():
            keep_alive = False
    if not chunked:
        return status, (await reader.readexactly(length) if length else b""), keep_alive
    parts = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        data = await reader.readexactly(size + 2)
        if size == 0:
            return status, b"".join(parts), keep_alive
        parts.append(data[:-2])


def _classify(body: bytes) -> str:
    try:
        answer = json.loads(body)
    except ValueError:
        return "unparsed"
    if answer.get("status") == "duplicate":
        return "duplicate"
    for key in ("created", "updated", "deduplicated"):
        if answer.get(key):
            return key
    return str(answer.get("status", "other"))


async def _connection(
    endpoint: Endpoint,
    plan: Plan,
    result: Result,
    *,
    deadline: float,
    pacer: _Pacer | None,
) -> float:
    """Run one connection until the deadline (or the last paced slot); returns its last answer."""
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    last_new: int | None = None
    finished = time.perf_counter()
    try:
        while True:
            now = time.perf_counter()
            if pacer is not None:
                due = pacer.take()
                if due is None:
                    break
                if due > now:
                    await asyncio.sleep(due - now)
                started = due
            else:
                if now >= deadline:
                    break
                started = now
            if writer is None or reader is None:
                reader, writer = await asyncio.open_connection(endpoint.host, endpoint.port)
            kind, number = plan.choose(last_new, time.perf_counter())
            if plan.factory is not None:
                alert = plan.factory.alert(number)
                fingerprint, body = alert.fingerprint, alert.body
            else:
                fingerprint, body = "", b""
            result.kinds[kind] += 1
            try:
                writer.write(_request_bytes(endpoint, body))
                async with asyncio.timeout(REQUEST_TIMEOUT):
                    status, answer, keep_alive = await _read_response(reader)
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
                result.statuses[f"error:{type(exc).__name__}"] += 1
                writer.close()
                reader = writer = None
                continue
            except TimeoutError:
                result.statuses["error:timeout"] += 1
                writer.close()
                reader = writer = None
                continue
            finished = time.perf_counter()
            result.latencies.append(finished - started)
            result.statuses[str(status)] += 1
            if 200 <= status < 300:
                if fingerprint:
                    result.acked.add(fingerprint)
                plan.answered(kind, number, finished)
                if kind == "new":
                    last_new = number
                if plan.classify:
                    result.classified[f"{kind}:{_classify(answer)}"] += 1
            if not keep_alive:
                writer.close()
                reader = writer = None
    finally:
        if writer is not None:
            writer.close()
    return finished


class _Pacer:
    def __init__(self, start: float, rate: float, total: int) -> None:
        self.start, self.rate, self.total, self.next = start, rate, total, 0

    def take(self) -> float | None:
        if self.next >= self.total:
            return None
        due = self.start + self.next / self.rate
        self.next += 1
        return due


async def run_load(
    endpoint: Endpoint,
    plan: Plan,
    *,
    concurrency: int,
    duration: float,
    rate: float | None = None,
) -> Result:
    """Closed loop for `duration` seconds, or `rate` requests/s for `duration` seconds."""
    mode = "closed" if rate is None else "fixed_rate"
    result = Result(mode=mode, concurrency=concurrency, target_rate=rate)
    cpu_before = _cpu()
    start = time.perf_counter()
    pacer = _Pacer(start, rate, int(rate * duration)) if rate is not None else None
    tasks = [
        asyncio.create_task(
            _connection(endpoint, plan, result, deadline=start + duration, pacer=pacer)
        )
        for _ in range(concurrency)
    ]
    ends = await asyncio.gather(*tasks)
    result.elapsed = max(ends) - start
    result.client_cpu = _cpu() - cpu_before
    return result


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
