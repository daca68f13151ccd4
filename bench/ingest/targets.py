"""The servers under test: opsroom (SQLite or PostgreSQL) and Alertmanager with a webhook sink.

Each is a context manager that starts its processes on free 127.0.0.1 ports in a work folder
and always stops them (terminate, then kill) when it exits.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from bench.ingest.loadgen import Endpoint

ROOT = Path(__file__).resolve().parents[2]
ALERTMANAGER = "/usr/bin/prometheus-alertmanager"
PG_ADMIN = ["-h", "127.0.0.1", "-U", "postgres"]
PG_DATABASE = "bench_ingest"  # `--pg-database` changes it, so parallel runs keep apart


def pg_url() -> str:
    return f"postgresql://postgres@127.0.0.1:5432/{PG_DATABASE}"


STOP_TIMEOUT = 10.0


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_ok(url: str, process: subprocess.Popen[bytes], log_file: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            tail = log_file.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}:\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} not ready after {timeout}s")
        time.sleep(0.1)


@contextlib.contextmanager
def process(
    args: list[str], log_file: Path, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """Run a process for the duration of the block."""
    with log_file.open("wb") as sink:
        proc = subprocess.Popen(
            args, env=env, stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu() -> float:
    """CPU seconds of every process named `postgres` (the server and its backends)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue
        if "(postgres)" in text:
            fields = text.rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def machine_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of all cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return float(sum(values) - idle), float(sum(values))


@dataclass
class Server:
    name: str
    endpoint: Endpoint
    pid: int
    workdir: Path
    database_url: str = ""
    base_url: str = ""
    sink_url: str = ""


def _recreate_pg_database() -> None:
    subprocess.run(["dropdb", *PG_ADMIN, "--if-exists", "--force", PG_DATABASE], check=True)
    subprocess.run(["createdb", *PG_ADMIN, PG_DATABASE], check=True)


BENCH_CONFIG = {
    # The default rate limit (200 requests/s, burst 1000) would answer most of the load 503;
    # the benchmark measures the ingest path, so the bench integration gets a huge bucket.
    # duplicate_window is the default, written out because the repeats depend on it.
    "integrations": {
        "bench": {
            "rate_limit": {"rate": 1_000_000, "burst": 1_000_000},
            "duplicate_window": "10s",
        }
    }
}


@contextlib.contextmanager
def opsroom(workdir: Path, backend: str, root: Path = ROOT) -> Iterator[Server]:
    """opsroom serve (API + worker in one process) on a fresh SQLite file or `bench_ingest`
    database; `root` is the checkout (with its .venv) to run, e.g. another branch."""
    command = str(root / ".venv" / "bin" / "opsroom")
    workdir.mkdir(parents=True, exist_ok=True)
    if backend == "postgres":
        _recreate_pg_database()
        database_url = pg_url()
    else:
        database_url = f"sqlite:///{workdir / 'opsroom.db'}"
    config = workdir / "opsroom.yaml"
    config.write_text(yaml.safe_dump(BENCH_CONFIG), encoding="utf-8")
    port = free_port()
    env = {
        **os.environ,
        "OPSROOM_DATABASE__URL": database_url,
        "OPSROOM_VAR_DIR": str(workdir / "var"),
        "OPSROOM_SERVER__PORT": str(port),
        "OPSROOM_CONFIG": str(config),
    }

    def cli(*args: str) -> str:
        done = subprocess.run(
            [command, *args], env=env, capture_output=True, text=True, check=False, timeout=120
        )
        if done.returncode != 0:
            raise RuntimeError(f"opsroom {' '.join(args)} failed:\n{done.stderr}")
        return done.stdout.strip()

    cli("db", "upgrade")
    hook = cli("integration", "create", "--kind", "alertmanager", "--name", "bench", "--url-only")
    path = urlsplit(hook.splitlines()[-1]).path
    log_file = workdir / "opsroom.log"
    with process([command, "serve"], log_file, env) as proc:
        base = f"http://127.0.0.1:{port}"
        wait_ok(f"{base}/readyz", proc, log_file, 60)
        yield Server(
            name=f"opsroom-{backend}",
            endpoint=Endpoint("127.0.0.1", port, path),
            pid=proc.pid,
            workdir=workdir,
            database_url=database_url,
            base_url=base,
        )


def stored_fingerprints(server: Server) -> set[str]:
    """Fingerprints of the alerts stored by the bench integration, read from the database."""
    query = (
        "SELECT a.fingerprint FROM alerts a JOIN integrations i ON i.id = a.integration_id "
        "WHERE i.name = 'bench'"
    )
    if server.database_url.startswith("sqlite:///"):
        path = server.database_url.removeprefix("sqlite:///")
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            return {row[0] for row in db.execute(query)}
    import psycopg

    with psycopg.connect(server.database_url) as db:
        return {row[0] for row in db.execute(query)}


@contextlib.contextmanager
def alertmanager(workdir: Path, *, receiver: bool = True) -> Iterator[Server]:
    """Alertmanager 0.25 with a webhook receiver pointing at a dummy local sink."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "data").mkdir(exist_ok=True)
    with contextlib.ExitStack() as stack:
        sink_port = free_port()
        route: dict[str, object] = {"receiver": "sink" if receiver else "none"}
        route |= {
            "group_by": ["alertname", "service"],
            "group_wait": "1s",
            "group_interval": "10s",
            "repeat_interval": "4h",
        }
        receivers: list[dict[str, object]] = [{"name": "none"}]
        if receiver:
            sink_log = workdir / "sink.log"
            sink = stack.enter_context(
                process(
                    [sys.executable, str(Path(__file__).with_name("sink.py")), str(sink_port)],
                    sink_log,
                )
            )
            wait_ok(f"http://127.0.0.1:{sink_port}/stats", sink, sink_log, 30)
            receivers.append(
                {
                    "name": "sink",
                    "webhook_configs": [
                        {"url": f"http://127.0.0.1:{sink_port}/hook", "send_resolved": True}
                    ],
                }
            )
        config = workdir / "alertmanager.yml"
        config.write_text(
            yaml.safe_dump({"route": route, "receivers": receivers}, sort_keys=False),
            encoding="utf-8",
        )
        port = free_port()
        args = [
            ALERTMANAGER,
            f"--config.file={config}",
            f"--storage.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
        ]
        log_file = workdir / "alertmanager.log"
        proc = stack.enter_context(process(args, log_file))
        base = f"http://127.0.0.1:{port}"
        wait_ok(f"{base}/-/ready", proc, log_file, 60)
        yield Server(
            name="alertmanager" if receiver else "alertmanager-no-receiver",
            endpoint=Endpoint("127.0.0.1", port, "/api/v2/alerts"),
            pid=proc.pid,
            workdir=workdir,
            base_url=base,
            sink_url=f"http://127.0.0.1:{sink_port}/stats" if receiver else "",
        )
