"""Opening the window's SQLite database: WAL, foreign keys, version check, migrations, friendly errors.

An existing file is checked before anything writes to it (db.check): one that is empty, not SQLite, or fails
`PRAGMA quick_check` is refused and left as it is. A new database is made only where no file was, never
beside the journal files of one that went missing, and it is built under a temporary name and moved into
place complete, so an empty `window.sqlite3` is never one of ours half-made.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from db.check import Finding, damaged_message, missing_message, orphaned_companions, quick_findings

log = logging.getLogger("clerk.db")

# Bumped together with every new Alembic revision; PRAGMA user_version holds it so that an
# up-to-date database opens without importing Alembic (start-up budget).
SCHEMA_VERSION = 17
BUSY_TIMEOUT_MS = 5000


class StoreError(Exception):
    """A problem with the database file that the clerk or hall IT can act on."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def describe_sqlite_error(
    error: BaseException, path: Path, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS
) -> StoreError:
    """Turn a driver error into a message that names the problem and the file."""
    original = error.orig if isinstance(error, DBAPIError) else error
    text_ = str(original).lower()
    if "readonly" in text_ or "read-only" in text_ or "attempt to write" in text_:
        return StoreError("readonly", f"数据库文件只读，无法保存：{path}（请检查文件权限或磁盘是否只读）")
    if "locked" in text_ or "busy" in text_:
        return StoreError(
            "locked",
            f"数据库被另一个程序占用（已等待 {busy_timeout_ms / 1000:g} 秒）：{path}。请关闭其他窗口后重试",
        )
    if "not a database" in text_ or "malformed" in text_ or "corrupt" in text_:
        return StoreError("corrupt", damaged_message(path, [Finding("integrity", str(original))]))
    if "disk is full" in text_ or "database or disk is full" in text_:
        return StoreError("disk_full", f"磁盘已满，无法保存：{path}")
    if "unable to open" in text_:
        return StoreError("unavailable", f"无法打开数据库文件：{path}（目录不存在或无权限）")
    return StoreError("io", f"数据库错误（{original}）：{path}")


def _store_at(path: Path, busy_timeout_ms: int) -> Store:
    """A store on `path`: readers begin deferred, the writer immediate (one writer, no upgrade deadlock)."""
    return Store(
        path,
        _make_engine(path, begin="BEGIN", busy_timeout_ms=busy_timeout_ms),
        _make_engine(path, begin="BEGIN IMMEDIATE", busy_timeout_ms=busy_timeout_ms),
        busy_timeout_ms,
    )


def _make_engine(path: Path, *, begin: str, busy_timeout_ms: int) -> Engine:
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": busy_timeout_ms / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Take transaction control from the driver so BEGIN is ours (pysqlite's legacy mode
        # would otherwise commit implicitly around DDL and defer locks badly).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)

    return engine


