"""The CloudWatch alarm state change that SNS carries, as a JSON string, in `Message`."""

from __future__ import annotations

import json
from typing import Any, Literal
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from opsroom.alert.model import AlertStatus, Link, NormalizedAlert, fingerprint, truncate
from opsroom.errors import UnsupportedPayloadError
from opsroom.sources.base import capped_raw, parse_time, unsupported
from opsroom.sources.cloudwatch.envelope import KIND, SnsMessage

STATES = {
    "ALARM": AlertStatus.FIRING,
    "INSUFFICIENT_DATA": AlertStatus.FIRING,  # kept open, as a warning: the metric went silent
    "OK": AlertStatus.RESOLVED,
}
ALARM_SEVERITY = "error"  # CloudWatch has no severity; routes can map it (README)


class _Dimension(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str
    value: str


class _Trigger(BaseModel):
    """A metric alarm's definition; metric math alarms list `Metrics` instead of one metric."""

    model_config = ConfigDict(extra="allow")

    MetricName: str | None = None
    Namespace: str | None = None
    Statistic: str | None = None
    ExtendedStatistic: str | None = None
    Unit: str | None = None
    Dimensions: list[_Dimension] = Field(default_factory=list)
    Period: int | None = None
    EvaluationPeriods: int | None = None
    DatapointsToAlarm: int | None = None
    ComparisonOperator: str | None = None
    Threshold: float | None = None
    TreatMissingData: str | None = None
    Metrics: list[dict[str, Any]] = Field(default_factory=list)


class CloudWatchAlarm(BaseModel):
    model_config = ConfigDict(extra="allow")

    AlarmName: str = Field(min_length=1)
    AlarmDescription: str | None = None
    AWSAccountId: str = ""
    NewStateValue: Literal["ALARM", "OK", "INSUFFICIENT_DATA"]
    NewStateReason: str = ""
    StateChangeTime: str | None = None
    Region: str = ""
    AlarmArn: str | None = None
    OldStateValue: str | None = None
    Trigger: _Trigger | None = None  # absent for composite alarms


def read_alarm(message: SnsMessage) -> tuple[CloudWatchAlarm, dict[str, Any]]:
    """The alarm in a Notification's Message, or a 422 naming what is not an alarm."""
    try:
        data = json.loads(message.message)
    except json.JSONDecodeError:
        raise UnsupportedPayloadError(
            f"not a {KIND} alarm: the SNS Message is not JSON; only CloudWatch alarm "
            "notifications are supported on this topic",
            details=[{"field": "Message", "problem": "not a JSON CloudWatch alarm"}],
        ) from None
    if not isinstance(data, dict):
        raise UnsupportedPayloadError(f"not a {KIND} alarm: the SNS Message is not a JSON object")
    try:
        alarm = CloudWatchAlarm.model_validate(data)
    except ValidationError as exc:
        raise unsupported(f"{KIND} alarm", exc) from exc
    return alarm, data


def normalize_alarm(
    alarm: CloudWatchAlarm, message: SnsMessage, raw: dict[str, Any]
) -> NormalizedAlert:
    status = STATES[alarm.NewStateValue]
    region_code, account = _arn_region_account(alarm)
    arn = alarm.AlarmArn or f"arn:aws:cloudwatch:{alarm.Region}:{account}:alarm:{alarm.AlarmName}"
    at = parse_time(alarm.StateChangeTime)
    trigger = alarm.Trigger
    return NormalizedAlert(
        fingerprint=fingerprint(KIND, {"alarm_arn": arn}),
        status=status,
        severity="warning" if alarm.NewStateValue == "INSUFFICIENT_DATA" else ALARM_SEVERITY,
        title=truncate(alarm.AlarmName, 500),
        description=_description(alarm),
        group_key=_group_key(alarm, region_code or alarm.Region, account, arn),
        labels=_labels(alarm, region_code, account),
        annotations=_annotations(trigger, message),
        links=_links(alarm, region_code),
        starts_at=at if status.is_open else None,
        ends_at=None if status.is_open else at,
        raw=capped_raw(raw),
    )


def _arn_region_account(alarm: CloudWatchAlarm) -> tuple[str, str]:
    """`arn:<partition>:cloudwatch:<region>:<account>:alarm:<name>` -> (region, account)."""
    parts = (alarm.AlarmArn or "").split(":", 6)
    if len(parts) == 7 and parts[2] == "cloudwatch":
        return parts[3], parts[4] or alarm.AWSAccountId
    return "", alarm.AWSAccountId


def _group_key(alarm: CloudWatchAlarm, region: str, account: str, arn: str) -> str:
    """Alarms on one metric (say, one per instance) page together; others on their own."""
    trigger = alarm.Trigger
    if trigger is None or not (trigger.Namespace and trigger.MetricName):
        return f"cloudwatch:{arn}"
    return f"cloudwatch:{account}/{region}/{trigger.Namespace}/{trigger.MetricName}"


def _description(alarm: CloudWatchAlarm) -> str:
    parts = [alarm.NewStateReason.strip(), (alarm.AlarmDescription or "").strip()]
    return "\n\n".join(part for part in parts if part)


def _labels(alarm: CloudWatchAlarm, region_code: str, account: str) -> dict[str, str]:
    trigger = alarm.Trigger or _Trigger()
    labels = {dimension.name: dimension.value for dimension in trigger.Dimensions}
    for metric in trigger.Metrics:  # metric math: the dimensions of each queried metric
        stat = metric.get("MetricStat") or {}
        for dimension in (stat.get("Metric") or {}).get("Dimensions") or []:
            if isinstance(dimension, dict) and {"name", "value"} <= dimension.keys():
                labels.setdefault(str(dimension["name"]), str(dimension["value"]))
    fields = {
        "alarm_name": alarm.AlarmName,
        "aws_account": account,
        "aws_region": region_code,
        "aws_region_name": alarm.Region,
        "namespace": trigger.Namespace or "",
        "metric": trigger.MetricName or "",
        "state": alarm.NewStateValue,
        "previous_state": alarm.OldStateValue or "",
    }
    labels.update({name: value for name, value in fields.items() if value})
    return labels


def _annotations(trigger: _Trigger | None, message: SnsMessage) -> dict[str, str]:
    notes: dict[str, str] = {}
    if trigger is not None:
        values = {
            "statistic": trigger.Statistic or trigger.ExtendedStatistic,
            "comparison_operator": trigger.ComparisonOperator,
            "threshold": None if trigger.Threshold is None else f"{trigger.Threshold:g}",
            "unit": trigger.Unit,
            "period_seconds": None if trigger.Period is None else str(trigger.Period),
            "evaluation_periods": None
            if trigger.EvaluationPeriods is None
            else str(trigger.EvaluationPeriods),
            "treat_missing_data": (trigger.TreatMissingData or "")
            .removeprefix("- TreatMissingData:")
            .strip(),
        }
        notes.update({name: value for name, value in values.items() if value})
    if message.subject:
        notes["sns_subject"] = message.subject
    return notes


def _links(alarm: CloudWatchAlarm, region_code: str) -> tuple[Link, ...]:
    if not region_code:
        return ()
    host = "console.amazonaws.cn" if region_code.startswith("cn-") else "console.aws.amazon.com"
    url = (
        f"https://{host}/cloudwatch/home?region={region_code}"
        f"#alarmsV2:alarm/{quote(alarm.AlarmName, safe='')}"
    )
    return (Link(url=url, text="CloudWatch alarm"),)
