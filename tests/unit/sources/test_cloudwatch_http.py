"""The outbound side of the CloudWatch source: fetching certificates and confirming
subscriptions, each through an httpx client whose transport the test controls."""

from __future__ import annotations

import httpx
import pytest

from opsroom.errors import AuthenticationError
from opsroom.sources.cloudwatch.certificates import (
    MAX_CERTIFICATE_BYTES,
    CertificateCache,
    SigningCertificateUnavailableError,
    http_certificate_fetcher,
)
from opsroom.sources.cloudwatch.confirm import (
    SubscriptionConfirmationFailedError,
    confirm_subscription,
)
from tests.sns_signing import certificate_pem

CERT_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-9c6465fa.pem"
CONFIRM_URL = (
    "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription"
    "&TopicArn=arn:aws:sns:us-east-1:123456789012:opsroom-alarms&Token=2336412f"
)


class Recorder:
    """A mock transport answering with `status` and `content`, remembering requests."""

    def __init__(self, status: int = 200, content: bytes = b"", error: bool = False) -> None:
        self.status, self.content, self.error = status, content, error
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.error:
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(self.status, content=self.content)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))


def test_certificate_is_fetched_once_and_then_served_from_the_cache() -> None:
    recorder = Recorder(content=certificate_pem())
    cache = CertificateCache(http_certificate_fetcher(recorder.client()))
    assert cache(CERT_URL) == certificate_pem()
    assert cache(CERT_URL) == certificate_pem()
    assert [str(request.url) for request in recorder.requests] == [CERT_URL]
    assert recorder.requests[0].method == "GET"


def test_cache_keeps_only_the_most_recent_certificates() -> None:
    recorder = Recorder(content=certificate_pem())
    cache = CertificateCache(http_certificate_fetcher(recorder.client()), size=2)
    urls = [CERT_URL.replace("9c6465fa", name) for name in ("a", "b", "c")]
    for url in [*urls, urls[0]]:
        cache(url)
    assert len(recorder.requests) == 4  # "a" fell out when "c" came in


def test_cache_refuses_a_disallowed_url_without_any_request() -> None:
    recorder = Recorder(content=certificate_pem())
    cache = CertificateCache(http_certificate_fetcher(recorder.client()))
    with pytest.raises(AuthenticationError, match="not an Amazon SNS host"):
        cache("https://sns.evil.example.test/x.pem")
    assert recorder.requests == []


def test_certificate_host_answering_404_is_an_authentication_error() -> None:
    fetch = http_certificate_fetcher(Recorder(status=404).client())
    with pytest.raises(AuthenticationError, match="answered 404"):
        fetch(CERT_URL)


def test_certificate_host_unreachable_is_a_503_to_retry() -> None:
    fetch = http_certificate_fetcher(Recorder(error=True).client())
    with pytest.raises(SigningCertificateUnavailableError) as caught:
        fetch(CERT_URL)
    assert caught.value.retry_after == 30


def test_certificate_host_answering_503_is_a_503_to_retry() -> None:
    fetch = http_certificate_fetcher(Recorder(status=503).client())
    with pytest.raises(SigningCertificateUnavailableError, match="answered 503"):
        fetch(CERT_URL)


def test_huge_certificate_document_is_refused() -> None:
    fetch = http_certificate_fetcher(Recorder(content=b"x" * (MAX_CERTIFICATE_BYTES + 1)).client())
    with pytest.raises(AuthenticationError, match="too large"):
        fetch(CERT_URL)


def test_redirect_from_the_certificate_host_is_not_followed() -> None:
    recorder = Recorder(status=302)
    with pytest.raises(AuthenticationError, match="answered 302"):
        http_certificate_fetcher(recorder.client())(CERT_URL)
    assert len(recorder.requests) == 1


def test_confirm_job_gets_the_subscribe_url() -> None:
    recorder = Recorder(content=b"<ConfirmSubscriptionResponse/>")
    confirm_subscription(recorder.client(), {"subscribe_url": CONFIRM_URL, "topic_arn": "t"})
    (sent,) = recorder.requests
    assert sent.method == "GET"
    assert str(sent.url) == CONFIRM_URL


@pytest.mark.parametrize("recorder", [Recorder(status=403), Recorder(error=True)])
def test_confirm_job_fails_so_that_it_is_retried(recorder: Recorder) -> None:
    with pytest.raises(SubscriptionConfirmationFailedError):
        confirm_subscription(recorder.client(), {"subscribe_url": CONFIRM_URL})


def test_confirm_job_never_visits_a_url_that_is_not_sns() -> None:
    recorder = Recorder()
    with pytest.raises(SubscriptionConfirmationFailedError, match="not an Amazon SNS host"):
        confirm_subscription(recorder.client(), {"subscribe_url": "https://evil.test/?x=1"})
    assert recorder.requests == []