@dataclass
class Store:
    """The open local database. Reads and writes use separate engines so that writes take the
    write lock up front (BEGIN IMMEDIATE) and never fail half-way on a lock upgrade."""

    path: Path
    read_engine: Engine
    write_engine: Engine
    busy_timeout_ms: int = BUSY_TIMEOUT_MS

    @contextmanager
    def read(self) -> Iterator[Session]:
        session = sessionmaker(self.read_engine, expire_on_commit=False)()
        try:
            yield session
        except DBAPIError as error:
            raise describe_sqlite_error(error, self.path, busy_timeout_ms=self.busy_timeout_ms) from error
        finally:
            session.close()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction: everything inside is committed together or not at all."""
        session = sessionmaker(self.write_engine, expire_on_commit=False)()
        try:
            with session.begin():
                yield session
        except DBAPIError as error:
            raise describe_sqlite_error(error, self.path, busy_timeout_ms=self.busy_timeout_ms) from error
        finally:
            session.close()

    def probe_write(self) -> None:
        """Check that a transaction can be committed here now (the write lock, the file, the disk) before a
        step outside the database depends on it; nothing changes (the header's user_version is written
        back as it is). StoreError says why not."""
        with self.write() as session:
            version = int(session.execute(text("PRAGMA user_version")).scalar_one())
            session.execute(text(f"PRAGMA user_version = {version}"))

    def close(self) -> None:
        self.read_engine.dispose()
        self.write_engine.dispose()


def open_store(path: Path, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Store:
    """Open (creating if needed) and migrate the database at `path`; raise StoreError when unusable."""
    path = Path(path)
    if not path.parent.is_dir():
        raise StoreError("unavailable", f"数据目录不存在：{path.parent}")
    try:
        if path.exists():
            findings = quick_findings(path)
            if findings:
                raise StoreError("corrupt", damaged_message(path, findings))
        else:
            companions = orphaned_companions(path)
            if companions:
                raise StoreError("missing", missing_message(path, companions))
            _create(path, busy_timeout_ms=busy_timeout_ms)
        _check_file(path)
    except OSError as error:
        raise StoreError("unavailable", f"无法读取数据库文件：{path}（{error.strerror}）") from error
    except sqlite3.Error as error:
        raise describe_sqlite_error(error, path) from error
    store = _store_at(path, busy_timeout_ms)
    try:
        with store.write_engine.connect() as connection:
            version = connection.exec_driver_sql("PRAGMA user_version").scalar_one()
        if version > SCHEMA_VERSION:
            raise StoreError(
                "newer",
                f"数据库由更新版本的窗口程序创建（结构版本 {version}，"
                f"本程序支持 {SCHEMA_VERSION}），请升级程序：{path}",
            )
        if version < SCHEMA_VERSION:
            _migrate(store)
    except DBAPIError as error:
        store.close()
        raise describe_sqlite_error(error, path) from error
    except StoreError:
        store.close()
        raise
    return store


def _check_file(path: Path) -> None:
    """Open with the plain driver first: WAL on, and an integrity probe of the header."""
    connection = sqlite3.connect(path, timeout=5, isolation_level=None)
    try:
        mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode != "wal":
            raise sqlite3.OperationalError(f"unable to switch to WAL (journal_mode={mode}): attempt to write")
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    finally:
        connection.close()


def _create(path: Path, *, busy_timeout_ms: int) -> None:
    """A new, migrated database at `path`, made under a temporary name (rollback journal, so no WAL is left
    beside it) and linked into place complete. Another program that made one there first wins; ours goes."""
    staging = path.with_name(f"{path.name}.new-{os.getpid()}")
    for leftover in (staging, *(staging.with_name(staging.name + s) for s in ("-journal", "-wal", "-shm"))):
        leftover.unlink(missing_ok=True)
    store = _store_at(staging, busy_timeout_ms)
    try:
        _migrate(store)
        store.close()
        try:
            os.link(staging, path)
        except FileExistsError:
            log.info("local database %s was made meanwhile by another program; using that one", path)
            return
        except OSError:  # a file system without hard links: a plain rename, unless one appeared meanwhile
            if path.exists():
                return
            os.replace(staging, path)
        log.info("created local database %s", path)
    finally:
        store.close()
        staging.unlink(missing_ok=True)


def _migrate(store: Store) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with store.write_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        connection.exec_driver_sql(f"PRAGMA user_version = {SCHEMA_VERSION}")
    log.info("database %s migrated to schema %s", store.path, SCHEMA_VERSION)


def integrity_problems(store: Store) -> list[str]:
    """PRAGMA integrity_check and foreign_key_check; empty when the file is sound."""
    with store.read() as session:
        rows = [r[0] for r in session.execute(text("PRAGMA integrity_check")).all()]
        fk = session.execute(text("PRAGMA foreign_key_check")).all()
    problems = [r for r in rows if r != "ok"]
    problems += [f"foreign key: {tuple(r)}" for r in fk]
    return problems
