"""The GUI thread never touches the database: every statement the window's flows run (accept, render,
look up, approve, hand over, verify a certificate, print and record, today's cases, reference data after
sync, the sync status and its backlog, the conflicts and the supervisor's password check) runs on the job
runner's database worker, seen by a listener on the store's engines. Network work (a sync round, sending a
conflict's resolution) runs on the runner's network lane, in short transactions of its own."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import event

from app.catalog_store import load_catalog
from app.documents.content import DocumentKind
from app.intake import parse_request
from app.workspace import Workspace
from db.store import Store
from tests.helpers import AGENT, PLANNING, PLANNING_FIELDS, newer_catalog, request_json
from tests.test_main_window import accept_by_keyboard, fill_company_with_agent, settled
from tests.window_people import confirm_approval, shift_change
from ui.main_window import MainWindow

ROOT = Path(__file__).resolve().parent.parent
UI = ROOT / "ui"
SYNC_STATUS = UI / "sync_status.py"  # the sync round
CONFLICTS_DIALOG = UI / "conflicts_dialog.py"  # sending a resolution
DATABASE_WORKER = "clerk-database"  # ui.jobs: the database lane's thread
NETWORK_WORKER = "clerk-network"  # ui.jobs: the network lane's threads


@dataclass(frozen=True)
class Statement:
    sql: str
    thread: str
    on_gui_thread: bool
    asked_by: Path | None  # the ui/ module nearest the statement on the stack


def nearest_ui_module(frame: FrameType | None) -> Path | None:
    while frame is not None:
        path = Path(frame.f_code.co_filename)
        if path.parent == UI:
            return path
        frame = frame.f_back
    return None


@dataclass
class DatabaseWatch:
    statements: list[Statement] = field(default_factory=list)
    recording: bool = True

    def record(self, statement: str) -> None:
        if self.recording:
            thread = threading.current_thread()
            self.statements.append(
                Statement(
                    statement,
                    thread.name,
                    thread is threading.main_thread(),
                    nearest_ui_module(sys._getframe(2)),
                )
            )

    @contextmanager
    def paused(self) -> Iterator[None]:
        """The test's own reading and writing (setting up, checking) is not the window's."""
        self.recording = False
        try:
            yield
        finally:
            self.recording = True

    def on_gui_thread(self) -> list[Statement]:
        """What the window ran on the GUI thread."""
        return [s for s in self.statements if s.on_gui_thread]


@contextmanager
def watching(store: Store) -> Iterator[DatabaseWatch]:
    watch = DatabaseWatch()

    def before_cursor_execute(*args: Any) -> None:
        watch.record(args[2])  # (connection, cursor, statement, parameters, context, executemany)

    engines = (store.read_engine, store.write_engine)
    for engine in engines:
        event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield watch
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", before_cursor_execute)


@pytest.fixture
def watched(
    qtbot: QtBot, qapp: QApplication, workspace: Workspace
) -> Iterator[tuple[MainWindow, DatabaseWatch]]:
    """The real main window, watched from before it is built."""
    from ui.fonts import register_fonts, ui_font

    qapp.setFont(ui_font(register_fonts()))
    counter = workspace.counter("demo")
    with watching(workspace.store) as watch:
        window = MainWindow(workspace=workspace, counter=counter)
        qtbot.addWidget(window)
        window.scan_input.uninstall()  # QTest types at machine speed: not a scanner here (tests/conftest.py)
        window.show()
        qtbot.waitExposed(window)
        try:
            yield window, watch
        finally:
            window.jobs.wait()
            QApplication.processEvents()
            window.close()


def lane(statement: Statement) -> str:
    return statement.thread.rsplit("_", 1)[0]


def assert_all_on_the_database_worker(
    watch: DatabaseWatch, *, writes: bool, network_work: frozenset[Path] = frozenset()
) -> None:
    """Nothing on the GUI thread; everything on the database worker but the short transactions of the
    network work asked by the `network_work` modules, on the network lane."""
    assert watch.on_gui_thread() == []
    statements = [
        s for s in watch.statements if not (lane(s) == NETWORK_WORKER and s.asked_by in network_work)
    ]
    assert statements, "the watch saw the window's work"
    assert {lane(s) for s in statements} == {DATABASE_WORKER}
    if writes:
        assert any(s.sql.lstrip().upper().startswith(("INSERT", "UPDATE")) for s in statements)


def test_the_counter_flows_touch_the_database_only_on_its_worker(
    qtbot: QtBot, watched: tuple[MainWindow, DatabaseWatch], workspace: Workspace
) -> None:
    window, watch = watched
    qtbot.waitUntil(lambda: window.todays_cases.loaded)  # read at start

    # Accept: evaluated as the clerk types (in memory), saved on the worker; the receipt rendered there.
    fill_company_with_agent(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_F9)
    number = accept_by_keyboard(qtbot, window)
    qtbot.waitUntil(lambda: window.preview is not None and window.preview.isVisible(), timeout=20_000)
    assert window.preview is not None
    window.preview.reject()

    # Look the case up, approve it, hand the certificate over (the pickup receipt comes up).
    shift_change(qtbot, window, "shenpi")  # the approver, not the clerk who accepted it (四分离)
    window.case_lookup.setText(number)
    with qtbot.waitSignal(window.lookup.opened, timeout=20_000):
        window.lookup_case()
    assert window.case_dialog is not None
    for label, value in PLANNING_FIELDS.items():  # the licence's entries (app.licences)
        window.case_dialog.enter(label, value)
    with qtbot.waitSignal(window.lookup.opened, timeout=20_000):
        window.case_dialog.approve_button.click()
        confirm_approval(window)
    shift_change(qtbot, window, "demo")  # the clerk hands the certificate over
    with qtbot.waitSignal(window.lookup.opened, timeout=20_000):
        window.lookup_case()
    dialog = window.case_dialog
    assert dialog is not None and DocumentKind.CERTIFICATE in dialog.print_buttons
    dialog.recipient.setText(AGENT["name"])
    dialog.recipient_id.setText(AGENT["id_number"])
    with qtbot.waitSignal(window.printing.previewed, timeout=20_000):
        dialog.handover_button.click()
    assert window.preview is not None and "领证回执" in window.preview.windowTitle()
    window.preview.reject()
    assert window.case_dialog is not None
    window.case_dialog.close()

    # Ctrl+P: the receipt of the case saved last, asked (is it a reprint?) and rendered on the worker.
    with qtbot.waitSignal(window.printing.previewed, timeout=20_000):
        window.print_last()
    assert window.preview is not None
    window.preview.reject()

    # F8: the certificate's QR checked against the key directory.
    with watch.paused():
        case = workspace.cases.find(number)
    assert case is not None and case.certificate is not None
    window.open_verify()
    assert window.verify_dialog is not None
    window.verify_dialog.payload.setText(case.certificate.qr_text)
    with qtbot.waitSignal(window.verify_dialog.verified, timeout=20_000):
        window.verify_dialog.verify_button.click()
    assert window.verify_dialog.status.text() == "真实有效"
    window.verify_dialog.close()

    # Today's cases, and a new catalog version (stored as `clerk catalog load` or a sync stores it).
    with qtbot.waitSignal(window.todays_cases.refreshed, timeout=20_000):
        window.refresh_cases()
    with watch.paused():
        load_catalog(workspace.store, newer_catalog(revise=PLANNING), now=workspace.clock.now())
    with qtbot.waitSignal(window.reference.applied, timeout=20_000):
        window.apply_reference_data()
    assert "事项目录已更新为 2026.12-demo.2" in window.statusBar().currentMessage()
    settled(qtbot, window)

    assert_all_on_the_database_worker(watch, writes=True)
    with watch.paused():
        case = workspace.cases.find(number)
    assert case is not None and case.status == "delivered"


def test_the_sync_status_and_the_conflicts_leave_the_gui_thread_alone(
    qtbot: QtBot, watched: tuple[MainWindow, DatabaseWatch]
) -> None:
    """The backlog and the state the status bar shows, the conflicts, the supervisor's password: read and
    checked on the database worker; the resolution sent on the network lane."""
    from app.accounts.demo import DEMO_SUPERVISOR
    from app.sync.conflicts import describe_conflict
    from app.sync.wire import CONFLICT_DUPLICATE_CASE_NUMBER
    from ui.conflicts_dialog import ResolveDialog, supervisor_check

    window, watch = watched
    qtbot.waitUntil(lambda: window.sync.loaded)  # read at start
    with qtbot.waitSignal(
        window.sync.changed, timeout=20_000, check_params_cb=lambda view: view.state == "not_registered"
    ):
        window.sync.sync_now()
    with qtbot.waitSignal(window.sync.changed, timeout=20_000):
        window.sync.local_change()
    assert "未登记" in window.sync_status.label.text() and "待上传 0 条" in window.sync_status.label.text()

    window.sync_status.show_conflicts()
    dialog = window.sync_status.conflicts_dialog
    assert dialog is not None and dialog.loaded  # as the status read them last
    login, _name, password = DEMO_SUPERVISOR
    conflict = {
        "seq": 1,
        "case_number": "SZX0103-20261120-0001",
        "text": describe_conflict(reason=CONFLICT_DUPLICATE_CASE_NUMBER, window_code="SZX0104", message=""),
    }
    resolve = ResolveDialog(conflict, supervisor_check(window.workspace), dialog, jobs=window.jobs)
    resolve.resolution.setPlainText("经核实：另一台电脑误设为 SZX0103")
    resolve.login.setText(login)
    resolve.password.setText(password)
    with qtbot.waitSignal(resolve.checked, timeout=20_000, check_params_cb=lambda passed: passed):
        resolve.confirm()
    dialog._send(conflict, resolve)
    qtbot.waitUntil(lambda: "尚未在服务器登记" in dialog.message.text(), timeout=20_000)
    with qtbot.waitSignal(window.sync.changed, timeout=20_000):  # read again once the supervisor is done
        dialog.close()
    settled(qtbot, window)

    assert_all_on_the_database_worker(watch, writes=False, network_work=frozenset({CONFLICTS_DIALOG}))
    asked_by = {s.asked_by for s in watch.statements if lane(s) == DATABASE_WORKER}
    assert {SYNC_STATUS, CONFLICTS_DIALOG} <= asked_by


@pytest.fixture
def print_queues() -> Iterator[None]:
    from tests.cups_queue import queues_to_ourselves

    with queues_to_ourselves():
        yield


@pytest.mark.slow
@pytest.mark.usefixtures("print_queues")
def test_printing_and_its_record_leave_the_gui_thread_alone(
    qtbot: QtBot, watched: tuple[MainWindow, DatabaseWatch], workspace: Workspace, tmp_path: Path
) -> None:
    from tests.cups_queue import READY, ensure_queues
    from tests.test_printing import print_from_preview

    ensure_queues()
    window, watch = watched
    with watch.paused():
        item = workspace.catalog.item(PLANNING)
        assert item is not None
        number = workspace.acceptance.accept(parse_request(request_json(item)), counter=window.counter)
    window.request_print(str(DocumentKind.RECEIPT), number)
    qtbot.waitUntil(lambda: window.preview is not None and window.preview.isVisible(), timeout=20_000)
    assert window.preview is not None
    window.preview.printer.setCurrentText(READY)
    print_from_preview(qtbot, window, window.preview)
    settled(qtbot, window)

    assert_all_on_the_database_worker(watch, writes=True)
    with watch.paused():
        (record,) = workspace.documents.prints(number)
    assert record["destination"] == READY


@pytest.mark.slow
def test_reference_data_from_a_sync_round_is_read_on_the_worker(
    qtbot: QtBot, workspace: Workspace, tmp_path: Path, qapp: QApplication
) -> None:
    from tests.sync_harness import server_for
    from tests.test_reference_sync import publish, register

    with contextmanager(server_for)("sqlite", tmp_path) as server:
        register(workspace, server)
        publish(server, tmp_path, "catalog", newer_catalog(revise=PLANNING))
        counter = workspace.counter("demo")
        with watching(workspace.store) as watch:
            window = MainWindow(workspace=workspace, counter=counter)
            qtbot.addWidget(window)
            window.scan_input.uninstall()  # QTest types at machine speed: not a scanner here
            window.show()
            try:
                with qtbot.waitSignal(window.reference.applied, timeout=30_000):
                    window.sync.sync_now()
                settled(qtbot, window)
                assert workspace.catalog.version == "2026.12-demo.2"
                assert_all_on_the_database_worker(watch, writes=False, network_work=frozenset({SYNC_STATUS}))
            finally:
                window.sync.stop()
                window.jobs.wait()
                QApplication.processEvents()
                window.close()
