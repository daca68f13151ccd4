"""Nagios notifications (form fields from `curl --data-urlencode`) against fixture bodies."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import pytest

from opsroom.alert.model import AlertStatus, Link, NormalizedAlert, fingerprint
from opsroom.errors import MalformedPayloadError, UnsupportedMediaTypeError, UnsupportedPayloadError
from opsroom.sources.base import HookRequest
from opsroom.sources.nagios.source import NagiosSource

SOURCES_DIR = Path(__file__).resolve().parents[3] / "src" / "opsroom" / "sources"
FORM = {"content-type": "application/x-www-form-urlencoded"}


def fixture_bytes(relative: str) -> bytes:
    """`relative` is `<kind>/<file>`, e.g. `nagios/service_recovery.txt`."""
    kind, name = relative.split("/")
    return (SOURCES_DIR / kind / "fixtures" / name).read_bytes()


def parse(body: bytes, headers: dict[str, str] = FORM) -> NormalizedAlert:
    (alert,) = NagiosSource().parse(HookRequest(body=body, headers=headers)).alerts
    return alert


def nagios(relative: str) -> NormalizedAlert:
    return parse(fixture_bytes(relative))


def edited(relative: str, **changes: str | None) -> bytes:
    """The fixture's fields with some replaced (or removed, for None), encoded again."""
    fields = dict(parse_qsl(fixture_bytes(relative).decode(), keep_blank_values=True))
    for name, value in changes.items():
        if value is None:
            del fields[name]
        else:
            fields[name] = value
    return urlencode(fields).encode()


def content(alert: NormalizedAlert) -> NormalizedAlert:
    """Everything but the raw payload, to compare whole alerts."""
    return dataclasses.replace(alert, raw={})


DISK_KEY = fingerprint(
    "nagios", {"host": "db1.example.test", "service": "Disk /var", "problem_id": "4187"}
)
DISK_LABELS = {
    "host": "db1.example.test",
    "service": "Disk /var",
    "state": "CRITICAL",
    "problem_id": "4187",
    "address": "10.20.0.11",
    "hostgroups": "databases,linux-servers",
    "servicegroups": "storage",
}
DISK_LINKS = (
    Link(
        url="http://nagios.example.test/nagios4/cgi-bin/extinfo.cgi?type=2"
        "&host=db1.example.test&service=Disk%20%2Fvar",
        text="Nagios service",
    ),
    Link(
        url="https://grafana.example.test/d/disk?var-host=db1.example.test", text="Service action"
    ),
    Link(url="https://runbooks.example.test/disk-full", text="Service notes"),
)
DISK_PROBLEM = NormalizedAlert(
    fingerprint=DISK_KEY,
    status=AlertStatus.FIRING,
    severity="critical",
    title="Disk /var on db1.example.test is CRITICAL",
    description=(
        "DISK CRITICAL - free space: /var 310 MiB (3% inode=91%)\n"
        "/var/log 120 MiB free\n/var/lib/postgresql 190 MiB free"
    ),
    group_key="db1.example.test",
    labels=DISK_LABELS,
    annotations={"notification_type": "PROBLEM"},
    links=DISK_LINKS,
    starts_at=datetime(2024, 5, 14, 9, 21, 7, tzinfo=UTC),
)
DISK_RECOVERY = dataclasses.replace(
    DISK_PROBLEM,
    status=AlertStatus.RESOLVED,
    title="Disk /var on db1.example.test is OK",
    description="DISK OK - free space: /var 4.1 GiB (41% inode=93%)",
    labels={**DISK_LABELS, "state": "OK"},
    annotations={"notification_type": "RECOVERY"},
    starts_at=None,
    ends_at=datetime(2024, 5, 14, 9, 48, 52, tzinfo=UTC),
)


# --- service problem and its recovery ------------------------------------------------------


def test_service_problem_fires_a_critical_alert_keyed_by_host_service_and_problem_id() -> None:
    alert = nagios("nagios/service_problem_critical.txt")
    assert content(alert) == DISK_PROBLEM
    assert alert.raw["SERVICEPROBLEMID"] == "4187"
    assert alert.raw["TIMET"] == "1715678467"


def test_contact_fields_never_reach_the_alert_or_its_raw_payload() -> None:
    alert = nagios("nagios/service_problem_critical.txt")
    assert not [name for name in alert.raw if name.startswith("CONTACT")]
    assert "ana.ferreira" not in repr(alert)


