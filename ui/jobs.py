"""Long work off the GUI thread, in the spirit of Anki's CollectionOp / QueryOp and its task manager.

Two lanes. The window's database: ONE worker thread, so writes happen in the order they were asked for and
a read asked after a write sees it. The network (and other slow work that does not touch the database): a
small pool of its own, so a server that answers slowly never holds up a clerk's save.

    jobs.database(lambda progress: documents.prepare(kind, number, ...), parent=self)
        .success(self._show_preview)
        .failure(self._not_rendered)
        .run()

The work runs on a worker thread and must never touch a widget. It may report progress through the
`ProgressReport` it is given; that arrives on the GUI thread as the op's `progressed` signal. Its result or
its exception is delivered on the GUI thread: to the success or failure callback, then as the op's
`succeeded` or `failed` signal, then `finished`. The failure callback decides what the clerk reads (a
StoreError's own message, say). An op without a failure callback, or a callback that raises, is a bug:
logged and handed to `sys.excepthook` (the window's crash reporter), never lost. An op whose parent widget
is gone by the time its work is done delivers nothing to callbacks (logged).

`Jobs.wait()` blocks until the work in flight on both lanes has finished (a window waits in closeEvent);
its results then arrive through the event loop. `Jobs.shutdown()` also refuses new work.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger("clerk.ui.jobs")

T = TypeVar("T")

NETWORK_THREADS = 4
WAIT_MSECS = 30_000


class Lane(StrEnum):
    DATABASE = "database"  # one worker: the window's database, in submission order
    NETWORK = "network"  # a small pool: the server, and other slow work that leaves the database alone


@dataclass(frozen=True)
class Progress:
    done: int
    total: int | None = None  # None: not known
    text: str = ""


class OpSignals(QObject):
    """An op's signals, all emitted on the GUI thread."""

    progressed = Signal(object)  # Progress
    succeeded = Signal(object)  # the work's result, after the success callback
    failed = Signal(object)  # the work's exception, after the failure callback
    finished = Signal()  # after either
    # From the worker thread to this object's thread (queued): not for use outside this module.
    _reported = Signal(object)
    _work_done = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.deliver: Callable[[], None] = lambda: None
        self._reported.connect(self._progress_on_gui_thread)
        self._work_done.connect(self._done_on_gui_thread)

    @Slot(object)
    def _progress_on_gui_thread(self, progress: Progress) -> None:
        self.progressed.emit(progress)

    @Slot()
    def _done_on_gui_thread(self) -> None:
        self.deliver()


class ProgressReport:
    """Handed to the work: `report(done=3, total=10, text="第 3 页")`, callable from the worker thread."""

    def __init__(self, signals: OpSignals) -> None:
        self._signals = signals

    def __call__(self, *, done: int, total: int | None = None, text: str = "") -> None:
        self._signals._reported.emit(Progress(done, total, text))


class _Runnable(QRunnable):
    def __init__(self, run: Callable[[], None]) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the op holds it until its result is delivered
        self._run = run

    def run(self) -> None:
        self._run()


class Op(Generic[T]):
    """One piece of work for a lane: set its callbacks, then `run()` it. Made by `Jobs.database` or
    `Jobs.network`, on the GUI thread."""

    def __init__(
        self, jobs: Jobs, work: Callable[[ProgressReport], T], *, lane: Lane, parent: QObject | None
    ) -> None:
        self.lane = lane
        self.signals = OpSignals()
        self.signals.deliver = self._deliver
        self._jobs = jobs
        self._work = work
        self._parent = parent
        self._on_success: Callable[[T], object] | None = None
        self._on_failure: Callable[[Exception], object] | None = None
        self._runnable: _Runnable | None = None
        self._result: T | None = None
        self._error: Exception | None = None
        self._delivered = False

    def success(self, callback: Callable[[T], object]) -> Op[T]:
        self._before_run()
        self._on_success = callback
        return self

    def failure(self, callback: Callable[[Exception], object]) -> Op[T]:
        self._before_run()
        self._on_failure = callback
        return self

    def on_progress(self, callback: Callable[[Progress], object]) -> Op[T]:
        self._before_run()
        self.signals.progressed.connect(callback)
        return self

    def run(self) -> Op[T]:
        self._before_run()
        self._runnable = _Runnable(self._run_work)
        self._jobs._submit(self)
        return self

    @property
    def delivered(self) -> bool:
        return self._delivered

    def _before_run(self) -> None:
        if self._runnable is not None:
            raise RuntimeError("an op is set up before it runs, and runs once")

    def _run_work(self) -> None:  # on the worker thread
        try:
            self._result = self._work(ProgressReport(self.signals))
        except Exception as error:  # handed to the GUI thread, which decides what the clerk sees
            log.debug("%s job failed: %r", self.lane, error)
            self._error = error
        self.signals._work_done.emit()

    def _deliver(self) -> None:  # on the GUI thread
        if self._delivered:
            return
        self._delivered = True
        self._jobs._finished(self)
        if self._parent is not None and not shiboken6.isValid(self._parent):
            log.info("%s job done after its window closed: %r not shown", self.lane, self._error or "result")
            return
        error = self._error
        if error is None:
            result: Any = self._result
            if self._on_success is not None:
                _call_reporting_bugs(self._on_success, result)
            self.signals.succeeded.emit(result)
        else:
            if self._on_failure is None:
                _report_bug(error, "a job failed and nothing handles its failure")
            else:
                _call_reporting_bugs(self._on_failure, error)
            self.signals.failed.emit(error)
        self.signals.finished.emit()


