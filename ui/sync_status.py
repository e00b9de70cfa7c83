"""Background sync and its state at a glance: online/offline, pending, last success, progress, sync now.

Sync runs on its own worker thread (never on the GUI thread, never inside a clerk's action). While the
server cannot be reached it backs off with jitter; "立即同步" tries at once.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from app.clock import hall_time_text
from app.sync.client import SyncClient, SyncError, SyncReport
from ui.conflicts_dialog import Authorize, ConflictsDialog

log = logging.getLogger("clerk.ui.sync")

BACKOFF_FIRST_SECONDS = 5.0
BACKOFF_MAX_SECONDS = 300.0


def backoff_seconds(failures: int, *, rng: random.Random) -> float:
    """5 s, 10 s, 20 s … up to 5 min, each ±50 % so windows coming back together do not stampede."""
    base = min(BACKOFF_MAX_SECONDS, BACKOFF_FIRST_SECONDS * 2 ** max(0, failures - 1))
    return base * rng.uniform(0.5, 1.5)


@dataclass(frozen=True)
class SyncView:
    state: str  # "not_registered" | "syncing" | "online" | "offline" | "error" | "mismatch"
    pending: int
    last_success: str | None
    message: str
    retry_in: float | None = None


class _Signals(QObject):
    progress = Signal(int, int)
    finished = Signal(object)
    failed = Signal(object)


class _Round(QRunnable):
    def __init__(self, client: SyncClient, signals: _Signals) -> None:
        super().__init__()
        self.client, self.signals = client, signals

    def run(self) -> None:
        try:
            report = self.client.sync(progress=lambda done, total: self.signals.progress.emit(done, total))
        except SyncError as error:
            self.signals.failed.emit(error)
            return
        except Exception as error:  # a bug; reported, and the loop carries on
            log.exception("sync round crashed")
            self.signals.failed.emit(SyncError("server", f"同步出错：{error!r}"))
            return
        self.signals.finished.emit(report)


class SyncController(QObject):
    changed = Signal(object)  # SyncView
    progress = Signal(int, int)
    synced = Signal(object)  # SyncReport, after a successful round

    def __init__(self, client: SyncClient, *, interval_seconds: float, seed: int | None = None) -> None:
        super().__init__()
        self.client = client
        self.interval = interval_seconds
        self.failures = 0
        self.running = False
        self.rng = random.Random(seed)
        self.pool = QThreadPool()
        self.pool.setMaxThreadCount(1)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.sync_now)
        self.signals = _Signals()
        self.signals.progress.connect(self.progress)
        self.signals.finished.connect(self._finished)
        self.signals.failed.connect(self._failed)
        # Until the first round has said otherwise: what is waiting, and that it has not connected yet.
        self.view = SyncView("starting", client.pending(), self._last(), "尚未连接服务器")

    def start(self) -> None:
        self.timer.start(0)

    def stop(self) -> None:
        self.timer.stop()
        self.pool.waitForDone(60_000)

    def sync_now(self) -> None:
        if self.running:
            return
        if self.client.credential() is None:
            self._show(
                SyncView("not_registered", self.client.pending(), self._last(), "未登记：请用 clerk register")
            )
            return
        self.running = True
        self.timer.stop()
        self._show(SyncView("syncing", self.client.pending(), self._last(), "正在同步…"))
        self.pool.start(_Round(self.client, self.signals))

    def local_change(self) -> None:
        """A clerk saved something: show the new backlog now and send it soon."""
        self._show(
            SyncView(
                self.view.state,
                self.client.pending(),
                self.view.last_success,
                self.view.message,
                self.view.retry_in,
            )
        )
        if not self.running and self.view.state in ("online", "syncing"):
            self.timer.start(1000)

    def _finished(self, report: SyncReport) -> None:
        self.running = False
        self.failures = 0
        rejected = f"，{len(report.rejected)} 条被拒收" if report.rejected else ""
        if report.mismatches:
            day = report.mismatches[0]
            self._show(
                SyncView(
                    "mismatch",
                    report.pending,
                    self._last(),
                    f"{day.day} 对账不一致：服务器已确认 {day.acknowledged_cases} 件，"
                    f"现有 {day.server_cases} 件",
                )
            )
        else:
            self._show(SyncView("online", report.pending, self._last(), f"同步完成{rejected}"))
        self.synced.emit(report)
        self.timer.start(int(self.interval * 1000))

    def _failed(self, error: SyncError) -> None:
        self.running = False
        self.failures += 1
        delay = backoff_seconds(self.failures, rng=self.rng)
        state = "offline" if error.kind in ("offline", "server") else "error"
        self._show(SyncView(state, self.client.pending(), self._last(), error.message, retry_in=delay))
        if error.kind != "not_registered":
            self.timer.start(int(delay * 1000))

    def _last(self) -> str | None:
        text = self.client.state().get("last_success_at")
        if not text:
            return None
        return hall_time_text(text, style="short")

    def _show(self, view: SyncView) -> None:
        self.view = view
        self.changed.emit(view)


STATE_LOOK = {
    "online": ("●", "#2e7d32", "在线"),
    "syncing": ("●", "#1565c0", "同步中"),
    "offline": ("●", "#b00020", "离线"),
    "error": ("●", "#b26a00", "同步异常"),
    "not_registered": ("○", "#757575", "未登记"),
    "starting": ("○", "#757575", "连接中"),
    "mismatch": ("●", "#b00020", "对账不一致"),
}


class SyncStatusWidget(QWidget):
    def __init__(self, controller: SyncController, *, authorize: Authorize) -> None:
        super().__init__()
        self.controller = controller
        self.authorize = authorize
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel("", objectName="syncState")
        self.progress = QProgressBar(objectName="syncProgress")
        self.progress.setMaximumWidth(180)
        self.progress.setVisible(False)
        self.button = QPushButton("立即同步", objectName="syncNow")
        self.button.clicked.connect(controller.sync_now)
        self.conflicts_button = QPushButton("", objectName="syncConflicts")
        self.conflicts_button.setStyleSheet("color:#b00020;")
        self.conflicts_button.clicked.connect(self.show_conflicts)
        self.conflicts_button.setVisible(False)
        self.conflicts_dialog: ConflictsDialog | None = None
        layout.addWidget(self.label)
        layout.addWidget(self.conflicts_button)
        layout.addWidget(self.progress)
        layout.addWidget(self.button)
        controller.changed.connect(self.show_view)
        controller.progress.connect(self.show_progress)
        self.show_view(controller.view)

    def show_view(self, view: SyncView) -> None:
        dot, color, word = STATE_LOOK[view.state]
        parts = [f"<span style='color:{color}'>{dot} {word}</span>", f"待上传 {view.pending} 条"]
        parts.append(f"上次同步 {view.last_success}" if view.last_success else "从未同步")
        if view.retry_in is not None:
            parts.append(f"{view.retry_in:.0f} 秒后重试")
        if view.state == "mismatch":
            parts.append(view.message)
        self.label.setText(" · ".join(parts))
        self.label.setToolTip(view.message)
        conflicts = self.controller.client.conflicts()
        self.conflicts_button.setText(f"冲突 {len(conflicts)} 件")
        self.conflicts_button.setVisible(bool(conflicts))
        if view.state != "syncing":
            self.progress.setVisible(False)

    def show_conflicts(self) -> None:
        """What the server could not merge, for the supervisor: both records are kept."""
        dialog = ConflictsDialog(self.controller.client, self.authorize, self.window())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _code: self.show_view(self.controller.view))
        dialog.open()
        self.conflicts_dialog = dialog

    def show_progress(self, done: int, total: int) -> None:
        if total <= 0:
            return
        self.progress.setVisible(total > 100)  # a backlog worth a bar
        self.progress.setMaximum(total)
        self.progress.setValue(min(done, total))
        self.progress.setFormat(f"上传 {done}/{total}")