def test_same_problem_sent_to_a_second_contact_is_an_exact_repeat() -> None:
    first = nagios("nagios/service_problem_critical.txt")
    second = nagios("nagios/service_problem_critical_second_contact.txt")
    assert fixture_bytes("nagios/service_problem_critical.txt") != fixture_bytes(
        "nagios/service_problem_critical_second_contact.txt"
    )
    assert second.fingerprint == first.fingerprint
    assert second.content_hash() == first.content_hash()
    assert second == first


def test_recovery_with_documented_ids_resolves_its_problem() -> None:
    # SERVICEPROBLEMID=0, LASTSERVICEPROBLEMID=4187: the problem's id moved to LAST...
    alert = nagios("nagios/service_recovery.txt")
    assert content(alert) == DISK_RECOVERY
    assert alert.fingerprint == nagios("nagios/service_problem_critical.txt").fingerprint


def test_recovery_from_nagios_44_keeping_the_id_in_serviceproblemid_resolves_its_problem() -> None:
    # Debian's Nagios 4.4.6 sends SERVICEPROBLEMID=4187, LASTSERVICEPROBLEMID=3920 (the one before).
    alert = nagios("nagios/service_recovery_nagios44.txt")
    assert content(alert) == DISK_RECOVERY
    assert alert.content_hash() == nagios("nagios/service_recovery.txt").content_hash()


def test_recovery_with_nagios_45_uuid_ids_is_keyed_by_the_last_problem_uuid() -> None:
    uuid = "39dbb346-f483-49fe-8211-feec8edf90ea"
    alert = nagios("nagios/service_recovery_uuid.txt")
    assert content(alert) == dataclasses.replace(
        DISK_RECOVERY,
        fingerprint=fingerprint(
            "nagios", {"host": "db1.example.test", "service": "Disk /var", "problem_id": uuid}
        ),
        labels={**DISK_LABELS, "state": "OK", "problem_id": uuid},
    )


def test_new_problem_after_a_recovery_is_a_new_alert() -> None:
    again = parse(
        edited(
            "nagios/service_problem_critical.txt",
            SERVICEPROBLEMID="4412",
            LASTSERVICEPROBLEMID="4187",
        )
    )
    assert again.fingerprint != DISK_KEY
    assert again.fingerprint == fingerprint(
        "nagios", {"host": "db1.example.test", "service": "Disk /var", "problem_id": "4412"}
    )


def test_recovery_without_a_known_problem_state_has_info_severity() -> None:
    alert = parse(edited("nagios/service_recovery.txt", LASTSERVICESTATE=None))
    assert alert.status is AlertStatus.RESOLVED
    assert alert.severity == "info"


# --- warning and unknown ---------------------------------------------------------------------

SWAP_PROBLEM = NormalizedAlert(
    fingerprint=fingerprint(
        "nagios", {"host": "db1.example.test", "service": "Swap usage", "problem_id": "4301"}
    ),
    status=AlertStatus.FIRING,
    severity="warning",
    title="Swap usage on db1.example.test is WARNING",
    description="SWAP WARNING - 18% free (730 MiB out of 4096 MiB)",
    group_key="db1.example.test",
    labels={
        "host": "db1.example.test",
        "service": "Swap usage",
        "state": "WARNING",
        "problem_id": "4301",
        "address": "10.20.0.11",
        "hostgroups": "databases,linux-servers",
    },
    annotations={"notification_type": "PROBLEM"},
    starts_at=datetime(2024, 5, 14, 11, 2, 15, tzinfo=UTC),
)


def test_warning_problem_fires_a_warning_alert() -> None:
    assert content(nagios("nagios/service_problem_warning.txt")) == SWAP_PROBLEM


def test_unknown_is_a_warning_and_stays_on_the_same_problem() -> None:
    alert = nagios("nagios/service_problem_unknown.txt")
    assert content(alert) == dataclasses.replace(
        SWAP_PROBLEM,
        title="Swap usage on db1.example.test is UNKNOWN",
        description="SWAP UNKNOWN - swapon -s failed: Permission denied",
        labels={**SWAP_PROBLEM.labels, "state": "UNKNOWN"},
        starts_at=datetime(2024, 5, 14, 11, 6, 40, tzinfo=UTC),
    )


# --- acknowledgement, custom, downtime --------------------------------------------------------


def test_acknowledgement_marks_the_problem_acknowledged_with_author_and_comment() -> None:
    alert = nagios("nagios/service_acknowledgement.txt")
    assert content(alert) == dataclasses.replace(
        DISK_PROBLEM,
        status=AlertStatus.ACKNOWLEDGED,
        annotations={
            "notification_type": "ACKNOWLEDGEMENT",
            "author": "Ana Ferreira",
            "comment": "Looking into it, logrotate is stuck",
        },
    )


