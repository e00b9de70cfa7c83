"""好差评 at the counter: the applicant rates the visit that just ended (the decision, a hand-over …) with one
touch on five large buttons; 不满意 and 非常不满意 ask for the reason first. The clerk may skip it (the
applicant may decline): nothing is recorded then, and the visit is not offered again on this window.

`RatingOffer` opens the dialog after a visit's document is printed (the first print of a case's document
but a certificate): it asks the rating rules which visit may be rated now (`visit_to_offer`, on the
database lane) and records the rating there too.
"""

from __future__ import annotations

import logging

import shiboken6
from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.documents.kinds import DocumentKind
from app.lifecycle.evaluation import LEVELS, MAX_REASON_CHARS, reason_problem
from app.lifecycle.ratings import ServiceVisit
from app.operations.changes import REFUSALS
from app.operations.printing import DocumentPrinted
from app.operations.ratings import Rated, rate_service, visit_to_offer
from db.store import StoreError
from ui.desk import Desk
from ui.object_names import named
from ui.screen_fit import fit_to_screen

log = logging.getLogger("clerk.ui.ratings")

# Colours of the five buttons, from 非常满意 to 非常不满意: what the applicant sees at a glance.
LEVEL_COLOURS = {1: "#1b5e20", 2: "#2e7d32", 3: "#9e9d24", 4: "#e65100", 5: "#b71c1c"}
BUTTON_HEIGHT = 72


class RatingDialog(QDialog):
    rated = Signal(int, str)  # level, reason ("" for none)

    def __init__(self, visit: ServiceVisit, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.visit = visit
        self.level: int | None = None
        self.setWindowTitle("服务评价")
        fit_to_screen(self, preferred=QSize(760, 360))
        layout = QVBoxLayout(self)
        title = named(QLabel(f"请您对本次服务（{visit.label}）进行评价"), "ratingQuestion")
        big = QFont(title.font())
        big.setPointSize(18)
        big.setBold(True)
        title.setFont(big)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(title)
        layout.addWidget(named(QLabel(f"办件编号 {visit.case_number}"), "ratingCase"))
        grid = QGridLayout()
        self.level_buttons: dict[int, QPushButton] = {}
        for column, (value, level) in enumerate(LEVELS.items()):
            button = named(QPushButton(level.label), f"rating-{value}")
            button.setMinimumHeight(BUTTON_HEIGHT)
            button.setFont(big)
            button.setStyleSheet(f"color:white;background:{LEVEL_COLOURS[value]};border-radius:6px;")
            button.clicked.connect(lambda _=False, v=value: self.choose(v))
            grid.addWidget(button, 0, column)
            self.level_buttons[value] = button
        layout.addLayout(grid)

        self.reason_box = named(QWidget(), "ratingReasonBox")
        reason_layout = QVBoxLayout(self.reason_box)
        reason_layout.setContentsMargins(0, 0, 0, 0)
        self.reason_label = named(QLabel(), "ratingReasonLabel")
        self.reason = named(QLineEdit(placeholderText="请告诉我们哪里做得不好（必填）"), "ratingReason")
        self.reason.setMaxLength(MAX_REASON_CHARS)
        self.reason.setFont(big)
        self.reason.returnPressed.connect(self.submit)
        self.submit_button = named(QPushButton("提交评价"), "ratingSubmit")
        self.submit_button.setMinimumHeight(BUTTON_HEIGHT)
        self.submit_button.setFont(big)
        self.submit_button.clicked.connect(self.submit)
        reason_layout.addWidget(self.reason_label)
        reason_layout.addWidget(self.reason)
        reason_layout.addWidget(self.submit_button)
        self.reason_box.setVisible(False)
        layout.addWidget(self.reason_box)

        self.problem = named(QLabel(), "ratingProblem")
        self.problem.setStyleSheet("color:#b71c1c;font-weight:bold;")
        layout.addWidget(self.problem)
        row = QHBoxLayout()
        row.addStretch(1)
        self.skip_button = named(QPushButton("不评价"), "ratingSkip")
        self.skip_button.setToolTip("申请人不愿评价：不作记录")
        self.skip_button.clicked.connect(self.reject)
        row.addWidget(self.skip_button)
        layout.addLayout(row)
        for button in self.findChildren(QPushButton):  # Enter never rates by accident
            button.setAutoDefault(False)
            button.setDefault(False)

    def choose(self, level: int) -> None:
        """A touch on a level: a favourable one is the rating; an unfavourable one asks the reason first."""
        self.level = level
        self.problem.setText("")
        if not LEVELS[level].unfavourable:
            self.rated.emit(level, "")
            self.accept()
            return
        self.reason_label.setText(f"您选择了“{LEVELS[level].label}”，请写明原因：")
        self.reason_box.setVisible(True)
        self.reason.setFocus()

    def submit(self) -> None:
        if self.level is None:
            return
        problem = reason_problem(self.level, self.reason.text())
        if problem is not None:
            self.problem.setText(problem)
            self.reason.setFocus()
            return
        self.rated.emit(self.level, self.reason.text().strip())
        self.accept()


class RatingOffer(QObject):
    offered = Signal(object)  # the RatingDialog, once open
    recorded = Signal(object)  # Rated, once stored

    def __init__(self, *, desk: Desk) -> None:
        super().__init__(desk.window)
        self._desk = desk
        self.dialog: RatingDialog | None = None
        self._declined: set[str] = set()  # visits the applicant would not rate: not offered again

    @property
    def showing(self) -> bool:
        """A rating dialog is open (one at a time)."""
        return self.dialog is not None and shiboken6.isValid(self.dialog) and self.dialog.isVisible()

    def after_print(self, printed: DocumentPrinted) -> None:
        """A document of a visit went to the printer: offer the rating of the visit, if there is one."""
        if not printed.reprint and printed.kind is not DocumentKind.CERTIFICATE:
            self.offer(printed.case_number)

    def offer(self, number: str) -> None:
        if self.showing:
            return  # one rating at a time
        workspace, person = self._desk.workspace, self._desk.counter
        self._desk.jobs.database(
            lambda _progress: visit_to_offer(workspace, person=person, number=number),
            parent=self._desk.window,
        ).success(self._show).failure(self._failed).run()

    def _show(self, visit: ServiceVisit | None) -> None:
        if visit is None or visit.event_id in self._declined:
            return
        dialog = RatingDialog(visit, parent=self._desk.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.rated.connect(lambda level, reason: self._rate(visit, level, reason))
        dialog.rejected.connect(lambda: self._declined.add(visit.event_id))
        dialog.open()
        self.dialog = dialog
        self.offered.emit(dialog)

    def _rate(self, visit: ServiceVisit, level: int, reason: str) -> None:
        workspace, person = self._desk.workspace, self._desk.counter
        self._desk.jobs.database(
            lambda _progress: rate_service(
                workspace,
                person=person,
                number=visit.case_number,
                service_event_id=visit.event_id,
                level=level,
                reason=reason or None,
            ),
            parent=self._desk.window,
        ).success(self._recorded).failure(self._failed).run()

    def _recorded(self, rated: Rated) -> None:
        more = f"，请值班主任于 {rated.rating.follow_up_due} 前回访" if rated.follow_up else ""
        self._desk.notices.show_status(
            f"已记录办件 {rated.rating.case_number} 的服务评价：{rated.rating.level_label}{more}", 10000
        )
        self.recorded.emit(rated)

    def _failed(self, error: Exception) -> None:
        if not isinstance(error, (*REFUSALS, StoreError)):
            raise error
        self._desk.notices.notify(QMessageBox.Icon.Warning, "评价未记录", str(error))
