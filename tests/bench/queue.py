"""The approver's queue and the supervisor's watch for a hall with 100,000 open cases (DESIGN.md §6: ≤ 100 ms
to show): a window database with half the cases its own (`case`) and half the other windows' (`hall_case`),
spread over departments, windows and due days, some suspended, some awaiting a supplement, some with
tolerated materials outstanding. Timed: from asking (the model told to show a list) to its first page
in the real model, painted in a shown table (offscreen Qt), the page read on the database lane as the window
does. Median of several runs, per list and filter; the first run of each is a cold one and reported apart.

    python -m tests.bench.queue
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from datetime import datetime
from functools import partial
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from app.clock import CHINA, fixed_clock
from app.lifecycle.watch import WatchFilter, WatchList, WatchPage
from app.operations.watch import approver_queue, time_limit_watch
from app.workspace import Workspace
from tests.bench.report import summary
from tests.helpers import open_demo_workspace
from tests.open_cases import DEPARTMENTS, insert_open_cases, random_open_cases
from ui.jobs import Jobs
from ui.watch_table import WatchModel, WatchTable

CASES = 100_000
RUNS = 11
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=CHINA)
TODAY = NOW.date()
BUDGET_MS = 100


def first_page_shown(
    app: QApplication, table: WatchTable, model: WatchModel, loader: partial[WatchPage]
) -> float:
    """Seconds from asking for a list to its first page painted."""
    loop = QEventLoop()
    model.page_loaded.connect(loop.quit)
    timeout = QTimer(singleShot=True, interval=30_000)
    timeout.timeout.connect(loop.quit)
    started = time.perf_counter()
    model.show(loader)
    timeout.start()
    loop.exec()
    table.viewport().repaint()
    elapsed = time.perf_counter() - started
    model.page_loaded.disconnect(loop.quit)
    if model.rowCount() == 0:
        raise SystemExit("no page arrived")
    return elapsed


def main() -> None:
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    with tempfile.TemporaryDirectory() as folder:
        workspace: Workspace = open_demo_workspace(Path(folder), clock=fixed_clock(NOW))
        started = time.perf_counter()
        half = CASES // 2
        insert_open_cases(
            workspace.store.path,
            held=random_open_cases(half, today=TODAY, prefix="A", seed=1),
            hall=random_open_cases(CASES - half, today=TODAY, prefix="B", seed=2),
        )
        print(f"{CASES:,} open cases written in {time.perf_counter() - started:.1f} s (half held here)")
        approver, supervisor = workspace.counter("shenpi"), workspace.counter("zhuren")
        jobs, owner = Jobs(), QWidget()
        try:
            queue = partial(approver_queue, workspace, person=approver)
            cases = [
                ("queue, all departments", WatchList.LEGAL, partial(queue, department=None)),
                ("queue, one department", WatchList.LEGAL, partial(queue, department=DEPARTMENTS[1])),
                ("queue, suspended", WatchList.SUSPENDED, partial(queue, department=None, suspended=True)),
            ]
            for watch_list in WatchList:
                for label, chosen in (
                    ("all", WatchFilter()),
                    ("department + window", WatchFilter(DEPARTMENTS[1], "SZX0105")),
                ):
                    loader = partial(
                        time_limit_watch, workspace, person=supervisor, watch_list=watch_list, chosen=chosen
                    )
                    cases.append((f"watch {watch_list}, {label}", watch_list, loader))
            medians = []
            for name, watch_list, loader in cases:
                model = WatchModel(jobs=jobs, watch_list=watch_list, owner=owner)
                table = WatchTable(model)
                table.resize(1200, 600)
                table.show()
                page = partial(_page, loader)
                cold = first_page_shown(app, table, model, page)
                samples = [first_page_shown(app, table, model, page) for _ in range(RUNS)]
                medians.append(statistics.median(samples))
                print(summary(f"{name} (total {model.total:,})", samples, budget_ms=BUDGET_MS))
                print(f"  first (cold) run: {cold * 1000:.1f} ms")
                table.close()
            worst = max(medians) * 1000
            verdict = "within" if worst <= BUDGET_MS else "OVER"
            print(f"slowest median: {worst:.1f} ms (budget {BUDGET_MS} ms) -> {verdict} budget")
        finally:
            jobs.wait()
            jobs.shutdown()
            workspace.close()


def _page(loader: partial[WatchPage], offset: int) -> WatchPage:
    return loader(offset=offset)


if __name__ == "__main__":
    main()
