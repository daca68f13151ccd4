"""What services need besides a unit of work: settings, clock, metrics, adapters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from opsroom.chat.hub import ChatHub
from opsroom.clock import Clock
from opsroom.config import Settings
from opsroom.metrics import Metrics


def _nothing() -> None:
    return None


@dataclass
class Context:
    settings: Settings
    clock: Clock
    metrics: Metrics
    wake_worker: Callable[[], None] = field(default=_nothing)
    chat: ChatHub = field(default_factory=ChatHub)
