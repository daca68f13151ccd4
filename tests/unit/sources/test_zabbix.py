"""Zabbix webhook media type: the README's script, its fixtures, and how they are normalized."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from opsroom.alert.model import AlertStatus, Link, NormalizedAlert, fingerprint
from opsroom.errors import MalformedPayloadError, UnsupportedPayloadError
from opsroom.sources.base import HookRequest
from opsroom.sources.zabbix.source import ZabbixSource

SOURCE_DIR = Path(__file__).resolve().parents[3] / "src" / "opsroom" / "sources" / "zabbix"
FIXTURES = ("firing.json", "acknowledged.json", "commented.json", "closed.json", "resolved.json")
PROBLEM = fingerprint("zabbix", {"event_id": "8471234"})
STARTED = datetime(2024, 5, 14, 9, 21, 10, tzinfo=UTC)
TRIGGER_TEXT = (
    "Replica db1.example.test is more than 10 minutes behind the primary. Owner: Jonas Whitfield."
)
LABELS = {
    "class": "database",
    "component": "postgresql",
    "scope": "performance",
    "service": "checkout",
    "host": "db1.example.test",
    "host_technical_name": "db1",
    "host_ip": "192.0.2.21",
    "trigger_id": "23456",
    "zabbix_severity": "High",
}
LINKS = (
    Link(
        url="https://zabbix.example.test/tr_events.php?triggerid=23456&eventid=8471234",
        text="Zabbix event",
    ),
    Link(url="https://runbooks.example.test/db/replication-lag", text="Trigger URL"),
)
# Runs a media type script as Zabbix does: `value` holds the parameters as a JSON object.
NODE_HARNESS = """
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
let posted = null;
function HttpRequest() {}
HttpRequest.prototype.addHeader = function () {};
HttpRequest.prototype.setProxy = function () {};
HttpRequest.prototype.post = function (url, body) { posted = body; return '{}'; };
HttpRequest.prototype.getStatus = function () { return 202; };
const result = new Function('value', 'HttpRequest', 'Zabbix', input.script)(
    input.value, HttpRequest, { log() {} });
