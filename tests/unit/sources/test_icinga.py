"""Icinga 2 notifications (runtime macros as form fields) against fixture bodies."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import pytest

from opsroom.alert.model import AlertStatus, Link, NormalizedAlert, fingerprint
from opsroom.errors import MalformedPayloadError, UnsupportedPayloadError
from opsroom.sources.base import HookRequest
from opsroom.sources.icinga.source import IcingaSource

SOURCES_DIR = Path(__file__).resolve().parents[3] / "src" / "opsroom" / "sources"
FORM = {"content-type": "application/x-www-form-urlencoded"}


def fixture_bytes(relative: str) -> bytes:
    """`relative` is `<kind>/<file>`, e.g. `icinga/service_recovery.txt`."""
    kind, name = relative.split("/")
    return (SOURCES_DIR / kind / "fixtures" / name).read_bytes()


def parse(body: bytes, headers: dict[str, str] = FORM) -> NormalizedAlert:
    (alert,) = IcingaSource().parse(HookRequest(body=body, headers=headers)).alerts
    return alert


def icinga(relative: str) -> NormalizedAlert:
    return parse(fixture_bytes(relative))


def edited(relative: str, changes: dict[str, str | None]) -> bytes:
    """The fixture's fields with some replaced (or removed, for None), encoded again."""
    fields = dict(parse_qsl(fixture_bytes(relative).decode(), keep_blank_values=True))
    for name, value in changes.items():
        if value is None:
            del fields[name]
        else:
            fields[name] = value
    return urlencode(fields).encode()


def content(alert: NormalizedAlert) -> NormalizedAlert:
    return dataclasses.replace(alert, raw={})


DISK_LABELS = {
    "host": "db1.example.test",
    "service": "disk-var",
    "state": "CRITICAL",
    "address": "10.20.0.11",
}
DISK_PROBLEM = NormalizedAlert(
    # Icinga 2 has no problem id: one alert per host and service (see the README).
    fingerprint=fingerprint("icinga", {"host": "db1.example.test", "service": "disk-var"}),
    status=AlertStatus.FIRING,
    severity="critical",
    title="Disk /var on db1.example.test is CRITICAL",
    description="DISK CRITICAL - free space: /var 310 MiB (3% inode=91%)\n/var/log 120 MiB free",
    group_key="db1.example.test",
    labels=DISK_LABELS,
    annotations={"notification_type": "PROBLEM"},
    links=(
        Link(
            url="https://grafana.example.test/d/disk?var-host=db1.example.test",
            text="Service action",
        ),
        Link(url="https://runbooks.example.test/disk-full", text="Service notes"),
    ),
    starts_at=datetime(2024, 5, 14, 9, 21, 7, 431256, tzinfo=UTC),
)


# --- service problem and its recovery ------------------------------------------------------


def test_service_problem_fires_a_critical_alert_keyed_by_host_and_service() -> None:
    alert = icinga("icinga/service_problem_critical.txt")
    assert content(alert) == DISK_PROBLEM
    assert alert.raw["icinga.long_date_time"] == "2024-05-14 09:21:07 +0000"
    assert alert.raw["service.state_id"] == "2"


def test_same_problem_sent_to_a_second_user_is_an_exact_repeat() -> None:
    first = icinga("icinga/service_problem_critical.txt")
    second = icinga("icinga/service_problem_critical_second_user.txt")
    assert second.fingerprint == first.fingerprint
    assert second.content_hash() == first.content_hash()
    assert not [name for name in second.raw if name.startswith("user.")]
    assert "ben.okafor" not in repr(second)


def test_recovery_resolves_the_same_alert_keeping_the_problem_severity() -> None:
    alert = icinga("icinga/service_recovery.txt")
    assert content(alert) == dataclasses.replace(
        DISK_PROBLEM,
        status=AlertStatus.RESOLVED,
        title="Disk /var on db1.example.test is OK",
        description="DISK OK - free space: /var 4.1 GiB (41% inode=93%)",
        labels={**DISK_LABELS, "state": "OK"},
        annotations={"notification_type": "RECOVERY"},
        starts_at=None,
        ends_at=datetime(2024, 5, 14, 9, 48, 52, 7000, tzinfo=UTC),
    )


