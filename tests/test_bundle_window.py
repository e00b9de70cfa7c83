"""一件事一次办 through the real main window (pytest-qt, real widgets, a real SQLite file, a real print
queue): the bundle found in the item search, one applicant form, the combined checklist with shared
materials once, a decision per item that follows the ticks, one save storing every case, the
combined receipt and one-time notice previewed, printed and recorded, read back (pypdfium2, zxing-
cpp), and the bundle's QR scanned back into the window opening its cases with their statuses. Bad
input: the wrong applicant kind, an applicant left out, a bundle not held here while offline: a
message, nothing stored."""

from __future__ import annotations

from collections.abc import Iterator

import pypdfium2 as pdfium
import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from shiboken6 import isValid
from sqlalchemy import func, select

from app.bundles.numbers import format_bundle_number
from app.catalog import ApplicantKind
from app.completeness import Outcome
from app.documents.kinds import DocumentKind
from app.scanning.image_codes import codes_in_image
from app.scanning.routing import OpenBundle
from app.workspace import Workspace
from db.models import Case, CaseBundle, CaseEvent
from tests.bundle_helpers import DRAIN, FOOD, HYGIENE, SIGN
from tests.conftest import DEFAULT_NOW
from tests.helpers import COMPANY
from tests.test_scan_window import focus_name, scan
from ui.bundle_checklist import BundleColumn
from ui.bundle_dialog import BundleCaseColumn, BundleDialog
from ui.bundle_intake import BundleIntakeDialog
from ui.main_window import MainWindow
from ui.models import CodeRole
from ui.printing import PrintPreviewDialog


def read_back(pdf: bytes) -> tuple[str, list[tuple[str, str]]]:
    """The PDF's text and the codes on its pages, as a person with a phone would read them."""
    document = pdfium.PdfDocument(pdf)
    texts, codes = [], []
    try:
        for page in document:
            texts.append(page.get_textpage().get_text_range())
            image = page.render(scale=150 / 72).to_pil()
            codes += [(c.format, c.text) for c in codes_in_image(image)]
            page.close()
    finally:
        document.close()
    return "\n".join(texts).replace("\r", "").replace("\n", ""), codes


def stored_counts(workspace: Workspace) -> tuple[int, int]:
    with workspace.store.read() as session:
        return (
            session.scalar(select(func.count()).select_from(CaseBundle)) or 0,
            session.scalar(select(func.count()).select_from(Case)) or 0,
        )


def open_intake(qtbot: QtBot, window: MainWindow, query: str) -> BundleIntakeDialog:
    """Typed into the item search and chosen with Enter, keyboard only."""
    window.item_query.setFocus()
    window.item_query.setText(query)  # QTest types ASCII only: Chinese comes as from an input method
    first = window.search_model.index(0, 0)
    assert first.data() == "【一件事】开办餐饮店"
    with qtbot.waitSignal(window.bundles.intake_opened, timeout=10_000) as opened:
        qtbot.keyClick(window.item_query, Qt.Key.Key_Return)
    dialog = opened.args[0]
    assert isinstance(dialog, BundleIntakeDialog)
    qtbot.waitExposed(dialog)
    dialog.activateWindow()  # its shortcuts (F9, Ctrl+Enter) are the active window's
    qtbot.waitUntil(dialog.isActiveWindow)
    return dialog


def fill_company(qtbot: QtBot, dialog: BundleIntakeDialog) -> None:
    intake = dialog.intake
    assert intake.applicant_kind() is ApplicantKind.ORGANIZATION  # the only kind the bundle's items serve
    intake.name.setText(COMPANY["name"])
    qtbot.keyClicks(intake.id_number, COMPANY["id_number"])
    qtbot.keyClicks(intake.phone, COMPANY["phone"])


def untick(dialog: BundleIntakeDialog, key: str) -> None:
    model = dialog.checklist
    index = model.index(model.row_of(key), BundleColumn.RECEIVED)
    assert model.setData(index, Qt.CheckState.Unchecked.value, Qt.ItemDataRole.CheckStateRole)


def print_preview(qtbot: QtBot, dialog: BundleIntakeDialog, kind: DocumentKind) -> tuple[bytes, str]:
    """The preview of `kind` that opened, printed to the real queue and recorded: its PDF and number."""
    from tests.cups_queue import READY

    qtbot.waitUntil(
        lambda: (
            isinstance(dialog.printing.preview, PrintPreviewDialog)
            and isValid(dialog.printing.preview)
            and dialog.printing.preview.isVisible()
            and dialog.printing.preview.document.kind is kind
        ),
        timeout=30_000,
    )
    preview = dialog.printing.preview
    assert preview is not None
    preview.printer.setCurrentText(READY)
    document = preview.document
    with qtbot.waitSignal(dialog.printing.printed, timeout=60_000):
        preview.accept()
    return document.pdf, document.number


