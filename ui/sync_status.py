"""Background sync and its state at a glance: online/offline, pending, last success, progress, sync now.

Sync runs on its own worker thread (never on the GUI thread, never inside a clerk's action). While the
server cannot be reached it backs off with jitter; "立即同步" tries at once. A window the server has
revoked says so in a red banner above the work area (RevokedBanner); one never registered, calmly in the
status bar. Either way it keeps looking (locally) for a new registration and resumes by itself.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from app.clock import hall_time_text
from app.secrets import SecretStoreError
from app.sync.client import Revocation, SyncClient, SyncError, SyncReport
from ui.conflicts_dialog import Authorize, ConflictsDialog

log = logging.getLogger("clerk.ui.sync")

BACKOFF_FIRST_SECONDS = 5.0
BACKOFF_MAX_SECONDS = 300.0

Named = TypeVar("Named", bound=QWidget)


def named(widget: Named, name: str) -> Named:
    """`widget` with its object name (what the tests and the style sheets find it by)."""
    widget.setObjectName(name)
    return widget


def backoff_seconds(failures: int, *, rng: random.Random) -> float:
    """5 s, 10 s, 20 s … up to 5 min, each ±50 % so windows coming back together do not stampede."""
    base = min(BACKOFF_MAX_SECONDS, BACKOFF_FIRST_SECONDS * 2.0 ** max(0, failures - 1))
    return base * rng.uniform(0.5, 1.5)


@dataclass(frozen=True)
class SyncView:
    # "starting" | "not_registered" | "revoked" | "syncing" | "online" | "offline" | "error" | "mismatch"
    state: str
    pending: int
    last_success: str | None
    message: str
    retry_in: float | None = None


class _Signals(QObject):
    progress = Signal(int, int)
    pulled = Signal(int)
    finished = Signal(object)
    failed = Signal(object)


class _Round(QRunnable):
    def __init__(self, client: SyncClient, signals: _Signals) -> None:
        super().__init__()
        self.client, self.signals = client, signals

    def run(self) -> None:
        try:
            report = self.client.sync(progress=self.signals.progress.emit, pulled=self.signals.pulled.emit)
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
    progress = Signal(int, int)  # outbox events answered, of those pending when the round began
    pulled = Signal(int)  # changes pulled and applied so far this round (after each write transaction)
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
        self.signals.pulled.connect(self.pulled)
        self.signals.finished.connect(self._finished)
        self.signals.failed.connect(self._failed)
        # Until the first round has said otherwise: what is waiting, and that it has not connected yet (or,
        # without a credential, why it will not: revoked or never registered).
        self.view = self._blocked_view() or SyncView(
            "starting", client.pending(), self._last(), "尚未连接服务器"
        )

    def start(self) -> None:
        self.timer.start(0)

    def stop(self) -> None:
        self.timer.stop()
        self.pool.waitForDone(60_000)

    def sync_now(self) -> None:
        if self.running:
            return
        blocked = self._blocked_view()
        if blocked is not None:
            self._show(blocked)
            # A registration made meanwhile (hall IT with `clerk register`) is picked up by the next look:
            # a local check of the keyring, nothing sent.
            self.timer.start(int(self.interval * 1000))
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
        blocked = self._blocked_view()
        if blocked is not None:  # the server revoked this PC during the round: say so, now
            self.failures = 0
            self._show(blocked)
            self.timer.start(int(self.interval * 1000))
            return
        self.failures += 1
        delay = backoff_seconds(self.failures, rng=self.rng)
        state = "offline" if error.kind in ("offline", "server") else "error"
        self._show(SyncView(state, self.client.pending(), self._last(), error.message, retry_in=delay))
        if error.kind != "not_registered":
            self.timer.start(int(delay * 1000))

    def _blocked_view(self) -> SyncView | None:
        """Why no round can start: no credential (revoked by the server, or never registered), or no keyring
        to read it from. None: it has a credential."""
        try:
            if self.client.credential() is not None:
                return None
            revocation = self.client.revocation()
        except SecretStoreError as error:  # the PC's keyring: hall IT's to fix; checked again later
            return SyncView("error", self.client.pending(), self._last(), str(error))
        pending, last = self.client.pending(), self._last()
        if revocation is not None:
            return SyncView("revoked", pending, last, revoked_tooltip())
        tooltip = not_registered_tooltip(home=self.client.data_folder(), server_url=self.client.server_url())
        return SyncView("not_registered", pending, last, tooltip)

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
    "revoked": ("●", "#b00020", "本机已停用"),
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
        self.label = named(QLabel(""), "syncState")
        self.progress = named(QProgressBar(), "syncProgress")
        self.progress.setMaximumWidth(180)
        self.progress.setVisible(False)
        self.button = named(QPushButton("立即同步"), "syncNow")
        self.button.setToolTip("马上与中心服务器同步一次（平时每隔一段时间自动同步）")
        self.button.clicked.connect(controller.sync_now)
        self.conflicts_button = named(QPushButton(""), "syncConflicts")
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


# -- without a credential: revoked (loud) or never registered (calm) -----------------------------------------


def _hall_time(utc_text: str) -> str:
    try:
        return hall_time_text(utc_text)
    except ValueError:
        return utc_text


def register_command(*, home: Path, server_url: str) -> str:
    """The exact command that registers this PC (its data folder named, so it registers this one)."""
    return f'clerk register --home "{home}" --server {server_url or "服务器地址"} --code 登记码'


def not_registered_tooltip(*, home: Path, server_url: str) -> str:
    return (
        "本机尚未在中心服务器登记：办件保存在本机，登记后自动上传。\n"
        "登记方法：大厅信息技术人员在中心服务器上为本窗口签发一次性登记码（clerk-server enroll-code），"
        f"再在本机运行：\n{register_command(home=home, server_url=server_url)}"
    )


def revoked_tooltip() -> str:
    return (
        "本机的设备登记已被中心服务器吊销，办件暂时无法上传；办件都保存在本机，重新登记后自动上传。\n"
        "请联系大厅信息技术人员重新登记本机（办法见窗口顶部的红色提示）。"
    )


@dataclass(frozen=True)
class RevokedTexts:
    title: str
    body: str
    steps: str
    tooltip: str


def revoked_texts(revocation: Revocation, *, pending: int, home: Path) -> RevokedTexts:
    """What the banner says: what happened, that the cases on this PC are safe, what to do."""
    if pending:
        safe = f"本机的办件都还保存在这台电脑上，没有丢失：{pending} 条待上传，重新登记后会自动上传。"
    else:
        safe = "本机的办件都还保存在这台电脑上，没有丢失；目前没有待上传的记录。"
    return RevokedTexts(
        title="本机已被中心服务器停用（设备登记已吊销），办件暂时无法上传",
        body=safe + "重新登记前新受理的办件也只保存在本机；"
        "如本窗口已换用另一台电脑，请到那台电脑受理，以免办件编号重复。",
        steps=(
            "处理办法：请联系大厅信息技术人员重新登记本机——\n"
            "① 在中心服务器上签发新的登记码："
            f"clerk-server enroll-code --hall {revocation.hall_code} --window {revocation.window_code}\n"
            f"② 在本机登记：{register_command(home=home, server_url=revocation.server_url)}\n"
            "登记完成后本窗口自动恢复同步（如未恢复，请重新打开本程序）。"
        ),
        tooltip=(
            f"服务器的答复：{revocation.message or '设备登记已注销'}\n"
            f"设备编号：{revocation.device_id}"
            f"（窗口 {revocation.window_code}，大厅 {revocation.hall_code}）\n"
            f"本机发现时间：{_hall_time(revocation.noticed_at)}"
        ),
    )


class RevokedBanner(QFrame):
    """Red, above the work area, while the server has revoked this PC; hidden otherwise."""

    def __init__(self, controller: SyncController) -> None:
        super().__init__()
        self.setObjectName("revokedBanner")
        self.controller = controller
        self.setStyleSheet(
            "QFrame#revokedBanner{background:#b00020;}"
            "QFrame#revokedBanner QLabel{color:white;background:transparent;}"
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        layout.setSpacing(2)
        self.title = named(QLabel(""), "revokedTitle")
        self.title.setStyleSheet("font-size:13pt;font-weight:bold;")
        self.body = named(QLabel(""), "revokedBody")
        self.steps = named(QLabel(""), "revokedSteps")
        for label in (self.title, self.body, self.steps):
            label.setWordWrap(True)
            layout.addWidget(label)
        # Hall IT copies the commands from here.
        self.steps.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setVisible(False)
        controller.changed.connect(self.show_view)
        self.show_view(controller.view)

    def show_view(self, view: SyncView) -> None:
        revocation = self.controller.client.revocation() if view.state == "revoked" else None
        if revocation is None:
            self.setVisible(False)
            return
        texts = revoked_texts(revocation, pending=view.pending, home=self.controller.client.data_folder())
        self.title.setText(texts.title)
        self.body.setText(texts.body)
        self.steps.setText(texts.steps)
        self.setToolTip(texts.tooltip)
        self.setVisible(True)
