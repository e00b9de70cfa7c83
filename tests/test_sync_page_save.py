"""The clerk saves a case while the window's sync applies 10,000 pulled changes: the save does not wait for
the pull (issue 10). A real main window, its real sync controller thread, and a real server process over
SQLite whose hall log holds 10,000 cases of another window of the hall."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from app.case_number import format_case_number
from app.sync import wire
from app.sync.wire import EventKind
from app.workspace import Workspace
from db.models import CaseEvent, HallCase
from server.bulk import CHANGES, dumps, insert_rows
from server.models import change_log
from server.store import open_server_db
from tests.helpers import PLANNING
from tests.sync_harness import ServerProcess, server_for
from tests.test_main_window import fill_company_with_agent
from ui.main_window import MainWindow

pytestmark = pytest.mark.slow

DAYS = (date(2026, 11, 19), date(2026, 11, 20))
PER_DAY = 5_000
TOTAL = PER_DAY * len(DAYS)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    yield from server_for("sqlite", tmp_path)


def log_cases_of_another_window(server: ServerProcess) -> int:
    """TOTAL `case.updated` changes in the hall's log, as server.sync appends them for cases decided at
    window SZX0104 (written in one statement: pushing the cases one by one would only make the test slow).
    How many changes the hall's log holds now (the demo server published its catalog before)."""
    assert server.database_url is not None
    db = open_server_db(server.database_url)
    committed = datetime(2026, 11, 20, 2, 0, tzinfo=UTC).replace(tzinfo=None)
    rows = []
    for day in DAYS:
        for serial in range(1, PER_DAY + 1):
            number = format_case_number(window_code="SZX0104", day=day, serial=serial)
            projection = {
                "number": number,
                "status": "accepted",
                "decision": "accepted",
                "window_code": "SZX0104",
                "item_code": PLANNING,
                "received_on": day.isoformat(),
                "updated_by": f"00000000-0000-4000-8000-{len(rows):012d}",
            }
            rows.append(("SZX01", wire.KIND_CASE_UPDATED, number, dumps(projection), committed, None))
    try:
        with db.write() as connection:
            insert_rows(connection, CHANGES, rows)
            return int(
                connection.execute(
                    select(func.count()).select_from(change_log).where(change_log.c.hall_code == "SZX01")
                ).scalar_one()
            )
    finally:
        db.close()


def write_lock_taken(database: Path) -> bool:
    """Another connection holds the database's write lock right now (a probe that waits for nothing)."""
    probe = sqlite3.connect(database, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        assert "locked" in str(error)
        return True
    else:
        probe.execute("ROLLBACK")
        return False
    finally:
        probe.close()


def hall_cases(workspace: Workspace) -> int:
    with workspace.store.read() as session:
        return int(session.scalar(select(func.count()).select_from(HallCase)) or 0)


def test_a_case_is_saved_while_a_10000_change_pull_is_applied(
    window: MainWindow,
    workspace: Workspace,
    server: ServerProcess,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    in_log = log_cases_of_another_window(server)
    workspace.sync.register(server_url=server.url, code=server.enrollment_code("SZX0103", hall="SZX01"))
    applied = [0]  # changes the sync has applied and committed, as its controller reports them
    window.sync.pulled.connect(applied.append)
    fill_company_with_agent(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_F9)  # everything handed over: 受理

    # Measured on the database lane around the save itself: how many hall cases the pull had stored when
    # the save began and when it had committed, and whether its round was still going. (Not at a signal on
    # the GUI thread: on a loaded machine its delivery may lag the commit by as much as a page.)
    at_save: list[tuple[int, int, bool]] = []
    accept = workspace.acceptance.accept

    def accept_and_count(*args: Any, **kwargs: Any) -> str:
        began = hall_cases(workspace)
        number = accept(*args, **kwargs)
        at_save.append((began, hall_cases(workspace), window.sync.running))
        return number

    monkeypatch.setattr(workspace.acceptance, "accept", accept_and_count)
    window.sync.sync_now()
    # The pull is applying its first page, in the middle of a write transaction.
    qtbot.waitUntil(lambda: applied[-1] > 0 and write_lock_taken(workspace.store.path), timeout=120_000)
    indexed_before = hall_cases(workspace)
    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # the clerk saves
    qtbot.waitUntil(lambda: window.last_case_number is not None, timeout=30_000)  # and the window says so
    number = window.last_case_number
    assert number is not None and number in window.decision.saved.text()
    [(indexed_when_begun, indexed_at_save, syncing_at_save)] = at_save
    assert syncing_at_save and indexed_at_save < TOTAL
    # It waited for a run or two of the pull, not for a page of it.
    assert indexed_at_save - indexed_before < wire.MAX_PULL_CHANGES, (
        indexed_before,
        indexed_when_begun,
        indexed_at_save,
    )

    qtbot.waitUntil(lambda: not window.sync.running, timeout=300_000)
    assert window.sync.view.state == "online", window.sync.view.message
    assert applied[-1] == in_log and hall_cases(workspace) == TOTAL
    case = workspace.cases.find(number)
    assert case is not None and case.decision == "accepted"
    with workspace.store.read() as session:
        [event] = session.scalars(
            select(CaseEvent).where(CaseEvent.case_number == number, CaseEvent.kind == EventKind.CASE_DECIDED)
        ).all()
    assert event.acknowledged_at is None  # pushed by the next round: this one had pushed before the save
    # The next round sends it; the hall index is complete and the window's own case is not in it.
    window.sync.sync_now()
    qtbot.waitUntil(lambda: not window.sync.running and window.sync.view.state == "online", timeout=120_000)
    assert workspace.sync.pending() == 0 and hall_cases(workspace) == TOTAL
