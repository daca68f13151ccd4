"""Helpers that run real Prometheus and Alertmanager processes for end-to-end tests.

The binaries come from the Debian packages ``prometheus`` and ``prometheus-alertmanager``.
Every process is started on a free loopback port with its state in a caller-supplied
work directory, and is always terminated (then killed) when its context manager exits.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

ALERTMANAGER_BINARY = "/usr/bin/prometheus-alertmanager"
PROMETHEUS_BINARY = "/usr/bin/prometheus"

READY_TIMEOUT = 30.0
STOP_TIMEOUT = 5.0
LOG_TAIL_LINES = 40

ALWAYS_FIRING_CRITICAL_RULE: str = """\
groups:
  - name: opsroom-e2e
    rules:
      - alert: OpsroomE2EAlwaysFiring
        expr: vector(1)
        for: 0s
        labels:
          severity: critical
          service: checkout
        annotations:
          summary: "Checkout latency is above 2s"
          description: "p99 latency on checkout-api.example.test is above 2 seconds"
"""


@dataclass
class Peer:
    """A running peer process: its base URL, the process handle and its log file."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def require_binary(path: str, package: str) -> str:
    """Return ``path`` if it is an executable file; otherwise skip (or fail under CI)."""
    if os.path.isfile(path) and os.access(path, os.X_OK):
        return path
    message = f"{path} not found or not executable; install it with: apt-get install {package}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _log_tail(log: Path | None, lines: int = LOG_TAIL_LINES) -> str:
    if log is None:
        return "(no log file)"
    try:
        text = log.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return f"(could not read {log}: {exc})"
    return "\n".join(text.splitlines()[-lines:])


def wait_http_ok(
    url: str,
    timeout: float,
    proc: subprocess.Popen[bytes] | None = None,
    log: Path | None = None,
) -> None:
    """Poll ``url`` until it answers 200.

    Raises RuntimeError (with the tail of ``log``) if ``proc`` exits first or time runs out.
    """
    deadline = time.monotonic() + timeout
    last_error = "no attempt made"
    with httpx.Client(timeout=2.0) as client:
        while True:
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(
                    f"process exited with code {proc.returncode} before {url} was ready; "
                    f"log tail:\n{_log_tail(log)}"
                )
            try:
                response = client.get(url)
            except httpx.HTTPError as exc:
                last_error = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code == 200:
                    return
                last_error = f"HTTP {response.status_code}"
            if time.monotonic() >= deadline:
                raise RuntimeError(
                    f"{url} not ready after {timeout:.1f}s (last: {last_error}); "
                    f"log tail:\n{_log_tail(log)}"
                )
            time.sleep(0.1)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def _run_peer(args: list[str], url: str, log: Path) -> Iterator[Peer]:
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_http_ok(f"{url}/-/ready", READY_TIMEOUT, process, log)
            yield Peer(url=url, process=process, log=log)
        finally:
            _stop(process)


@contextlib.contextmanager
def run_alertmanager(
    workdir: Path,
    webhook_url: str,
    *,
    group_wait: str = "1s",
    group_interval: str = "1s",
    repeat_interval: str = "1h",
    receiver: dict[str, Any] | None = None,
) -> Iterator[Peer]:
    """Run Alertmanager with one route that sends every alert to ``webhook_url``, or to the
    notifier configs in ``receiver`` (e.g. ``{"pagerduty_configs": [...]}``) instead."""
    binary = require_binary(ALERTMANAGER_BINARY, "prometheus-alertmanager")
    workdir.mkdir(parents=True, exist_ok=True)
    storage = workdir / "alertmanager-data"
    storage.mkdir(exist_ok=True)
    config = {
        "route": {
            "receiver": "opsroom",
            "group_by": ["alertname"],
            "group_wait": group_wait,
            "group_interval": group_interval,
            "repeat_interval": repeat_interval,
        },
        "receivers": [
            {
                "name": "opsroom",
                **(receiver or {"webhook_configs": [{"url": webhook_url, "send_resolved": True}]}),
            }
        ],
    }
    config_file = workdir / "alertmanager.yml"
    config_file.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    port = free_port()
    args = [
        binary,
        f"--config.file={config_file}",
        f"--storage.path={storage}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--cluster.listen-address=",
    ]
    with _run_peer(args, f"http://127.0.0.1:{port}", workdir / "alertmanager.log") as peer:
        yield peer


@contextlib.contextmanager
def run_prometheus(workdir: Path, alertmanager_url: str, rules_yaml: str) -> Iterator[Peer]:
    """Run Prometheus evaluating ``rules_yaml`` every second, alerting ``alertmanager_url``."""
    binary = require_binary(PROMETHEUS_BINARY, "prometheus")
    workdir.mkdir(parents=True, exist_ok=True)
    storage = workdir / "prometheus-data"
    storage.mkdir(exist_ok=True)
    rules_file = workdir / "rules.yml"
    rules_file.write_text(rules_yaml, encoding="utf-8")
    target = urlsplit(alertmanager_url).netloc
    config = {
        "global": {"evaluation_interval": "1s", "scrape_interval": "1s"},
        "rule_files": [str(rules_file)],
        "alerting": {"alertmanagers": [{"static_configs": [{"targets": [target]}]}]},
    }
    config_file = workdir / "prometheus.yml"
    config_file.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    port = free_port()
    args = [
        binary,
        f"--config.file={config_file}",
        f"--storage.tsdb.path={storage}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--rules.alert.resend-delay=2s",
    ]
    with _run_peer(args, f"http://127.0.0.1:{port}", workdir / "prometheus.log") as peer:
        yield peer


def _sum_counter(alertmanager_url: str, name: str, integration: str) -> float:
    response = httpx.get(f"{alertmanager_url}/metrics", timeout=5.0)
    response.raise_for_status()
    total = 0.0
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            if sample.name == name and sample.labels.get("integration") == integration:
                total += float(sample.value)
    return total


def notifications_failed(alertmanager_url: str, integration: str = "webhook") -> float:
    """Sum of ``alertmanager_notifications_failed_total`` for ``integration``."""
    return _sum_counter(alertmanager_url, "alertmanager_notifications_failed_total", integration)


def notifications_total(alertmanager_url: str, integration: str = "webhook") -> float:
    """Sum of ``alertmanager_notifications_total`` for ``integration``."""
    return _sum_counter(alertmanager_url, "alertmanager_notifications_total", integration)
