"""The two statements that differ between PostgreSQL and SQLite in the push path."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Table, Text, any_, bindparam
from sqlalchemy.dialects import postgresql, sqlite

from server.store import ServerDB


def insert(db: ServerDB, table: Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that can take `ON CONFLICT … DO NOTHING` on either database."""
    return postgresql.insert(table) if db.is_postgresql else sqlite.insert(table)


def among(db: ServerDB, column: ColumnElement[str], values: Sequence[str]) -> ColumnElement[bool]:
    """`column IN values`; on PostgreSQL `= ANY(array)`: one parameter however many values."""
    if db.is_postgresql:
        return column == any_(bindparam(None, list(values), type_=postgresql.ARRAY(Text())))
    return column.in_(values)
