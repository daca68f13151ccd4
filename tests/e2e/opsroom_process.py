"""Run opsroom as a user would: `opsroom db upgrade`, create an integration, `opsroom serve`."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.e2e.peers import STOP_TIMEOUT, free_port, wait_http_ok

OPSROOM = str(Path(sys.executable).with_name("opsroom"))


@dataclass
class Opsroom:
    url: str
    env: dict[str, str]
    log: Path
    token: str = ""

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [OPSROOM, *args], env=self.env, capture_output=True, text=True, timeout=60, check=False
        )
        assert done.returncode == 0, f"opsroom {' '.join(args)} failed:\n{done.stderr}"
        return done.stdout

    def client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, timeout=10, headers={"Authorization": f"Bearer {self.token}"}
        )


@contextlib.contextmanager
def run_opsroom(workdir: Path, database_url: str) -> Iterator[Opsroom]:
    port = free_port()
    env = {
        **os.environ,
        "OPSROOM_DATABASE__URL": database_url,
        "OPSROOM_VAR_DIR": str(workdir / "var"),
        "OPSROOM_SERVER__PORT": str(port),
        "OPSROOM_WORKER__POLL_INTERVAL": "0.1",
        "OPSROOM_CONFIG": os.devnull,
    }
    log = workdir / "opsroom.log"
    opsroom = Opsroom(url=f"http://127.0.0.1:{port}", env=env, log=log)
    opsroom.cli("db", "upgrade")
    opsroom.token = opsroom.cli("token", "create", "--user", "e2e-responder").strip()
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [OPSROOM, "serve"], env=env, stdout=sink, stderr=subprocess.STDOUT
        )
    try:
        wait_http_ok(f"{opsroom.url}/readyz", 30, process, log)
        yield opsroom
    finally:
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
