"""Background sync and its state at a glance: online/offline, pending, last success, progress, sync now.

Everything here runs on the window's job runner (ui.jobs), never on the GUI thread: what the status shows
(the backlog, the last success, the conflicts, whether this PC has a credential) is read on the database
lane, the round itself on the network lane, where it pulls and applies in short transactions of its own so
a clerk's save never waits long behind it. While the server cannot be reached it backs off with jitter;
"立即同步" tries at once. A window the server has revoked says so in a red banner above the work area
(RevokedBanner); one never registered, calmly in the status bar. Either way it keeps looking (locally) for a
new registration and resumes by itself.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from app.clock import hall_time_text
from app.secrets import SecretStoreError
from app.sync.client import Revocation, SyncClient, SyncError, SyncReport
from ui.conflicts_dialog import ConflictsDialog, read_conflicts
from ui.desk import Desk
from ui.jobs import Jobs, Op, ProgressReport
from ui.object_names import named

log = logging.getLogger("clerk.ui.sync")

BACKOFF_FIRST_SECONDS = 5.0
BACKOFF_MAX_SECONDS = 300.0
STOP_WAIT_MSECS = 60_000


def backoff_seconds(failures: int, *, rng: random.Random) -> float:
    """5 s, 10 s, 20 s … up to 5 min, each ±50 % so windows coming back together do not stampede."""
    base = min(BACKOFF_MAX_SECONDS, BACKOFF_FIRST_SECONDS * 2.0 ** max(0, failures - 1))
    return base * rng.uniform(0.5, 1.5)


@dataclass(frozen=True)
class SyncView:
    # "starting" | "not_registered" | "revoked" | "syncing" | "online" | "offline" | "error" | "mismatch"
    state: str
    pending: int | None  # None: not read yet (the first moments of the window)
    last_success: str | None
    message: str
    retry_in: float | None = None
    conflicts: tuple[dict[str, Any], ...] = ()  # the hall's conflicts (ui.conflicts_dialog.read_conflicts)
    revocation: Revocation | None = None  # while revoked: what the server said, for the banner


@dataclass(frozen=True)
class SyncLook:
    """What the status shows that is read from the window's database (and its keyring)."""

    pending: int
    last_success: str | None
    conflicts: tuple[dict[str, Any], ...]
    registered: bool  # holds a credential
    revocation: Revocation | None
    keyring_error: str | None  # the PC's keyring could not be read: hall IT's to fix
    server_url: str
    data_folder: Path


def read_look(client: SyncClient) -> SyncLook:
    """On the database lane."""
    credential, revocation, keyring_error = None, None, None
    try:
        credential = client.credential()
        if credential is None:
            revocation = client.revocation()
    except SecretStoreError as error:
        keyring_error = str(error)
    device = None if credential is None else credential.device_id
    last = client.state().get("last_success_at")
    return SyncLook(
        pending=client.pending(),
        last_success=hall_time_text(last, style="short") if last else None,
        conflicts=tuple(read_conflicts(client, this_device=device)),
        registered=credential is not None,
        revocation=revocation,
        keyring_error=keyring_error,
        server_url=client.server_url(),
        data_folder=client.data_folder(),
    )


def seen(state: str, look: SyncLook, message: str, *, retry_in: float | None = None) -> SyncView:
    return SyncView(
        state, look.pending, look.last_success, message, retry_in, look.conflicts, look.revocation
    )


def blocked_view(look: SyncLook) -> SyncView | None:
    """Why no round can start: no credential (revoked by the server, or never registered), or no keyring
    to read it from. None: it has a credential."""
    if look.keyring_error is not None:
        return seen("error", look, look.keyring_error)
    if look.registered:
        return None
    if look.revocation is not None:
        return seen("revoked", look, revoked_tooltip())
    return seen(
        "not_registered", look, not_registered_tooltip(home=look.data_folder, server_url=look.server_url)
    )


class _RoundSignals(QObject):
    """Emitted by the round on its worker; queued to the GUI thread, where this object lives."""

    progress = Signal(int, int)
    pulled = Signal(int)


