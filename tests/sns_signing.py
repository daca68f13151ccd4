"""Signing SNS messages the way Amazon SNS does, with a throwaway key made for the tests.

The string to sign is built here independently of opsroom's code, from the AWS page
https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html, so the tests
check opsroom against the documented format rather than against itself.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

FIXTURES = Path(__file__).resolve().parents[1] / "src" / "opsroom" / "sources" / "cloudwatch"
SIGNED_KEYS = {
    "Notification": ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"],
    "SubscriptionConfirmation": [
        "Message",
        "MessageId",
        "SubscribeURL",
        "Timestamp",
        "Token",
        "TopicArn",
        "Type",
    ],
}
SIGNED_KEYS["UnsubscribeConfirmation"] = SIGNED_KEYS["SubscriptionConfirmation"]


@cache
def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@cache
def certificate_pem() -> bytes:
    """A self-signed certificate for the throwaway key, standing in for SNS's."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(_key().public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(_key(), hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM)


def other_certificate_pem() -> bytes:
    """A certificate of a different key: signatures made with ours do not verify with it."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
        .public_bytes(serialization.Encoding.PEM)
    )


def string_to_sign(message: dict[str, Any]) -> bytes:
    keys = SIGNED_KEYS[message["Type"]]
    return "".join(f"{key}\n{message[key]}\n" for key in keys if key in message).encode()


def sign(message: dict[str, Any]) -> dict[str, Any]:
    """The message with the Signature SNS would give it for its SignatureVersion."""
    algorithm = hashes.SHA1() if message["SignatureVersion"] == "1" else hashes.SHA256()
    signature = _key().sign(string_to_sign(message), padding.PKCS1v15(), algorithm)
    return {**message, "Signature": base64.b64encode(signature).decode()}


def fixture(relative: str) -> dict[str, Any]:
    """A fixture by `cloudwatch/<name>`, as the fixture meta-test looks for it."""
    kind, name = relative.split("/")
    assert kind == "cloudwatch"
    loaded = json.loads((FIXTURES / "fixtures" / name).read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def signed_fixture(name: str, **changes: Any) -> dict[str, Any]:
    """A cloudwatch fixture, changed as asked, then signed."""
    return sign({**fixture(name), **changes})


def body(message: dict[str, Any]) -> bytes:
    return json.dumps(message).encode()


def headers(message: dict[str, Any]) -> dict[str, str]:
    """The headers SNS sends with a message."""
    return {
        "content-type": "text/plain; charset=UTF-8",
        "x-amz-sns-message-type": message["Type"],
        "x-amz-sns-message-id": message["MessageId"],
        "x-amz-sns-topic-arn": message["TopicArn"],
        "user-agent": "Amazon Simple Notification Service Agent",
    }


class FakeCertificateFetcher:
    """Serves our certificate for any URL it is asked for, and remembers the URLs."""

    def __init__(self, pem: bytes | None = None) -> None:
        self.pem = pem or certificate_pem()
        self.urls: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.urls.append(url)
        return self.pem
