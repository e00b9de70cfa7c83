"""The capture view in the real main window: pages captured for a case being taken in fill 页数 and are
saved with the decision; a saved case's feeder run with its separator sheets split to its materials; the
back office sees the pages read-only and exports them; every warning needs the clerk's word."""

from __future__ import annotations

import io
from pathlib import Path

import pypdfium2 as pdfium
import qrcode
from PIL import Image
from pytestqt.qtbot import QtBot

from app.documents.separator_sheets import separator_sheets_pdf
from app.scanning.pages import CapturedPage, PageFormat, PageSource
from app.workspace import Workspace
from tests.page_fixtures import captured
from tests.sane_test_backend import sane_config
from tests.test_main_window import accept, fill_company_with_agent
from tests.test_verify_dialog import approved_certificate
from ui.capture_view import UNPLACED, CaptureDialog, remember_camera, remembered_camera
from ui.main_window import MainWindow
from ui.models import MaterialColumn


def blank() -> CapturedPage:
    out = io.BytesIO()
    Image.new("L", (827, 1169), 250).save(out, "PNG")
    return CapturedPage(out.getvalue(), PageFormat.PNG, 827, 1169, 100, PageSource.SCANNER, "空白.png")


def opened(qtbot: QtBot, window: MainWindow) -> CaptureDialog:
    window.counter_flow.open_capture()
    dialog = window.counter_flow.capture_dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    return dialog


def choose(dialog: CaptureDialog, code: str) -> None:
    codes = [dialog.materials.item(i).data(0x0100) for i in range(dialog.materials.count())]
    dialog.materials.setCurrentRow(codes.index(code))


def added(qtbot: QtBot, dialog: CaptureDialog, code: str, pages: list[CapturedPage], total: int) -> None:
    dialog.add_pages(code, pages, "测试")
    qtbot.waitUntil(lambda: len(dialog.session.pages(code)) == total and dialog.busy == 0, timeout=20_000)


def test_pages_captured_before_the_decision_fill_the_checklist_and_are_saved_with_it(
    window: MainWindow, qtbot: QtBot, workspace: Workspace
) -> None:
    fill_company_with_agent(qtbot, window)
    dialog = opened(qtbot, window)
    choose(dialog, "M01")
    added(qtbot, dialog, "M01", [captured("表 1"), blank(), captured("表 2")], 3)
    # The blank page is marked, and 完成 is refused until the clerk decides.
    qtbot.waitUntil(lambda: dialog.pages.count() == 3)
    assert "⚠" in dialog.pages.item(1).text()
    dialog.finish()
    assert dialog.isVisible() and "须处理后才能完成" in dialog.message.text()
    dialog.pages.setCurrentRow(1)
    assert dialog.keep_button.isVisible()
    dialog.keep_page()
    dialog.pages.setCurrentRow(2)
    dialog.rotate(clockwise=True)
    # Thumbnails come from the worker: each page's icon is drawn.
    qtbot.waitUntil(lambda: all(not dialog.pages.item(i).icon().isNull() for i in range(3)), timeout=20_000)
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        dialog.finish()
    rows = {row.material.code: row for row in window.checklist.rows()}
    assert rows["M01"].received and rows["M01"].pages == 3
    index = window.checklist.index(0, MaterialColumn.PAGES)
    assert window.checklist.data(index) == 3
    window.checklist.mark_all_received()
    number = accept(qtbot, window)
    (form,) = [s for s in workspace.pages.page_sets(number) if s.material_code == "M01"]
    assert [p.rotation for p in form.pages] == [0, 0, 90]
    assert form.pages[1].warnings == ("blank",) and form.pages[1].kept_despite_warnings