def test_custom_notification_keeps_the_problem_firing_with_its_comment() -> None:
    alert = nagios("nagios/service_custom.txt")
    assert content(alert) == dataclasses.replace(
        DISK_PROBLEM,
        annotations={
            "notification_type": "CUSTOM",
            "author": "Ben Okafor",
            "comment": "Please check the backups before cleaning up",
        },
    )


def test_downtime_start_suppresses_the_still_open_problem() -> None:
    alert = nagios("nagios/service_downtime_start.txt")
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
    alert = nagios("nagios/service_downtime_end.txt")
    assert content(alert) == dataclasses.replace(
        DISK_PROBLEM,
        annotations={
            "notification_type": "DOWNTIMEEND",
            "author": "Ana Ferreira",
            "comment": "Disk replacement",
        },
    )


def test_downtime_cancelled_lifts_the_suppression() -> None:
    alert = nagios("nagios/service_downtime_cancelled.txt")
    assert content(alert) == dataclasses.replace(
        DISK_PROBLEM, annotations={"notification_type": "DOWNTIMECANCELLED"}
    )


def test_notifications_during_a_downtime_stay_suppressed() -> None:
    alert = parse(edited("nagios/service_custom.txt", SERVICEDOWNTIME="1"))
    assert alert.suppressed is True
    assert alert.status is AlertStatus.FIRING


def test_downtime_end_is_not_suppressed_even_with_a_depth_left() -> None:
    assert parse(edited("nagios/service_downtime_end.txt", SERVICEDOWNTIME="1")).suppressed is False


# --- flapping -------------------------------------------------------------------------------

HTTP_KEY = fingerprint(
    "nagios", {"host": "web2.example.test", "service": "HTTP", "problem_id": "5230"}
)
HTTP_LABELS = {
    "host": "web2.example.test",
    "service": "HTTP",
    "state": "CRITICAL",
    "problem_id": "5230",
    "address": "10.20.0.32",
    "hostgroups": "web",
}
HTTP_LINKS = (
    Link(
        url="http://nagios.example.test/nagios4/cgi-bin/extinfo.cgi?type=2"
        "&host=web2.example.test&service=HTTP",
        text="Nagios service",
    ),
)
HTTP_FLAPPING = NormalizedAlert(
    fingerprint=HTTP_KEY,
    status=AlertStatus.FIRING,
    severity="critical",
    title="HTTP on web2.example.test is CRITICAL",
    description="connect to address 10.20.0.32 and port 80: Connection refused",
    group_key="web2.example.test",
    labels={**HTTP_LABELS, "flapping": "true"},
    annotations={"notification_type": "FLAPPINGSTART"},
    links=HTTP_LINKS,
    starts_at=datetime(2024, 5, 14, 12, 10, tzinfo=UTC),
)


def test_flapping_start_keeps_the_problem_firing_labelled_flapping() -> None:
    assert content(nagios("nagios/service_flapping_start.txt")) == HTTP_FLAPPING


def test_flapping_start_while_ok_resolves_instead_of_reopening() -> None:
    alert = nagios("nagios/service_flapping_start_while_ok.txt")
    assert content(alert) == dataclasses.replace(
        HTTP_FLAPPING,
        status=AlertStatus.RESOLVED,
        title="HTTP on web2.example.test is OK",
        description="HTTP OK: HTTP/1.1 200 OK - 5120 bytes in 0.004 second response time",
        labels={**HTTP_LABELS, "state": "OK", "flapping": "true"},
        starts_at=None,
        ends_at=datetime(2024, 5, 14, 12, 11, tzinfo=UTC),
    )


def test_flapping_stop_fires_labelled_not_flapping() -> None:
    alert = nagios("nagios/service_flapping_stop.txt")
    assert content(alert) == dataclasses.replace(
        HTTP_FLAPPING,
        fingerprint=fingerprint(
            "nagios", {"host": "web2.example.test", "service": "HTTP", "problem_id": "5236"}
        ),
        labels={**HTTP_LABELS, "problem_id": "5236", "flapping": "false"},
        annotations={"notification_type": "FLAPPINGSTOP"},
        starts_at=datetime(2024, 5, 14, 12, 17, tzinfo=UTC),
    )


def test_flapping_disabled_fires_labelled_not_flapping() -> None:
    alert = nagios("nagios/service_flapping_disabled.txt")
    assert content(alert) == dataclasses.replace(
        HTTP_FLAPPING,
        fingerprint=fingerprint(
            "nagios", {"host": "web2.example.test", "service": "HTTP", "problem_id": "5236"}
        ),
        severity="warning",
        title="HTTP on web2.example.test is WARNING",
        description=(
            "HTTP WARNING: HTTP/1.1 403 Forbidden - 312 bytes in 0.002 second response time"
        ),
        labels={**HTTP_LABELS, "state": "WARNING", "problem_id": "5236", "flapping": "false"},
        annotations={"notification_type": "FLAPPINGDISABLED"},
        starts_at=datetime(2024, 5, 14, 12, 17, tzinfo=UTC),
    )


