"""电子证照: a material of the checklist satisfied by an electronic licence instead of its paper copy.

The clerk scans the licence's QR (the field takes the handheld scanner's keys itself, as the verify dialog
does: ui.scan_input leaves a dialog's own field alone) or pastes it, or looks the applicant's licences up by
their ID: this window's library, and online the hall's certificates on the server (app.licence_library
.lookup). Every licence is verified here with the keys the window holds; the fitness table
(app.licence_library.fitness) says why one does not satisfy the material (revoked, expired, wrong type,
another holder), and such a licence cannot be taken. A fit one is taken with 采用 (Enter once shown, or
Ctrl+Enter); the row shows it and the decision is evaluated again. 改交纸质 removes a licence taken before.

Verification reads the key directory on the database lane, the lookup runs on the network lane; an answer
is shown only if the field or the lookup still is what it answers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.catalog import Material
from app.identifiers import mask_resident_id
from app.intake import Applicant
from app.licence_library.evidence import SOURCE_LABEL, VERIFIED_BY_LABEL, Licence, VerifiedBy, type_label
from app.licence_library.fitness import UNFIT_LABEL, Holder, Refusal
from app.licence_library.library import LicenceError, LicenceLibrary
from app.licence_library.lookup import HolderIdError, look_up
from app.sync.transport import SyncError
from app.workspace import Workspace
from ui.jobs import Jobs
from ui.object_names import named

log = logging.getLogger("clerk.ui.licences")

GREEN, AMBER, RED = "#2e7d32", "#b26a00", "#b00020"
OFFLINE_NOTE = "离线：无法联网查询服务器上的电子证照。请扫描申请人出示的证照二维码（可离线核验）。"

# The server's lookup: the holder's licences found there (each verified here), and how many did not verify.
OnlineLookup = Callable[[str], tuple[list[Licence], int]]


@dataclass(frozen=True)
class Found:
    """What a lookup found: each licence with how it was found, and what the clerk is told besides."""

    licences: tuple[tuple[Licence, VerifiedBy], ...]
    note: str


def licence_dialog(
    workspace: Workspace,
    *,
    jobs: Jobs,
    material: Material,
    applicant: Applicant,
    current: Licence | None,
    parent: QWidget | None,
) -> LicenceDialog:
    """电子证照… (F7) for `material` of `applicant`, as the counter and the bundle intake open it: the
    window's library, and the server's lookup of the holder's licences when online."""
    library = workspace.licences

    def online(holder_id: str) -> tuple[list[Licence], int]:
        return look_up(
            library=library,
            transport=workspace.sync.transport,
            holder_id=holder_id,
            today=workspace.clock.today(),
        )

    return LicenceDialog(
        library=library,
        jobs=jobs,
        online=online,
        material=material,
        holder=Holder(applicant.name, applicant.id_number),
        current=current,
        parent=parent,
    )