class SyncController(QObject):
    changed = Signal(object)  # SyncView
    progress = Signal(int, int)  # outbox events answered, of those pending when the round began
    pulled = Signal(int)  # changes pulled and applied so far this round (after each write transaction)
    synced = Signal(object)  # SyncReport, after a successful round

    def __init__(self, *, desk: Desk, interval_seconds: float, seed: int | None = None) -> None:
        super().__init__()
        self.client = desk.workspace.sync
        self.jobs: Jobs = desk.jobs
        self._window = desk.window  # a job whose window is gone delivers nothing
        self.interval = interval_seconds
        self.failures = 0
        self.running = False  # from "sync now" until the round's outcome is shown
        self.loaded = False  # the first look at the database has been shown
        self.round: Op[SyncReport] | None = None
        self._stopped = False
        self.rng = random.Random(seed)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.sync_now)
        self.signals = _RoundSignals()
        self.signals.progress.connect(self.progress)
        self.signals.pulled.connect(self.pulled)
        # Until the first look (on the database lane, in a moment) says what is waiting, and until the first
        # round says more (or, without a credential, why it will not run: revoked or never registered).
        self.view = SyncView("starting", None, None, "尚未连接服务器")
        self._look(self._first_look)

    def start(self) -> None:
        self._stopped = False
        self.timer.start(0)

    def stop(self) -> None:
        """No further round; the one going (and any look) finishes first."""
        self._stopped = True
        self.timer.stop()
        self.jobs.wait(STOP_WAIT_MSECS)

    def sync_now(self) -> None:
        if self.running:
            return
        self.running = True
        self.timer.stop()
        self._look(self._round_or_blocked)

    def local_change(self) -> None:
        """A clerk saved something: show the new backlog now and send it soon."""
        self._look(lambda look: self._refreshed(look, send_soon=True))

    def refresh(self) -> None:
        """Read the backlog and the conflicts again (after the supervisor closed the conflicts)."""
        self._look(lambda look: self._refreshed(look, send_soon=False))

    # -- on the GUI thread, once the database lane has answered ---------------------------------------
    def _look(self, then: Callable[[SyncLook], None]) -> None:
        client = self.client
        self.jobs.database(lambda _progress: read_look(client), parent=self._window).success(
            lambda look: self._looked(look, then)
        ).failure(self._not_looked).run()

    def _looked(self, look: SyncLook, then: Callable[[SyncLook], None]) -> None:
        self.loaded = True
        then(look)

    def _first_look(self, look: SyncLook) -> None:
        if self.view.state == "starting":
            self._show(blocked_view(look) or seen("starting", look, "尚未连接服务器"))

    def _refreshed(self, look: SyncLook, *, send_soon: bool) -> None:
        if self.view.pending is None:  # before the first look: that one shows the whole state
            return
        view = self.view
        self._show(replace(view, pending=look.pending, conflicts=look.conflicts, revocation=look.revocation))
        if send_soon and not self.running and self.view.state in ("online", "syncing"):
            self._schedule(1.0)

    def _round_or_blocked(self, look: SyncLook) -> None:
        blocked = blocked_view(look)
        if blocked is not None:
            self.running = False
            self._show(blocked)
            # A registration made meanwhile (hall IT with `clerk register`) is picked up by the next look:
            # a local check of the keyring, nothing sent.
            self._schedule(self.interval)
            return
        self._show(seen("syncing", look, "正在同步…"))
        client, signals = self.client, self.signals

        def sync_round(_progress: ProgressReport) -> SyncReport:
            return client.sync(progress=signals.progress.emit, pulled=signals.pulled.emit)

        self.round = (
            self.jobs.network(sync_round, parent=self._window)
            .success(lambda report: self._look(lambda look: self._finished(report, look)))
            .failure(self._round_failed)
            .run()
        )

    def _finished(self, report: SyncReport, look: SyncLook) -> None:
        self.running = False
        self.failures = 0
        rejected = f"，{len(report.rejected)} 条被拒收" if report.rejected else ""
        if report.mismatches:
            day = report.mismatches[0]
            self._show(
                seen(
                    "mismatch",
                    look,
                    f"{day.day} 对账不一致：服务器已确认 {day.acknowledged_cases} 件，"
                    f"现有 {day.server_cases} 件",
                )
            )
        else:
            self._show(seen("online", look, f"同步完成{rejected}"))
        self.synced.emit(report)
        self._schedule(self.interval)

    def _round_failed(self, error: Exception) -> None:
        if not isinstance(error, SyncError):  # a bug; reported, and the loop carries on
            log.error("sync round crashed", exc_info=error)
            error = SyncError("server", f"同步出错：{error!r}")
        failure = error
        self._look(lambda look: self._failed(failure, look))

    def _failed(self, error: SyncError, look: SyncLook) -> None:
        self.running = False
        blocked = blocked_view(look)
        if blocked is not None:  # the server revoked this PC during the round: say so, now
            self.failures = 0
            self._show(blocked)
            self._schedule(self.interval)
            return
        self.failures += 1
        delay = backoff_seconds(self.failures, rng=self.rng)
        state = "offline" if error.kind in ("offline", "server") else "error"
        self._show(seen(state, look, error.message, retry_in=delay))
        if error.kind != "not_registered":
            self._schedule(delay)

    def _not_looked(self, error: Exception) -> None:
        """The window's database could not be read (locked past its timeout, the disk): said, tried again."""
        log.warning("sync status not read: %r", error)
        self.running = False
        self.failures += 1
        delay = backoff_seconds(self.failures, rng=self.rng)
        view = self.view
        self._show(replace(view, state="error", message=f"无法读取同步状态：{error}", retry_in=delay))
        self._schedule(delay)

    def _schedule(self, seconds: float) -> None:
        if not self._stopped:
            self.timer.start(int(seconds * 1000))

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
    def __init__(self, controller: SyncController, *, desk: Desk) -> None:
        super().__init__()
        self.controller = controller
        self.desk = desk
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
        parts = [f"<span style='color:{color}'>{dot} {word}</span>"]
        if view.pending is not None:  # read: the backlog and the last success
            parts.append(f"待上传 {view.pending} 条")
            parts.append(f"上次同步 {view.last_success}" if view.last_success else "从未同步")
        if view.retry_in is not None:
            parts.append(f"{view.retry_in:.0f} 秒后重试")
        if view.state == "mismatch":
            parts.append(view.message)
        skew = self.desk.workspace.clock.skew_warning()  # a PC clock the server's corrects
        if skew:
            parts.append("<span style='color:#b00020'>本机时钟不准</span>")
        self.label.setText(" · ".join(parts))
        self.label.setToolTip("\n".join(t for t in (view.message, skew) if t))
        self._show_conflicts_count(sum(1 for c in view.conflicts if c["resolved_at"] is None))
        if view.state != "syncing":
            self.progress.setVisible(False)

    def _show_conflicts_count(self, unresolved: int) -> None:
        self.conflicts_button.setText(f"冲突 {unresolved} 件")
        self.conflicts_button.setVisible(bool(unresolved))

    def show_conflicts(self) -> None:
        """What the server could not merge, for the supervisor: both records are kept."""
        dialog = ConflictsDialog(
            workspace=self.desk.workspace,
            jobs=self.desk.jobs,
            parent=self.window(),
            conflicts=list(self.controller.view.conflicts),  # as the last look read them: shown at once
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _code: self._conflicts_closed(dialog))
        dialog.open()
        self.conflicts_dialog = dialog

    def _conflicts_closed(self, dialog: ConflictsDialog) -> None:
        # What the dialog read last, at once; then read again with the backlog.
        if dialog.loaded:
            self._show_conflicts_count(dialog.unresolved())
        self.controller.refresh()

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
        revocation = view.revocation if view.state == "revoked" else None
        if revocation is None:
            self.setVisible(False)
            return
        texts = revoked_texts(
            revocation, pending=view.pending or 0, home=self.controller.client.data_folder()
        )
        self.title.setText(texts.title)
        self.body.setText(texts.body)
        self.steps.setText(texts.steps)
        self.setToolTip(texts.tooltip)
        self.setVisible(True)