def test_a_feeder_run_with_separator_sheets_is_split_to_the_saved_cases_materials(
    window: MainWindow, qtbot: QtBot, workspace: Workspace
) -> None:
    fill_company_with_agent(qtbot, window)
    window.checklist.mark_all_received()
    number = accept(qtbot, window)
    dialog = opened(qtbot, window)
    assert dialog.case_number == number and dialog.feeder_button.isEnabled()
    sheets = separator_sheets_pdf(
        case_number=number, applicant_name="测试", checklist=[("M01", "申请表"), ("M02", "营业执照")]
    )
    pdf = pdfium.PdfDocument(sheets.data)
    pictures = [pdf[i].render(scale=200 / 72, grayscale=True).to_pil().convert("L") for i in range(len(pdf))]
    pdf.close()

    def jpeg(picture: Image.Image, origin: str) -> CapturedPage:
        out = io.BytesIO()
        picture.save(out, "JPEG", quality=85)
        return CapturedPage(
            out.getvalue(), PageFormat.JPEG, picture.width, picture.height, 200, PageSource.FEEDER, origin
        )

    texts = ("前", "表1", "表2", "执照")
    stray, form1, form2, licence = (captured(t, source=PageSource.FEEDER) for t in texts)
    run = [stray, jpeg(pictures[0], "sheet-1"), form1, form2, jpeg(pictures[1], "sheet-2"), licence]
    dialog.split_feeder_run(run)
    qtbot.waitUntil(lambda: dialog.busy == 0 and len(dialog.session.unplaced) == 1, timeout=60_000)
    assert [p.origin for p in dialog.session.pages("M01")] == [form1.origin, form2.origin]
    assert [p.origin for p in dialog.session.pages("M02")] == [licence.origin]
    assert "第一张分隔页之前" in dialog.session.unplaced[0].reason
    assert "未能归类" in dialog.message.text()
    # The stray page is placed by hand, then everything is attached to the saved case.
    choose(dialog, UNPLACED)
    dialog.pages.setCurrentRow(0)
    dialog.move_to.setCurrentIndex(1)
    dialog.move_to.activated.emit(1)  # 移到材料 M02
    assert dialog.session.unplaced == [] and len(dialog.session.pages("M02")) == 2
    choose(dialog, "M01")
    with qtbot.waitSignal(dialog.accepted, timeout=20_000):
        dialog.finish()
    sets = {s.material_code: len(s.pages) for s in workspace.pages.page_sets(number)}
    assert sets == {"M01": 2, "M02": 2}


def test_the_back_office_sees_the_pages_read_only_and_exports_them(
    window: MainWindow, qtbot: QtBot, workspace: Workspace, tmp_path: Path
) -> None:
    fill_company_with_agent(qtbot, window)
    dialog = opened(qtbot, window)
    added(qtbot, dialog, "M01", [captured("表 1"), captured("表 2")], 2)
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        dialog.finish()
    window.checklist.mark_all_received()
    number = accept(qtbot, window)
    window.case_lookup.setText(number)
    with qtbot.waitSignal(window.lookup.opened, timeout=20_000):
        window.lookup_case()
    case_dialog = window.case_dialog
    assert case_dialog is not None and case_dialog.pages_button.isEnabled()
    flow = window.lookup.pages
    # The clerk who accepted may add to it; someone who may only look sees it read-only (an approver).
    window.desk.counter = workspace.counter("shenpi")
    case_dialog.pages_button.click()
    qtbot.waitUntil(lambda: flow.dialog is not None and flow.dialog.isVisible(), timeout=20_000)
    shown = flow.dialog
    assert shown is not None and shown.read_only
    assert not shown.camera_button.isVisible() and not shown.delete_button.isVisible()
    assert shown.session.page_counts()["M01"] == 2
    target = tmp_path / "材料.pdf"
    flow.export(number, target)
    qtbot.waitUntil(target.exists, timeout=20_000)
    exported = pdfium.PdfDocument(target)
    assert len(exported) == 3  # contents and two pages
    exported.close()


