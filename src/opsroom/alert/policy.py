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
    return Inhibition(rules, firing).mutes(target)


class Inhibition:
    """`is_inhibited` for many targets against one set of firing alerts: each rule's source
    alerts are matched once and filed by their `equal` labels, so a target costs a lookup
    per rule instead of a pass over every firing alert."""

    def __init__(self, rules: Iterable[InhibitRule], firing: Iterable[dict[str, str]]) -> None:
        self._rules = list(rules)
        sources = list(firing)
        self._by_rule: list[dict[tuple[str, ...], list[dict[str, str]]]] = []
        for rule in self._rules:
            filed: dict[tuple[str, ...], list[dict[str, str]]] = {}
            for source in sources:
                if matches_all(rule.source_matchers, source):
                    filed.setdefault(_equal_values(rule, source), []).append(source)
            self._by_rule.append(filed)

    def mutes(self, target: dict[str, str]) -> bool:
        for rule, filed in zip(self._rules, self._by_rule, strict=True):
            if not matches_all(rule.target_matchers, target):
                continue
            candidates = filed.get(_equal_values(rule, target), ())
            if any(source is not target and source != target for source in candidates):
                return True
        return False


def _equal_values(rule: InhibitRule, labels: dict[str, str]) -> tuple[str, ...]:
    return tuple(labels.get(name, "") for name in rule.equal)


def targets_any(rules: Iterable[InhibitRule], targets: Iterable[dict[str, str]]) -> bool:
    """Whether some rule could mute one of `targets` (else no firing alert need be read)."""
    listed = list(targets)
    return any(matches_all(rule.target_matchers, t) for rule in rules for t in listed)


def in_configured_maintenance(
    services: Iterable[ServiceConfig], service: str | None, now: datetime
) -> bool:
    if service is None:
        return False
    for config in services:
        if config.name == service:
            return any(window.starts_at <= now < window.ends_at for window in config.maintenance)
    return False
