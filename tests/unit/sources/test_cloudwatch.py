"""CloudWatch alarms through SNS: every fixture signed as SNS signs it, then parsed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from opsroom.alert.model import AlertStatus, Link, NormalizedAlert, fingerprint
from opsroom.errors import AuthenticationError, MalformedPayloadError, UnsupportedPayloadError
from opsroom.sources.base import HookRequest, HookResult
from opsroom.sources.cloudwatch.confirm import CONFIRM_JOB
from opsroom.sources.cloudwatch.source import CloudwatchSource
from tests.sns_signing import (
    FakeCertificateFetcher,
    body,
    fixture,
    headers,
    other_certificate_pem,
    sign,
    signed_fixture,
)

NOW = datetime(2026, 11, 30, 15, 15, tzinfo=UTC)
CHECKOUT_ARN = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-alb-5xx-high"
CHECKOUT_FINGERPRINT = fingerprint("cloudwatch", {"alarm_arn": CHECKOUT_ARN})
CHECKOUT_GROUP = "cloudwatch:123456789012/us-east-1/AWS/ApplicationELB/HTTPCode_ELB_5XX_Count"
CHECKOUT_LINK = Link(
    url="https://console.aws.amazon.com/cloudwatch/home?region=us-east-1"
    "#alarmsV2:alarm/checkout-alb-5xx-high",
    text="CloudWatch alarm",
)


def source(fetcher: FakeCertificateFetcher | None = None) -> CloudwatchSource:
    return CloudwatchSource(fetcher or FakeCertificateFetcher(), now=lambda: NOW)


def request(message: dict[str, Any], **extra_headers: str) -> HookRequest:
    return HookRequest(body=body(message), headers={**headers(message), **extra_headers})


def receive(message: dict[str, Any], cloudwatch: CloudwatchSource | None = None) -> HookResult:
    """What the hooks route does: verify, then parse."""
    cloudwatch = cloudwatch or source()
    hook_request = request(message)
    cloudwatch.verify(hook_request)
    return cloudwatch.parse(hook_request)


def alert_of(name: str) -> NormalizedAlert:
    (alert,) = receive(signed_fixture(name)).alerts
    return alert


def test_alarm_fixture_fires_with_every_field() -> None:
    alert = alert_of("cloudwatch/alarm.json")
    assert alert.fingerprint == CHECKOUT_FINGERPRINT
    assert alert.status is AlertStatus.FIRING
    assert alert.severity == "error"
    assert alert.title == "checkout-alb-5xx-high"
    assert alert.description == (
        "Threshold Crossed: 1 out of the last 1 datapoints [87.0 (30/11/26 14:25:00)] was greater "
        "than the threshold (50.0) (minimum 1 datapoint for OK -> ALARM transition).\n\n"
        "More than 50 HTTP 5xx from the checkout load balancer in 5 minutes. "
        "Runbook: https://runbooks.example.test/checkout/5xx"
    )
    assert alert.group_key == CHECKOUT_GROUP
    assert alert.labels == {
        "LoadBalancer": "app/checkout-prod/50dc6c495c0c9188",
        "alarm_name": "checkout-alb-5xx-high",
        "aws_account": "123456789012",
        "aws_region": "us-east-1",
        "aws_region_name": "US East (N. Virginia)",
        "namespace": "AWS/ApplicationELB",
        "metric": "HTTPCode_ELB_5XX_Count",
        "state": "ALARM",
        "previous_state": "OK",
    }
    assert alert.annotations == {
        "statistic": "SUM",
        "comparison_operator": "GreaterThanThreshold",
        "threshold": "50",
        "period_seconds": "300",
        "evaluation_periods": "1",
        "treat_missing_data": "notBreaching",
        "sns_subject": 'ALARM: "checkout-alb-5xx-high" in US East (N. Virginia)',
    }
    assert alert.links == (CHECKOUT_LINK,)
    assert alert.starts_at == datetime(2026, 11, 30, 14, 30, 12, 482000, tzinfo=UTC)
    assert alert.ends_at is None
    assert alert.raw["Message"]["AlarmName"] == "checkout-alb-5xx-high"  # decoded, not a string


def test_ok_fixture_signed_with_version_2_resolves_the_same_alarm() -> None:
    message = signed_fixture("cloudwatch/ok.json")
    assert message["SignatureVersion"] == "2"
    (alert,) = receive(message).alerts
    assert alert.fingerprint == CHECKOUT_FINGERPRINT
    assert alert.status is AlertStatus.RESOLVED
    assert alert.group_key == CHECKOUT_GROUP
    assert alert.labels["state"] == "OK"
    assert alert.labels["previous_state"] == "ALARM"
    assert alert.starts_at is None
    assert alert.ends_at == datetime(2026, 11, 30, 14, 45, 12, 907000, tzinfo=UTC)


def test_insufficient_data_fixture_is_a_firing_warning() -> None:
    alert = alert_of("cloudwatch/insufficient_data.json")
    assert alert.fingerprint == fingerprint(
        "cloudwatch",
        {"alarm_arn": "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:worker-7-cpu-high"},
    )
    assert alert.status is AlertStatus.FIRING
    assert alert.severity == "warning"
    assert alert.title == "worker-7-cpu-high"
    assert alert.description == "Insufficient Data: 1 datapoint was unknown."  # no description
    assert alert.labels["InstanceId"] == "i-0c4f2e8a9b7d61f35"
    assert alert.labels["aws_region"] == "eu-west-1"
    assert alert.labels["state"] == "INSUFFICIENT_DATA"
    assert alert.annotations["treat_missing_data"] == "missing"
    assert alert.annotations["unit"] == "Percent"
    assert alert.links[0].url.startswith(
        "https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1"
    )
    assert alert.starts_at == datetime(2026, 11, 30, 15, 3, 44, 118000, tzinfo=UTC)


def test_metric_math_fixture_takes_the_dimensions_of_each_metric() -> None:
    alert = alert_of("cloudwatch/metric_math_alarm.json")
    assert alert.status is AlertStatus.FIRING
    assert alert.title == "queue-backlog-per-worker"
    assert alert.labels["QueueName"] == "orders-prod"
    assert alert.labels["AutoScalingGroupName"] == "orders-workers"
    assert "namespace" not in alert.labels
    # No single metric to group by: the alarm is its own group.
    assert alert.group_key == (
        "cloudwatch:arn:aws:cloudwatch:us-east-1:123456789012:alarm:queue-backlog-per-worker"
    )
    assert alert.annotations["threshold"] == "250"


def test_subscription_confirmation_fixture_asks_for_the_confirm_job_and_stores_nothing() -> None:
    message = signed_fixture("cloudwatch/subscription_confirmation.json")
    result = receive(message)
    assert result.alerts == []
    assert result.reply == {
        "status": "confirming",
        "topic": "arn:aws:sns:us-east-1:123456789012:opsroom-alarms",
    }
    (follow_up,) = result.follow_ups
    assert follow_up.job == CONFIRM_JOB
    assert follow_up.payload == {
        "subscribe_url": message["SubscribeURL"],
        "topic_arn": "arn:aws:sns:us-east-1:123456789012:opsroom-alarms",
    }


def test_unsubscribe_confirmation_fixture_is_acknowledged_without_any_action() -> None:
    cloudwatch = CloudwatchSource(
        FakeCertificateFetcher(), now=lambda: datetime(2026, 12, 1, 9, 13, tzinfo=UTC)
    )
    result = receive(signed_fixture("cloudwatch/unsubscribe_confirmation.json"), cloudwatch)
    assert result.alerts == []
    assert result.follow_ups == ()
    assert result.reply is not None
    assert result.reply["status"] == "unsubscribed"


def test_not_an_alarm_fixture_is_refused_as_unsupported() -> None:
    cloudwatch = CloudwatchSource(
        FakeCertificateFetcher(), now=lambda: datetime(2026, 11, 30, 16, 21, tzinfo=UTC)
    )
    with pytest.raises(UnsupportedPayloadError, match="the SNS Message is not JSON") as caught:
        receive(signed_fixture("cloudwatch/not_an_alarm.json"), cloudwatch)
    assert caught.value.details == [{"field": "Message", "problem": "not a JSON CloudWatch alarm"}]


def test_alarm_with_an_unknown_state_is_refused_naming_the_field() -> None:
    alarm = json.loads(fixture("cloudwatch/alarm.json")["Message"])
    message = signed_fixture(
        "cloudwatch/alarm.json", Message=json.dumps({**alarm, "NewStateValue": "MUTED"})
    )
    with pytest.raises(
        UnsupportedPayloadError, match=r"^not a cloudwatch alarm payload: NewStateValue"
    ):
        receive(message)


def test_malformed_body_is_malformed_payload() -> None:
    broken = HookRequest(body=b'{"Type": "Notification", "Message": ', headers={})
    with pytest.raises(MalformedPayloadError, match=r"^body is not valid JSON"):
        source().verify(broken)


def test_sns_message_without_required_fields_is_refused() -> None:
    with pytest.raises(UnsupportedPayloadError, match="MessageId: Field required"):
        source().verify(HookRequest(body=b'{"Type": "Notification", "Message": "x"}'))


def test_unknown_sns_message_type_is_refused() -> None:
    message = {**fixture("cloudwatch/alarm.json"), "Type": "Telegram"}
    with pytest.raises(UnsupportedPayloadError, match="unsupported SNS message Type 'Telegram'"):
        source().verify(HookRequest(body=body(message)))


# --- signatures -------------------------------------------------------------------------------


def test_wrong_signature_is_refused() -> None:
    message = signed_fixture("cloudwatch/alarm.json")
    fetcher = FakeCertificateFetcher(other_certificate_pem())
    with pytest.raises(AuthenticationError, match="signature does not match"):
        source(fetcher).verify(request(message))


def test_tampered_message_is_refused() -> None:
    message = signed_fixture("cloudwatch/alarm.json")
    tampered = {**message, "Message": message["Message"].replace('"ALARM"', '"OK"', 1)}
    with pytest.raises(AuthenticationError, match="signature does not match"):
        source().verify(request(tampered))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("Subject", 'OK: "checkout-alb-5xx-high" in US East (N. Virginia)'),
        ("MessageId", "5f1c7e2a-93b4-5d0e-a8c6-1e4f2b7d9a31"),
        ("Timestamp", "2026-11-30T14:30:13.536Z"),
        ("TopicArn", "arn:aws:sns:us-east-1:123456789012:someone-elses-topic"),
    ],
)
def test_every_signed_field_is_covered_by_the_signature(field: str, value: str) -> None:
    message = {**signed_fixture("cloudwatch/alarm.json"), field: value}
    with pytest.raises(AuthenticationError, match="signature does not match"):
        source().verify(request(message))


def test_removing_the_subject_breaks_the_signature() -> None:
    message = signed_fixture("cloudwatch/alarm.json")
    del message["Subject"]
    with pytest.raises(AuthenticationError, match="signature does not match"):
        source().verify(request(message))


def test_message_signed_without_a_subject_verifies() -> None:
    unsigned = fixture("cloudwatch/alarm.json")
    del unsigned["Subject"]
    (alert,) = receive(sign(unsigned)).alerts
    assert "sns_subject" not in alert.annotations


def test_confirmation_token_is_covered_by_the_signature() -> None:
    message = signed_fixture("cloudwatch/subscription_confirmation.json")
    with pytest.raises(AuthenticationError, match="signature does not match"):
        source().verify(request({**message, "Token": "0" + message["Token"][1:]}))


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://sns.evil.example.test/SimpleNotificationService-1.pem", "not an Amazon SNS host"),
        ("http://sns.us-east-1.amazonaws.com/SimpleNotificationService-1.pem", "must use https"),
        (
            "https://sns.us-east-1.amazonaws.com.evil.test/SimpleNotificationService-1.pem",
            "not an Amazon SNS host",
        ),
        ("https://evil.test/sns.us-east-1.amazonaws.com/x.pem", "not an Amazon SNS host"),
        ("https://sns.us-east-1.amazonaws.com@evil.test/x.pem", "must not carry credentials"),
        ("https://user@sns.us-east-1.amazonaws.com/x.pem", "must not carry credentials"),
        ("https://sns.us-east-1.amazonaws.com:8443/x.pem", "must not carry credentials or a port"),
        ("https://sns.us-east-1.amazonaws.com/certificate.txt", "must end in .pem"),
        ("https://s3.amazonaws.com/bucket/x.pem", "not an Amazon SNS host"),
    ],
)
def test_certificate_from_anywhere_but_an_sns_host_is_refused_unfetched(
    url: str, problem: str
) -> None:
    fetcher = FakeCertificateFetcher()
    message = signed_fixture("cloudwatch/alarm.json", SigningCertURL=url)
    with pytest.raises(AuthenticationError, match=problem):
        source(fetcher).verify(request(message))
    assert fetcher.urls == []


def test_china_region_certificate_host_is_allowed() -> None:
    fetcher = FakeCertificateFetcher()
    url = "https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-3242f4a3.pem"
    receive(signed_fixture("cloudwatch/alarm.json", SigningCertURL=url), source(fetcher))
    assert fetcher.urls == [url]


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"Signature": None}, "Signature is missing"),
        ({"SignatureVersion": "3"}, "unsupported SNS SignatureVersion '3'"),
        ({"Signature": "not base64!"}, "not valid base64"),
        ({"SigningCertURL": None}, "no SigningCertURL"),
    ],
)
def test_unsigned_or_oddly_signed_message_is_refused(changes: dict[str, Any], problem: str) -> None:
    message = {**signed_fixture("cloudwatch/alarm.json"), **changes}
    message = {key: value for key, value in message.items() if value is not None}
    with pytest.raises(AuthenticationError, match=problem):
        source().verify(request(message))


def test_certificate_that_is_not_pem_is_refused() -> None:
    fetcher = FakeCertificateFetcher(b"<html>not a certificate</html>")
    with pytest.raises(AuthenticationError, match=r"not a PEM X\.509 certificate"):
        source(fetcher).verify(request(signed_fixture("cloudwatch/alarm.json")))


def test_message_type_header_must_match_the_body() -> None:
    message = signed_fixture("cloudwatch/alarm.json")
    hook_request = request(message, **{"x-amz-sns-message-type": "SubscriptionConfirmation"})
    with pytest.raises(AuthenticationError, match="does not match the message Type"):
        source().verify(hook_request)


@pytest.mark.parametrize("offset", [timedelta(hours=-3), timedelta(minutes=10)])
def test_message_outside_the_replay_window_is_refused(offset: timedelta) -> None:
    sent = (NOW + offset).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    message = signed_fixture("cloudwatch/alarm.json", Timestamp=sent)
    with pytest.raises(AuthenticationError, match="outside the accepted window"):
        source().verify(request(message))


def test_subscribe_url_on_another_host_is_refused() -> None:
    url = "https://sns.evil.example.test/?Action=ConfirmSubscription&Token=1"
    message = signed_fixture("cloudwatch/subscription_confirmation.json", SubscribeURL=url)
    with pytest.raises(UnsupportedPayloadError, match="not an Amazon SNS host"):
        receive(message)


def test_subscribe_url_in_another_region_than_the_topic_is_refused() -> None:
    url = "https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&Token=1"
    message = signed_fixture("cloudwatch/subscription_confirmation.json", SubscribeURL=url)
    with pytest.raises(UnsupportedPayloadError, match="not in the region of the TopicArn"):
        receive(message)


def test_subscribe_url_that_is_not_a_confirmation_is_refused() -> None:
    url = "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=x"
    message = signed_fixture("cloudwatch/subscription_confirmation.json", SubscribeURL=url)
    with pytest.raises(UnsupportedPayloadError, match="Action=ConfirmSubscription"):
        receive(message)