def test_warning_problem_fires_a_warning_alert() -> None:
    alert = icinga("icinga/service_problem_warning.txt")
    assert content(alert) == NormalizedAlert(
        fingerprint=fingerprint("icinga", {"host": "db1.example.test", "service": "swap"}),
        status=AlertStatus.FIRING,
        severity="warning",
        title="Swap usage on db1.example.test is WARNING",
        description="SWAP WARNING - 18% free (730 MiB out of 4096 MiB)",
        group_key="db1.example.test",
        labels={
            "host": "db1.example.test",
            "service": "swap",
            "state": "WARNING",
            "address": "10.20.0.11",
        },
        annotations={"notification_type": "PROBLEM"},
        starts_at=datetime(2024, 5, 14, 11, 2, 15, tzinfo=UTC),
    )


def test_unknown_is_a_warning_on_the_same_alert() -> None:
    warning = icinga("icinga/service_problem_warning.txt")
    alert = icinga("icinga/service_problem_unknown.txt")
    assert content(alert) == dataclasses.replace(
        content(warning),
        title="Swap usage on db1.example.test is UNKNOWN",
        description="SWAP UNKNOWN - swapon -s failed: Permission denied",
        labels={**warning.labels, "state": "UNKNOWN"},
        starts_at=datetime(2024, 5, 14, 11, 6, 40, tzinfo=UTC),
    )


# --- acknowledgement, custom, downtime --------------------------------------------------------


def test_acknowledgement_marks_the_problem_acknowledged_with_author_and_comment() -> None:
    alert = icinga("icinga/service_acknowledgement.txt")
    assert content(alert) == dataclasses.replace(
        DISK_PROBLEM,
        status=AlertStatus.ACKNOWLEDGED,
        annotations={
            "notification_type": "ACKNOWLEDGEMENT",
            "author": "Ana Ferreira",
            "comment": 'Looking into it, "logrotate" is stuck',
        },
    )


def test_custom_notification_keeps_the_problem_firing_with_its_comment() -> None:
    alert = icinga("icinga/service_custom.txt")
    assert content(alert) == dataclasses.replace(
        DISK_PROBLEM,
        annotations={
            "notification_type": "CUSTOM",
            "author": "Ben Okafor",
            "comment": "Please check the backups before cleaning up",
        },
    )


def test_downtime_start_suppresses_the_still_open_problem() -> None:
    alert = icinga("icinga/service_downtime_start.txt")
    assert content(alert) == dataclasses.replace(
        DISK_PROBLEM,
        suppressed=True,
        annotations={
            "notification_type": "DOWNTIMESTART",
            "author": "Ana Ferreira",
            "comment": "Disk replacement",
        },
    )


def test_downtime_end_lifts_the_suppression() -> None:
    alert = icinga("icinga/service_downtime_end.txt")
    assert content(alert) == dataclasses.replace(
        DISK_PROBLEM,
        annotations={
            "notification_type": "DOWNTIMEEND",
            "author": "Ana Ferreira",
            "comment": "Disk replacement",
        },
    )


def test_removed_downtime_lifts_the_suppression() -> None:
    alert = icinga("icinga/service_downtime_removed.txt")
    assert content(alert) == dataclasses.replace(
        DISK_PROBLEM,
        annotations={
            "notification_type": "DOWNTIMECANCELLED",
            "author": "Ana Ferreira",
            "comment": "Disk replacement",
        },
    )


# --- flapping -------------------------------------------------------------------------------

HTTP_FLAPPING = NormalizedAlert(
    fingerprint=fingerprint("icinga", {"host": "web2.example.test", "service": "http"}),
    status=AlertStatus.FIRING,
    severity="critical",
    title="HTTP on web2.example.test is CRITICAL",
    description="connect to address 10.20.0.32 and port 80: Connection refused",
    group_key="web2.example.test",
    labels={
        "host": "web2.example.test",
        "service": "http",
        "state": "CRITICAL",
        "address": "10.20.0.32",
        "flapping": "true",
    },
    annotations={"notification_type": "FLAPPINGSTART"},
    starts_at=datetime(2024, 5, 14, 12, 10, tzinfo=UTC),
)