class LicenceDialog(QDialog):
    taken = Signal(object, object)  # Licence, VerifiedBy: a fit licence the clerk took for the material
    removed = Signal()  # the licence taken before is removed: back to paper
    answered = Signal()  # a verification or a lookup is shown

    def __init__(
        self,
        *,
        library: LicenceLibrary,
        jobs: Jobs,
        online: OnlineLookup,
        material: Material,
        holder: Holder,
        current: Licence | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._library, self._jobs, self._online = library, jobs, online
        self.material, self.holder = material, holder
        self.candidate: tuple[Licence, VerifiedBy] | None = None  # the fit licence shown
        self.found: Found | None = None
        self._lookup_serial = 0
        self._shown_text = ""  # the QR text whose fit licence is shown (Enter again takes it)
        self.setWindowTitle(f"电子证照 — {material.name}")
        self.resize(760, 480)
        layout = QVBoxLayout(self)
        wanted = "、".join(type_label(t) for t in material.licence_types)
        holder_text = (
            f"{holder.name}（{mask_resident_id(holder.id_number)}）"
            if holder.id_number.strip()
            else "（尚未录入申请人证件号码）"
        )
        self.info = named(
            QLabel(f"本材料可用电子证照：{wanted}。持证人须为申请人 {holder_text}；采用后免交纸质。"),
            "licenceInfo",
        )
        self.info.setWordWrap(True)
        layout.addWidget(self.info)
        if current is not None:
            self.current = named(QLabel(f"已采用：{current.summary}"), "licenceCurrent")
            self.current.setStyleSheet(f"color:{GREEN};font-weight:bold;")
            self.current.setWordWrap(True)
            layout.addWidget(self.current)

        layout.addWidget(QLabel("扫描申请人出示的证照二维码（扫完自动核验），或粘贴二维码内容后按回车："))
        self.payload = named(QLineEdit(), "licencePayload")
        self.payload.setPlaceholderText("在此扫描电子证照二维码")
        self.payload.textEdited.connect(self._input_changed)
        row = QHBoxLayout()
        row.addWidget(self.payload, 1)
        self.verify_button = named(QPushButton("核验 (Enter)"), "licenceVerifyButton")
        self.verify_button.setDefault(True)
        self.verify_button.clicked.connect(self.verify)
        row.addWidget(self.verify_button)
        layout.addLayout(row)

        row = QHBoxLayout()
        self.lookup_button = named(QPushButton("按申请人证件号查找 (F5)"), "licenceLookupButton")
        self.lookup_button.setAutoDefault(False)
        self.lookup_button.setShortcut(QKeySequence("F5"))
        self.lookup_button.setToolTip("本窗口证照库；联网时另查本大厅签发给申请人的证照")
        self.lookup_button.setEnabled(bool(holder.id_number.strip()))
        self.lookup_button.clicked.connect(self.look_up)
        row.addWidget(self.lookup_button)
        self.lookup_note = named(QLabel(""), "licenceLookupNote")
        self.lookup_note.setWordWrap(True)
        row.addWidget(self.lookup_note, 1)
        layout.addLayout(row)
        self.results = named(QListWidget(), "licenceResults")
        self.results.setMaximumHeight(120)
        self.results.setVisible(False)  # until a lookup has found something
        self.results.currentRowChanged.connect(self._result_chosen)
        self.results.itemActivated.connect(lambda _item: self.take())
        layout.addWidget(self.results)

        self.status = named(QLabel(""), "licenceStatus")
        self.status.setStyleSheet("font-size:16pt;font-weight:bold;")
        self.details = named(QLabel(""), "licenceDetails")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.status)
        layout.addWidget(self.details, 1)

        buttons = QHBoxLayout()
        self.remove_button = named(QPushButton("改交纸质（移除电子证照）"), "licenceRemoveButton")
        self.remove_button.setAutoDefault(False)
        self.remove_button.setVisible(current is not None)
        self.remove_button.clicked.connect(self.remove)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        self.take_button = named(QPushButton("采用此证照 (Ctrl+Enter)"), "licenceTakeButton")
        self.take_button.setEnabled(False)
        self.take_button.setAutoDefault(False)
        self.take_button.clicked.connect(self.take)
        buttons.addWidget(self.take_button)
        close = named(QPushButton("关闭 (Esc)"), "licenceCloseButton")
        close.setAutoDefault(False)
        close.clicked.connect(self.reject)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self.take)
        self.payload.setFocus()

    # -- scanning ------------------------------------------------------------------------------------------
    def verify(self) -> None:
        """Enter in the field: verify what it holds; once a fit licence is shown for it, take it."""
        text = self.payload.text().strip()
        if self.candidate is not None and self._shown_text == text and text:
            self.take()
            return
        self._ready_for_next_scan()
        if not text:
            self._show_text("", "请先扫描申请人出示的电子证照二维码。", AMBER)
            self.answered.emit()
            return
        library = self._library
        self._jobs.database(lambda _progress: library.verify(text), parent=self).success(
            lambda licence: self._verified(text, licence)
        ).failure(lambda error: self._not_verified(text, error)).run()

    def _verified(self, text: str, licence: Licence) -> None:
        if self.payload.text().strip() != text:
            return  # a newer scan is on its way
        self._shown_text = text
        self._show_licence(licence, VerifiedBy.QR_OFFLINE)
        self._ready_for_next_scan()
        self.answered.emit()

    def _not_verified(self, text: str, error: Exception) -> None:
        if self.payload.text().strip() != text:
            return
        if not isinstance(error, LicenceError):
            log.error("licence verification failed", exc_info=error)
            message = "本机核验时出错，请再扫描一次；仍然出错请联系大厅信息技术人员（详情已记入日志）。"
        else:
            message = f"{error}。请不要采用这张证照；二维码污损或无法核验时，请申请人提交纸质材料。"
        self._shown_text = ""
        self._show_text("不能采用", message, RED)
        self._ready_for_next_scan()
        self.answered.emit()

    # -- looking up by the holder's ID ---------------------------------------------------------------------
    def look_up(self) -> None:
        holder_id = self.holder.id_number
        if not holder_id.strip():
            return
        self._lookup_serial += 1
        serial = self._lookup_serial
        self.lookup_button.setEnabled(False)
        self.lookup_note.setText("正在查找…")
        library, online = self._library, self._online
        self._jobs.network(lambda _progress: _find(library, online, holder_id), parent=self).success(
            lambda found: self._looked_up(serial, found)
        ).failure(lambda error: self._not_looked_up(serial, error)).run()

    def _looked_up(self, serial: int, found: Found) -> None:
        if serial != self._lookup_serial:
            return
        self.found = found
        self.lookup_button.setEnabled(True)
        self.results.clear()
        for licence, how in found.licences:
            refused = self._refusal(licence)
            verdict = "可采用" if refused is None else f"不可采用：{UNFIT_LABEL[refused.reason]}"
            item = QListWidgetItem(f"{licence.summary}｜{VERIFIED_BY_LABEL[how]}｜{verdict}")
            item.setForeground(Qt.GlobalColor.darkGreen if refused is None else Qt.GlobalColor.darkRed)
            self.results.addItem(item)
        count = len(found.licences)
        head = f"找到 {count} 个电子证照，上下键选择，回车采用。" if count else "没有找到申请人的电子证照。"
        self.lookup_note.setText(" ".join(part for part in (head, found.note) if part))
        self.results.setVisible(count > 0)
        if count:
            self.results.setCurrentRow(0)
            self.results.setFocus()
        self.answered.emit()

    def _not_looked_up(self, serial: int, error: Exception) -> None:
        if serial != self._lookup_serial:
            return
        self.lookup_button.setEnabled(True)
        if isinstance(error, HolderIdError):
            self.lookup_note.setText(f"不能查找：{error}")
        else:
            log.error("licence lookup failed", exc_info=error)
            self.lookup_note.setText("查找时出错（详情已记入日志）；请扫描证照二维码。")
        self.answered.emit()

    def _result_chosen(self, row: int) -> None:
        if self.found is None or not 0 <= row < len(self.found.licences):
            return
        licence, how = self.found.licences[row]
        self._shown_text = ""
        self._show_licence(licence, how)

    # -- the answer ----------------------------------------------------------------------------------------
    def _refusal(self, licence: Licence) -> Refusal | None:
        return self._library.refusal(
            licence,
            accepted_types=self.material.licence_types,
            material_name=self.material.name,
            holder=self.holder,
        )

    def _show_licence(self, licence: Licence, how: VerifiedBy) -> None:
        refused = self._refusal(licence)
        facts = [
            f"证照：{licence.type_name}（{licence.number}）",
            f"持证人：{licence.holder_name}　{licence.holder_id_masked}",
            f"发证机关：{licence.issuer_name}　发证日期：{licence.issued_on}",
            f"有效期至：{licence.valid_until_label}",
            f"来源：{SOURCE_LABEL[licence.source]}　核验：{VERIFIED_BY_LABEL[how]}，电子印章真实",
        ]
        if refused is None:
            self.candidate = (licence, how)
            self._show_text("可以采用", "\n".join(["此证照满足本材料，采用后免交纸质。", *facts]), GREEN)
            self.take_button.setEnabled(True)
            self.take_button.setDefault(True)
        else:
            self.candidate = None
            self._show_text(
                f"不能采用：{UNFIT_LABEL[refused.reason]}", "\n".join([refused.message, *facts]), RED
            )

    def _show_text(self, headline: str, text: str, color: str) -> None:
        if not headline or color != GREEN:
            self.candidate = None
            self.take_button.setEnabled(False)
            self.verify_button.setDefault(True)
        self.status.setText(headline)
        self.status.setStyleSheet(f"font-size:16pt;font-weight:bold;color:{color};")
        self.details.setText(text)

    def take(self) -> None:
        if self.candidate is None:
            return
        licence, how = self.candidate
        self.taken.emit(licence, how)
        self.accept()

    def remove(self) -> None:
        self.removed.emit()
        self.accept()

    def _ready_for_next_scan(self) -> None:
        self.payload.setFocus()
        self.payload.selectAll()

    def _input_changed(self, _text: str) -> None:
        """A new scan or typing: what is shown is not about it."""
        self._shown_text = ""
        if self.status.text() or self.details.text():
            self._show_text("", "", AMBER)


def _find(library: LicenceLibrary, online: OnlineLookup, holder_id: str) -> Found:
    """This window's library, then the server (offline: said, and the library's alone)."""
    found: dict[str, tuple[Licence, VerifiedBy]] = {
        licence.licence_id: (licence, VerifiedBy.LIBRARY) for licence in library.by_holder(holder_id)
    }
    note = ""
    try:
        licences, left_out = online(holder_id)
    except SyncError as error:
        if error.kind in ("offline", "not_registered"):
            note = OFFLINE_NOTE
        else:
            note = f"服务器未能查询：{error.message}。请扫描证照二维码。"
        log.info("licence lookup on the server not done: %s", error.message)
    else:
        for licence in licences:
            held = found.get(licence.licence_id)
            if held is None or licence.revocation is not None:
                found[licence.licence_id] = (licence, VerifiedBy.SERVER_LOOKUP)
        if left_out:
            note = f"服务器另有 {left_out} 个证照本机无法核验，未列出。"
    return Found(tuple(found.values()), note)
