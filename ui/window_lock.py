"""The window locked: after some minutes without input (idle lock), or signed out at a shift change.

Locked, the window shows only this page: the case on the counter, today's cases, names and ID numbers stay
behind it, untouched, and come back as they were when the same person types their password again. Another
person may sign in instead (换人登录): the case on the counter stays too, and is theirs from then on (a
half-entered case is not a saved one; nothing was recorded in anyone's name yet).

`IdleWatch` counts the time since the last key press or mouse action anywhere in the application; the
window says how long is too long (the `idle_lock_minutes` setting; tests give milliseconds).
"""

from __future__ import annotations

import logging

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QInputEvent, QShortcut
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from app.accounts.signin import SignedIn
from app.operations.person import Actor
from app.sync.wire import EventKind
from app.workspace import Workspace, WorkspaceError
from ui.desk import Desk
from ui.jobs import Jobs
from ui.object_names import named
from ui.sign_in import ChangePassword, SignInForm

log = logging.getLogger("clerk.ui.lock")

INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
    }
)


class IdleWatch(QObject):
    """`idle` once no input reached the application for `msecs`; any input starts the count again."""

    idle = Signal()

    def __init__(self, *, msecs: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.idle)
        self._timer.setInterval(max(1, msecs))
        self._timer.start()
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def set_timeout(self, msecs: int) -> None:
        """From now on (or from the unlock, while paused)."""
        paused = not self._timer.isActive()
        self._timer.setInterval(max(1, msecs))
        if not paused:
            self._timer.start()

    def pause(self) -> None:
        """No count while the window is locked anyway."""
        self._timer.stop()

    def restart(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Every event of the program passes here: an input event is told by its Python type first (a Qt
        # event's type() makes an enum object each time, which adds up over paints and layouts).
        if isinstance(event, QInputEvent) and event.type() in INPUT_EVENTS and self._timer.isActive():
            self._timer.start()
        return False


class LockPage(QWidget):
    """What a locked window shows: who locked it and a password field, or (signed out) a sign-in."""

    signed_in = Signal(object)  # SignedIn: the same person, or another one

    def __init__(
        self,
        *,
        workspace: Workspace,
        jobs: Jobs,
        change_password: ChangePassword,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setAutoFillBackground(True)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        box = QWidget()
        box.setMaximumWidth(self.fontMetrics().horizontalAdvance("中" * 32))
        layout = QVBoxLayout(box)
        self.title = named(QLabel(), "lockTitle")
        self.title.setStyleSheet("font-size:18pt;font-weight:bold;")
        self.title.setWordWrap(True)
        self.explain = named(QLabel(), "lockExplain")
        self.explain.setWordWrap(True)
        layout.addWidget(self.title)
        layout.addWidget(self.explain)
        self.form = SignInForm(
            workspace=workspace, jobs=jobs, change_password=change_password, submit_text="解锁", parent=box
        )
        layout.addWidget(self.form)
        self.other = named(QPushButton("换人登录"), "otherClerkButton")
        self.other.setAutoDefault(False)
        self.other.clicked.connect(self.show_signed_out)
        layout.addWidget(self.other)
        outer.addWidget(box, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)
        self.form.signed_in.connect(self._signed_in)
        self.locked_login = ""

    def show_locked(self, *, login: str, name: str) -> None:
        """The same person's password unlocks; another person may sign in instead."""
        self.locked_login = login
        self.title.setText("窗口已锁定")
        self.explain.setText(
            f"{name}（{login}）离开后窗口已锁定，办件内容已隐藏。请输入 {login} 的密码解锁。"
        )
        self.form.set_login(login, fixed=True)
        self.form.submit.setText("解锁")
        self.other.setVisible(True)
        self.form.focus_first()

    def show_signed_out(self) -> None:
        """Anyone with an account signs in (shift change, or 换人登录 at the lock)."""
        self.title.setText("请登录")
        self.explain.setText("上一位工作人员已退出。请接班的工作人员输入账号和密码登录。")
        self.form.set_login("", fixed=False)
        self.form.submit.setText("登录")
        self.other.setVisible(False)
        self.form.focus_first()

    def refuse(self, text: str) -> None:
        """Signed in, but not allowed at this window (say, an account disabled by a sync since)."""
        self.form.message.setText(text)

    def _signed_in(self, signed: SignedIn) -> None:
        self.signed_in.emit(signed)


class WindowLock(QObject):
    """Locks the window (the lock page in front, the toolbar and status bar hidden, shortcuts off, open
    dialogs hidden) and unlocks it for whoever signs in there: the same person gets everything back as it
    was; another person (`person_changed`) gets the case on the counter but not the dialogs opened for the
    one before, which were built with what that person may do."""

    person_changed = Signal(object)  # Actor: who acts from now on
    signed_out = Signal()

    def __init__(
        self,
        *,
        desk: Desk,
        stack: QStackedWidget,
        page: LockPage,
        covered: list[QWidget],
        shortcuts: list[QShortcut],
        idle_msecs: int,
    ) -> None:
        super().__init__(desk.window)
        self._desk, self._stack, self._page = desk, stack, page
        self._covered, self._shortcuts = covered, shortcuts
        self._hidden_dialogs: list[QDialog] = []
        self.idle = IdleWatch(msecs=idle_msecs, parent=self)
        self.idle.idle.connect(lambda: self.lock(reason="idle"))
        page.signed_in.connect(self._signed_in)

    @property
    def locked(self) -> bool:
        return self._stack.currentWidget() is self._page

    def lock(self, *, reason: str = "manual") -> None:
        """Hide everything the window shows until the same person's password (or another's sign-in)."""
        if not self.locked:
            self._hide_all()
            self._record(EventKind.LOCKED, reason=reason)
        counter = self._desk.counter
        self._page.show_locked(login=counter.clerk_login, name=counter.clerk_name)

    def sign_out(self) -> None:
        """Shift change: the person signs out; whoever signs in next acts from then on."""
        if not self.locked:
            self._hide_all()
        self._record(EventKind.SIGNED_OUT, reason="shift_change")
        self._page.show_signed_out()
        self.signed_out.emit()

    def _hide_all(self) -> None:
        self.idle.pause()
        self._hidden_dialogs = [d for d in self._desk.window.findChildren(QDialog) if d.isVisible()]
        for dialog in self._hidden_dialogs:  # a case's dialog, a preview: shown again on unlock
            dialog.hide()
        for widget in self._covered:
            widget.setVisible(False)
        for shortcut in self._shortcuts:
            shortcut.setEnabled(False)
        self._stack.setCurrentWidget(self._page)

    def _signed_in(self, signed: SignedIn) -> None:
        """Who acts from now on, read afresh (roles a sync changed; an account disabled since: refused)."""
        workspace = self._desk.workspace
        self._desk.jobs.database(
            lambda _progress: workspace.counter(signed.login), parent=self._page
        ).success(self._person_back).failure(self._not_at_this_window).run()

    def _record(self, kind: EventKind, **details: object) -> None:
        """An audit record by the person signed in now (on the database lane, as every write)."""
        workspace, login = self._desk.workspace, self._desk.counter.clerk_login
        self._desk.jobs.database(
            lambda _progress: workspace.record_session(kind, login, **details), parent=self
        ).run()

    def _person_back(self, counter: Actor) -> None:
        other = counter.clerk_login != self._desk.counter.clerk_login
        self._record(EventKind.UNLOCKED, **({"by_other_clerk": True} if other else {}))
        if other:
            log.info("shift change at the window: %s signed in", counter.clerk_login)
            for dialog in self._hidden_dialogs:
                if shiboken6.isValid(dialog):
                    dialog.close()
            self._hidden_dialogs = []
        self.person_changed.emit(counter)
        self._unlock()

    def _not_at_this_window(self, error: Exception) -> None:
        if not isinstance(error, WorkspaceError):
            raise error
        self._page.refuse(str(error))

    def _unlock(self) -> None:
        self._stack.setCurrentIndex(0)
        for widget in self._covered:
            widget.setVisible(True)
        for shortcut in self._shortcuts:
            shortcut.setEnabled(True)
        for dialog in self._hidden_dialogs:
            if shiboken6.isValid(dialog):
                dialog.show()
        self._hidden_dialogs = []
        self.idle.restart()
