"""Overload protection for hooks: a token bucket per integration and a cap on requests in flight.

Refusals are 503 with Retry-After, never 429: senders such as Alertmanager retry 5xx and drop 4xx.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from opsroom.alert.settings import RateLimitConfig
from opsroom.errors import OverloadedError


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class HookLimiter:
    max_in_flight: int
    _buckets: dict[str, _Bucket] = field(default_factory=dict)
    _in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, integration: str, limit: RateLimitConfig) -> None:
        """Spend one token of the integration's bucket, or refuse with the wait in seconds."""
        now = time.monotonic()
        with self._lock:
            bucket = self._buckets.get(integration)
            if bucket is None:
                bucket = self._buckets[integration] = _Bucket(float(limit.burst), now)
            bucket.tokens = min(
                float(limit.burst), bucket.tokens + (now - bucket.updated) * limit.rate
            )
            bucket.updated = now
            if bucket.tokens < 1.0:
                wait = (1.0 - bucket.tokens) / limit.rate
                raise OverloadedError(
                    f"integration {integration!r} is over its rate limit of {limit.rate:g} "
                    f"requests/s (burst {limit.burst}); retry later",
                    retry_after=max(1, round(wait + 0.5)),
                )
            bucket.tokens -= 1.0

    def enter(self) -> None:
        with self._lock:
            if self._in_flight >= self.max_in_flight:
                raise OverloadedError(
                    f"opsroom is handling {self._in_flight} hook requests; retry later",
                    retry_after=1,
                )
            self._in_flight += 1

    def leave(self) -> None:
        with self._lock:
            self._in_flight -= 1
