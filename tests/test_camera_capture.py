"""The document camera dialog against Qt Multimedia as it is on the machine running the tests.

Without a camera (CI, this machine) the dialog is driven up to Qt's device list: the no-camera state, a
camera Qt cannot open and one that vanishes, each through the slot Qt's signal calls, with real QCamera and
QImageCapture objects reporting their real errors. The tests that need a camera are skipped then, with the
reason; on a machine with a UVC camera they take real pages.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtMultimedia import QCamera, QCameraDevice, QMediaDevices
from PySide6.QtWidgets import QDialog, QMessageBox
from pytestqt.qtbot import QtBot

from app.scanning.pages import CaptureError, PageFormat, PageSource
from ui.camera_capture import (
    NO_CAMERA,
    CameraCaptureDialog,
    CameraState,
    page_from_image,
    resolution_label,
    resolutions,
)

# Qt's FFmpeg media backend says, as warnings, which optional libraries (PipeWire, VA-API) it did not find.
pytestmark = pytest.mark.qt_log_ignore(r"Couldn't (load|resolve) .* (library|symbols)", extend=True)

NO_CAMERA_HERE = "no camera on this machine"
needs_camera = pytest.mark.skipif(not QMediaDevices.videoInputs(), reason=NO_CAMERA_HERE)
needs_no_camera = pytest.mark.skipif(
    bool(QMediaDevices.videoInputs()), reason="a camera is attached: the no-camera state needs none"
)


def a4_photo(width: int = 2480, height: int = 3508) -> QImage:
    """A frame as a camera delivers it: a page-sized picture with something on it."""
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.fillRect(width // 10, height // 10, width // 2, height // 20, QColor("black"))
    painter.end()
    return image


def open_dialog(
    qtbot: QtBot,
    *,
    device_id: bytes | None = None,
    resolution: tuple[int, int] | None = None,
    material: str = "",
) -> CameraCaptureDialog:
    dialog = CameraCaptureDialog(device_id=device_id, resolution=resolution, material=material)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()  # its shortcuts (Space, Del) work in the active window
    qtbot.waitUntil(dialog.isActiveWindow)
    return dialog


def take(dialog: CameraCaptureDialog, *sizes: tuple[int, int]) -> None:
    """Pages arriving from the camera, through the slot QImageCapture.imageCaptured is connected to."""
    for request, (width, height) in enumerate(sizes):
        dialog.image_captured(request, a4_photo(width, height))


# The conversion of a frame ----------------------------------------------------------------------------------


def test_a_frame_becomes_a_jpeg_page_of_its_size_claiming_no_resolution() -> None:
    page = page_from_image(a4_photo(), origin="HD USB Camera")
    assert (page.format, page.source, page.dpi, page.origin) == (
        PageFormat.JPEG,
        PageSource.CAMERA,
        None,
        "HD USB Camera",
    )
    assert (page.width, page.height) == (2480, 3508)
    decoded = Image.open(io.BytesIO(page.data))
    assert decoded.format == "JPEG"
    assert decoded.size == (2480, 3508)
    assert decoded.mode == "RGB"
    assert "dpi" not in decoded.info  # Qt's 100 dpi is not claimed: a camera does not know it
    assert sum(decoded.getpixel((10, 10))) > 740  # white stays white
    assert sum(decoded.getpixel((400, 400))) < 30  # the black bar survived the encoding


def test_a_frame_with_transparency_is_still_a_photo() -> None:
    image = QImage(640, 480, QImage.Format.Format_ARGB32)
    image.fill(QColor(0, 0, 255, 128))
    decoded = Image.open(io.BytesIO(page_from_image(image, origin="").data))
    assert (decoded.format, decoded.mode, decoded.size) == ("JPEG", "RGB", (640, 480))


def test_an_empty_frame_is_refused_with_a_message() -> None:
    with pytest.raises(CaptureError, match="画面是空的"):
        page_from_image(QImage(), origin="HD USB Camera")


def test_resolutions_are_labelled_for_the_clerk() -> None:
    assert resolution_label((3264, 2448)) == "3264×2448（约 799 万像素）"
    assert resolutions(QCameraDevice()) == []  # a device Qt knows nothing of has none


# The device list as Qt reports it ----------------------------------------------------------------------


def test_the_device_list_is_qts_default_first(qtbot: QtBot) -> None:
    dialog = open_dialog(qtbot)
    inputs = QMediaDevices.videoInputs()
    listed = [dialog.device_box.itemText(i) for i in range(dialog.device_box.count())]
    assert sorted(listed) == sorted(d.description() or "高拍仪" for d in inputs)
    if inputs:
        assert listed[0] == (QMediaDevices.defaultVideoInput().description() or "高拍仪")


@needs_no_camera
def test_without_a_camera_the_dialog_says_so_and_capture_is_disabled(qtbot: QtBot) -> None:
    dialog = open_dialog(qtbot, device_id=b"/dev/video0", resolution=(3264, 2448))
    assert dialog.state is CameraState.NO_CAMERA
    assert dialog.message.text() == NO_CAMERA
    assert "未检测到高拍仪（摄像头）" in NO_CAMERA and "请检查连接" in NO_CAMERA
    assert dialog.view.currentWidget() is dialog.message and dialog.message.isVisible()
    assert not dialog.capture_button.isEnabled()
    assert not dialog.device_box.isEnabled() and not dialog.resolution_box.isEnabled()
    assert not dialog.done_button.isEnabled()  # nothing to hand over
    qtbot.keyClick(dialog, Qt.Key.Key_Space)  # 拍摄's shortcut does nothing either
    assert dialog.strip.count() == 0
    # What the caller remembered is handed back untouched: the camera is only unplugged today.
    assert (dialog.device_id, dialog.resolution) == (b"/dev/video0", (3264, 2448))


@needs_no_camera
def test_qt_listing_devices_again_without_a_camera_keeps_the_message(qtbot: QtBot) -> None:
    dialog = open_dialog(qtbot)
    dialog.devices_changed()  # the slot QMediaDevices.videoInputsChanged is connected to
    assert dialog.state is CameraState.NO_CAMERA and dialog.message.text() == NO_CAMERA


# A camera failing or vanishing -----------------------------------------------------------------------


@needs_no_camera
def test_a_camera_qt_cannot_open_stops_with_qts_reason_and_keeps_the_pages(qtbot: QtBot) -> None:
    dialog = open_dialog(qtbot, material="营业执照")
    take(dialog, (1600, 1200), (1600, 1200))
    # A device that is not (or no longer) there: the real QCamera reports "No camera detected" and the
    # dialog reads it the way Qt reports a camera pulled out between listing and opening.
    dialog.open_device(QCameraDevice())
    assert dialog.state is CameraState.LOST
    reason = QCamera(QCameraDevice()).errorString()
    assert reason  # Qt's own words, shown as they are
    assert dialog.message.text().startswith(f"高拍仪已断开连接（{reason}），预览已停止。")
    assert "已拍的 2 页仍保留。" in dialog.message.text()
    assert dialog.view.currentWidget() is dialog.message
    assert dialog.camera is None
    assert not dialog.capture_button.isEnabled()
    assert dialog.device_box.currentIndex() == -1  # the clerk chooses one again
    assert dialog.windowTitle() == "高拍仪拍摄 — 营业执照"
    dialog.devices_changed()  # Qt lists the inputs again: nothing is opened behind the clerk's back
    assert dialog.state is CameraState.LOST and "已断开连接" in dialog.message.text()
    dialog.done_button.click()
    assert [page.width for page in dialog.pages()] == [1600, 1600]


@needs_no_camera
def test_an_error_of_a_camera_no_longer_in_use_is_ignored(qtbot: QtBot) -> None:
    dialog = open_dialog(qtbot)
    stale = QCamera(QCameraDevice(), dialog)
    # The slot QCamera.errorOccurred is connected to, with a real camera the dialog does not use.
    dialog.camera_failed(stale, stale.error(), stale.errorString())
    assert dialog.state is CameraState.NO_CAMERA and dialog.message.text() == NO_CAMERA


def test_a_failed_capture_says_so_with_qts_reason(qtbot: QtBot) -> None:
    dialog = open_dialog(qtbot)
    with qtbot.waitSignal(dialog.image_capture.errorOccurred) as failed:
        dialog.image_capture.capture()  # the real QImageCapture, with no camera running
    assert failed.args is not None
    assert dialog.status.text() == f"这一页没有拍成：{failed.args[2]}。请再按一次拍摄。"
    assert dialog.strip.count() == 0


def test_an_empty_frame_from_the_camera_is_not_a_page(qtbot: QtBot) -> None:
    dialog = open_dialog(qtbot)
    dialog.image_captured(7, QImage())
    assert "画面是空的" in dialog.status.text()
    assert dialog.strip.count() == 0 and dialog.count.text() == "还没有拍摄页面"


# Pages, 完成 and 取消 -----------------------------------------------------------------------------------


def test_pages_taken_are_shown_in_a_strip_and_handed_over_in_order_by_done(qtbot: QtBot) -> None:
    dialog = open_dialog(qtbot)
    with qtbot.waitSignals([dialog.captured] * 3):
        take(dialog, (1200, 1600), (1600, 1200), (800, 600))
    assert dialog.count.text() == "已拍 3 页"
    assert [dialog.strip.item(i).text() for i in range(3)] == ["第 1 页", "第 2 页", "第 3 页"]
    icon = dialog.strip.item(0).icon().pixmap(QSize(96, 96))
    assert icon.height() == 96 and icon.width() == 72  # the page's shape, at thumbnail size
    dialog.strip.item(1).setSelected(True)
    qtbot.keyClick(dialog.strip, Qt.Key.Key_Delete)  # 删除所选页 (Del): a button's shortcut clicks soon after
    qtbot.waitUntil(lambda: dialog.strip.count() == 2)
    assert [dialog.strip.item(i).text() for i in range(dialog.strip.count())] == ["第 1 页", "第 2 页"]
    assert dialog.count.text() == "已拍 2 页"
    assert dialog.done_button.isEnabled()
    dialog.done_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    pages = dialog.pages()
    assert [(p.width, p.height) for p in pages] == [(1200, 1600), (800, 600)]
    assert [Image.open(io.BytesIO(p.data)).size for p in pages] == [(1200, 1600), (800, 600)]
    assert all(p.source is PageSource.CAMERA and p.origin == "高拍仪" for p in pages)


def test_cancel_without_pages_hands_over_nothing(qtbot: QtBot) -> None:
    dialog = open_dialog(qtbot)
    with qtbot.waitSignal(dialog.rejected):
        dialog.cancel_button.click()
    assert dialog.pages() == []


def question(qtbot: QtBot, dialog: CameraCaptureDialog) -> QMessageBox:
    boxes = [b for b in dialog.findChildren(QMessageBox, "cameraDropPages") if b.isVisible()]
    assert len(boxes) == 1
    box = boxes[0]
    qtbot.waitUntil(box.isVisible)
    return box


def test_cancel_with_pages_asks_first_and_then_hands_over_nothing(qtbot: QtBot) -> None:
    dialog = open_dialog(qtbot)
    take(dialog, (800, 600), (800, 600))
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    box = question(qtbot, dialog)
    assert box.text() == "已拍了 2 页，取消将不保存这些页面。确定放弃吗？"
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.No)  # Enter keeps the pages
    box.button(QMessageBox.StandardButton.No).click()  # 继续拍摄
    assert dialog.isVisible() and dialog.strip.count() == 2
    dialog.cancel_button.click()
    with qtbot.waitSignal(dialog.rejected):
        question(qtbot, dialog).button(QMessageBox.StandardButton.Yes).click()  # 放弃这些页面
    assert not dialog.isVisible()
    assert dialog.pages() == []


# With a camera (skipped where there is none) -------------------------------------------------------


@needs_camera
def test_a_camera_previews_and_space_takes_a_page_at_the_largest_resolution(qtbot: QtBot) -> None:
    device = QMediaDevices.defaultVideoInput()
    dialog = open_dialog(qtbot)
    qtbot.waitUntil(lambda: dialog.state is CameraState.PREVIEW, timeout=10_000)
    assert dialog.view.currentWidget() is dialog.preview
    sizes = resolutions(device)
    assert dialog.resolution_box.currentData() == sizes[0]
    qtbot.waitUntil(dialog.capture_button.isEnabled, timeout=10_000)
    with qtbot.waitSignal(dialog.captured, timeout=10_000) as taken:
        qtbot.keyClick(dialog, Qt.Key.Key_Space)
    assert taken.args is not None
    page = taken.args[0]
    assert page.origin == device.description() and page.source is PageSource.CAMERA
    assert Image.open(io.BytesIO(page.data)).size == (page.width, page.height)
    dialog.done_button.click()
    assert dialog.pages() == [page]


@needs_camera
def test_a_camera_in_use_elsewhere_is_refused_with_qts_reason(qtbot: QtBot) -> None:
    device = QMediaDevices.defaultVideoInput()
    holder = QCamera(device)
    holder.start()
    qtbot.waitUntil(holder.isActive, timeout=10_000)
    try:
        dialog = open_dialog(qtbot, device_id=bytes(device.id().data()))
        qtbot.waitUntil(lambda: dialog.state is CameraState.FAILED, timeout=10_000)
        assert dialog.message.text().startswith(f"无法使用高拍仪“{device.description()}”：")
        assert not dialog.capture_button.isEnabled()
    finally:
        holder.stop()