# --- host notifications ------------------------------------------------------------------------

WEB2_LINKS = (
    Link(
        url="http://nagios.example.test/nagios4/cgi-bin/extinfo.cgi?type=1&host=web2.example.test",
        text="Nagios host",
    ),
    Link(url="https://grafana.example.test/d/hosts?var-host=web2.example.test", text="Host action"),
)
WEB2_DOWN = NormalizedAlert(
    fingerprint=fingerprint(
        "nagios", {"host": "web2.example.test", "service": "", "problem_id": "5120"}
    ),
    status=AlertStatus.FIRING,
    severity="critical",
    title="web2.example.test is DOWN",
    description="PING CRITICAL - Packet loss = 100%",
    group_key="web2.example.test",
    labels={
        "host": "web2.example.test",
        "state": "DOWN",
        "problem_id": "5120",
        "address": "10.20.0.32",
        "hostgroups": "web",
    },
    annotations={"notification_type": "PROBLEM"},
    links=WEB2_LINKS,
    starts_at=datetime(2024, 5, 14, 12, 14, 31, tzinfo=UTC),
)


def test_host_down_fires_a_critical_alert_grouped_with_the_hosts_services() -> None:
    alert = nagios("nagios/host_problem_down.txt")
    assert content(alert) == WEB2_DOWN
    assert alert.group_key == nagios("nagios/service_flapping_start.txt").group_key


def test_host_acknowledgement_acknowledges_the_host_problem() -> None:
    alert = nagios("nagios/host_acknowledgement.txt")
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
    alert = nagios("nagios/host_recovery.txt")
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
    alert = nagios("nagios/host_problem_unreachable.txt")
    assert content(alert) == NormalizedAlert(
        fingerprint=fingerprint(
            "nagios", {"host": "app3.example.test", "service": "", "problem_id": "5121"}
        ),
        status=AlertStatus.FIRING,
        severity="critical",
        title="app3.example.test is UNREACHABLE",
        description="CRITICAL - Host Unreachable (10.20.1.7)",
        group_key="app3.example.test",
        labels={
            "host": "app3.example.test",
            "state": "UNREACHABLE",
            "problem_id": "5121",
            "address": "10.20.1.7",
        },
        annotations={"notification_type": "PROBLEM"},
        links=(
            Link(
                url="http://nagios.example.test/nagios4/cgi-bin/extinfo.cgi?type=1"
                "&host=app3.example.test",
                text="Nagios host",
            ),
        ),
        starts_at=datetime(2024, 5, 14, 12, 14, 40, tzinfo=UTC),
    )


# --- links -------------------------------------------------------------------------------------


def test_notificationurl_comes_first_and_non_web_urls_are_dropped() -> None:
    alert = parse(
        edited(
            "nagios/service_problem_critical.txt",
            NOTIFICATIONURL="https://nagios.example.test/thruk/#cgi-bin/status.cgi",
            SERVICENOTESURL="javascript:alert(1)",
            SERVICEACTIONURL=DISK_LINKS[0].url,
        )
    )
    assert alert.links == (
        Link(url="https://nagios.example.test/thruk/#cgi-bin/status.cgi", text="Nagios"),
        DISK_LINKS[0],
    )


# --- refusals ------------------------------------------------------------------------------------


def test_unknown_notification_type_is_refused_naming_field_and_value() -> None:
    with pytest.raises(UnsupportedPayloadError) as caught:
        parse(edited("nagios/service_problem_critical.txt", NOTIFICATIONTYPE="ESCALATION"))
    assert caught.value.message == (
        "unsupported nagios notification type NOTIFICATIONTYPE='ESCALATION': expected one of "
        "PROBLEM, RECOVERY, ACKNOWLEDGEMENT, FLAPPINGSTART, FLAPPINGSTOP, FLAPPINGDISABLED, "
        "DOWNTIMESTART, DOWNTIMEEND, DOWNTIMECANCELLED, CUSTOM"
    )
    assert caught.value.details == [
        {"field": "NOTIFICATIONTYPE", "problem": "unsupported value 'ESCALATION'"}
    ]


