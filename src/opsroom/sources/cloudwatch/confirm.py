"""The follow-up job that confirms an SNS subscription by visiting its SubscribeURL.

It runs only for a SubscriptionConfirmation whose signature verified (the source asks for it
after `verify`), and checks the URL again before the GET. Visiting the URL twice is harmless:
SNS answers the same subscription ARN, so a retried job does no damage.
"""

from __future__ import annotations

from typing import Any

import httpx

from opsroom.errors import InvalidInputError
from opsroom.logging import get_logger
from opsroom.sources.cloudwatch.signature import confirm_url_problem

log = get_logger(__name__)

CONFIRM_JOB = "cloudwatch.confirm_subscription"
CONFIRM_TIMEOUT = 10.0


class SubscriptionConfirmationFailedError(InvalidInputError):
    """Amazon SNS did not accept the subscription confirmation; the job retries."""

    code = "subscription_confirmation_failed"


def confirm_subscription(client: httpx.Client, payload: dict[str, Any]) -> None:
    """GET the SubscribeURL; raise (so the job retries) unless SNS answers 200."""
    url = str(payload.get("subscribe_url", ""))
    topic = str(payload.get("topic_arn", ""))
    problem = confirm_url_problem(url)
    if problem:
        raise SubscriptionConfirmationFailedError(problem)
    try:
        reply = client.get(url, timeout=CONFIRM_TIMEOUT, follow_redirects=False)
    except httpx.HTTPError as exc:
        raise SubscriptionConfirmationFailedError(
            f"could not reach Amazon SNS to confirm the subscription: {type(exc).__name__}"
        ) from exc
    if reply.status_code != 200:
        raise SubscriptionConfirmationFailedError(
            f"Amazon SNS answered {reply.status_code} to the subscription confirmation"
        )
    log.info("sns.subscription_confirmed", topic=topic)
