"""Recurring jobs keep one row: a plain handler returns `Recur` to run again later with a new
payload, instead of enqueueing a successor (which would leave a done row per run)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Recur:
    """Run this job again after `after` seconds with `payload` (its attempts start over)."""

    after: float
    payload: dict[str, Any] = field(default_factory=dict)
