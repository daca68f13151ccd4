"""What services need besides a unit of work: settings, clock, metrics, adapters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from opsroom.chat.hub import ChatHub
from opsroom.clock import Clock
from opsroom.config import Settings
from opsroom.escalation.ports import OnCallLookup, no_schedules
from opsroom.metrics import Metrics
from opsroom.notify.base import Notifier


def _nothing() -> None:
    return None


@dataclass
class Context:
    settings: Settings
    clock: Clock
    metrics: Metrics
    wake_worker: Callable[[], None] = field(default=_nothing)
    chat: ChatHub = field(default_factory=ChatHub)
    # Outbound page channels by name (email, sms, voice, apprise); chat DMs go through `chat`.
    notifiers: dict[str, Notifier] = field(default_factory=dict)
    on_call: OnCallLookup = field(default=no_schedules)
    # Signs acknowledge links in pages; set by the composition root.
    secret_key: str = ""
