"""Engine construction for SQLite (embedded default, WAL) and PostgreSQL (scale backend)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from opsroom.errors import DatabaseBusyError
from opsroom.jsonfast import dumps_str, loads_str

# JSON columns: orjson where it reads and writes what the standard module would.
JSON_CODEC: dict[str, Any] = {"json_serializer": dumps_str, "json_deserializer": loads_str}


def normalize_url(url: str) -> str:
    """Use psycopg 3 for plain `postgresql://` URLs."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


BUSY_TIMEOUT = 30.0


def build_engine(url: str, *, echo: bool = False, busy_timeout: float = BUSY_TIMEOUT) -> Engine:
    """`busy_timeout` (SQLite): how long any connection waits for the write lock."""
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, parsed.database, echo, busy_timeout)
    return create_engine(
        url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20, **JSON_CODEC
    )


def _sqlite_engine(url: str, database: str | None, echo: bool, busy_timeout: float) -> Engine:
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    connect_args = {"check_same_thread": False, "timeout": busy_timeout}
    engine = create_engine(url, echo=echo, connect_args=connect_args, **JSON_CODEC)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin (see "begin" below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.close()

    writer = threading.Lock()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock up front, so a read-then-write transaction never
        # fails to upgrade its lock. Threads of this process queue on a lock of their own
        # first: SQLite's busy handler polls with sleeps of up to 100 ms, which made a
        # waiting request's latency several times its work (bench/slack_command). Other
        # processes still meet the busy timeout.
        if not writer.acquire(timeout=busy_timeout):
            raise _busy(busy_timeout, "another thread of this process")
        connection.info["opsroom_writer"] = writer
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except OperationalError as exc:
            _release(connection)
            if "locked" in str(exc.orig) or "busy" in str(exc.orig):
                raise _busy(busy_timeout, "another process (a server, a worker, a CLI)") from exc
            raise
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


def _busy(waited: float, holder: str) -> DatabaseBusyError:
    return DatabaseBusyError(
        f"the SQLite database is busy: {holder} held its write lock for {waited:g} s; "
        "try again, or wait longer with database.busy_timeout (OPSROOM_DATABASE__BUSY_TIMEOUT)",
        retry_after=max(1, int(waited / 10)),
    )


def build_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
