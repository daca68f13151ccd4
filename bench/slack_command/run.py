"""Time to answer a signed Slack slash command, end to end through a real `opsroom serve`.

Starts the Slack contract server (tests/contract) and `opsroom serve` (SQLite, worker on)
on loopback ports, declares one incident from Slack, then sends signed `/inc` commands into
its channel exactly as Slack does and measures each answer. Run from the repository root:

    .venv/bin/python -m bench.slack_command.run --requests 2000 --concurrency 1
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import httpx
from tests.contract.slack_server import BOT_TOKEN, running_slack

from opsroom.chat.slack.verify import signature

SECRET = "bench-signing-secret-not-real"
COMMANDS = ["note checked the load balancer", "status identified bad deploy", "help", "timeline"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def signed(text: str, channel: str, user: str) -> tuple[bytes, dict[str, str]]:
    body = urlencode(
        {
            "command": "/inc",
            "text": text,
            "user_id": user,
            "user_name": user.lower(),
            "channel_id": channel,
            "team_id": "T0BENCH",
            "response_url": "http://127.0.0.1:9/response",
            "trigger_id": "",
        }
    ).encode()
    stamp = str(int(time.time()))
    return body, {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature(SECRET, stamp, body),
    }


def start_opsroom(
    folder: Path, slack_url: str, database_url: str | None
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    config = folder / "opsroom.yaml"
    database = database_url or f"sqlite:///{folder / 'opsroom.db'}"
    config.write_text(
        f"var_dir: {folder / 'var'}\n"
        f"database: {{url: '{database}'}}\n"
        "logging: {level: warning}\n"
        "chat:\n  slack:\n"
        f"    api_url: {slack_url}/api/\n"
        "    alerts_channel: C0ALERTS\n    incidents_channel: C0INCIDENTS\n",
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "OPSROOM_CONFIG": str(config),
        "OPSROOM_CHAT__SLACK__BOT_TOKEN": BOT_TOKEN,
        "OPSROOM_CHAT__SLACK__SIGNING_SECRET": SECRET,
    }
    opsroom = str(Path(sys.executable).parent / "opsroom")
    subprocess.run([opsroom, "db", "upgrade"], env=env, check=True, capture_output=True)
    process = subprocess.Popen(
        [opsroom, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(os.environ.get("BENCH_SERVER_LOG", os.devnull), "wb"),  # noqa: SIM115
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return process, base
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.terminate()
    raise SystemExit("opsroom did not become ready")


def measure(base: str, channel: str, requests: int, concurrency: int) -> list[float]:
    lock, timings = threading.Lock(), []
    local = threading.local()

    def one(n: int) -> None:
        client = getattr(local, "client", None) or httpx.Client(timeout=10)
        local.client = client
        body, headers = signed(COMMANDS[n % len(COMMANDS)], channel, f"U0BENCH{n % 5}")
        started = time.perf_counter()
        response = client.post(f"{base}/api/v1/chat/slack/commands", content=body, headers=headers)
        elapsed = time.perf_counter() - started
        if response.status_code != 200 or "text" not in response.json():
            raise SystemExit(f"unexpected answer {response.status_code}: {response.text[:200]}")
        with lock:
            timings.append(elapsed)

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(requests)))
    return timings


def measure_health(base: str, requests: int, concurrency: int) -> list[float]:
    """The same load on `GET /healthz`: what the machine and server add by themselves."""
    lock, timings = threading.Lock(), []
    local = threading.local()

    def one(_: int) -> None:
        client = getattr(local, "client", None) or httpx.Client(timeout=10)
        local.client = client
        started = time.perf_counter()
        client.get(f"{base}/healthz").raise_for_status()
        with lock:
            timings.append(time.perf_counter() - started)

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(requests)))
    return timings


def summary(name: str, timings: list[float], wall: float, concurrency: int) -> str:
    ms = [t * 1000 for t in timings]
    return (
        f"{name}: requests={len(ms)} concurrency={concurrency} "
        f"p50={percentile(ms, 0.50):.1f}ms p90={percentile(ms, 0.90):.1f}ms "
        f"p99={percentile(ms, 0.99):.1f}ms max={max(ms):.1f}ms mean={statistics.mean(ms):.1f}ms "
        f"throughput={len(ms) / wall:.0f}/s"
    )


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument(
        "--database-url",
        help="an EMPTY PostgreSQL database to use instead of a fresh SQLite file (it is migrated)",
    )
    args = parser.parse_args()
    with running_slack() as slack, tempfile.TemporaryDirectory() as folder:
        process, base = start_opsroom(Path(folder), slack.url, args.database_url)
        try:
            body, headers = signed("declare sev2 Benchmark incident", "C0INCIDENTS", "U0BENCH0")
            assert (
                httpx.post(
                    f"{base}/api/v1/chat/slack/commands", content=body, headers=headers
                ).status_code
                == 200
            )
            deadline = time.monotonic() + 10
            while not slack.ok_calls("conversations.create") and time.monotonic() < deadline:
                time.sleep(0.05)
            channel = slack.ok_calls("conversations.create")[0].params["name"]
            channel_id = slack.channel_named(channel).id
            measure(base, channel_id, args.warmup, args.concurrency)
            started = time.perf_counter()
            timings = measure(base, channel_id, args.requests, args.concurrency)
            wall = time.perf_counter() - started
            started = time.perf_counter()
            health = measure_health(base, args.requests, args.concurrency)
            health_wall = time.perf_counter() - started
        finally:
            process.terminate()
            process.wait(timeout=10)
    print(summary("slash command", timings, wall, args.concurrency))
    print(summary("GET /healthz (baseline)", health, health_wall, args.concurrency))


if __name__ == "__main__":
    main()
