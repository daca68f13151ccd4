"""Routing: which service an alert belongs to and how it groups. Pure: no I/O.

An alert's service is its route's `service`, else its integration's, else its `service` label.

Matchers see the alert's labels plus `severity`, `integration` and `source` when the alert
has no label of that name. The first matching route wins unless it says `continue`; an alert no
route matches takes the default route.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from opsroom.alert.matchers import matches_all
from opsroom.alert.model import NormalizedAlert, alert_name
from opsroom.alert.settings import RouteConfig, RoutingConfig

DEFAULT_ROUTE = "default"
ALL_LABELS = "..."


@dataclass(frozen=True)
class RouteDecision:
    route: str
    service: str | None
    severity: str
    group_by: tuple[str, ...] | None
    group_wait: timedelta
    group_interval: timedelta
    repeat_interval: timedelta

    def group_key(self, integration_id: int, alert: NormalizedAlert) -> str:
        """Alerts with equal keys page together: the route plus group_by values. When no
        group_by applies, the source's own groups (Alertmanager's groupKey), or, for sources
        whose key only names one alert, its integration, `alertname` and `service` label:
        Alertmanager's usual grouping, so a storm of one alert makes one group, not
        thousands."""
        labels = alert.labels
        if self.group_by is None:
            if alert.source_groups:
                return f"{self.route}|{integration_id}|{alert.group_key}"
            named = f"alertname={alert_name(alert)},service={labels.get('service', '')}"
            return f"{self.route}|{integration_id}|by-name|{{{named}}}"
        names = sorted(labels) if ALL_LABELS in self.group_by else self.group_by
        values = ",".join(f"{name}={labels.get(name, '')}" for name in names)
        return f"{self.route}|{{{values}}}"


def match_labels(
    labels: dict[str, str], *, severity: str, integration: str, source: str
) -> dict[str, str]:
    return {"severity": severity, "integration": integration, "source": source, **labels}


def route_alert(
    routing: RoutingConfig,
    *,
    labels: dict[str, str],
    severity: str,
    integration: str,
    default_service: str | None,
) -> list[RouteDecision]:
    # A route's `service` wins, then the integration's, then the alert's own `service` label.
    default_service = default_service or labels.get("service") or None
    decisions = []
    for index, route in enumerate(routing.routes):
        if route.integrations and integration not in route.integrations:
            continue
        if not matches_all(route.matchers, labels):
            continue
        decisions.append(_decision(routing, route, index, severity, default_service))
        if not route.continue_:
            break
    if not decisions:
        decisions.append(
            RouteDecision(
                route=DEFAULT_ROUTE,
                service=default_service,
                severity=severity,
                group_by=tuple(routing.group_by) if routing.group_by else None,
                group_wait=routing.group_wait,
                group_interval=routing.group_interval,
                repeat_interval=routing.repeat_interval,
            )
        )
    return decisions


def _decision(
    routing: RoutingConfig,
    route: RouteConfig,
    index: int,
    severity: str,
    default_service: str | None,
) -> RouteDecision:
    mapped: str = route.severity or route.severity_map.get(severity) or severity
    group_by = route.group_by if route.group_by is not None else routing.group_by
    return RouteDecision(
        route=route.name or f"route-{index + 1}",
        service=route.service or default_service,
        severity=mapped,
        group_by=tuple(group_by) if group_by else None,
        group_wait=route.group_wait if route.group_wait is not None else routing.group_wait,
        group_interval=(
            route.group_interval if route.group_interval is not None else routing.group_interval
        ),
        repeat_interval=(
            route.repeat_interval if route.repeat_interval is not None else routing.repeat_interval
        ),
    )


def route_timing(routing: RoutingConfig, route_name: str) -> tuple[timedelta, timedelta]:
    """(group_interval, repeat_interval) of a route by name, for jobs that run later."""
    for index, route in enumerate(routing.routes):
        if (route.name or f"route-{index + 1}") == route_name:
            interval = route.group_interval or routing.group_interval
            repeat = route.repeat_interval or routing.repeat_interval
            return interval, repeat
    return routing.group_interval, routing.repeat_interval
