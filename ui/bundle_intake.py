"""一件事一次办 at the counter: one applicant form (ui.intake_form), one combined checklist (a shared material
once, marked with the items it counts for; each item's own under its item), one decision per item as the
Art. 32 engine gives it, updated as the clerk ticks; one save (Ctrl+Enter) storing every case in one
transaction (app.bundles.counter), then the combined receipt and, where any item has a gap, the combined
one-time notice, through the print preview (ui.bundle_print).

A shared material may be replaced by a 告知承诺 (承诺 column) where any item it counts for allows one, or
satisfied by an electronic licence (电子证照…, F7, the counter's dialog: ui.licence_dialog) of a type any of
them accepts; each item counts it only where its own material allows it, and its decision says why not.

Pages are not captured here: the capture button is disabled and says why. A captured page belongs to one
case's material; a shared material's pages would have to be stored once per case, and the cases have no
numbers until the bundle is saved. Once saved, each case's pages are captured from its case dialog
(材料页面…), as for a case taken in alone.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping

import shiboken6
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.accounts.roles import Permission
from app.bundles.checklist import combined_checklist
from app.bundles.counter import accept_bundle
from app.bundles.definition import KIND_LABEL, Bundle
from app.bundles.intake import BundleEvaluation, BundleRequest, StoredBundle
from app.catalog import ServiceItem
from app.completeness import OUTCOME_LABEL, Outcome, Rule, Verdict
from app.documents.kinds import DocumentKind, bundle_documents
from app.intake import InputError, Problem
from ui.bundle_checklist import ITEM_MARKS, BundleChecklistModel, BundleColumn, BundleMaterialRow
from ui.bundle_print import BundlePrintFlow
from ui.counter_flow import SAVE_REFUSALS
from ui.decision_panel import OUTCOME_COLOR, VERDICT_COLOR
from ui.delegates import CountDelegate, FormChoiceDelegate, TwoLineTextDelegate
from ui.desk import Desk, not_permitted
from ui.intake_form import IntakeForm
from ui.licence_dialog import LicenceDialog, licence_dialog
from ui.materials_panel import EDITABLE, MaterialNameDelegate
from ui.object_names import named
from ui.screen_fit import fit_to_screen

log = logging.getLogger("clerk.ui.bundles")

NO_CAPTURE = (
    "一件事受理时不在此采集页面：共享材料的页面须分别存入各事项的办件，而办件编号在保存后才有。"
    "保存后请在各办件的详情中（材料页面…）采集。"
)
PREFERRED_SIZE = QSize(1360, 760)
# Notes shown with an item's decision: why a 告知承诺 or a licence handed over once does not count for it.
WHY_NOT = (Rule.COMMITMENT_NOT_ALLOWED, Rule.LICENCE)


class BundleIntakeDialog(QDialog):
    saved = Signal(object)  # StoredBundle, once stored
    save_failed = Signal(object)  # the exception, once the form is open again

    def __init__(self, *, desk: Desk, bundle: Bundle, items: Mapping[str, ServiceItem]) -> None:
        super().__init__(desk.window)
        self._desk = desk
        self.bundle = bundle
        self.items = dict(items)
        self.evaluated: BundleEvaluation | None = None
        self.stored: StoredBundle | None = None
        self.saving = False
        self._to_print: list[DocumentKind] = []
        self.discard_question: QMessageBox | None = None
        self.licence_dialog: LicenceDialog | None = None
        self.setWindowTitle(f"一件事一次办受理 — {bundle.name}（{len(bundle.item_codes)} 个事项）")
        fit_to_screen(self, preferred=PREFERRED_SIZE)

        self.marks = {self.items[c].name: ITEM_MARKS[i] for i, c in enumerate(bundle.item_codes)}
        names = " ".join(f"{ITEM_MARKS[i]}{self.items[c].name}" for i, c in enumerate(bundle.item_codes))
        kinds = "、".join(KIND_LABEL[k] for k in sorted(bundle.applicant_kinds))
        self.heading = named(
            QLabel(f"【一件事】{bundle.name}：{names}。申请人：{kinds}。共享材料只收一份，用于所标各事项。"),
            "bundleHeading",
        )
        self.heading.setWordWrap(True)
        self.heading.setStyleSheet("font-weight:bold;")
        self.intake = IntakeForm(today=desk.workspace.clock.today)
        self.checklist = BundleChecklistModel()
        self.checklist.set_item_marks(self.marks)
        materials = self._build_materials()
        decisions = self._build_decisions()

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        middle = QWidget()
        column = QVBoxLayout(middle)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.intake)
        column.addWidget(materials, 1)
        splitter.addWidget(middle)
        splitter.addWidget(decisions)
        width = self.width()
        splitter.setSizes([width * 72 // 100, width * 28 // 100])
        splitter.setStretchFactor(0, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 6)
        layout.addWidget(self.heading)
        layout.addWidget(splitter, 1)

        # The previews and messages of its printing open over this dialog.
        self.printing = BundlePrintFlow(desk=dataclasses.replace(desk, window=self))
        self.printing.printed.connect(self._printed)
        self.shortcuts = [
            QShortcut(QKeySequence(keys), self, slot)
            for keys, slot in (
                ("Ctrl+Return", self.accept_bundle),
                ("Ctrl+Enter", self.accept_bundle),
                ("F9", self.checklist.mark_all_received),
                ("F7", self.open_licences),
            )
        ]
        self.intake.changed.connect(self.reevaluate)
        self.intake.agent_toggled.connect(lambda _on: self.refresh_checklist())
        self.intake.kind.currentIndexChanged.connect(lambda _i: self.refresh_checklist())
        self.checklist.changed.connect(self.reevaluate)
        if len(bundle.applicant_kinds) == 1:  # start on the kind every item serves; another is refused
            (only,) = bundle.applicant_kinds
            self.intake.kind.setCurrentIndex(self.intake.kind.findData(only))
        self.decision_refusal = not_permitted(desk.counter, Permission.ACCEPT)
        self.refresh_checklist()
        for button in self.findChildren(QPushButton):  # Enter moves between inputs, never saves or closes
            button.setAutoDefault(False)
            button.setDefault(False)
        self.intake.name.setFocus()

    # -- layout --------------------------------------------------------------------------------------
    def _build_materials(self) -> QGroupBox:
        box = QGroupBox()
        inner = QVBoxLayout(box)
        inner.setContentsMargins(6, 4, 6, 6)
        inner.setSpacing(4)
        heading = QHBoxLayout()
        heading.addWidget(
            QLabel("③ 材料核验（蓝底为共享材料，只收一份，用于所标各事项；其后按事项列出各自的材料）"), 1
        )
        self.all_received_button = named(QPushButton("全部收到 (F9)"), "bundleAllReceived")
        self.all_received_button.setToolTip("勾选申请人应当提交的全部材料；非必要材料不自动勾选")
        self.all_received_button.clicked.connect(lambda: self.checklist.mark_all_received())
        heading.addWidget(self.all_received_button)
        self.capture_button = named(QPushButton("采集页面"), "bundleCaptureButton")
        self.capture_button.setEnabled(False)
        self.capture_button.setToolTip(NO_CAPTURE)
        heading.addWidget(self.capture_button)
        self.licence_button = named(QPushButton("电子证照… (F7)"), "bundleLicenceButton")
        self.licence_button.setToolTip(
            "所选材料可用电子证照替代纸质（扫描证照二维码或按申请人证件号查找）；"
            "共享材料的证照用于接受该类证照的各事项"
        )
        self.licence_button.setEnabled(False)
        self.licence_button.clicked.connect(self.open_licences)
        heading.addWidget(self.licence_button)
        inner.addLayout(heading)
        view = named(QTableView(), "bundleChecklist")
        view.setModel(self.checklist)
        view.setItemDelegateForColumn(BundleColumn.FORM, FormChoiceDelegate(view))
        self._count_delegates = (CountDelegate.for_copies(), CountDelegate.for_pages())
        view.setItemDelegateForColumn(BundleColumn.COPIES, self._count_delegates[0])
        view.setItemDelegateForColumn(BundleColumn.PAGES, self._count_delegates[1])
        self._two_lines = TwoLineTextDelegate(view)
        for column in (BundleColumn.ITEMS, BundleColumn.DEFECT):
            view.setItemDelegateForColumn(column, self._two_lines)
        self._name_lines = MaterialNameDelegate(view)  # a licence's type, number and validity under the name
        view.setItemDelegateForColumn(BundleColumn.NAME, self._name_lines)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setEditTriggers(EDITABLE)
        view.setWordWrap(True)
        view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(BundleColumn.NAME, QHeaderView.ResizeMode.Stretch)
        metrics = view.fontMetrics()
        for column, sample in (
            (BundleColumn.ITEMS, max(self.marks, key=len)[:13] + "①"),  # an item's own row: one line
            (BundleColumn.REQUIRED, "原件和复印件 1份"),
            (BundleColumn.DEFECT, "缺陷说明缺陷说"),
        ):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, metrics.horizontalAdvance(sample) + 12)
        self.checklist_view = view
        inner.addWidget(view)
        view.selectionModel().currentRowChanged.connect(lambda *_: self._licence_offer())
        self.checklist.changed.connect(self._licence_offer)
        return box

    def _build_decisions(self) -> QGroupBox:
        box = QGroupBox("④ 各事项审查结论")
        layout = QVBoxLayout(box)
        self.summary = named(QLabel(""), "bundleSummary")
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("font-size:13pt;font-weight:bold;")
        self.decisions = named(QListWidget(), "bundleDecisions")
        self.decisions.setWordWrap(True)
        self.decisions.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.saved_label = named(QLabel(""), "bundleSaved")
        self.saved_label.setWordWrap(True)
        self.saved_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.accept_button = named(QPushButton("确认并保存全部事项 (Ctrl+Enter)"), "bundleAccept")
        self.accept_button.setMinimumHeight(44)
        self.accept_button.setEnabled(False)
        self.accept_button.clicked.connect(self.accept_bundle)
        self.print_buttons: dict[DocumentKind, QPushButton] = {}
        prints = QHBoxLayout()
        for kind, text in (
            (DocumentKind.BUNDLE_RECEIPT, "打印联办受理回执"),
            (DocumentKind.BUNDLE_NOTICE, "打印一次性告知书"),
        ):
            button = named(QPushButton(text), f"bundlePrint-{kind}")
            button.setEnabled(False)
            button.clicked.connect(lambda _=False, k=kind: self.print_document(k))
            prints.addWidget(button)
            self.print_buttons[kind] = button
        self.close_button = named(QPushButton("关闭"), "bundleClose")
        self.close_button.clicked.connect(self.reject)
        layout.addWidget(self.summary)
        layout.addWidget(self.decisions, 1)
        layout.addWidget(self.saved_label)
        layout.addWidget(self.accept_button)
        layout.addLayout(prints)
        layout.addWidget(self.close_button)
        return box

    # -- entering ------------------------------------------------------------------------------------
    def refresh_checklist(self) -> None:
        if self.stored is not None or self.saving:
            return
        self.checklist.set_rows(
            combined_checklist(
                self.bundle,
                self.items,
                applicant_kind=self.intake.applicant_kind(),
                has_agent=self.intake.has_agent.isChecked(),
            )
        )
        self.reevaluate()

    def current_request(self) -> BundleRequest:
        return BundleRequest(
            bundle_code=self.bundle.code,
            applicant=self.intake.applicant(),
            agent=self.intake.agent(),
            materials=self.checklist.handed_over(),
            commitments=self.checklist.commitments(),
        )

    # -- electronic licences -------------------------------------------------------------------------
    def current_row(self) -> BundleMaterialRow | None:
        """The checklist row the clerk is on."""
        index = self.checklist_view.currentIndex()
        rows = self.checklist.rows()
        return rows[index.row()] if index.isValid() and index.row() < len(rows) else None

    def _licence_offer(self) -> None:
        """电子证照… is offered on a row whose material a licence may satisfy for at least one item."""
        row = self.current_row()
        locked = self.stored is not None or self.saving
        self.licence_button.setEnabled(not locked and row is not None and bool(row.material.licence_types))

    def open_licences(self) -> None:
        """电子证照… (F7) for the row the clerk is on: a licence in place of its paper, for every item whose
        material accepts its type (the dialog checks it against the types any of them accepts)."""
        if self.stored is not None or self.saving:
            return
        row = self.current_row()
        if row is None or not row.material.licence_types:
            self._desk.notices.show_status("请先在材料清单中选中可用电子证照替代的材料", 10000)
            return
        dialog = licence_dialog(
            self._desk.workspace,
            jobs=self._desk.jobs,
            material=row.material,
            applicant=self.intake.applicant(),
            current=row.licence,
            parent=self,
        )
        key = row.row.key
        dialog.taken.connect(lambda licence, how: self.checklist.set_licence(key, licence, found=how))
        dialog.removed.connect(lambda: self.checklist.clear_licence(key))
        dialog.finished.connect(lambda _result: self.checklist_view.setFocus())
        self.licence_dialog = dialog
        dialog.open()

    def reevaluate(self) -> None:
        """Each item's decision for what is on screen now, evaluated in memory."""
        if self.stored is not None or self.saving:
            return
        self.evaluated = None
        try:
            self.evaluated = self._desk.workspace.bundles.evaluate(
                self.current_request(), counter=self._desk.counter
            )
        except InputError as error:
            self.show_problems(error.problems)
            return
        self.show_evaluation(self.evaluated)

    def show_problems(self, problems: list[Problem]) -> None:
        self.summary.setText("待完善")
        self.summary.setStyleSheet("font-size:13pt;font-weight:bold;color:#555;")
        self.decisions.clear()
        for problem in problems:
            item = QListWidgetItem(f"✎ {problem.message}")
            item.setToolTip(problem.field)
            item.setForeground(QBrush(QColor("#b00020")))
            self.decisions.addItem(item)
        self.accept_button.setEnabled(False)

    def show_evaluation(self, evaluated: BundleEvaluation) -> None:
        self.decisions.clear()
        counts: dict[Outcome, int] = {}
        for evaluation in evaluated.evaluations:
            outcome = evaluation.result.outcome
            counts[outcome] = counts.get(outcome, 0) + 1
            mark = self.marks.get(evaluation.item.name, "")
            head = QListWidgetItem(f"{mark}{evaluation.item.name}：{OUTCOME_LABEL[outcome]}")
            font = head.font()
            font.setBold(True)
            head.setFont(font)
            head.setForeground(QBrush(QColor(OUTCOME_COLOR[outcome])))
            head.setData(Qt.ItemDataRole.UserRole, evaluation.item.code)
            self.decisions.addItem(head)
            lines = []
            if evaluation.promised is not None:
                lines.append(f"承诺办结：{evaluation.promised.day:%Y年%m月%d日}")
            if evaluation.supplement_deadline is not None:
                label = "容缺补交期限" if outcome is Outcome.ACCEPTED_WITH_TOLERANCE else "补正期限"
                lines.append(f"{label}：{evaluation.supplement_deadline:%Y年%m月%d日}")
            if lines:
                self.decisions.addItem(QListWidgetItem("　" + "；".join(lines)))
            for finding in evaluation.result.findings:
                if finding.verdict is Verdict.OK or (
                    finding.verdict is Verdict.NOTE and finding.rule not in WHY_NOT
                ):
                    continue
                line = QListWidgetItem(f"　· {finding.message}")
                line.setToolTip(f"规则：{finding.rule}")
                line.setForeground(QBrush(QColor(VERDICT_COLOR[finding.verdict])))
                self.decisions.addItem(line)
        self.summary.setText(
            "；".join(f"{OUTCOME_LABEL[o]} {n} 项" for o in Outcome if (n := counts.get(o, 0)))
        )
        self.summary.setStyleSheet("font-size:13pt;font-weight:bold;color:#333;")
        self.accept_button.setEnabled(self.decision_refusal is None)
        self.accept_button.setToolTip(self.decision_refusal or "")

    def decision_of(self, item_code: str) -> Outcome | None:
        """The decision shown for an item (None: none shown)."""
        if self.evaluated is None:
            return None
        return next((e.result.outcome for e in self.evaluated.evaluations if e.item.code == item_code), None)

    # -- saving --------------------------------------------------------------------------------------
    def accept_bundle(self) -> None:
        if self.stored is not None or self.saving:
            return
        self.reevaluate()
        if self.evaluated is None:
            return  # the problems are listed
        if self.decision_refusal is not None:
            self._desk.notices.notify(QMessageBox.Icon.Warning, "不能受理", self.decision_refusal)
            return
        request = self.current_request()
        self.saving = True
        self._lock(True)
        workspace, person = self._desk.workspace, self._desk.counter
        self._desk.jobs.database(
            lambda _progress: accept_bundle(workspace, person=person, request=request), parent=self
        ).success(self._saved).failure(self._not_saved).run()

    def _saved(self, stored: StoredBundle) -> None:
        self.saving = False
        self.stored = stored
        evaluated = self.evaluated
        decisions = [str(e.result.outcome) for e in evaluated.evaluations] if evaluated else []
        kinds = bundle_documents(decisions)
        lines = [f"已保存，一件事编号：{stored.number}"]
        if evaluated is not None:
            lines += [
                f"{self.marks.get(e.item.name, '')} {number}（{OUTCOME_LABEL[e.result.outcome]}）"
                for e, number in zip(evaluated.evaluations, stored.case_numbers, strict=True)
            ]
        self.saved_label.setText("\n".join(lines))
        self.saved_label.setStyleSheet("font-weight:bold;color:#1b5e20;")
        self.accept_button.setEnabled(False)
        for kind, button in self.print_buttons.items():
            button.setEnabled(kind in kinds)
            if kind not in kinds:
                button.setToolTip("各事项均无需补正或补交材料，不出具一次性告知书")
        self._desk.notices.show_status(
            f"一件事 {stored.number} 已保存（{len(stored.case_numbers)} 个办件）", 10000
        )
        self.saved.emit(stored)
        self._to_print = list(kinds)
        self._print_next()

    def _not_saved(self, error: Exception) -> None:
        self.saving = False
        self._lock(False)
        if isinstance(error, InputError):
            self.show_problems(error.problems)
        elif isinstance(error, SAVE_REFUSALS):
            self._desk.notices.notify(
                QMessageBox.Icon.Critical, "未能保存", f"{error}\n\n本一件事的办件均未保存，请处理后重试。"
            )
            self.reevaluate()
        else:
            raise error  # a bug: nothing was stored (one transaction)
        self.save_failed.emit(error)

    def _lock(self, locked: bool) -> None:
        self.intake.set_read_only(locked)
        self.checklist.set_locked(locked)
        self.checklist_view.setEditTriggers(
            QAbstractItemView.EditTrigger.NoEditTriggers if locked else EDITABLE
        )
        self.all_received_button.setEnabled(not locked)
        self._licence_offer()
        self.accept_button.setEnabled(not locked and self.evaluated is not None)

    # -- closing -------------------------------------------------------------------------------------
    def has_entries(self) -> bool:
        """Something typed or ticked that is not saved."""
        typed = any(e.text().strip() for e in (self.intake.name, self.intake.id_number, self.intake.phone))
        return typed or any(r.received for r in self.checklist.rows())

    def reject(self) -> None:
        """Esc or 关闭: while saving, nothing; with entries not saved, only once the clerk confirms."""
        if self.saving:
            return
        if self.stored is not None or not self.has_entries():
            super().reject()
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "放弃录入",
            f"“{self.bundle.name}”尚未保存，关闭将放弃已录入的申请人和材料。确定关闭？",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.button(QMessageBox.StandardButton.Yes).setText("放弃并关闭")
        box.button(QMessageBox.StandardButton.No).setText("继续录入")
        box.accepted.connect(lambda: QDialog.reject(self))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.discard_question = box

    # -- printing ------------------------------------------------------------------------------------
    def print_document(self, kind: DocumentKind) -> None:
        if self.stored is not None:
            self.printing.request_print(str(kind), self.stored.number)

    def _print_next(self) -> None:
        if self._to_print and self.stored is not None and shiboken6.isValid(self):
            self.print_document(self._to_print.pop(0))

    def _printed(self, _printed: object) -> None:
        self._print_next()  # the receipt first, then the notice