def _call_reporting_bugs(callback: Callable[[Any], object], value: Any) -> None:
    try:
        callback(value)
    except Exception as error:
        _report_bug(error, "a job's callback raised")


def _report_bug(error: Exception, what: str) -> None:
    """A bug in a callback (or a failure nobody handles): to the log, and to the crash reporter as an
    uncaught exception would be."""
    log.error("%s: %r", what, error, exc_info=error)
    sys.excepthook(type(error), error, error.__traceback__)


class Jobs:
    """The window's job runner: one database worker, one network pool. Lives on the GUI thread."""

    def __init__(self, *, network_threads: int = NETWORK_THREADS) -> None:
        self._database = QThreadPool()
        self._database.setMaxThreadCount(1)  # one worker: writes stay in submission order
        self._network = QThreadPool()
        self._network.setMaxThreadCount(network_threads)
        self._in_flight: set[Op[Any]] = set()  # held here until delivered
        self._gui_thread = threading.get_ident()
        self._closed = False

    def database(self, work: Callable[[ProgressReport], T], *, parent: QObject | None = None) -> Op[T]:
        """Work on the window's database, after every database job asked before it."""
        return Op(self, work, lane=Lane.DATABASE, parent=parent)

    def network(self, work: Callable[[ProgressReport], T], *, parent: QObject | None = None) -> Op[T]:
        """Work that waits on the server (or is slow for another reason) and leaves the database alone but
        for short transactions of its own."""
        return Op(self, work, lane=Lane.NETWORK, parent=parent)

    def start(
        self,
        work: Callable[[], Any],
        *,
        success: Callable[[Any], object],
        failure: Callable[[Exception], object],
        lane: Lane = Lane.DATABASE,
    ) -> Op[Any]:
        """A job in one call: `work` on `lane` (the database by default), then `success` or `failure`."""
        op = Op(self, lambda _progress: work(), lane=lane, parent=None)
        return op.success(success).failure(failure).run()

    def in_flight(self) -> int:
        """Jobs asked for and not yet delivered."""
        return len(self._in_flight)

    def wait(self, msecs: int = WAIT_MSECS) -> bool:
        """Block until the work in flight on both lanes has finished (not its delivery, which comes through
        the event loop); False when `msecs` passed first."""
        if self._in_flight:
            log.debug("waiting for %d job(s) in flight", len(self._in_flight))
        # The database last: the network pool's jobs may end with a short write of their own.
        done = self._network.waitForDone(msecs)
        return self._database.waitForDone(msecs) and done

    def shutdown(self, msecs: int = WAIT_MSECS) -> bool:
        """Refuse new work, then wait for the work in flight: before the workspace it uses is closed."""
        self._closed = True
        return self.wait(msecs)

    def _submit(self, op: Op[Any]) -> None:
        if threading.get_ident() != self._gui_thread:
            raise RuntimeError("jobs are started from the GUI thread (their results are delivered there)")
        if self._closed:
            raise RuntimeError("the window is closing: no new jobs")
        assert op._runnable is not None
        self._in_flight.add(op)
        pool = self._database if op.lane is Lane.DATABASE else self._network
        pool.start(op._runnable)

    def _finished(self, op: Op[Any]) -> None:
        self._in_flight.discard(op)
