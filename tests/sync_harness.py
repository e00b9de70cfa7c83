"""A real central server for window tests: `clerk-server serve` in its own process, on loopback,
over a temporary SQLite file or a fresh PostgreSQL schema; enrolment codes from `clerk-server`."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.sync.embedded import EmbeddedServer

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_available() -> bool:
    try:
        import psycopg

        psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=test", connect_timeout=3).close()
    except Exception:
        return False
    return True


# The tests' server is the same child process the demo hall runs, over SQLite or PostgreSQL.
ServerProcess = EmbeddedServer


def server_for(kind: str, tmp_path: Path) -> Iterator[ServerProcess]:
    """A migrated server over SQLite or a fresh PostgreSQL schema, started; stopped and dropped after."""
    schema = None
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    else:
        if not postgres_available():
            pytest.skip("PostgreSQL at 127.0.0.1:5432 is not reachable")
        import psycopg

        schema = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect("host=127.0.0.1 user=postgres dbname=test", autocommit=True) as connection:
            connection.execute(f'CREATE SCHEMA "{schema}"')
        url = f"{POSTGRES}?options=-csearch_path%3D{schema}"
    server = ServerProcess(tmp_path / "server-home", port=0, database_url=url)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        if schema is not None:
            import psycopg

            with psycopg.connect("host=127.0.0.1 user=postgres dbname=test", autocommit=True) as connection:
                connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
