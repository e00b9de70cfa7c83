"""The PostgreSQL of the tests, named in one place: `CLERK_TEST_POSTGRES_URL` (default the CI database:
127.0.0.1:5432, user postgres, trust auth, database `test`).

Each test that uses it gets a schema of its own in that database, selected by `search_path` (an engine's
`options=-csearch_path=…`, or the same in a URL for another process): runs can repeat and run side by side.
"""

from __future__ import annotations

import os
import uuid

from sqlalchemy import Engine, create_engine, make_url, text
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
