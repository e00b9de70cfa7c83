"""Long work off the GUI thread: a job reports its result or its error by Qt signals.

Never touch widgets inside `work`; do it in the success or failure handler, which run on the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger("clerk.ui.jobs")


class _Signals(QObject):
    succeeded = Signal(object)
    failed = Signal(object)


class Job(QRunnable):
    def __init__(self, work: Callable[[], Any]) -> None:
        super().__init__()
        self.work = work
        self.signals = _Signals()

    def run(self) -> None:
        try:
            result = self.work()
        except Exception as error:  # handed to the GUI thread, which decides what the clerk sees
            log.debug("job failed: %r", error)
            self.signals.failed.emit(error)
            return
        self.signals.succeeded.emit(result)


class Jobs:
    """One worker: jobs that touch the database run one after another (writes stay serialized)."""

    def __init__(self) -> None:
        self.pool = QThreadPool()
        self.pool.setMaxThreadCount(1)
        self._running: set[Job] = set()

    def start(
        self, work: Callable[[], Any], *, success: Callable[[Any], None], failure: Callable[[Exception], None]
    ) -> Job:
        job = Job(work)
        job.setAutoDelete(False)
        self._running.add(job)

        def done(handler: Callable[[Any], None]) -> Callable[[Any], None]:
            def finish(value: Any) -> None:
                self._running.discard(job)
                handler(value)

            return finish

        job.signals.succeeded.connect(done(success))
        job.signals.failed.connect(done(failure))
        self.pool.start(job)
        return job

    def wait(self, msecs: int = 30_000) -> bool:
        return self.pool.waitForDone(msecs)
