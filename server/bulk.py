"""Bulk `INSERT … ON CONFLICT DO NOTHING [RETURNING key]`, one statement per table and request.

PostgreSQL: `INSERT INTO t (…) SELECT * FROM unnest(%s::type[], …)`: one short statement whatever the
number of rows (psycopg sends one array per column), instead of a statement with thousands of
placeholders that psycopg would have to parse for every request. Rows are inserted in the order given.
SQLite (in-process, one writer): the same statement row by row on the DB-API cursor, which is as fast.

JSON values are passed already serialized (text); the push path serializes each payload once and uses
that text for checking, for the event and for the case snapshot. On SQLite, dates and times are written
in the text formats SQLAlchemy's `Date` / `DateTime` read back.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy import Connection


def dumps(value: Any) -> str:
    """Compact JSON text (orjson: several times faster than the standard library on case payloads)."""
    try:
        return orjson.dumps(value).decode("utf-8")
    except TypeError:  # e.g. a lone surrogate: the standard encoder keeps it, and the checks refuse it
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class BulkTable:
    name: str
    columns: tuple[tuple[str, str], ...]  # (column, PostgreSQL element type)

    @property
    def column_names(self) -> str:
        return ", ".join(name for name, _ in self.columns)


EVENTS = BulkTable(
    "case_event",
    (
        ("event_id", "text"),
        ("device_id", "text"),
        ("hall_code", "text"),
        ("window_code", "text"),
        ("case_number", "text"),
        ("case_day", "date"),
        ("kind", "text"),
        ("payload", "json"),
        ("clerk_login", "text"),
        ("device_time", "text"),
        ("local_seq", "bigint"),
        ("received_at", "timestamp"),
        ("content_sha256", "text"),
        ("prev_hash", "text"),
        ("event_hash", "text"),
        ("step", "bigint"),
        ("from_status", "text"),
        ("to_status", "text"),
    ),
)
CASES = BulkTable(
    "case_record",
    (
        ("number", "text"),
        ("hall_code", "text"),
        ("window_code", "text"),
        ("item_code", "text"),
        ("decision", "text"),
        ("decided_status", "text"),
        ("status", "text"),
        ("received_on", "date"),
        ("clerk_login", "text"),
        ("device_created_at", "text"),
        ("snapshot", "json"),
        ("first_event_id", "text"),
        ("device_id", "text"),
        ("updated_by_event_id", "text"),
        ("created_at", "timestamp"),
        ("updated_at", "timestamp"),
        ("step", "bigint"),
        ("decided_timing", "json"),
        ("timing", "json"),
        ("bundle_number", "text"),
    ),
)
CHANGES = BulkTable(
    "change_log",
    (
        ("hall_code", "text"),
        ("kind", "text"),
        ("key", "text"),
        ("payload", "json"),
        ("committed_at", "timestamp"),
        ("origin_device_id", "text"),
    ),
)


MESSAGES = BulkTable(
    "message",
    (
        ("event_id", "text"),
        ("purpose", "text"),
        ("kind", "text"),
        ("hall_code", "text"),
        ("case_number", "text"),
        ("phone", "text"),
        ("text", "text"),
        ("state", "text"),
        ("attempts", "integer"),
        ("last_error", "text"),
        ("gateway", "text"),
        ("created_at", "timestamp"),
        ("next_attempt_at", "timestamp"),
        ("delivered_at", "timestamp"),
    ),
)


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def insert_rows(
    connection: Connection,
    table: BulkTable,
    rows: Sequence[tuple[Any, ...]],
    *,
    conflict: str | None = None,
    returning: str | None = None,
) -> list[Any]:
    """Insert `rows` (tuples in `table.columns` order); returns the `returning` column of inserted rows."""
    if not rows:
        return []
    tail = f" ON CONFLICT ({conflict}) DO NOTHING" if conflict else ""
    tail += f" RETURNING {returning}" if returning else ""
    if connection.dialect.name == "postgresql":
        arrays = tuple(list(column) for column in zip(*rows, strict=True))
        casts = ", ".join(f"%b::{kind}[]" for _, kind in table.columns)  # binary: no escaping
        sql = f"INSERT INTO {table.name} ({table.column_names}) SELECT * FROM unnest({casts}){tail}"
        result = connection.exec_driver_sql(sql, arrays)
        return list(result.scalars()) if returning else []
    marks = ", ".join("?" for _ in table.columns)
    sql = f"INSERT INTO {table.name} ({table.column_names}) VALUES ({marks}){tail}"
    cursor = connection.connection.cursor()
    try:
        if not returning:
            cursor.executemany(sql, [tuple(_sqlite_value(v) for v in row) for row in rows])
            return []
        inserted = []
        for row in rows:
            cursor.execute(sql, tuple(_sqlite_value(v) for v in row))
            found = cursor.fetchone()
            if found is not None:
                inserted.append(found[0])
        return inserted
    finally:
        cursor.close()
