"""The PostgreSQL of the tests, named in one place: `CLERK_TEST_POSTGRES_URL` (default the CI database:
127.0.0.1:5432, user postgres, trust auth, database `test`).

Each test that uses it gets a schema of its own in that database, selected by `search_path` (an engine's
`options=-csearch_path=…`, or the same in a URL for another process): runs can repeat and run side by side.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
import uuid
from collections.abc import Callable

from sqlalchemy import Connection, Engine, create_engine, make_url, text
from sqlalchemy.exc import OperationalError

from server.config import normalize_database_url

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
POSTGRES_URL = normalize_database_url(os.environ.get("CLERK_TEST_POSTGRES_URL", "").strip() or DEFAULT_URL)
REQUIRE_ENV = "CLERK_TEST_REQUIRE_POSTGRES"  # "1": an unreachable server fails the run instead of skipping

_admin: Engine | None = None
_unreachable: str | None = None


def unreachable_reason() -> str | None:
    """None when the tests' PostgreSQL answers, else why not (checked once per run)."""
    global _admin, _unreachable
    if _admin is None and _unreachable is None:
        engine = create_engine(
            POSTGRES_URL, isolation_level="AUTOCOMMIT", pool_size=2, connect_args={"connect_timeout": 3}
        )
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except OperationalError as error:
            engine.dispose()
            _unreachable = f"PostgreSQL not reachable at {describe()}: {error.orig}"
            if os.environ.get(REQUIRE_ENV) == "1":
                raise
        else:
            _admin = engine
    return _unreachable


def describe() -> str:
    return make_url(POSTGRES_URL).render_as_string(hide_password=True)


def host_and_port() -> tuple[str, int]:
    url = make_url(POSTGRES_URL)
    return url.host or "127.0.0.1", url.port or 5432


def admin_engine() -> Engine:
    """An AUTOCOMMIT engine on the tests' database (call `unreachable_reason()` first)."""
    if unreachable_reason() is not None or _admin is None:
        raise RuntimeError(_unreachable or "PostgreSQL not checked")
    return _admin


def new_schema() -> str:
    """A new, empty schema of this run."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with admin_engine().connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    return schema


def drop_schema(schema: str) -> None:
    with admin_engine().connect() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


def schema_url(schema: str) -> str:
    """The tests' database URL with `search_path` set to `schema` (usable by another process too)."""
    url = make_url(POSTGRES_URL)
    return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


# -- schemas made once, reused --------------------------------------------------------------------------
VERSION_TABLE = "server_alembic_version"
_STRUCTURE = """
SELECT md5(coalesce(string_agg(item, E'\\n' ORDER BY item), '')) FROM (
    SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' '
        || replace(coalesce(column_default, ''), :schema || '.', '') AS item
    FROM information_schema.columns WHERE table_schema = :schema
    UNION ALL
    SELECT 'index ' || indexname || ' ' || replace(indexdef, :schema || '.', '')
    FROM pg_indexes WHERE schemaname = :schema
    UNION ALL
    SELECT 'constraint ' || c.conname || ' ' || replace(pg_get_constraintdef(c.oid), :schema || '.', '')
    FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = :schema
    UNION ALL
    SELECT 'sequence ' || sequencename FROM pg_sequences WHERE schemaname = :schema
    UNION ALL
    SELECT 'relation ' || c.relname || ' ' || c.relkind::text || ' '
        || coalesce(array_to_string(c.reloptions, ','), '')
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = :schema
) AS structure
"""