def test_unknown_service_state_is_refused_naming_field_and_value() -> None:
    with pytest.raises(UnsupportedPayloadError) as caught:
        parse(edited("nagios/service_problem_critical.txt", SERVICESTATE="PENDING"))
    assert caught.value.message == (
        "unsupported nagios state SERVICESTATE='PENDING': "
        "expected one of OK, WARNING, CRITICAL, UNKNOWN"
    )


def test_host_state_of_a_service_word_is_refused() -> None:
    with pytest.raises(UnsupportedPayloadError, match=r"^unsupported nagios state HOSTSTATE='OK'"):
        parse(edited("nagios/host_problem_down.txt", HOSTSTATE="OK"))


def test_service_notification_without_problem_id_is_refused_naming_the_field() -> None:
    with pytest.raises(UnsupportedPayloadError) as caught:
        parse(edited("nagios/service_problem_critical.txt", SERVICEPROBLEMID=None))
    assert caught.value.message == "not a nagios payload: SERVICEPROBLEMID: Field required"


def test_host_notification_without_state_is_refused_naming_the_field() -> None:
    with pytest.raises(UnsupportedPayloadError) as caught:
        parse(edited("nagios/host_problem_down.txt", HOSTSTATE=None))
    assert caught.value.message == "not a nagios payload: HOSTSTATE: Field required"


def test_empty_hostname_is_refused() -> None:
    with pytest.raises(UnsupportedPayloadError, match=r"^not a nagios payload: HOSTNAME: "):
        parse(edited("nagios/service_problem_critical.txt", HOSTNAME=""))


def test_empty_body_is_refused_naming_the_first_missing_field() -> None:
    with pytest.raises(UnsupportedPayloadError) as caught:
        parse(b"")
    assert caught.value.message == "not a nagios payload: NOTIFICATIONTYPE: Field required"


def test_json_body_is_refused_as_json() -> None:
    with pytest.raises(UnsupportedPayloadError, match=r"expected form fields .*got JSON"):
        parse(b'{"NOTIFICATIONTYPE": "PROBLEM"}', {"content-type": "application/json"})


def test_non_utf8_body_is_malformed() -> None:
    with pytest.raises(MalformedPayloadError) as caught:
        parse(b"NOTIFICATIONTYPE=PROBLEM&HOSTNAME=caf\xe9")
    assert caught.value.message == "form body is not UTF-8"


def test_recovery_keeps_the_severity_of_the_state_it_left_or_says_it_has_none() -> None:
    recovery = nagios("nagios/service_recovery.txt")
    assert (recovery.severity, recovery.severity_known) == ("critical", True)
    assert recovery.starts_at is None  # ingest keeps the problem's start
    unknown = parse(edited("nagios/service_recovery.txt", LASTSERVICESTATE=None))
    assert unknown.severity_known is False


def test_json_without_a_content_type_is_refused_saying_what_nagios_sends() -> None:
    with pytest.raises(UnsupportedPayloadError) as caught:
        parse(b' {"NOTIFICATIONTYPE": "PROBLEM", "HOSTNAME": "db1"}', {})
    assert caught.value.message == (
        "not a nagios payload: expected form fields (application/x-www-form-urlencoded): "
        "Nagios posts its macros (NOTIFICATIONTYPE, HOSTNAME, ...) as form fields with "
        "curl --data-urlencode; got JSON"
    )


def test_json_content_type_is_refused_as_an_unsupported_media_type() -> None:
    with pytest.raises(UnsupportedMediaTypeError, match=r"got JSON \(application/json\)$"):
        parse(
            fixture_bytes("nagios/service_problem_critical.txt"),
            {"content-type": "application/json"},
        )


def test_multipart_form_is_refused_pointing_at_data_urlencode() -> None:
    headers = {"content-type": "multipart/form-data; boundary=x"}
    with pytest.raises(UnsupportedMediaTypeError, match=r"\(curl -F\): use --data-urlencode$"):
        parse(b"--x\r\nContent-Disposition: form-data; name=HOSTNAME\r\n\r\ndb1\r\n--x--", headers)


@pytest.mark.parametrize("value", ["notanumber", "-5", "99999999999999999999"])
def test_a_bad_state_change_time_is_refused_naming_the_field(value: str) -> None:
    body = edited("nagios/host_problem_down.txt", LASTHOSTSTATECHANGE=value)
    with pytest.raises(UnsupportedPayloadError, match="LASTHOSTSTATECHANGE"):
        parse(body)


@pytest.mark.parametrize("value", ["", "0", "$LASTSERVICESTATECHANGE$"])
def test_an_unset_state_change_time_is_no_time(value: str) -> None:
    alert = parse(edited("nagios/service_problem_critical.txt", LASTSERVICESTATECHANGE=value))
    assert alert.status == AlertStatus.FIRING
