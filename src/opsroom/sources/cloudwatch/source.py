"""AWS CloudWatch alarms through an Amazon SNS HTTPS subscription; see this folder's README.

`verify` proves every message came from SNS (signature, certificate host, replay window);
`parse` turns a verified Notification into an alert and a verified SubscriptionConfirmation
into a follow-up job that confirms the subscription.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from opsroom.errors import AuthenticationError, UnsupportedPayloadError
from opsroom.logging import get_logger
from opsroom.sources.base import FollowUp, HookRequest, HookResult, parse_time
from opsroom.sources.cloudwatch.alarm import normalize_alarm, read_alarm
from opsroom.sources.cloudwatch.confirm import CONFIRM_JOB
from opsroom.sources.cloudwatch.envelope import KIND, SnsMessage, read_message
from opsroom.sources.cloudwatch.signature import (
    CertificateFetcher,
    confirm_url_problem,
    verify_signature,
)

log = get_logger(__name__)

# SNS retries an HTTP delivery for at most an hour; older signed messages are replays.
REPLAY_WINDOW = timedelta(hours=2)
CLOCK_SKEW = timedelta(minutes=5)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class CloudwatchSource:
    kind = KIND

    def __init__(
        self, fetch_certificate: CertificateFetcher, now: Callable[[], datetime] = _utc_now
    ) -> None:
        self._fetch_certificate = fetch_certificate
        self._now = now

    def verify(self, request: HookRequest) -> None:
        message, _ = read_message(request)
        header = request.headers.get("x-amz-sns-message-type")
        if header is not None and header != message.type:
            raise AuthenticationError(
                f"x-amz-sns-message-type {header!r} does not match the message Type "
                f"{message.type!r}"
            )
        self._check_fresh(message)
        verify_signature(message, self._fetch_certificate)

    def parse(self, request: HookRequest) -> HookResult:
        message, data = read_message(request)
        if message.type == "SubscriptionConfirmation":
            return _confirmation(message)
        if message.type == "UnsubscribeConfirmation":
            log.info("sns.unsubscribed", topic=message.topic_arn)
            return HookResult(
                alerts=[], reply={"status": "unsubscribed", "topic": message.topic_arn}
            )
        alarm, alarm_data = read_alarm(message)
        raw = {**data, "Message": alarm_data}
        return HookResult(alerts=[normalize_alarm(alarm, message, raw)])

    def _check_fresh(self, message: SnsMessage) -> None:
        sent = parse_time(message.timestamp)
        if sent is None:
            raise AuthenticationError(f"SNS Timestamp {message.timestamp!r} is not a time")
        now = self._now()
        if sent < now - REPLAY_WINDOW or sent > now + CLOCK_SKEW:
            raise AuthenticationError(
                f"SNS message Timestamp {message.timestamp} is outside the accepted window "
                "(a replayed or delayed message)"
            )


def _confirmation(message: SnsMessage) -> HookResult:
    url = message.subscribe_url or ""
    problem = confirm_url_problem(url)
    host = urlsplit(url).hostname or ""
    if problem is None and not host.startswith(f"sns.{message.arn_part(3)}."):
        problem = "SubscribeURL is not in the region of the TopicArn"
    if problem:
        raise UnsupportedPayloadError(
            problem, details=[{"field": "SubscribeURL", "problem": problem}]
        )
    log.info("sns.subscription_confirming", topic=message.topic_arn)
    follow_up = FollowUp(CONFIRM_JOB, {"subscribe_url": url, "topic_arn": message.topic_arn})
    return HookResult(
        alerts=[],
        reply={"status": "confirming", "topic": message.topic_arn},
        follow_ups=(follow_up,),
    )
