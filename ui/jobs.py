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

A worker leaves what is to be done on the GUI thread in the runner's inbox, in order, and wakes the GUI
thread with a queued signal (as Anki's task manager does); every signal of an op is emitted on the GUI
thread.
"""

from __future__ import annotations

import logging
import queue
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for_futures
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Signal, Slot

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


class _Inbox(QObject):
    """What worker threads leave for the GUI thread, run there in the order it was left."""

    _wake = Signal()  # emitted by a worker; queued to this object's (the GUI) thread

    def __init__(self) -> None:
        super().__init__()
        self._calls: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._wake.connect(self._run_calls)

    def put(self, call: Callable[[], None]) -> None:  # on a worker thread
        self._calls.put(call)
        self._wake.emit()

    @Slot()
    def _run_calls(self) -> None:
        while True:
            try:
                call = self._calls.get_nowait()
            except queue.Empty:
                return
            try:
                call()
            except Exception as error:  # the rest of the inbox still runs
                _report_bug(error, "delivering a job's result failed")


class ProgressReport:
    """Handed to the work: `progress(done=3, total=10, text="第 3 页")`, callable from the worker thread."""

    def __init__(self, op: Op[Any]) -> None:
        self._op = op

    def __call__(self, *, done: int, total: int | None = None, text: str = "") -> None:
        self._op._report(Progress(done, total, text))


class Op(Generic[T]):
    """One piece of work for a lane: set its callbacks, then `run()` it. Made by `Jobs.database` or
    `Jobs.network`, on the GUI thread."""

    def __init__(
        self, jobs: Jobs, work: Callable[[ProgressReport], T], *, lane: Lane, parent: QObject | None
    ) -> None:
        self.lane = lane
        self.signals = OpSignals()
        self._jobs = jobs
        self._work = work
        self._parent = parent
        self._on_success: Callable[[T], object] | None = None
        self._on_failure: Callable[[Exception], object] | None = None
        self._started = False
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
        self._jobs._submit(self)
        self._started = True
        return self

    @property
    def delivered(self) -> bool:
        return self._delivered

    def _before_run(self) -> None:
        if self._started:
            raise RuntimeError("an op is set up before it runs, and runs once")

    # -- on the worker thread ------------------------------------------------------------------------
    def _run_work(self) -> None:
        try:
            self._result = self._work(ProgressReport(self))
        except Exception as error:  # handed to the GUI thread, which decides what the clerk sees
            log.debug("%s job failed: %r", self.lane, error)
            self._error = error
        self._jobs._inbox.put(self._deliver)

    def _report(self, progress: Progress) -> None:
        self._jobs._inbox.put(lambda: self._progressed(progress))

    # -- on the GUI thread ---------------------------------------------------------------------------
    def _parent_gone(self) -> bool:
        return self._parent is not None and not shiboken6.isValid(self._parent)

    def _progressed(self, progress: Progress) -> None:
        if not self._delivered and not self._parent_gone():
            self.signals.progressed.emit(progress)

    def _deliver(self) -> None:
        if self._delivered:
            return
        self._delivered = True
        self._jobs._finished(self)
        if self._parent_gone():
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
    """The window's job runner: one database worker, one network pool. Made and used on the GUI thread."""

    def __init__(self, *, network_threads: int = NETWORK_THREADS) -> None:
        # One worker: database jobs run in submission order, one at a time.
        self._database = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clerk-database")
        self._network = ThreadPoolExecutor(max_workers=network_threads, thread_name_prefix="clerk-network")
        self._inbox = _Inbox()
        self._in_flight: dict[Op[Any], Future[None]] = {}  # held here until delivered
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

    @property
    def closed(self) -> bool:
        """The window is closing (`shutdown`): new work is refused; a timer's periodic job just skips."""
        return self._closed

    def in_flight(self) -> int:
        """Jobs asked for and not yet delivered."""
        return len(self._in_flight)

    def wait(self, msecs: int = WAIT_MSECS) -> bool:
        """Block until the work in flight on both lanes has finished (not its delivery, which comes through
        the event loop); False when `msecs` passed first."""
        running = [future for future in self._in_flight.values() if not future.done()]
        if not running:
            return True
        log.debug("waiting for %d job(s) in flight", len(running))
        _, not_done = wait_for_futures(running, timeout=msecs / 1000)
        return not not_done

    def shutdown(self, msecs: int = WAIT_MSECS) -> bool:
        """Refuse new work, then wait for the work in flight: before the workspace it uses is closed."""
        self._closed = True
        finished = self.wait(msecs)
        if finished:
            self._database.shutdown(wait=False)
            self._network.shutdown(wait=False)
        return finished

    def _submit(self, op: Op[Any]) -> None:
        if threading.get_ident() != self._gui_thread:
            raise RuntimeError("jobs are started from the GUI thread (their results are delivered there)")
        if self._closed:
            raise RuntimeError("the window is closing: no new jobs")
        pool = self._database if op.lane is Lane.DATABASE else self._network
        self._in_flight[op] = pool.submit(op._run_work)

    def _finished(self, op: Op[Any]) -> None:
        self._in_flight.pop(op, None)