def test_flapping_start_keeps_the_problem_firing_labelled_flapping() -> None:
    assert content(icinga("icinga/service_flapping_start.txt")) == HTTP_FLAPPING


def test_flapping_end_fires_the_same_alert_labelled_not_flapping() -> None:
    alert = icinga("icinga/service_flapping_end.txt")
    assert content(alert) == dataclasses.replace(
        HTTP_FLAPPING,
        labels={**HTTP_FLAPPING.labels, "flapping": "false"},
        annotations={"notification_type": "FLAPPINGEND"},
        starts_at=datetime(2024, 5, 14, 12, 17, tzinfo=UTC),
    )


def test_flapping_start_while_ok_resolves_instead_of_reopening() -> None:
    alert = parse(
        edited(
            "icinga/service_flapping_start.txt",
            {"service.state": "OK", "service.last_state": "CRITICAL"},
        )
    )
    assert alert.status is AlertStatus.RESOLVED
    assert alert.labels["flapping"] == "true"
    assert alert.severity == "critical"


# --- host notifications ------------------------------------------------------------------------

WEB2_DOWN = NormalizedAlert(
    fingerprint=fingerprint("icinga", {"host": "web2.example.test", "service": ""}),
    status=AlertStatus.FIRING,
    severity="critical",
    title="web2.example.test is DOWN",
    description="PING CRITICAL - Packet loss = 100%",
    group_key="web2.example.test",
    labels={"host": "web2.example.test", "state": "DOWN", "address": "10.20.0.32"},
    annotations={"notification_type": "PROBLEM"},
    links=(
        Link(
            url="https://grafana.example.test/d/hosts?var-host=web2.example.test",
            text="Host action",
        ),
    ),
    starts_at=datetime(2024, 5, 14, 12, 14, 31, tzinfo=UTC),
)


def test_host_down_fires_a_critical_alert_grouped_with_the_hosts_services() -> None:
    alert = icinga("icinga/host_problem_down.txt")
    assert content(alert) == WEB2_DOWN
    assert alert.group_key == icinga("icinga/service_flapping_start.txt").group_key
    assert alert.fingerprint != icinga("icinga/service_flapping_start.txt").fingerprint


def test_host_acknowledgement_acknowledges_the_host_problem() -> None:
    alert = icinga("icinga/host_acknowledgement.txt")
    assert content(alert) == dataclasses.replace(
        WEB2_DOWN,
        status=AlertStatus.ACKNOWLEDGED,
        annotations={
            "notification_type": "ACKNOWLEDGEMENT",
            "author": "Ben Okafor",
            "comment": "Power supply replaced, rebooting",
        },
    )


def test_host_recovery_resolves_the_host_problem() -> None:
    alert = icinga("icinga/host_recovery.txt")
    assert content(alert) == dataclasses.replace(
        WEB2_DOWN,
        status=AlertStatus.RESOLVED,
        title="web2.example.test is UP",
        description="PING OK - Packet loss = 0%, RTA = 0.41 ms",
        labels={**WEB2_DOWN.labels, "state": "UP"},
        annotations={"notification_type": "RECOVERY"},
        starts_at=None,
        ends_at=datetime(2024, 5, 14, 12, 40, 5, tzinfo=UTC),
    )


def test_host_unreachable_is_critical() -> None:
    alert = icinga("icinga/host_problem_unreachable.txt")
    assert content(alert) == NormalizedAlert(
        fingerprint=fingerprint("icinga", {"host": "app3.example.test", "service": ""}),
        status=AlertStatus.FIRING,
        severity="critical",
        title="app3.example.test is UNREACHABLE",
        description="CRITICAL - Host Unreachable (10.20.1.7)",
        group_key="app3.example.test",
        labels={"host": "app3.example.test", "state": "UNREACHABLE", "address": "10.20.1.7"},
        annotations={"notification_type": "PROBLEM"},
        starts_at=datetime(2024, 5, 14, 12, 14, 40, tzinfo=UTC),
    )