def test_a_scan_through_sane_is_attached_to_the_chosen_material(
    window: MainWindow,
    qtbot: QtBot,
    workspace: Workspace,
    tmp_path_factory,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    # SANE's real `test` backend, the only backend enabled. SANE reads its configuration once per process:
    # every test of this process that scans uses this one folder (tests/sane_test_backend.py).
    config = sane_config(tmp_path_factory.getbasetemp() / "sane-in-window", test_picture='"Color pattern"')
    monkeypatch.setenv("SANE_CONFIG_DIR", str(config))
    fill_company_with_agent(qtbot, window)
    dialog = opened(qtbot, window)
    choose(dialog, "M02")
    dialog.scan_button.click()
    qtbot.waitUntil(lambda: dialog.busy == 0 and len(dialog.session.pages("M02")) == 1, timeout=60_000)
    (page,) = dialog.session.pages("M02")
    assert page.page.source == PageSource.SCANNER and page.page.dpi == 300
    assert page.page.format == PageFormat.JPEG  # a gray scan: JPEG (app.scanning.sources.page_image)
    assert dialog.scanners.count() >= 1 and "frontend-tester" in dialog.scanners.itemText(0)
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        dialog.finish()
    window.checklist.mark_all_received()
    number = accept(qtbot, window)
    (licence,) = [s for s in workspace.pages.page_sets(number) if s.material_code == "M02"]
    assert workspace.pages.pages.read(licence.pages[0].sha256)[:2] == b"\xff\xd8"


def test_files_dropped_in_the_scan_folder_come_to_the_chosen_material(
    window: MainWindow, qtbot: QtBot, workspace: Workspace, tmp_path: Path
) -> None:
    folder = tmp_path / "扫描到此"
    folder.mkdir()
    workspace.settings.set("scan_folder", str(folder))
    fill_company_with_agent(qtbot, window)
    dialog = opened(qtbot, window)
    assert "监视中" in dialog.folder_label.text()
    choose(dialog, "M04")
    (folder / "scan-0001.png").write_bytes(captured("网络扫描仪").data)
    (folder / "scan-0002.pdf").write_bytes(b"%PDF-1.7 broken")
    qtbot.waitUntil(lambda: len(dialog.session.pages("M04")) == 1 and dialog.busy == 0, timeout=30_000)
    qtbot.waitUntil(lambda: "未能导入" in dialog.folder_label.text(), timeout=30_000)
    assert (folder / "已导入" / "scan-0001.png").exists()
    assert (folder / "无法导入" / "scan-0002.pdf").exists()


def test_a_missing_scan_folder_is_said_so_and_capture_goes_on(
    window: MainWindow, qtbot: QtBot, workspace: Workspace, tmp_path: Path
) -> None:
    workspace.settings.set("scan_folder", str(tmp_path / "不存在"))
    fill_company_with_agent(qtbot, window)
    dialog = opened(qtbot, window)
    assert "扫描文件夹不可用" in dialog.folder_label.text() and "不存在" in dialog.folder_label.text()
    added(qtbot, dialog, "M01", [captured("仍可采集")], 1)


def test_a_corrupt_file_is_refused_by_name_and_nothing_is_added(
    window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    fill_company_with_agent(qtbot, window)
    dialog = opened(qtbot, window)
    broken = tmp_path / "坏的.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 truncated")
    good = tmp_path / "好的.png"
    good.write_bytes(captured("好").data)
    dialog.import_files("M01", [broken, good])
    qtbot.waitUntil(lambda: len(dialog.session.pages("M01")) == 1 and dialog.busy == 0, timeout=30_000)
    qtbot.waitUntil(lambda: "坏的.jpg" in dialog.last_error, timeout=10_000)
    assert len(list(dialog.session.store.files())) == 1


def test_a_certificate_held_up_to_the_camera_is_verified_like_a_scanned_one(
    window: MainWindow, qtbot: QtBot, workspace: Workspace
) -> None:
    _number, qr_text = approved_certificate(workspace)
    picture = qrcode.make(qr_text, box_size=6, border=4).get_image().convert("L")
    photo = Image.new("L", (1600, 1200), 235)  # the licence on the camera's desk, a little askew
    photo.paste(picture.rotate(3, expand=True, fillcolor=235), (400, 150))
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=88)
    page = CapturedPage(out.getvalue(), PageFormat.JPEG, 1600, 1200, None, PageSource.CAMERA, "高拍仪")
    fill_company_with_agent(qtbot, window)
    dialog = opened(qtbot, window)
    choose(dialog, "M02")
    added(qtbot, dialog, "M02", [page], 1)
    dialog.pages.setCurrentRow(0)
    dialog.code_button.click()
    qtbot.waitUntil(lambda: window.verify_dialog is not None, timeout=20_000)
    verify = window.verify_dialog
    assert verify is not None
    qtbot.waitUntil(lambda: "有效" in verify.status.text(), timeout=20_000)


def test_the_camera_chosen_is_remembered_and_a_bad_memory_ignored(workspace: Workspace) -> None:
    assert remembered_camera(workspace.settings) == (None, None)
    remember_camera(workspace.settings, b"/dev/video0", (3264, 2448))
    assert remembered_camera(workspace.settings) == (b"/dev/video0", (3264, 2448))
    workspace.settings.update({"camera_device": "not hex", "camera_resolution": "big"})
    assert remembered_camera(workspace.settings) == (None, None)
