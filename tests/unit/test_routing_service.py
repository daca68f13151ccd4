"""Which service an alert gets: its route's, else its integration's, else its `service` label."""

from __future__ import annotations

from opsroom.alert.routing import route_alert
from opsroom.alert.settings import RoutingConfig


def _service(routing: RoutingConfig, labels: dict[str, str], default: str | None) -> str | None:
    [decision] = route_alert(
        routing, labels=labels, severity="warning", integration="i", default_service=default
    )
    return decision.service


def test_the_service_label_is_the_fallback() -> None:
    assert _service(RoutingConfig(), {"service": "checkout"}, None) == "checkout"
    assert _service(RoutingConfig(), {"service": ""}, None) is None
    assert _service(RoutingConfig(), {}, None) is None


def test_the_integration_and_the_route_win_over_the_label() -> None:
    assert _service(RoutingConfig(), {"service": "checkout"}, "web") == "web"
    routed = RoutingConfig.model_validate(
        {"routes": [{"matchers": ['service="checkout"'], "service": "payments"}]}
    )
    assert _service(routed, {"service": "checkout"}, "web") == "payments"
    unrouted = RoutingConfig.model_validate({"routes": [{"matchers": ['team="x"']}]})
    assert _service(unrouted, {"service": "checkout"}, None) == "checkout"