class SchemaPool:
    """Schemas of this run that all hold what `prepare(url)` makes in an empty schema (`clerk-server init
    --demo`: migrations, the demo halls, catalog and accounts), handed out one per test and reused.

    A schema comes back (`give_back`) as the test left it and is returned to exactly the prepared state
    before it is handed out again: its tables emptied (TRUNCATE, sequences restarted), the rows `prepare`
    made copied in from a template schema prepared once, every sequence set as the template's. One whose
    structure or migration version no longer matches the template's (a test altered it), or that cannot
    be reset at once (a connection still holds a lock), is dropped instead. A new schema is prepared
    from scratch whenever none is idle, so the first of each kind costs what it always did.

    Resetting costs about what migrating an empty schema does (TRUNCATE makes new files for every table
    and index): worth it where `prepare` does more than migrate."""

    def __init__(self, name: str, prepare: Callable[[str], None]) -> None:
        self.name = name
        self._prepare = prepare
        self._lock = threading.Lock()
        self._idle: list[str] = []
        self._all: set[str] = set()
        self._template: str | None = None
        self._template_structure = ""
        self._template_version = ""
        self._template_rows: list[str] = []  # tables with rows, parents first
        self._template_sequences: dict[str, int | None] = {}

    def take(self) -> str:
        with self._lock:
            if self._template is None:
                self._make_template()
            if self._idle:
                return self._idle.pop()
        schema = new_schema()
        with self._lock:
            self._all.add(schema)
        try:
            self._prepare(schema_url(schema))
        except BaseException:
            self._discard(schema)
            raise
        return schema

    def give_back(self, schema: str) -> None:
        try:
            reset = self._reset(schema)
        except Exception:
            reset = False
        if reset:
            with self._lock:
                self._idle.append(schema)
        else:
            self._discard(schema)

    def _discard(self, schema: str) -> None:
        with self._lock:
            self._all.discard(schema)
        drop_schema(schema)

    def _make_template(self) -> None:
        from server.models import metadata

        template = new_schema()
        try:
            self._prepare(schema_url(template))
            with admin_engine().connect() as connection:
                structure = self._structure(connection, template)
                version = self._version(connection, template)
                counted = {
                    table.name: connection.execute(
                        text(f'SELECT count(*) FROM "{template}"."{table.name}"')
                    ).scalar_one()
                    for table in metadata.sorted_tables
                }
                sequences = {
                    row.sequencename: row.last_value
                    for row in connection.execute(
                        text("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = :s"),
                        {"s": template},
                    )
                }
        except BaseException:
            drop_schema(template)
            raise
        self._template, self._template_structure, self._template_version = template, structure, version
        self._template_rows = [name for name in counted if counted[name]]  # parents first
        self._template_sequences = sequences
        atexit.register(self._drop_all)

    @staticmethod
    def _structure(connection: Connection, schema: str) -> str:
        return str(connection.execute(text(_STRUCTURE), {"schema": schema}).scalar_one())

    @staticmethod
    def _version(connection: Connection, schema: str) -> str:
        query = text(f'SELECT version_num FROM "{schema}"."{VERSION_TABLE}"')
        rows = connection.execute(query).scalars().all()
        return ",".join(sorted(rows))

    def _reset(self, schema: str) -> bool:
        template = self._template
        assert template is not None
        with admin_engine().execution_options(isolation_level="READ COMMITTED").begin() as connection:
            connection.execute(text("SET LOCAL lock_timeout = '5s'"))
            connection.execute(text("SET LOCAL synchronous_commit = off"))  # a test database: no flush wait
            if (
                self._structure(connection, schema) != self._template_structure
                or self._version(connection, schema) != self._template_version
            ):
                return False
            tables = [
                name
                for name in connection.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = :s"), {"s": schema}
                ).scalars()
                if name != VERSION_TABLE
            ]
            if tables:
                listed = ", ".join(f'"{schema}"."{name}"' for name in tables)
                connection.execute(text(f"TRUNCATE {listed} RESTART IDENTITY"))
            for name in self._template_rows:
                copy = f'INSERT INTO "{schema}"."{name}" SELECT * FROM "{template}"."{name}"'
                connection.execute(text(copy))
            for sequence, last_value in self._template_sequences.items():
                if last_value is None:
                    connection.execute(text(f'ALTER SEQUENCE "{schema}"."{sequence}" RESTART'))
                else:
                    connection.execute(
                        text("SELECT setval(CAST(:sequence AS regclass), :value, true)"),
                        {"sequence": f'"{schema}"."{sequence}"', "value": last_value},
                    )
        return True

    def _drop_all(self) -> None:
        with self._lock:
            schemas = [*self._all, *([self._template] if self._template else [])]
            self._all.clear()
            self._idle.clear()
            self._template = None
        for schema in schemas:
            with contextlib.suppress(Exception):
                drop_schema(schema)
