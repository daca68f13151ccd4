"""CloudWatch through SNS over the real hooks route, with a local HTTP server standing in for
Amazon SNS: it serves the signing certificate and takes the subscription confirmation, reached
through the HTTP client injected into bootstrap."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from opsroom.bootstrap import Container, bootstrap
from opsroom.clock import FakeClock
from opsroom.config import Settings
from tests.conftest import Api
from tests.sns_signing import body, certificate_pem, headers, signed_fixture

TOPIC = "arn:aws:sns:us-east-1:123456789012:opsroom-alarms"


class FakeSns(BaseHTTPRequestHandler):
    """Answers what Amazon SNS's hosts answer: the certificate and ConfirmSubscription."""

    requests: list[tuple[str, str]]

    def do_GET(self) -> None:
        self.requests.append((self.headers["Host"], self.path))
        if self.path.endswith(".pem"):
            self._answer(200, certificate_pem(), "application/x-x509-ca-cert")
        elif self.path.startswith("/?Action=ConfirmSubscription"):
            reply = b"<ConfirmSubscriptionResponse><ConfirmSubscriptionResult><SubscriptionArn>"
            reply += TOPIC.encode() + b":0b7a54d6</SubscriptionArn></ConfirmSubscriptionResult>"
            self._answer(200, reply + b"</ConfirmSubscriptionResponse>", "text/xml")
        else:
            self._answer(404, b"not found", "text/plain")

    def _answer(self, status: int, content: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def log_message(self, format: str, *args: Any) -> None:
        return None


class ToLocalSns(httpx.BaseTransport):
    """Sends requests for *.amazonaws.com to the local server, over plain HTTP."""

    def __init__(self, port: int) -> None:
        self._port = port
        self._inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host.endswith(".amazonaws.com"):
            request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=self._port)
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


@dataclass
class LocalSns:
    port: int
    requests: list[tuple[str, str]]

    def confirmations(self) -> list[str]:
        return [path for _, path in self.requests if "Action=ConfirmSubscription" in path]

    def certificates(self) -> list[str]:
        return [path for _, path in self.requests if path.endswith(".pem")]


@pytest.fixture
def sns() -> Iterator[LocalSns]:
    """The local SNS stand-in and the (Host, path) of every request it got."""
    seen: list[tuple[str, str]] = []
    handler = type("Handler", (FakeSns,), {"requests": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LocalSns(port=server.server_address[1], requests=seen)
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def container(settings: Settings, sns: LocalSns) -> Iterator[Container]:
    """The app's container, its HTTP client pointed at the local SNS, its clock at the
    fixtures' time (the source refuses messages outside its replay window)."""
    client = httpx.Client(transport=ToLocalSns(sns.port))
    built = bootstrap(settings, http_client=client)
    built.ctx.clock = FakeClock(datetime(2026, 11, 30, 15, 15, tzinfo=UTC))
    yield built
    built.close()
    client.close()


def post(api: Api, url: str, message: dict[str, Any]) -> httpx.Response:
    response: httpx.Response = api.client.post(url, content=body(message), headers=headers(message))
    return response


def alerts(api: Api) -> list[dict[str, Any]]:
    response = api.get("/api/v1/alerts")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_confirmation_is_visited_by_the_job_after_the_signature_verified(
    api: Api, hook: Any, sns: LocalSns
) -> None:
    url = hook("cloudwatch", "aws-prod")
    message = signed_fixture("cloudwatch/subscription_confirmation.json")
    response = post(api, url, message)
    assert response.status_code == 202, response.text
    assert response.json() == {"status": "confirming", "topic": TOPIC}
    # The certificate was fetched to verify; the SubscribeURL waits for the job.
    assert [host for host, _ in sns.requests] == ["sns.us-east-1.amazonaws.com"]
    assert sns.certificates() == ["/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem"]
    assert sns.confirmations() == []
    assert api.run_jobs() == 1
    assert sns.confirmations() == [
        message["SubscribeURL"].removeprefix("https://sns.us-east-1.amazonaws.com")
    ]
    assert alerts(api) == []


@pytest.mark.parametrize(
    "changes",
    [
        {"Token": "0" * 64},  # breaks the signature
        {"SigningCertURL": "https://sns.us-east-1.amazonaws.com.evil.test/x.pem"},
        {"SigningCertURL": "http://sns.us-east-1.amazonaws.com/x.pem"},
    ],
)
def test_unverified_confirmation_is_401_and_never_visited(
    api: Api, hook: Any, sns: LocalSns, changes: dict[str, str]
) -> None:
    message = {**signed_fixture("cloudwatch/subscription_confirmation.json"), **changes}
    response = post(api, hook("cloudwatch", "aws-prod"), message)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    assert api.run_jobs() == 0
    assert sns.confirmations() == []


def test_alarm_then_ok_makes_one_alert_that_ends_resolved(
    api: Api, hook: Any, sns: LocalSns
) -> None:
    url = hook("cloudwatch", "aws-prod")
    assert post(api, url, signed_fixture("cloudwatch/alarm.json")).status_code == 202
    [alert] = alerts(api)
    assert alert["status"] == "firing"
    assert alert["title"] == "checkout-alb-5xx-high"
    assert alert["severity"] == "error"
    response = post(api, url, signed_fixture("cloudwatch/ok.json"))
    assert response.status_code == 202
    assert response.json()["updated"] == 1
    [alert] = alerts(api)
    assert alert["status"] == "resolved"
    assert alert["ends_at"].startswith("2026-11-30T14:45:12")
    groups = api.get("/api/v1/alert-groups").json()["items"]
    assert [group["status"] for group in groups] == ["resolved"]
    assert len(sns.certificates()) == 1  # one certificate, fetched once for both messages


def test_insufficient_data_is_stored_as_a_firing_warning(api: Api, hook: Any) -> None:
    response = post(
        api, hook("cloudwatch", "aws-prod"), signed_fixture("cloudwatch/insufficient_data.json")
    )
    assert response.status_code == 202, response.text
    [alert] = alerts(api)
    assert alert["status"] == "firing"
    assert alert["severity"] == "warning"
    assert alert["labels"]["InstanceId"] == "i-0c4f2e8a9b7d61f35"


def test_tampered_alarm_is_401_and_stores_nothing(api: Api, hook: Any) -> None:
    message = signed_fixture("cloudwatch/alarm.json")
    message["Message"] = message["Message"].replace("checkout-alb-5xx-high", "something-else")
    response = post(api, hook("cloudwatch", "aws-prod"), message)
    assert response.status_code == 401
    assert "signature does not match" in response.json()["error"]["message"]
    assert alerts(api) == []


def test_malformed_body_is_400_and_stores_nothing(api: Api, hook: Any, sns: LocalSns) -> None:
    response = api.client.post(
        hook("cloudwatch", "aws-prod"),
        content=b'{"Type": "Notification", "Message": ',
        headers={"content-type": "text/plain; charset=UTF-8"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_payload"
    assert alerts(api) == []
    assert sns.requests == []


def test_message_of_another_topic_type_is_422_and_stores_nothing(api: Api, hook: Any) -> None:
    api.container.ctx.clock = FakeClock(datetime(2026, 11, 30, 16, 21, tzinfo=UTC))
    response = post(
        api, hook("cloudwatch", "aws-prod"), signed_fixture("cloudwatch/not_an_alarm.json")
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "unsupported_payload"
    assert alerts(api) == []
