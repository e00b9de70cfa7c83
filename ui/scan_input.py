"""A handheld scanner read from anywhere in the window: an event filter on the application holds back keys
typed at scanner speed (app.scanning.keystrokes), so a scan never lands as stray text in the focused field;
keys that turn out to be typing are handed to the widget that had the focus, in order. A finished scan goes
where app.scanning.routing sends it: its case opened, its certificate verified, the applicant's ID filled,
a bundle's cases shown together, or "未能识别" in the status bar.

The filter reads keys while the clerk's window is active and not locked, or a dialog of the window that
shows cases and takes no typing (a case, the approver's queue, the supervisor's watch: `read_scans_in`) is:
a scan there closes that dialog and goes where it belongs, as from the window. Any other dialog on top (the
verify dialog's own scan field, the capture view, the scanner's calibration, a message, a form) gets its
keys as it always has.

Keys are timed by when they were typed, not by when the window got to them: the platform's own event time
(X11's, Windows' message time) is put on this program's clock (`KeyClock`), so a window held up for a moment
(a sync round, a repaint) does not split a long code (a helper's hand-off QR is about 1,000 keys) into
pieces. A pause that comes due while the window was held up is looked at again once the keys typed meanwhile
have been read. Keys without a time (synthetic ones) are timed when they are seen.

A paste (Ctrl+V, Shift+Insert) of more than `MAX_PASTE_CHARS` anywhere in the program is refused with a
message before it reaches the field: nothing at the counter takes that much text, and a few megabytes
pasted into a text box would hold the window for seconds.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from app.identity_documents import IdKind
from app.scanning.keystrokes import ENTER, KeyClock, KeystrokeReader, Scan, ScanTiming, TooLong, Typing
from app.scanning.routing import (
    FillApplicant,
    LoadDraft,
    OpenBundle,
    OpenCase,
    Refused,
    Route,
    Unrecognised,
    VerifyCertificate,
    route_scan,
)

log = logging.getLogger("clerk.ui.scan")

SCAN_READER = "readsScans"  # a dialog's property: scans are read while it is active (`read_scans_in`)
MAX_PASTE_CHARS = 20_000

_ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
_COMMAND_MODIFIERS = (
    Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier
)


LATE_PAUSE_MS = 15.0  # a pause timer this late: the window was held up, and keys may be waiting


@dataclass(frozen=True)
class HeldKey:
    """A key press held back, as it came, and the widget it was meant for."""

    target: QWidget | None
    key: int
    modifiers: Qt.KeyboardModifier
    text: str


class ScanTargets(Protocol):
    """Where a routed scan goes (the main window)."""

    def show_case(self, text: str) -> None: ...

    def verify_scanned(self, text: str) -> None: ...

    def fill_applicant(self, *, id_kind: IdKind, id_number: str) -> None: ...

    def load_draft(self, text: str) -> None: ...

    def show_bundle(self, text: str) -> None: ...

    def show_status(self, text: str, msecs: int = 0) -> None: ...


def read_scans_in(dialog: QDialog) -> None:
    """Mark a dialog that shows cases and takes no typing: a scan while it is active is read as from the
    window (the dialog is closed first, so what the scan opens is on top)."""
    dialog.setProperty(SCAN_READER, True)


def reads_scans(widget: QWidget | None) -> bool:
    return isinstance(widget, QDialog) and bool(widget.property(SCAN_READER))


_PASTE_KEYS = (Qt.Key.Key_V, Qt.Key.Key_Insert)  # Ctrl+V, Shift+Insert: the platforms' paste keys


def paste_refusal(event: QKeyEvent) -> str | None:
    """Why a paste key press is refused (its clipboard text too long), or None. Only V and Insert are
    matched against the platform's paste keys: a scanner's every key passes by with one comparison."""
    if event.key() not in _PASTE_KEYS or not event.matches(QKeySequence.StandardKey.Paste):
        return None
    clipboard = QApplication.clipboard()
    size = len(clipboard.text()) if clipboard is not None else 0
    if size <= MAX_PASTE_CHARS:
        return None
    return f"剪贴板内容过长（共 {size:,} 个字符，上限 {MAX_PASTE_CHARS:,}），未粘贴；请只复制需要的内容"


def follow_route(route: Route, *, targets: ScanTargets) -> None:
    """Do what a route says, in the window."""
    if isinstance(route, OpenCase):
        targets.show_case(route.number)
    elif isinstance(route, OpenBundle):
        targets.show_bundle(route.number)
    elif isinstance(route, VerifyCertificate):
        targets.verify_scanned(route.text)
    elif isinstance(route, LoadDraft):
        targets.load_draft(route.text)
    elif isinstance(route, FillApplicant):
        targets.fill_applicant(id_kind=route.id_kind, id_number=route.id_number)
    elif isinstance(route, Refused | Unrecognised):
        targets.show_status(route.message, 15000)


class ScanInput(QObject):
    """Installed on the application by the main window (`install`); `routed` says where each scan went."""

    routed = Signal(object)  # the Route a finished scan took

    def __init__(
        self,
        *,
        timing: ScanTiming,
        reading: Callable[[], bool],
        targets: ScanTargets,
        today: Callable[[], date],
        parent: QObject,
    ) -> None:
        super().__init__(parent)
        self._reader: KeystrokeReader[HeldKey] = KeystrokeReader(timing=timing)
        self._reading = reading  # whether keys are read now (the window active, not locked)
        self._targets = targets
        self._today = today
        self._replaying = False
        self._clock = KeyClock()
        self._pause = QTimer(self, singleShot=True)
        self._pause.timeout.connect(self._paused)
        self._pause_due = 0.0  # when the pause timer is due (this program's clock)
        self._looked_again = False  # a late pause already waited once for the keys behind it

    @property
    def timing(self) -> ScanTiming:
        return self._reader.timing

    def set_timing(self, timing: ScanTiming) -> None:
        self._settle(self._reader.pause(now_ms=float("inf")))
        self._reader = KeystrokeReader(timing=timing)

    def install(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def uninstall(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    # -- keys ------------------------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Every event of the program passes here: most are no key event, told by their Python type alone
        # (asking a Qt event its type() makes an enum object each time, which adds up over paints).
        if not isinstance(event, QKeyEvent) or self._replaying or event.type() != QEvent.Type.KeyPress:
            return False
        first = QApplication.focusWidget() or QApplication.activeWindow()
        if watched is not first:
            return False  # a key press passes the filter once per receiver it goes to: only the first counts
        refused = paste_refusal(event)
        if refused is not None:
            log.info("a paste refused: over %s characters", MAX_PASTE_CHARS)
            self._targets.show_status(refused, 15000)
            return True
        char = _char_of(event)
        if char is None or not self._reading():
            if self._reader.holding:  # a key that is never part of a scan (Tab, an arrow): the keys before
                self._settle(self._reader.pause(now_ms=float("inf")))  # it are typing
            return False
        held = HeldKey(QApplication.focusWidget(), event.key(), event.modifiers(), event.text())
        at_ms = self._clock.at(event.timestamp(), now_ms=_now_ms())
        decided = self._reader.feed(char=char, at_ms=at_ms, key=held)
        passes = bool(decided) and isinstance(decided[-1], Typing) and decided[-1].keys[-1] is held
        if passes:  # typed as it is: held back no longer, the key itself goes on
            last = decided[-1]
            assert isinstance(last, Typing)
            decided[-1] = Typing(last.keys[:-1])
        self._settle(decided)
        if self._reader.holding:
            self._arm(min(self.timing.max_interval_ms, self.timing.end_pause_ms))
        return not passes

    def _arm(self, wait_ms: float) -> None:
        self._looked_again = False
        self._pause_due = _now_ms() + wait_ms + 1
        self._pause.start(int(wait_ms) + 1)

    def _paused(self) -> None:
        now = _now_ms()
        if now - self._pause_due > LATE_PAUSE_MS and not self._looked_again:
            # Due while the window was held up: keys typed meanwhile may be waiting to be read. Read them
            # first (a zero timer runs after the input already there), then look at the pause again.
            self._looked_again = True
            self._pause_due = now
            self._pause.start(0)
            return
        self._settle(self._reader.pause(now_ms=now))
        if self._reader.holding:  # a burst long enough for a scan waits for the scanner's pause
            self._arm(self.timing.end_pause_ms)

    def _settle(self, decided: list[Scan | Typing[HeldKey] | TooLong]) -> None:
        for decision in decided:
            if isinstance(decision, Typing):
                self._replay(decision.keys)
            elif isinstance(decision, Scan):
                self._route(decision.text)
            else:
                log.info("a scan refused: over the length limit")
                self._targets.show_status(decision.message, 15000)

    def _replay(self, keys: tuple[HeldKey, ...]) -> None:
        self._replaying = True
        try:
            for held in keys:
                target = held.target or QApplication.focusWidget()
                if target is None:
                    continue
                event = QKeyEvent(QEvent.Type.KeyPress, held.key, held.modifiers, held.text)
                QApplication.sendEvent(target, event)
        finally:
            self._replaying = False

    def _route(self, text: str) -> None:
        route = route_scan(text, today=self._today())
        log.info("a scan routed: %s", type(route).__name__)
        active = QApplication.activeWindow()
        if reads_scans(active) and not isinstance(route, Refused | Unrecognised):
            assert isinstance(active, QDialog)
            active.reject()  # what the scan opens comes on top of the window, not of this dialog
        follow_route(route, targets=self._targets)
        self.routed.emit(route)


def _char_of(event: QKeyEvent) -> str | None:
    """The character a key press types (ENTER for Enter), None for a key that is never part of a scan."""
    if event.modifiers() & _COMMAND_MODIFIERS:
        return None
    if event.key() in _ENTER_KEYS:
        return ENTER
    text = event.text()
    return text if len(text) == 1 and text.isprintable() else None


def _now_ms() -> float:
    return time.monotonic() * 1000
