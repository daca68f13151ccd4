"""Pure rules deciding whether an alert may page: inhibition and maintenance windows."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from opsroom.alert.matchers import matches_all
from opsroom.alert.settings import InhibitRule, ServiceConfig


def is_inhibited(
    rules: Iterable[InhibitRule],
    target: dict[str, str],
    firing: Iterable[dict[str, str]],
) -> bool:
    """Alertmanager semantics: a firing source alert with equal `equal` labels mutes targets.

    An alert never inhibits itself (a rule whose source and target matchers both match one
    alert needs another alert to fire).
    """
    sources = list(firing)
    for rule in rules:
        if not matches_all(rule.target_matchers, target):
            continue
        for source in sources:
            if source is target or source == target:
                continue
            if not matches_all(rule.source_matchers, source):
                continue
            if all(source.get(name, "") == target.get(name, "") for name in rule.equal):
                return True
    return False


def in_configured_maintenance(
    services: Iterable[ServiceConfig], service: str | None, now: datetime
) -> bool:
    if service is None:
        return False
    for config in services:
        if config.name == service:
            return any(window.starts_at <= now < window.ends_at for window in config.maintenance)
    return False
