"""Engine construction for SQLite (embedded default, WAL) and PostgreSQL (scale backend)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from opsroom.jsonfast import dumps_str, loads_str


def normalize_url(url: str) -> str:
    """Use psycopg 3 for plain `postgresql://` URLs."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def build_engine(url: str, *, echo: bool = False) -> Engine:
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, parsed.database, echo)
    return create_engine(
        url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20, **JSON_CODEC
    )


WRITER_WAIT_SECONDS = 30
# JSON columns: orjson where it reads and writes what the standard module would.
JSON_CODEC: dict[str, Any] = {"json_serializer": dumps_str, "json_deserializer": loads_str}


def _sqlite_engine(url: str, database: str | None, echo: bool) -> Engine:
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30}, **JSON_CODEC
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin (see "begin" below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    writer = threading.Lock()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock up front, so a read-then-write transaction never
        # fails to upgrade its lock. Threads of this process queue on a lock of their own
        # first: SQLite's busy handler polls with sleeps of up to 100 ms, which made a
        # waiting request's latency several times its work (bench/slack_command). Other
        # processes still meet the busy timeout.
        if not writer.acquire(timeout=WRITER_WAIT_SECONDS):
            raise TimeoutError(f"no SQLite write lock within {WRITER_WAIT_SECONDS} s")
        connection.info["opsroom_writer"] = writer
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _release(connection)
            raise

    def _release(connection: Any) -> None:
        held = connection.info.pop("opsroom_writer", None)
        if held is not None:
            held.release()

    event.listen(engine, "commit", _release)
    event.listen(engine, "rollback", _release)

    return engine


def build_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