# --- type names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_name", "status", "suppressed", "flapping"),
    [
        ("Problem", AlertStatus.FIRING, False, None),
        ("Recovery", AlertStatus.RESOLVED, False, None),
        ("Acknowledgement", AlertStatus.ACKNOWLEDGED, False, None),
        ("Custom", AlertStatus.FIRING, False, None),
        ("FlappingStart", AlertStatus.FIRING, False, "true"),
        ("FlappingEnd", AlertStatus.FIRING, False, "false"),
        ("DowntimeStart", AlertStatus.FIRING, True, None),
        ("DowntimeEnd", AlertStatus.FIRING, False, None),
        ("DowntimeRemoved", AlertStatus.FIRING, False, None),
    ],
)
def test_types_filter_names_are_understood(
    type_name: str, status: AlertStatus, suppressed: bool, flapping: str | None
) -> None:
    alert = parse(edited("icinga/service_problem_critical.txt", {"notification.type": type_name}))
    assert alert.status is status
    assert alert.suppressed is suppressed
    assert alert.labels.get("flapping") == flapping
    assert alert.annotations["notification_type"] == type_name


# --- refusals ------------------------------------------------------------------------------------


def test_unknown_notification_type_is_refused_naming_field_and_value() -> None:
    body = edited(
        "icinga/service_problem_critical.txt", {"notification.type": "UNKNOWN_NOTIFICATION"}
    )
    with pytest.raises(UnsupportedPayloadError) as caught:
        parse(body)
    assert caught.value.message.startswith(
        "unsupported icinga notification type notification.type='UNKNOWN_NOTIFICATION': "
        "expected one of PROBLEM, RECOVERY, ACKNOWLEDGEMENT, CUSTOM, FLAPPINGSTART, "
    )
    assert caught.value.details == [
        {"field": "notification.type", "problem": "unsupported value 'UNKNOWN_NOTIFICATION'"}
    ]


def test_unknown_host_state_is_refused_naming_field_and_value() -> None:
    with pytest.raises(UnsupportedPayloadError) as caught:
        parse(edited("icinga/host_problem_down.txt", {"host.state": "PENDING"}))
    assert caught.value.message == (
        "unsupported icinga state host.state='PENDING': expected one of UP, DOWN, UNREACHABLE"
    )


def test_service_notification_without_state_is_refused_naming_the_field() -> None:
    with pytest.raises(UnsupportedPayloadError) as caught:
        parse(edited("icinga/service_problem_critical.txt", {"service.state": None}))
    assert caught.value.message == "not an icinga payload: service.state: Field required"


def test_body_without_host_name_is_refused_naming_the_field() -> None:
    with pytest.raises(UnsupportedPayloadError) as caught:
        parse(edited("icinga/host_problem_down.txt", {"host.name": None}))
    assert caught.value.message == "not an icinga payload: host.name: Field required"


def test_nagios_macro_names_are_not_an_icinga_payload() -> None:
    with pytest.raises(UnsupportedPayloadError) as caught:
        parse(fixture_bytes("nagios/host_problem_down.txt"))
    assert caught.value.message == "not an icinga payload: notification.type: Field required"


def test_json_body_is_refused_as_json() -> None:
    with pytest.raises(UnsupportedPayloadError, match=r"expected form fields .*got JSON"):
        parse(b'{"host.name": "db1"}', {"content-type": "application/json"})


def test_non_utf8_body_is_malformed() -> None:
    with pytest.raises(MalformedPayloadError) as caught:
        parse(b"notification.type=PROBLEM&host.name=caf\xe9")
    assert caught.value.message == "form body is not UTF-8"


def test_json_without_a_content_type_is_refused_saying_what_icinga_sends() -> None:
    with pytest.raises(UnsupportedPayloadError) as caught:
        parse(b'[{"notification.type": "PROBLEM"}]', {"content-type": "text/plain"})
    assert "Icinga 2 posts its runtime macros (notification.type, host.name, ...)" in (
        caught.value.message
    )
    assert caught.value.message.endswith("; got JSON")
