"""The chat contract servers run by hand for a try-out: `python -m tests.contract.<name>`
prints where it listens and answers there until stopped; `--help` says how."""

from __future__ import annotations

import re
import subprocess
import sys

import httpx
import pytest

from tests.contract.slack_server import BOT_TOKEN


@pytest.mark.parametrize("name", ["slack_server", "discord_server", "teams_server"])
def test_each_contract_server_has_a_help(name: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", f"tests.contract.{name}", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0 and "--port" in result.stdout


def test_the_slack_stand_in_serves_until_stopped() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.contract.slack_server"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        found = re.search(r"(http://127\.0\.0\.1:\d+/api/)", first)
        assert found, first
        answer = httpx.post(
            found.group(1) + "auth.test", headers={"Authorization": f"Bearer {BOT_TOKEN}"}
        )
        assert answer.json()["ok"] is True
    finally:
        process.terminate()
        process.wait(timeout=10)
