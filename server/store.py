"""Opening the server database: engines for PostgreSQL (psycopg 3) or SQLite, and migrations at start.

SQLite (the embedded default, one hall's demo server): WAL, foreign keys on, `synchronous=FULL` (an
acknowledged push must survive a power cut), writes begin with `BEGIN IMMEDIATE` so a writer takes the
write lock up front instead of failing on a lock upgrade half-way, and a generous busy timeout.
PostgreSQL: READ COMMITTED (the default); change-log ordering is enforced in server.sync.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, make_url

from server.config import normalize_database_url

log = logging.getLogger("clerk.server.db")

SQLITE_BUSY_TIMEOUT_MS = 30_000
MIGRATIONS = Path(__file__).parent / "migrations"
# pg_advisory_xact_lock key held while migrating, so two servers starting at once do not race.
MIGRATION_LOCK_KEY = 0x636C726B6D696731  # "clrkmig1"


class DatabaseError(Exception):
    """The database cannot be opened or migrated; the message (Chinese) says what and where."""


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def make_engine(url: str, *, connect_args: dict[str, Any] | None = None, begin: str | None = None) -> Engine:
    """An engine for `url`. For SQLite, `begin` is the statement that opens a transaction."""
    url = normalize_database_url(url)
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            json_serializer=_dumps,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, **(connect_args or {})},
        )
        _install_sqlite_hooks(engine, begin or "BEGIN")
        return engine
    if backend == "postgresql":
        return create_engine(
            url,
            json_serializer=_dumps,
            connect_args=connect_args or {},
            pool_size=10,
            max_overflow=30,
            pool_pre_ping=True,
        )
    raise DatabaseError(f"不支持的数据库类型：{backend}（请使用 PostgreSQL 或 SQLite）")


def _install_sqlite_hooks(engine: Engine, begin: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # BEGIN is ours, see _on_begin
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql(begin)


@dataclass
class ServerDB:
    """The open server database. On SQLite, writes and reads use separate engines (BEGIN IMMEDIATE for
    writes); on PostgreSQL both are the same engine."""

    engine: Engine
    read_engine: Engine
    owns_engines: bool = True

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def is_postgresql(self) -> bool:
        return self.dialect == "postgresql"

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction: committed when the block ends normally, rolled back otherwise."""
        with self.engine.begin() as connection:
            yield connection

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.read_engine.connect() as connection:
            yield connection

    def close(self) -> None:
        if self.owns_engines:
            self.engine.dispose()
            if self.read_engine is not self.engine:
                self.read_engine.dispose()


def describe_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return make_url(normalize_database_url(url)).render_as_string(hide_password=True)


def open_server_db(url: str | None = None, *, engine: Engine | None = None, migrate: bool = True) -> ServerDB:
    """Open the database at `url` (or wrap `engine`), creating or migrating its tables.

    A given SQLite engine is used for reads and writes alike (transactions begin as the engine says);
    give a URL to get the BEGIN IMMEDIATE writer. Raises DatabaseError when unusable.
    """
    if engine is None:
        if url is None:
            raise ValueError("open_server_db needs a URL or an engine")
        write_engine = make_engine(url, begin="BEGIN IMMEDIATE")
        if write_engine.dialect.name == "sqlite":
            read_engine = make_engine(url, begin="BEGIN")
        else:
            read_engine = write_engine
        db = ServerDB(write_engine, read_engine, owns_engines=True)
    else:
        db = ServerDB(engine, engine, owns_engines=False)
    if migrate:
        try:
            migrate_db(db)
        except Exception as error:
            db.close()
            where = describe_url(url) if url else describe_url(str(db.engine.url))
            raise DatabaseError(f"无法打开或升级服务器数据库 {where}：{error}") from error
    return db


def migrate_db(db: ServerDB) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    log.info("server database %s is at the newest schema", describe_url(str(db.engine.url)))
