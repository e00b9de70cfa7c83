"""The window's job runner on real threads and a real SQLite file: database work on one worker in the
order it was asked for, network work beside it, results, errors and progress delivered on the GUI thread,
a callback's bug never lost, and waiting for work in flight before a window goes."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from db.store import StoreError, describe_sqlite_error
from ui.jobs import Jobs, Lane, Op, Progress, ProgressReport

GATE_SECONDS = 20  # how long a gated job waits before the test counts it as stuck


@pytest.fixture
def jobs() -> Iterator[Jobs]:
    runner = Jobs()
    yield runner
    assert runner.shutdown()


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "jobs.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE written (seq INTEGER PRIMARY KEY, value INTEGER, thread INTEGER)")
    return path


def write(path: Path, value: int) -> int:
    """One short write transaction, as a job does it: its own connection, committed before it returns."""
    connection = sqlite3.connect(path, timeout=5)
    try:
        with connection:
            connection.execute(
                "INSERT INTO written (value, thread) VALUES (?, ?)", (value, threading.get_ident())
            )
    finally:
        connection.close()
    return value


def written(path: Path) -> list[tuple[int, int]]:
    with sqlite3.connect(path) as connection:
        return list(connection.execute("SELECT value, thread FROM written ORDER BY seq"))


def test_database_writes_happen_and_are_delivered_in_the_order_they_were_asked(
    qtbot: QtBot, jobs: Jobs, database: Path
) -> None:
    delivered: list[int] = []
    ops = [
        jobs.database(lambda _progress, n=n: write(database, n)).success(delivered.append).run()
        for n in range(20)
    ]
    with qtbot.wait_signals([op.signals.succeeded for op in ops], order="strict", timeout=20_000):
        pass
    rows = written(database)
    assert [value for value, _ in rows] == list(range(20)) == delivered
    threads = {thread for _, thread in rows}
    assert len(threads) == 1 and threads != {threading.get_ident()}  # one worker, not the GUI thread
    assert jobs.in_flight() == 0


def test_network_work_runs_beside_database_work_not_behind_it(qtbot: QtBot, jobs: Jobs) -> None:
    """A database job waits for something only a network job does: behind one worker, it never would."""
    answered = threading.Event()
    results: list[object] = []
    database = jobs.database(lambda _progress: answered.wait(GATE_SECONDS)).success(results.append).run()
    network = jobs.network(lambda _progress: answered.set()).run()
    with qtbot.wait_signals([network.signals.finished, database.signals.finished], timeout=30_000):
        pass
    assert results == [True]


def test_a_failure_reaches_the_failure_callback_on_the_gui_thread(
    qtbot: QtBot, jobs: Jobs, tmp_path: Path
) -> None:
    damaged = tmp_path / "damaged.sqlite"
    damaged.write_bytes(b"this is not a database file" * 100)

    def read_damaged(_progress: ProgressReport) -> None:
        connection = sqlite3.connect(damaged)
        try:
            connection.execute("SELECT * FROM sqlite_master").fetchall()
        except sqlite3.DatabaseError as error:
            raise describe_sqlite_error(error, damaged) from error
        finally:
            connection.close()

    seen: list[tuple[Exception, bool]] = []
    succeeded: list[object] = []
    op = (
        jobs.database(read_damaged)
        .success(succeeded.append)
        .failure(lambda error: seen.append((error, threading.current_thread() is threading.main_thread())))
        .run()
    )
    with qtbot.waitSignal(op.signals.failed) as failed:
        pass
    [(error, on_gui_thread)] = seen
    assert on_gui_thread and isinstance(error, StoreError) and error.kind == "corrupt"
    assert failed.args == [error] and succeeded == []  # the window shows StoreError's own message


def test_progress_arrives_on_the_gui_thread_before_the_result(qtbot: QtBot, jobs: Jobs) -> None:
    def pages(progress: ProgressReport) -> str:
        for page in range(1, 4):
            progress(done=page, total=3, text=f"第 {page} 页")
        return "done"

    seen: list[tuple[Progress, bool]] = []
    op = jobs.database(pages).on_progress(
        lambda progress: seen.append((progress, threading.current_thread() is threading.main_thread()))
    )
    signals = op.signals
    emitted: list[object] = []
    signals.progressed.connect(emitted.append)
    signals.succeeded.connect(emitted.append)
    signals.finished.connect(lambda: emitted.append("finished"))
    with qtbot.wait_signals(
        [signals.progressed, signals.progressed, signals.progressed, signals.succeeded, signals.finished],
        order="strict",
    ):
        op.run()
    assert emitted == [
        Progress(1, 3, "第 1 页"),
        Progress(2, 3, "第 2 页"),
        Progress(3, 3, "第 3 页"),
        "done",
        "finished",
    ]
    assert [progress for progress, _ in seen] == emitted[:3]
    assert all(on_gui_thread for _, on_gui_thread in seen)


def test_a_bug_in_a_success_callback_is_reported_not_lost(
    qtbot: QtBot, jobs: Jobs, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(_result: int) -> None:
        raise ValueError("callback bug")

    with qtbot.capture_exceptions() as uncaught:
        op = jobs.database(lambda _progress: 1).success(broken).run()
        with qtbot.waitSignal(op.signals.finished):
            pass
    # Handed to sys.excepthook (in the window: the crash reporter, which writes a report and tells the
    # clerk), and logged.
    assert [str(error) for _, error, _ in uncaught] == ["callback bug"]
    assert any("callback raised" in r.getMessage() and r.levelno == logging.ERROR for r in caplog.records)


def test_a_failure_nobody_handles_is_reported_as_a_bug(qtbot: QtBot, jobs: Jobs) -> None:
    def fails(_progress: ProgressReport) -> None:
        raise KeyError("unhandled")

    with qtbot.capture_exceptions() as uncaught:
        op = jobs.network(fails).run()
        with qtbot.waitSignal(op.signals.failed):
            pass
    assert [type(error) for _, error, _ in uncaught] == [KeyError]


def test_waiting_finishes_the_work_in_flight_before_the_window_goes(
    qtbot: QtBot, database: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The job is held until the window has started waiting for it (the runner says so in its log): only
    a wait that really waits finds the write committed when it returns."""
    runner = Jobs()
    started, gate = threading.Event(), threading.Event()

    def gated_write(_progress: ProgressReport) -> int:
        started.set()
        assert gate.wait(GATE_SECONDS), "the window never started waiting"
        return write(database, 7)

    class OpenGateWhenWaiting(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.getMessage().startswith("waiting for"):
                gate.set()

    window = QWidget()
    qtbot.addWidget(window)
    delivered: list[int] = []
    op = runner.database(gated_write, parent=window).success(delivered.append).run()
    assert started.wait(GATE_SECONDS)
    handler = OpenGateWhenWaiting(level=logging.DEBUG)
    jobs_log = logging.getLogger("clerk.ui.jobs")
    caplog.set_level(logging.DEBUG, logger="clerk.ui.jobs")
    jobs_log.addHandler(handler)
    try:
        assert runner.shutdown()
    finally:
        jobs_log.removeHandler(handler)
    assert written(database)[0][0] == 7  # committed before the wait returned
    with pytest.raises(RuntimeError, match="closing"):
        runner.database(lambda _progress: None).run()
    with qtbot.waitSignal(op.signals.succeeded):
        pass  # and the result still arrives through the event loop
    assert delivered == [7]


def test_a_result_for_a_window_that_is_gone_is_not_delivered(qtbot: QtBot, jobs: Jobs) -> None:
    gate = threading.Event()
    dialog = QWidget()
    shown: list[int] = []
    op = jobs.database(lambda _progress: gate.wait(GATE_SECONDS) and 1, parent=dialog)
    op.success(shown.append).run()
    dialog.deleteLater()
    with qtbot.waitSignal(dialog.destroyed):
        pass
    gate.set()
    assert jobs.wait()
    qtbot.waitUntil(lambda: op.delivered)
    assert shown == [] and jobs.in_flight() == 0


def test_an_op_is_set_up_before_it_runs_and_from_the_gui_thread(qtbot: QtBot, jobs: Jobs) -> None:
    op: Op[None] = jobs.database(lambda _progress: None).run()
    with pytest.raises(RuntimeError):
        op.success(lambda _none: None)
    with pytest.raises(RuntimeError):
        op.run()
    with qtbot.waitSignal(op.signals.finished):
        pass
    refused: list[BaseException] = []

    def start_from_a_worker() -> None:
        try:
            jobs.network(lambda _progress: None).run()
        except RuntimeError as error:
            refused.append(error)

    worker = threading.Thread(target=start_from_a_worker)
    worker.start()
    worker.join()
    assert len(refused) == 1 and "GUI thread" in str(refused[0])


def test_start_runs_work_then_one_callback_as_before(qtbot: QtBot, jobs: Jobs, database: Path) -> None:
    results: list[object] = []
    errors: list[Exception] = []
    first = jobs.start(lambda: write(database, 1), success=results.append, failure=errors.append)
    second = jobs.start(lambda: 1 / 0, success=results.append, failure=errors.append, lane=Lane.NETWORK)
    with qtbot.wait_signals([first.signals.finished, second.signals.finished]):
        pass
    assert results == [1] and [type(e) for e in errors] == [ZeroDivisionError]


def test_a_callback_may_start_the_next_job_and_wait_for_it(qtbot: QtBot, jobs: Jobs, database: Path) -> None:
    """Reentrancy: on the GUI thread, in a callback, the runner is free to take more work and to wait."""
    waited: list[bool] = []
    delivered: list[int] = []

    def then_write_two(_one: int) -> None:
        jobs.database(lambda _progress: write(database, 2)).success(delivered.append).run()
        waited.append(jobs.wait())

    first = jobs.database(lambda _progress: write(database, 1)).success(then_write_two).run()
    with qtbot.waitSignal(first.signals.finished):
        pass
    assert waited == [True] and [value for value, _ in written(database)] == [1, 2]
    qtbot.waitUntil(lambda: delivered == [2])
    assert jobs.in_flight() == 0
