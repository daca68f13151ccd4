"""Fetching and caching the certificates Amazon SNS signs messages with.

Only URLs that `signing_cert_url_problem` allows reach the network, over HTTPS with the
client's TLS verification; SNS rotates these certificates rarely, so each is fetched once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import httpx

from opsroom.errors import AuthenticationError, OverloadedError
from opsroom.logging import get_logger
from opsroom.sources.cloudwatch.signature import CertificateFetcher, signing_cert_url_problem

log = get_logger(__name__)

MAX_CERTIFICATE_BYTES = 64 * 1024
CACHE_SIZE = 32
FETCH_TIMEOUT = 5.0


class SigningCertificateUnavailableError(OverloadedError):
    """The SNS signing certificate could not be fetched right now; SNS retries a 503."""

    code = "signing_certificate_unavailable"


class CertificateCache:
    """A `CertificateFetcher` that asks `fetch` once per URL and keeps the last few PEMs."""

    def __init__(self, fetch: CertificateFetcher, size: int = CACHE_SIZE) -> None:
        self._fetch = fetch
        self._size = size
        self._pems: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, url: str) -> bytes:
        problem = signing_cert_url_problem(url)
        if problem:
            raise AuthenticationError(problem)
        with self._lock:
            if url in self._pems:
                self._pems.move_to_end(url)
                return self._pems[url]
        pem = self._fetch(url)
        with self._lock:
            self._pems[url] = pem
            while len(self._pems) > self._size:
                self._pems.popitem(last=False)
        return pem


def http_certificate_fetcher(client: httpx.Client) -> CertificateFetcher:
    """Fetch a PEM with `client`: no redirects, a size cap and a short timeout."""

    def fetch(url: str) -> bytes:
        try:
            with client.stream("GET", url, timeout=FETCH_TIMEOUT, follow_redirects=False) as reply:
                if reply.status_code != 200:
                    return _refused(url, reply.status_code)
                body = b""
                for chunk in reply.iter_bytes():
                    body += chunk
                    if len(body) > MAX_CERTIFICATE_BYTES:
                        raise AuthenticationError("the SigningCertURL document is too large")
        except httpx.HTTPError as exc:
            log.warning("sns.certificate_unavailable", url=url, error=type(exc).__name__)
            raise SigningCertificateUnavailableError(
                "the SNS signing certificate could not be fetched; try again", retry_after=30
            ) from exc
        log.info("sns.certificate_fetched", url=url)
        return body

    return fetch


def _refused(url: str, status: int) -> bytes:
    log.warning("sns.certificate_refused", url=url, status=status)
    if status >= 500:
        raise SigningCertificateUnavailableError(
            f"the SNS certificate host answered {status}; try again", retry_after=30
        )
    raise AuthenticationError(f"the SigningCertURL answered {status}, not a certificate")
