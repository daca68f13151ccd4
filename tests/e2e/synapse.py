"""A real Matrix homeserver for the tests: Synapse (PyPI `matrix-synapse`) on SQLite and a free
loopback port, with opsroom registered as an application service.

Synapse lives in its own virtual environment (`make synapse`: .venv-synapse), so its
dependencies never meet opsroom's. When CI is set and Synapse cannot start, the test fails;
elsewhere it is skipped with the reason.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.e2e.peers import STOP_TIMEOUT, free_port

ROOT = Path(__file__).resolve().parents[2]
SERVER_NAME = "example.test"
SHARED_SECRET = "synapse-registration-secret-for-tests"
AS_TOKEN = "as-token-for-tests-only"
HS_TOKEN = "hs-token-for-tests-only"
BOT = f"@opsroom:{SERVER_NAME}"
START_TIMEOUT = 60.0


def synapse_python() -> str:
    """The interpreter of Synapse's own virtual environment; skip (or fail in CI) without it."""
    python = os.environ.get("OPSROOM_SYNAPSE_PYTHON") or str(ROOT / ".venv-synapse/bin/python")
    if os.path.isfile(python) and os.access(python, os.X_OK):
        return python
    unavailable(
        f"{python} not found: run `make synapse` (installs matrix-synapse in .venv-synapse)"
    )
    return python


def unavailable(message: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@dataclass
class Synapse:
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    tokens: dict[str, str] = field(default_factory=dict)

    def register(self, user: str, *, admin: bool = False) -> str:
        """A user registered through the shared-secret admin API; returns its access token."""
        if user in self.tokens:
            return self.tokens[user]
        endpoint = f"{self.url}/_synapse/admin/v1/register"
        nonce = httpx.get(endpoint, timeout=10).json()["nonce"]
        password = f"password-of-{user}"
        mac = hmac.new(SHARED_SECRET.encode(), digestmod=hashlib.sha1)
        kind = b"admin" if admin else b"notadmin"
        mac.update(b"\x00".join([nonce.encode(), user.encode(), password.encode(), kind]))
        body = {
            "nonce": nonce,
            "username": user,
            "password": password,
            "admin": admin,
            "mac": mac.hexdigest(),
        }
        response = httpx.post(endpoint, json=body, timeout=10)
        assert response.status_code == 200, response.text
        self.tokens[user] = str(response.json()["access_token"])
        return self.tokens[user]

    def client(self, token: str) -> httpx.Client:
        return httpx.Client(
            base_url=f"{self.url}/_matrix/client/v3",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )


def homeserver_config(work: Path, port: int, appservice: Path) -> dict[str, Any]:
    generous = {"per_second": 1000, "burst_count": 1000}
    return {
        "server_name": SERVER_NAME,
        "pid_file": str(work / "homeserver.pid"),
        "listeners": [
            {
                "port": port,
                "bind_addresses": ["127.0.0.1"],
                "type": "http",
                "tls": False,
                "x_forwarded": False,
                "resources": [{"names": ["client"], "compress": False}],
            }
        ],
        "database": {"name": "sqlite3", "args": {"database": str(work / "homeserver.db")}},
        "log_config": str(work / "log.yaml"),
        "media_store_path": str(work / "media"),
        "signing_key_path": str(work / "signing.key"),
        "registration_shared_secret": SHARED_SECRET,
        "macaroon_secret_key": "macaroon-secret-for-tests",
        "form_secret": "form-secret-for-tests",
        "report_stats": False,
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "enable_metrics": False,
        "app_service_config_files": [str(appservice)],
        "rc_message": generous,
        "rc_registration": generous,
        "rc_login": {"address": generous, "account": generous, "failed_attempts": generous},
        "rc_joins": {"local": generous, "remote": generous},
        "rc_joins_per_room": generous,
        "rc_room_creation": generous,
        "rc_profile": generous,
        "rc_invites": {"per_room": generous, "per_user": generous, "per_issuer": generous},
    }


def registration(url: str) -> dict[str, Any]:
    """opsroom's application service registration, as the README tells users to write it.

    The alias namespace is not exclusive here, so a test can take an alias first."""
    return {
        "id": "opsroom",
        "url": url,
        "as_token": AS_TOKEN,
        "hs_token": HS_TOKEN,
        "sender_localpart": "opsroom",
        "rate_limited": False,
        "namespaces": {
            "users": [],
            "aliases": [{"exclusive": False, "regex": f"#[a-z0-9-]*inc-.*:{SERVER_NAME}"}],
            "rooms": [],
        },
    }


LOG_CONFIG = {
    "version": 1,
    "formatters": {"precise": {"format": "%(asctime)s %(name)s %(levelname)s %(message)s"}},
    "handlers": {"file": {"class": "logging.FileHandler", "formatter": "precise"}},
    "root": {"level": "WARNING", "handlers": ["file"]},
    "disable_existing_loggers": False,
}


@contextlib.contextmanager
def running_synapse(work: Path, appservice_url: str) -> Iterator[Synapse]:
    python = synapse_python()
    port = free_port()
    work.mkdir(parents=True, exist_ok=True)
    appservice = work / "opsroom-registration.yaml"
    appservice.write_text(yaml.safe_dump(registration(appservice_url)), encoding="utf-8")
    log = work / "homeserver.log"
    logging_config = {**LOG_CONFIG}
    logging_config["handlers"] = {"file": {**LOG_CONFIG["handlers"]["file"], "filename": str(log)}}
    (work / "log.yaml").write_text(yaml.safe_dump(logging_config), encoding="utf-8")
    config = work / "homeserver.yaml"
    config.write_text(yaml.safe_dump(homeserver_config(work, port, appservice)), encoding="utf-8")
    command = [python, "-m", "synapse.app.homeserver", "-c", str(config)]
    keys = subprocess.run(
        [*command, "--generate-keys"], capture_output=True, timeout=120, check=False
    )
    if keys.returncode != 0:
        unavailable(f"Synapse could not generate its keys: {keys.stderr.decode()[-2000:]}")
    with (work / "stdout.log").open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=work)
    synapse = Synapse(url=f"http://127.0.0.1:{port}", process=process, log=log)
    try:
        _wait_ready(synapse, work)
        yield synapse
    finally:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_ready(synapse: Synapse, work: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if synapse.process.poll() is not None:
            break
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{synapse.url}/_matrix/client/versions", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    tail = (work / "stdout.log").read_text(errors="replace")[-3000:]
    unavailable(f"Synapse did not start (exit {synapse.process.poll()}): {tail}")