if (result !== 'OK') { throw new Error('script returned ' + result); }
process.stdout.write(posted);
"""


def fixture_text(relative: str) -> str:
    kind, name = relative.split("/")
    return (SOURCE_DIR.parent / kind / "fixtures" / name).read_text(encoding="utf-8")


def fixture_json(relative: str) -> dict[str, Any]:
    loaded = json.loads(fixture_text(relative))
    assert isinstance(loaded, dict)
    return loaded


def parse(body: bytes | dict[str, Any]) -> NormalizedAlert:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = HookRequest(body=raw, headers={"content-type": "application/json"})
    (alert,) = ZabbixSource().parse(request).alerts
    return alert


def media_type() -> dict[str, Any]:
    readme = (SOURCE_DIR / "README.md").read_text(encoding="utf-8")
    match = re.search(r"```yaml\n(zabbix_export:.*?)```", readme, re.S)
    assert match is not None
    loaded = yaml.safe_load(match.group(1))
    media: dict[str, Any] = loaded["zabbix_export"]["media_types"][0]
    return media


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_fields_are_the_media_type_parameters(name: str) -> None:
    names = [param["name"] for param in media_type()["parameters"]]
    assert list(fixture_json(f"zabbix/{name}")) == [n for n in names if n != "opsroom_url"]


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run the media type script")
@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_is_exactly_what_the_readme_script_posts(name: str) -> None:
    media = media_type()
    fixture = fixture_json(f"zabbix/{name}")
    params = {}
    for param in media["parameters"]:
        sent = fixture.get(param["name"])
        if param["name"] == "event_tags":
            sent = json.dumps(sent, separators=(",", ":"))
        # An empty field is what the script makes of a macro Zabbix left unresolved.
        params[param["name"]] = sent or param["value"]
    harness_input = json.dumps({"script": media["script"], "value": json.dumps(params)})
    node = shutil.which("node")
    assert node is not None
    posted = subprocess.run(
        [node, "-e", NODE_HARNESS],
        input=harness_input,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    assert posted == fixture_text(f"zabbix/{name}")


def test_firing_fixture_normalizes_every_field() -> None:
    alert = parse(fixture_json("zabbix/firing.json"))
    assert alert.fingerprint == PROBLEM
    assert alert.status is AlertStatus.FIRING
    assert alert.severity == "error"  # High
    assert alert.title == "PostgreSQL: Replication lag is too high (over 10m)"
    assert alert.description == f"{TRIGGER_TEXT}\nOperational data: Lag: 12m 4s"
    assert alert.group_key == "zabbix-trigger:23456"
    assert alert.labels == LABELS
    assert alert.annotations == {"acknowledged": "No"}
    assert alert.links == LINKS
    assert alert.starts_at == STARTED
    assert alert.ends_at is None
    assert alert.suppressed is False
    assert alert.raw["event_recovery_id"] == ""


def test_acknowledged_fixture_acknowledges_the_problem() -> None:
    alert = parse(fixture_json("zabbix/acknowledged.json"))
    assert alert.fingerprint == PROBLEM
    assert alert.status is AlertStatus.ACKNOWLEDGED
    assert alert.severity == "error"
    assert alert.description == (
        f"{TRIGGER_TEXT}\nOperational data: Lag: 12m 4s\n"
        "Mara Lindqvist (mara) acknowledged and commented the problem: "
        "Looking into it: the replica is catching up after a long vacuum."
    )
    assert alert.labels == LABELS
    assert alert.annotations == {"acknowledged": "Yes", "last_update": "acknowledged and commented"}
    assert alert.starts_at == STARTED
    assert alert.ends_at is None


def test_commented_fixture_without_acknowledgement_stays_firing() -> None:
    alert = parse(fixture_json("zabbix/commented.json"))
    assert alert.fingerprint == PROBLEM
    assert alert.status is AlertStatus.FIRING
    assert alert.description.endswith(
        "\nJonas Whitfield (jonas) commented the problem: Paging the DBA on call."
    )
    assert alert.annotations == {"acknowledged": "No", "last_update": "commented"}
    assert alert.starts_at == STARTED


def test_closed_fixture_resolves_the_problem() -> None:
    alert = parse(fixture_json("zabbix/closed.json"))
    assert alert.fingerprint == PROBLEM
    assert alert.status is AlertStatus.RESOLVED
    assert alert.annotations == {"acknowledged": "Yes", "last_update": "commented and closed"}
    assert alert.description.endswith(
        "Mara Lindqvist (mara) commented and closed the problem: "
        "Lag came from the planned failover test."
    )
    assert alert.starts_at == STARTED
    assert alert.ends_at is None  # a manual close has no recovery event


def test_resolved_fixture_resolves_the_problem_event_not_the_recovery_event() -> None:
    alert = parse(fixture_json("zabbix/resolved.json"))
    assert alert.fingerprint == PROBLEM
    assert alert.status is AlertStatus.RESOLVED
    assert alert.severity == "error"
    assert alert.title == "PostgreSQL: Replication lag is too high (over 10m)"
    assert alert.description == f"{TRIGGER_TEXT}\nOperational data: Lag: 0s"
    assert alert.group_key == "zabbix-trigger:23456"
    assert alert.labels == LABELS
    assert alert.annotations == {"recovery_event_id": "8471391", "acknowledged": "No"}
    assert alert.links == LINKS
    assert alert.starts_at == STARTED
    assert alert.ends_at == datetime(2024, 5, 14, 9, 48, 1, tzinfo=UTC)


def test_update_of_an_already_resolved_problem_stays_resolved() -> None:
    body = fixture_json("zabbix/commented.json") | {"event_status": "RESOLVED"}
    assert parse(body).status is AlertStatus.RESOLVED


@pytest.mark.parametrize(
    ("nseverity", "name", "severity"),
    [
        ("0", "Not classified", "info"),
        ("1", "Information", "info"),
        ("2", "Warning", "warning"),
        ("3", "Average", "warning"),
        ("4", "High", "error"),
        ("5", "Disaster", "critical"),
        ("", "Disaster", "critical"),
    ],
)
def test_severity_follows_the_zabbix_severity(nseverity: str, name: str, severity: str) -> None:
    body = fixture_json("zabbix/firing.json") | {
        "event_nseverity": nseverity,
        "event_severity": name,
    }
    assert parse(body).severity == severity


def test_without_zabbix_url_there_is_no_event_link() -> None:
    body = fixture_json("zabbix/firing.json") | {"zabbix_url": "", "trigger_url": ""}
    assert parse(body).links == ()


def test_repeated_tags_are_joined() -> None:
    tags = [{"tag": "service", "value": "checkout"}, {"tag": "service", "value": "cart"}]
    alert = parse(fixture_json("zabbix/firing.json") | {"event_tags": tags})
    assert alert.labels["service"] == "checkout,cart"


def test_internal_event_is_refused_naming_event_source() -> None:
    body = fixture_json("zabbix/firing.json") | {"event_source": "3"}
    with pytest.raises(UnsupportedPayloadError) as caught:
        parse(body)
    assert caught.value.message.startswith("unsupported zabbix event_source '3'")


def test_unknown_event_value_is_refused_naming_it() -> None:
    body = fixture_json("zabbix/firing.json") | {"event_value": "{EVENT.VALUE}"}
    with pytest.raises(UnsupportedPayloadError, match=r"^not a zabbix payload: event_value: "):
        parse(body)


def test_missing_event_id_is_refused_naming_it() -> None:
    body = fixture_json("zabbix/firing.json")
    del body["event_id"]
    with pytest.raises(UnsupportedPayloadError) as caught:
        parse(body)
    assert caught.value.message == "not a zabbix payload: event_id: Field required"


def test_malformed_body_is_malformed_payload() -> None:
    with pytest.raises(MalformedPayloadError, match=r"^body is not valid JSON: "):
        parse(b'{"event_id": "8471234",')


@pytest.mark.parametrize("value", ["9", "-1", "high"])
def test_nseverity_outside_0_to_5_is_refused_naming_the_field(value: str) -> None:
    with pytest.raises(UnsupportedPayloadError, match="event_nseverity") as caught:
        parse({**fixture_json("zabbix/firing.json"), "event_nseverity": value})
    assert caught.value.details == [
        {"field": "event_nseverity", "problem": "not a number from 0 to 5"}
    ]


@pytest.mark.parametrize("value", ["99999999999999999999", "-5", "abc", "1.5"])
def test_a_bad_timestamp_is_refused_naming_the_field(value: str) -> None:
    with pytest.raises(UnsupportedPayloadError, match="event_timestamp"):
        parse({**fixture_json("zabbix/firing.json"), "event_timestamp": value})


@pytest.mark.parametrize("value", ["", "{EVENT.TIMESTAMP}"])
def test_an_unset_timestamp_is_no_time(value: str) -> None:
    alert = parse({**fixture_json("zabbix/firing.json"), "event_timestamp": value})
    assert alert.starts_at is None
