"""A database written by the first release (schema 1) opens, upgrades, and keeps its cases."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from app.documents.content import DocumentKind
from db.store import SCHEMA_VERSION, integrity_problems
from tests.helpers import open_demo_workspace

OLD = Path(__file__).parent / "data" / "window-schema1.sqlite3"


def test_schema_1_file_upgrades_in_place(home: Path) -> None:
    shutil.copy(OLD, home / "window.sqlite3")
    before = sqlite3.connect(home / "window.sqlite3")
    assert before.execute("PRAGMA user_version").fetchone() == (1,)
    numbers = [row[0] for row in before.execute("select number from 'case' order by id")]
    before.close()
    assert len(numbers) == 3

    ws = open_demo_workspace(home)  # the first release's file came from a demo window
    try:
        assert integrity_problems(ws.store) == []
        for number in numbers:
            case = ws.cases.find(number)
            assert case is not None and case.certificate is None
            # Its time limits from its catalog item, and for an accepted one the due day (issue 13).
            assert case.life.legal_limit is not None and case.life.department
            if case.status == "accepted":
                assert case.life.legal_due is not None and case.life.accepted_on == case.received_on
        # The new tables work on the upgraded file.
        document = ws.documents.prepare(DocumentKind.RECEIPT, numbers[0], counter=ws.counter("demo"))
        assert document.pages >= 1
    finally:
        ws.close()
    after = sqlite3.connect(home / "window.sqlite3")
    assert after.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    assert after.execute("select version_num from alembic_version").fetchone() == (f"{SCHEMA_VERSION:04d}",)
    after.close()


def test_migrations_build_exactly_the_models(home: Path) -> None:
    """The upgraded schema and the models agree: nothing the code expects is missing from a migrated file."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from db.models import Base

    ws = open_demo_workspace(home)
    try:
        with ws.store.write_engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        ws.close()
    assert differences == []