@pytest.fixture
def print_queues() -> Iterator[None]:
    from tests.cups_queue import ensure_queues, queues_to_ourselves

    with queues_to_ourselves():
        ensure_queues()
        yield


@pytest.mark.slow
@pytest.mark.usefixtures("print_queues")
def test_a_bundle_intake_with_shared_materials_and_split_decisions_printed_read_back_and_scanned(
    qtbot: QtBot, window: MainWindow, workspace: Workspace
) -> None:
    dialog = open_intake(qtbot, window, "kbcyd")  # 开办餐饮店 by its pinyin initials
    fill_company(qtbot, dialog)
    model = dialog.checklist
    shared = [r for r in model.rows() if r.row.shared]
    assert shared and all(len(r.row.item_names) >= 2 for r in shared)  # once, with the items it counts for
    keys = [r.row.key for r in model.rows()]
    assert len(keys) == len(set(keys))
    assert (
        model.index(model.row_of("S01"), BundleColumn.ITEMS).data().startswith("①②")
    )  # as the heading marks
    assert "①食品经营许可（新办） ②公共场所卫生许可" in dialog.heading.text()
    licence = model.index(model.row_of("S01"), BundleColumn.ITEMS).data(Qt.ItemDataRole.ToolTipRole)
    assert "共享材料：收取一份" in licence and "①食品经营许可（新办）、②公共场所卫生许可" in licence
    own = [r.row.item_code for r in model.rows() if not r.row.shared]
    assert own == sorted(own, key=[FOOD, HYGIENE, SIGN, DRAIN].index)  # each item's own under its item

    qtbot.keyClick(dialog, Qt.Key.Key_F9)  # everything handed over: every item accepted
    assert {dialog.decision_of(code) for code in (FOOD, HYGIENE, SIGN, DRAIN)} == {Outcome.ACCEPTED}
    untick(dialog, f"{HYGIENE}/M06")  # the hygiene permit's own material missing: that item alone to 补正
    assert dialog.decision_of(HYGIENE) is Outcome.SUPPLEMENT_REQUIRED
    assert dialog.decision_of(FOOD) is Outcome.ACCEPTED and dialog.decision_of(SIGN) is Outcome.ACCEPTED
    shown = [dialog.decisions.item(i).text() for i in range(dialog.decisions.count())]
    assert "②公共场所卫生许可：补正告知" in shown and "①食品经营许可（新办）：受理" in shown
    assert not dialog.capture_button.isEnabled() and "办件编号在保存后才有" in dialog.capture_button.toolTip()

    with qtbot.waitSignal(dialog.saved, timeout=20_000) as saved:
        qtbot.keyClick(dialog, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    stored = saved.args[0]
    assert stored_counts(workspace) == (1, 4)
    assert stored.number in dialog.saved_label.text()

    receipt_pdf, receipt_number = print_preview(qtbot, dialog, DocumentKind.BUNDLE_RECEIPT)
    notice_pdf, notice_number = print_preview(
        qtbot, dialog, DocumentKind.BUNDLE_NOTICE
    )  # comes next by itself
    url = f"HTTPS://ZWFW.EXAMPLE.GOV.CN/BUNDLE/{stored.number}"
    receipt, receipt_codes = read_back(receipt_pdf)
    assert "一件事一次办受理回执" in receipt and receipt_number in receipt
    for case in stored.case_numbers:
        assert case in receipt
    assert ("QR Code", url) in receipt_codes
    notice, notice_codes = read_back(notice_pdf)
    assert "一件事一次性告知书" in notice and notice_number in notice and "公共场所卫生许可" in notice
    assert ("QR Code", url) in notice_codes
    for case in stored.case_numbers:  # recorded as a case's print is: a record and an event for each case
        kinds = {p["kind"] for p in workspace.documents.prints(case)}
        assert kinds == {str(DocumentKind.BUNDLE_RECEIPT), str(DocumentKind.BUNDLE_NOTICE)}
    with workspace.store.read() as session:
        printed = session.scalars(
            select(CaseEvent.case_number).where(CaseEvent.kind == "document.printed")
        ).all()
    assert sorted(printed) == sorted(stored.case_numbers * 2)

    dialog.close()
    focus_name(qtbot, window)
    with qtbot.waitSignal(window.bundles.opened, timeout=20_000) as opened:
        route = scan(qtbot, window, url)
    assert route == OpenBundle(stored.number)
    assert window.intake.name.text() == ""  # the scan typed nothing
    bundle_dialog = opened.args[0]
    assert isinstance(bundle_dialog, BundleDialog)
    rows = bundle_dialog.model.rowCount()
    lines = {
        bundle_dialog.model.index(r, BundleCaseColumn.NUMBER).data(): (
            bundle_dialog.model.index(r, BundleCaseColumn.DECISION).data(),
            bundle_dialog.model.index(r, BundleCaseColumn.STATUS).data(),
        )
        for r in range(rows)
    }
    assert set(lines) == set(stored.case_numbers)
    assert sorted(d for d, _ in lines.values()) == ["受理", "受理", "受理", "补正告知"]
    assert "有事项待补正" in bundle_dialog.heading.text()
    index = bundle_dialog.model.index(1, BundleCaseColumn.ITEM)
    with qtbot.waitSignal(window.lookup.opened, timeout=20_000) as case_opened:
        bundle_dialog.view.activated.emit(index)
    assert case_opened.args[0].case.number == bundle_dialog.model.index(1, 0).data()


def test_the_wrong_applicant_kind_is_refused_with_a_message_and_nothing_is_stored(
    qtbot: QtBot, window: MainWindow, workspace: Workspace
) -> None:
    dialog = open_intake(qtbot, window, "开办餐饮")
    intake = dialog.intake
    intake.kind.setCurrentIndex(intake.kind.findData(ApplicantKind.PERSON))
    intake.name.setText("张三")
    qtbot.keyClicks(intake.id_number, "11010519491231002X")
    qtbot.keyClick(dialog, Qt.Key.Key_F9)
    shown = [dialog.decisions.item(i).text() for i in range(dialog.decisions.count())]
    assert any("只能由法人申请，申请人类型不符" in line for line in shown), shown
    assert not dialog.accept_button.isEnabled()
    qtbot.keyClick(dialog, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    window.jobs.wait()
    assert stored_counts(workspace) == (0, 0) and dialog.stored is None


def test_a_bundle_without_its_applicant_is_not_saved(
    qtbot: QtBot, window: MainWindow, workspace: Workspace
) -> None:
    dialog = open_intake(qtbot, window, "餐饮")
    qtbot.keyClick(dialog, Qt.Key.Key_F9)
    assert not dialog.accept_button.isEnabled() and dialog.summary.text() == "待完善"
    qtbot.keyClick(dialog, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    window.jobs.wait()
    assert stored_counts(workspace) == (0, 0)


def test_a_bundle_case_opens_its_bundle_and_offline_a_bundle_not_held_here_says_so(
    qtbot: QtBot, window: MainWindow, workspace: Workspace
) -> None:
    from app.bundles.intake import parse_bundle_request
    from tests.bundle_helpers import RESTAURANT, bundle_json

    stored = workspace.bundles.accept(
        parse_bundle_request(bundle_json(workspace, RESTAURANT)), counter=window.counter
    )
    with qtbot.waitSignal(window.lookup.opened, timeout=20_000) as opened:
        window.show_case(stored.case_numbers[0])
    case_dialog = opened.args[0]
    assert case_dialog.bundle_button is not None
    with qtbot.waitSignal(window.bundles.opened, timeout=20_000) as bundle_opened:
        case_dialog.bundle_button.click()
    shown = bundle_opened.args[0]
    assert shown.status.number == stored.number and shown.model.rowCount() == 4
    assert "全部" not in shown.heading.text() and "办理中" in shown.heading.text()
    shown.close()

    other = format_bundle_number(window_code="SZX0109", day=DEFAULT_NOW.date(), serial=1)
    with qtbot.waitSignal(window.bundles.not_followed, timeout=20_000) as refused:
        window.show_bundle(other)
    assert "离线" in refused.args[0] and other in refused.args[0]
    assert window.last_message is not None and "离线" in window.last_message.text()


def test_bundles_are_listed_first_and_found_by_name_and_initials(window: MainWindow) -> None:
    model = window.search_model
    names = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert names[:4] == [
        "【一件事】开办餐饮店",
        "【一件事】企业开办",
        "【一件事】企业注销",
        "【一件事】新建项目开工",
    ]
    window.item_search.search("qyzx")
    assert model.index(0, 0).data() == "【一件事】企业注销"
    assert model.index(0, 0).data(CodeRole) == "YJS-510100-003"
    window.item_search.search("建设工程规划")
    assert not str(model.index(0, 0).data()).startswith("【一件事】")
    assert QModelIndex().isValid() is False


def test_closing_an_unsaved_bundle_intake_asks_first(qtbot: QtBot, window: MainWindow) -> None:
    dialog = open_intake(qtbot, window, "kbcyd")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # nothing entered: it closes
    qtbot.waitUntil(lambda: not isValid(dialog) or not dialog.isVisible())
    dialog = open_intake(qtbot, window, "kbcyd")
    qtbot.keyClick(dialog, Qt.Key.Key_F9)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible() and dialog.discard_question is not None
    question = dialog.discard_question
    assert "尚未保存" in question.text()
    question.button(QMessageBox.StandardButton.No).click()
    assert dialog.isVisible()
    dialog.close_button.click()
    question = dialog.discard_question
    question.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: not isValid(dialog) or not dialog.isVisible())


def toggle(qtbot: QtBot, dialog: BundleIntakeDialog, key: str, column: BundleColumn) -> None:
    """The clerk goes to the cell and presses Space, as at the counter's checklist."""
    view = dialog.checklist_view
    view.setFocus()
    view.setCurrentIndex(dialog.checklist.index(dialog.checklist.row_of(key), column))
    qtbot.keyClick(view, Qt.Key.Key_Space)


def test_a_commitment_ticked_and_a_licence_chosen_for_shared_materials_count_where_each_item_allows(
    qtbot: QtBot, window: MainWindow, workspace: Workspace
) -> None:
    from tests.bundle_helpers import business_licence, load_hygiene_without_commitment
    from tests.test_licence_window import scan as scan_licence
    from ui.models import LicenceRole

    _, qr_text = business_licence(workspace)  # a 营业执照 this hall issued to the applicant
    load_hygiene_without_commitment(workspace)
    dialog = open_intake(qtbot, window, "kbcyd")
    fill_company(qtbot, dialog)
    qtbot.keyClick(dialog, Qt.Key.Key_F9)
    model = dialog.checklist
    identity = model.index(model.row_of("S02"), BundleColumn.COMMITMENT)
    assert identity.data() == "—" and not model.flags(identity) & Qt.ItemFlag.ItemIsUserCheckable
    premises = model.index(model.row_of("S03"), BundleColumn.COMMITMENT)
    assert "仅①食品经营许可（新办）可以告知承诺替代，其他事项仍须提交材料" in premises.data(
        Qt.ItemDataRole.ToolTipRole
    )

    toggle(qtbot, dialog, "S03", BundleColumn.COMMITMENT)  # the applicant signs the 告知承诺 …
    toggle(qtbot, dialog, "S03", BundleColumn.RECEIVED)  # … instead of bringing the paper
    assert premises.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    assert dialog.decision_of(FOOD) is Outcome.ACCEPTED
    assert dialog.decision_of(HYGIENE) is Outcome.SUPPLEMENT_REQUIRED
    shown = [dialog.decisions.item(i).text() for i in range(dialog.decisions.count())]
    assert "　· 「经营场所使用证明」不适用告知承诺制，须提交材料" in shown, shown

    view = dialog.checklist_view
    view.setCurrentIndex(model.index(model.row_of("S02"), BundleColumn.NAME))
    assert not dialog.licence_button.isEnabled()  # no licence stands in for an identity card copy
    view.setCurrentIndex(model.index(model.row_of("S01"), BundleColumn.NAME))
    assert dialog.licence_button.isEnabled()
    qtbot.keyClick(view, Qt.Key.Key_F7)
    chooser = dialog.licence_dialog
    assert chooser is not None
    qtbot.waitExposed(chooser)
    chooser.activateWindow()  # the offscreen platform does not activate a new window by itself
    qtbot.waitUntil(chooser.isActiveWindow)
    assert "营业执照" in chooser.info.text() and COMPANY["name"] in chooser.info.text()
    scan_licence(qtbot, chooser, qr_text)
    assert chooser.status.text() == "可以采用"
    with qtbot.waitSignal(chooser.finished, timeout=5000):
        qtbot.keyClick(chooser.payload, Qt.Key.Key_Return)  # Enter again takes what is shown

    row = model.row_of("S01")
    assert model.index(row, BundleColumn.FORM).data() == "电子证照"
    assert model.index(row, BundleColumn.COPIES).data() == "—"
    assert "营业执照" in model.index(row, BundleColumn.NAME).data(LicenceRole)
    evaluated = dialog.evaluated
    assert evaluated is not None
    for evaluation in evaluated.evaluations:  # one licence, for every item of the bundle
        assert any("以电子证照（营业执照）替代" in f.message for f in evaluation.result.findings)
    assert dialog.accept_button.isEnabled()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    with qtbot.waitSignal(dialog.saved, timeout=20_000) as saved:
        qtbot.keyClick(dialog, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    stored = saved.args[0]
    for number in stored.case_numbers:
        case = workspace.cases.find(number)
        assert case is not None
        assert [m.form for m in case.materials if m.licence] == ["licence"]
    decided = {workspace.cases.find(n).outcome for n in stored.case_numbers}  # type: ignore[union-attr]
    assert decided == {Outcome.ACCEPTED, Outcome.SUPPLEMENT_REQUIRED}
