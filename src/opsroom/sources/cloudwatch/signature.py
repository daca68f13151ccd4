"""Verifying Amazon SNS message signatures (SignatureVersion 1 = SHA1, 2 = SHA256, RSA).

Follows https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html: the
certificate must come over HTTPS from an SNS host, and the signed string is built per type.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from urllib.parse import SplitResult, parse_qs, urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from opsroom.errors import AuthenticationError
from opsroom.sources.cloudwatch.envelope import SnsMessage

# url -> PEM bytes. Raises AuthenticationError for a refused certificate and
# SigningCertificateUnavailableError when it cannot be fetched right now.
CertificateFetcher = Callable[[str], bytes]

# sns.<region>.amazonaws.com, or .amazonaws.com.cn in the China regions; nothing around it.
SNS_HOST = re.compile(r"sns\.[a-z]{2}(?:-[a-z]+)+-\d{1,2}\.amazonaws\.com(?:\.cn)?")
SIGNED_KEYS = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": (
        "Message",
        "MessageId",
        "SubscribeURL",
        "Timestamp",
        "Token",
        "TopicArn",
        "Type",
    ),
}
SIGNED_KEYS["UnsubscribeConfirmation"] = SIGNED_KEYS["SubscriptionConfirmation"]
HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {"1": hashes.SHA1, "2": hashes.SHA256}


def _sns_https(url: str, field: str) -> tuple[SplitResult | None, str | None]:
    """The parsed URL when it is https on an SNS host with nothing else in its authority."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port
    except ValueError:
        return None, f"{field} is not a valid URL"
    if parts.scheme != "https":
        return None, f"{field} must use https, not {parts.scheme or 'no scheme'!r}"
    if parts.username is not None or port not in (None, 443):
        return None, f"{field} must not carry credentials or a port"
    if not SNS_HOST.fullmatch(host):
        return None, f"{field} host {host!r} is not an Amazon SNS host (sns.<region>.amazonaws.com)"
    return parts, None


def signing_cert_url_problem(url: str) -> str | None:
    """Why this SigningCertURL may not be fetched, or None when it may."""
    parts, problem = _sns_https(url, "SigningCertURL")
    if parts is not None and not parts.path.endswith(".pem"):
        return "SigningCertURL path must end in .pem"
    return problem


def confirm_url_problem(url: str) -> str | None:
    """Why this SubscribeURL may not be visited, or None when it may."""
    parts, problem = _sns_https(url, "SubscribeURL")
    if parts is not None and parse_qs(parts.query).get("Action") != ["ConfirmSubscription"]:
        return "SubscribeURL must be an Action=ConfirmSubscription URL"
    return problem


def string_to_sign(message: SnsMessage) -> bytes:
    """`Key\\nValue\\n` for each signed key in byte order; Subject only when present."""
    values = {
        "Message": message.message,
        "MessageId": message.message_id,
        "Subject": message.subject,
        "SubscribeURL": message.subscribe_url,
        "Timestamp": message.timestamp,
        "Token": message.token,
        "TopicArn": message.topic_arn,
        "Type": message.type,
    }
    pairs = [(key, values[key]) for key in SIGNED_KEYS[message.type]]
    return "".join(f"{key}\n{value}\n" for key, value in pairs if value is not None).encode()


def verify_signature(message: SnsMessage, fetch_certificate: CertificateFetcher) -> None:
    """Raise AuthenticationError unless Amazon SNS signed exactly this message."""
    if not message.signature:
        raise AuthenticationError("SNS message is not signed: Signature is missing")
    algorithm = HASHES.get(message.signature_version or "")
    if algorithm is None:
        raise AuthenticationError(
            f"unsupported SNS SignatureVersion {message.signature_version!r}: expected '1' or '2'"
        )
    url = message.signing_cert_url
    if not url:
        raise AuthenticationError("SNS message has no SigningCertURL")
    problem = signing_cert_url_problem(url)
    if problem:
        raise AuthenticationError(problem)
    try:
        signature = base64.b64decode(message.signature, validate=True)
    except (binascii.Error, ValueError):
        raise AuthenticationError("SNS Signature is not valid base64") from None
    key = _public_key(fetch_certificate(url))
    try:
        key.verify(signature, string_to_sign(message), padding.PKCS1v15(), algorithm())
    except InvalidSignature:
        raise AuthenticationError(
            "SNS signature does not match the message: it was altered or not signed by SNS"
        ) from None


def _public_key(pem: bytes) -> rsa.RSAPublicKey:
    try:
        key = x509.load_pem_x509_certificate(pem).public_key()
    except ValueError:
        raise AuthenticationError(
            "the SigningCertURL document is not a PEM X.509 certificate"
        ) from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise AuthenticationError("the SNS signing certificate does not hold an RSA key")
    return key
