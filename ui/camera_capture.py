"""Pages of a material from the document camera (高拍仪): a live preview, 拍摄 (Space) for each page, and the
pages taken shown as a strip; 完成 hands them over as `CapturedPage`s, 取消 hands over nothing.

A document camera is a UVC camera: Qt Multimedia lists it among the video inputs, and lists it again or no
more when it is plugged in or pulled out. Those changes are followed live. A camera that fails or vanishes
while in use stops the preview with a message naming it; the pages taken so far stay, and 拍摄 waits until
the clerk chooses a camera again (never a silent switch to another one). The device and resolution the
clerk chooses are handed in and read back as plain values so that the caller can remember them in settings.
"""

from __future__ import annotations

import logging
from enum import Enum

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt, Signal
from PySide6.QtGui import QFont, QIcon, QImage, QImageWriter, QKeySequence, QPixmap
from PySide6.QtMultimedia import (
    QCamera,
    QCameraDevice,
    QCameraFormat,
    QImageCapture,
    QMediaCaptureSession,
    QMediaDevices,
)
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.scanning.pages import CapturedPage, CaptureError, PageFormat, PageSource
from ui.object_names import named
from ui.screen_fit import fit_to_screen

log = logging.getLogger("clerk.ui.camera")

JPEG_QUALITY = 90  # a camera frame is a photo: JPEG, not PNG
THUMBNAIL = QSize(96, 96)
NO_CAMERA = (
    "未检测到高拍仪（摄像头）。请检查连接：USB 线是否插好、高拍仪电源是否打开。"
    "接好后会自动出现在上面的列表中。"
)
UNNAMED = "高拍仪"
RED, GREY = "#b00020", "#555555"


class CameraState(Enum):
    NO_CAMERA = "no camera"  # none listed yet: the first one to appear is opened
    STARTING = "starting"
    PREVIEW = "preview"
    FAILED = "failed"  # the chosen camera would not open or stopped with an error; still listed
    LOST = "lost"  # the camera in use vanished: the clerk chooses one again


def page_from_image(image: QImage, *, origin: str) -> CapturedPage:
    """A captured frame as the page that is kept: a JPEG at quality 90 that claims no resolution (a camera
    knows no dots per inch, and the 100 dpi Qt would write makes a page 40 inches wide in a PDF)."""
    if image.isNull() or image.width() == 0 or image.height() == 0:
        raise CaptureError("高拍仪送来的画面是空的，没有拍到页面。请重新拍摄。")
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QImageWriter(buffer, QByteArray(b"jpeg"))
    writer.setQuality(JPEG_QUALITY)
    if not writer.write(image):
        raise CaptureError(f"拍到的画面无法保存为图片（{writer.errorString()}）。请重新拍摄。")
    return CapturedPage(
        data=_without_density(bytes(data.data())),
        format=PageFormat.JPEG,
        width=image.width(),
        height=image.height(),
        dpi=None,
        source=PageSource.CAMERA,
        origin=origin,
    )


def _without_density(jpeg: bytes) -> bytes:
    """The JFIF header set to "aspect ratio only" (unit 0, density 1:1) instead of Qt's dots per inch."""
    if jpeg[:4] != b"\xff\xd8\xff\xe0" or jpeg[6:11] != b"JFIF\x00":
        return jpeg
    return jpeg[:13] + b"\x00\x00\x01\x00\x01" + jpeg[18:]


def device_name(device: QCameraDevice) -> str:
    return device.description().strip() or UNNAMED


def called(device: QCameraDevice) -> str:
    """The camera as a message names it: 高拍仪“HD USB Camera”, or just 高拍仪 when it has no name."""
    name = device.description().strip()
    return f"高拍仪“{name}”" if name else UNNAMED


def device_id(device: QCameraDevice) -> bytes:
    return bytes(device.id().data())


def resolutions(device: QCameraDevice) -> list[tuple[int, int]]:
    """The device's distinct resolutions, largest first: a document camera's best is its largest."""
    sizes = {(f.resolution().width(), f.resolution().height()) for f in device.videoFormats()}
    return sorted(sizes, key=lambda size: (size[0] * size[1], size[0]), reverse=True)


def resolution_label(size: tuple[int, int]) -> str:
    width, height = size
    return f"{width}×{height}（约 {round(width * height / 10_000)} 万像素）"


def format_for(device: QCameraDevice, size: tuple[int, int]) -> QCameraFormat | None:
    """The device's format of that resolution with the smoothest preview (highest frame rate)."""
    formats = [f for f in device.videoFormats() if (f.resolution().width(), f.resolution().height()) == size]
    return max(formats, key=lambda f: f.maxFrameRate(), default=None)


class CameraCaptureDialog(QDialog):
    captured = Signal(object)  # each CapturedPage as it is taken

    def __init__(
        self,
        *,
        device_id: bytes | None = None,
        resolution: tuple[int, int] | None = None,
        material: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._wanted_device = device_id
        self._wanted_resolution = resolution
        self._pages: list[CapturedPage] = []
        self._origins: dict[int, str] = {}  # capture request → the camera it was asked of
        self._devices: list[QCameraDevice] = []
        self._device: QCameraDevice | None = None  # chosen (open, or failed to open)
        self._camera: QCamera | None = None  # running
        self.state = CameraState.NO_CAMERA
        self._asking = False  # whether to drop the pages taken (取消 with pages)
        self.setWindowTitle(f"高拍仪拍摄 — {material}" if material else "高拍仪拍摄")
        fit_to_screen(self, preferred=QSize(1100, 720))
        self.image_capture = QImageCapture(self)
        self._build()
        self._session = QMediaCaptureSession(self)
        self._session.setVideoOutput(self.preview)
        self._session.setImageCapture(self.image_capture)
        self.image_capture.imageCaptured.connect(self.image_captured)
        self.image_capture.errorOccurred.connect(self.image_capture_failed)
        self.image_capture.readyForCaptureChanged.connect(lambda _ready: self._update_buttons())
        self._media_devices = QMediaDevices(self)
        self._media_devices.videoInputsChanged.connect(self.devices_changed)
        self.devices_changed()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        choice = QHBoxLayout()
        choice.addWidget(QLabel("高拍仪："))
        self.device_box = named(QComboBox(), "cameraDevice")
        self.device_box.setPlaceholderText("请选择高拍仪")
        self.device_box.setMinimumContentsLength(24)
        self.device_box.activated.connect(self.device_chosen)
        choice.addWidget(self.device_box, 2)
        choice.addSpacing(16)
        choice.addWidget(QLabel("分辨率："))
        self.resolution_box = named(QComboBox(), "cameraResolution")
        self.resolution_box.setMinimumContentsLength(20)
        self.resolution_box.activated.connect(self.resolution_chosen)
        choice.addWidget(self.resolution_box, 1)
        layout.addLayout(choice)

        self.view = named(QStackedWidget(), "cameraView")
        self.message = named(QLabel(), "cameraMessage")
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        big = QFont(self.message.font())
        big.setPointSize(16)
        big.setBold(True)
        self.message.setFont(big)
        self.message.setStyleSheet("background:#f4f4f4;border:1px solid #ccc;padding:24px;")
        self.preview = named(QVideoWidget(), "cameraPreview")
        self.view.addWidget(self.message)
        self.view.addWidget(self.preview)
        layout.addWidget(self.view, 1)

        self.status = named(QLabel(), "cameraStatus")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)

        strip_row = QHBoxLayout()
        self.count = named(QLabel(), "cameraCount")
        strip_row.addWidget(self.count)
        strip_row.addStretch(1)
        self.delete_button = named(QPushButton("删除所选页 (Del)"), "cameraDelete")
        self.delete_button.setShortcut(QKeySequence(Qt.Key.Key_Delete))
        self.delete_button.clicked.connect(self.delete_selected)
        strip_row.addWidget(self.delete_button)
        layout.addLayout(strip_row)
        self.strip = named(QListWidget(), "cameraPages")
        self.strip.setViewMode(QListView.ViewMode.IconMode)
        self.strip.setFlow(QListView.Flow.LeftToRight)
        self.strip.setWrapping(False)
        self.strip.setMovement(QListView.Movement.Static)
        self.strip.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.strip.setIconSize(THUMBNAIL)
        self.strip.setFixedHeight(THUMBNAIL.height() + 48)
        self.strip.itemSelectionChanged.connect(self._update_buttons)
        layout.addWidget(self.strip)

        buttons = QHBoxLayout()
        self.capture_button = named(QPushButton("拍摄 (空格)"), "cameraCapture")
        self.capture_button.setShortcut(QKeySequence(Qt.Key.Key_Space))
        self.capture_button.setMinimumHeight(48)
        self.capture_button.setMinimumWidth(200)
        self.capture_button.setFont(big)
        self.capture_button.clicked.connect(self.capture)
        buttons.addWidget(self.capture_button)
        buttons.addStretch(1)
        self.done_button = named(QPushButton("完成"), "cameraDone")
        self.done_button.clicked.connect(self.accept)
        self.cancel_button = named(QPushButton("取消"), "cameraCancel")
        self.cancel_button.clicked.connect(self.reject)
        buttons.addWidget(self.done_button)
        buttons.addWidget(self.cancel_button)
        layout.addLayout(buttons)
        for button in (self.capture_button, self.delete_button, self.done_button, self.cancel_button):
            button.setAutoDefault(False)  # Enter (a scanner's last key) never finishes or takes a page
        self._show_count()

    # What the clerk chose, to remember in settings ------------------------------------------------------

    @property
    def device_id(self) -> bytes | None:
        """The camera the clerk chose here, else the one handed in."""
        return self._wanted_device

    @property
    def resolution(self) -> tuple[int, int] | None:
        """The resolution the clerk chose here, else the one handed in (None: the device's largest)."""
        return self._wanted_resolution

    @property
    def camera(self) -> QCamera | None:
        """The camera running now, if any."""
        return self._camera

    def pages(self) -> list[CapturedPage]:
        """The pages taken, in order, once 完成 is pressed; nothing after 取消."""
        return list(self._pages) if self.result() == QDialog.DialogCode.Accepted else []

    # Devices -----------------------------------------------------------------------------------------------

    def devices_changed(self) -> None:
        """Qt's list of video inputs changed (and once at the start): list them again, default first."""
        default = QMediaDevices.defaultVideoInput()
        devices = QMediaDevices.videoInputs()
        devices.sort(key=lambda d: d.id() != default.id())
        self._devices = devices
        log.info("video inputs: %s", [device_name(d) for d in devices])
        self.device_box.clear()
        for device in devices:
            self.device_box.addItem(device_name(device))
        if self._device is not None and all(d.id() != self._device.id() for d in devices):
            self.device_lost(self._device)
        elif self._device is not None:
            self.device_box.setCurrentIndex(self._index_of(self._device))
        elif self.state is CameraState.NO_CAMERA:
            if devices:
                self.open_device(self._preferred(devices))
            else:
                self._show_problem(NO_CAMERA)
        else:  # lost: the clerk chooses
            self.device_box.setCurrentIndex(-1)
        self._update_buttons()

    def _preferred(self, devices: list[QCameraDevice]) -> QCameraDevice:
        wanted = [d for d in devices if device_id(d) == self._wanted_device]
        return wanted[0] if wanted else devices[0]

    def _index_of(self, device: QCameraDevice) -> int:
        return next((i for i, d in enumerate(self._devices) if d.id() == device.id()), -1)

    def device_chosen(self, index: int) -> None:
        """The clerk picked a camera from the list (the same one again retries it)."""
        if 0 <= index < len(self._devices):
            device = self._devices[index]
            self._wanted_device = device_id(device)
            self.open_device(device)

    def resolution_chosen(self, index: int) -> None:
        size = self.resolution_box.itemData(index)
        if self._device is None or not isinstance(size, tuple):
            return
        self._wanted_resolution = size
        if self._camera is not None:
            self._camera.stop()
            self._set_format(self._camera, self._device, size)
            self._camera.start()

    def _fill_resolutions(self, device: QCameraDevice) -> tuple[int, int] | None:
        self.resolution_box.clear()
        sizes = resolutions(device)
        for size in sizes:
            self.resolution_box.addItem(resolution_label(size), size)
        chosen = self._wanted_resolution
        if chosen not in sizes:
            chosen = sizes[0] if sizes else None
        self.resolution_box.setCurrentIndex(sizes.index(chosen) if chosen is not None else -1)
        return chosen

    def _set_format(self, camera: QCamera, device: QCameraDevice, size: tuple[int, int]) -> None:
        camera_format = format_for(device, size)
        if camera_format is not None:
            camera.setCameraFormat(camera_format)
            self.image_capture.setResolution(QSize(*size))

    # The camera ------------------------------------------------------------------------------------------

    def open_device(self, device: QCameraDevice) -> None:
        """Start the preview of `device` (a failure to open it is shown, with Qt's reason)."""
        self._stop_camera()
        self._device = device
        self.device_box.setCurrentIndex(self._index_of(device))
        size = self._fill_resolutions(device)
        camera = QCamera(device, self)
        camera.errorOccurred.connect(lambda error, text, c=camera: self.camera_failed(c, error, text))
        camera.activeChanged.connect(lambda active, c=camera: self.camera_active(c, active))
        self._camera = camera
        self.state = CameraState.STARTING
        if camera.error() != QCamera.Error.NoError:  # reported while it was made, before any connection
            self.camera_failed(camera, camera.error(), camera.errorString())
            return
        if size is not None:
            self._set_format(camera, device, size)
        self._session.setCamera(camera)
        self._show_problem(f"正在打开{called(device)}……", colour=GREY)
        camera.start()

    def camera_active(self, camera: QCamera, active: bool) -> None:
        if camera is self._camera and active:
            self.state = CameraState.PREVIEW
            self.view.setCurrentWidget(self.preview)
            self.status.setText("")
            self._update_buttons()

    def camera_failed(self, camera: QCamera, error: QCamera.Error, text: str) -> None:
        """Qt reports an error of the camera in use: it is busy, would not open, or was pulled out."""
        if camera is not self._camera or error == QCamera.Error.NoError or self._device is None:
            return
        device = self._device
        log.warning("camera %s: %s (%s)", device_name(device), text, error)
        self._stop_camera()
        if all(d.id() != device.id() for d in QMediaDevices.videoInputs()):
            self.device_lost(device, reason=text)
            return
        self.state = CameraState.FAILED
        self._show_problem(
            f"无法使用{called(device)}：{text or '未知错误'}。"
            "它可能正被其他程序占用，或连接不稳。请关闭其他使用高拍仪的程序、检查连接后，"
            f"在上面的列表中重新选择它。{self._kept()}"
        )

    def device_lost(self, device: QCameraDevice, *, reason: str = "") -> None:
        """The camera in use vanished (pulled out): stop, say so, keep the pages, wait for a choice."""
        log.warning("camera %s vanished", device_name(device))
        because = f"（{reason}）" if reason else ""
        self._stop_camera()
        self._device = None
        self.state = CameraState.LOST
        self.device_box.setCurrentIndex(-1)
        self.resolution_box.clear()
        self._show_problem(
            f"{called(device)}已断开连接{because}，预览已停止。"
            f"请检查连接，接好后在上面的列表中重新选择高拍仪。{self._kept()}"
        )

    def _kept(self) -> str:
        return f"已拍的 {len(self._pages)} 页仍保留。" if self._pages else ""

    def _stop_camera(self) -> None:
        camera, self._camera = self._camera, None
        if camera is not None:
            camera.stop()
            camera.deleteLater()
        self._update_buttons()

    def _show_problem(self, text: str, *, colour: str = RED) -> None:
        self.status.setText("")  # the message says all there is to say now
        self.message.setText(text)
        self.message.setStyleSheet(f"color:{colour};background:#f4f4f4;border:1px solid #ccc;padding:24px;")
        self.view.setCurrentWidget(self.message)
        self._update_buttons()

    # Pages -----------------------------------------------------------------------------------------------

    def capture(self) -> None:
        """拍摄: ask the camera for a frame (it arrives in `image_captured`)."""
        if not self.capture_button.isEnabled() or self._device is None:
            return
        request = self.image_capture.capture()
        if request >= 0:
            self._origins[request] = device_name(self._device)

    def image_captured(self, request: int, image: QImage) -> None:
        origin = self._origins.pop(request, device_name(self._device) if self._device else UNNAMED)
        try:
            page = page_from_image(image, origin=origin)
        except CaptureError as error:
            self.status.setText(str(error))
            self.status.setStyleSheet(f"color:{RED};")
            return
        self._pages.append(page)
        thumbnail = image.scaled(
            THUMBNAIL, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
        item = QListWidgetItem(QIcon(QPixmap.fromImage(thumbnail)), "")
        self.strip.addItem(item)
        self.strip.scrollToItem(item)
        self._show_count()
        self.status.setStyleSheet(f"color:{GREY};")
        self.status.setText(f"已拍第 {len(self._pages)} 页（{page.width}×{page.height}）。")
        self.captured.emit(page)

    def image_capture_failed(self, request: int, _error: QImageCapture.Error, text: str) -> None:
        self._origins.pop(request, None)
        log.warning("image capture %d failed: %s", request, text)
        self.status.setStyleSheet(f"color:{RED};")
        self.status.setText(f"这一页没有拍成：{text or '未知错误'}。请再按一次拍摄。")

    def delete_selected(self) -> None:
        rows = sorted((self.strip.row(item) for item in self.strip.selectedItems()), reverse=True)
        for row in rows:
            del self._pages[row]
            self.strip.takeItem(row)
        self._show_count()

    def _show_count(self) -> None:
        for row in range(self.strip.count()):
            self.strip.item(row).setText(f"第 {row + 1} 页")
        self.count.setText(f"已拍 {len(self._pages)} 页" if self._pages else "还没有拍摄页面")
        self._update_buttons()

    def _update_buttons(self) -> None:
        ready = self.state is CameraState.PREVIEW and self._camera is not None
        self.capture_button.setEnabled(ready and self.image_capture.isReadyForCapture())
        self.device_box.setEnabled(bool(self._devices))
        self.resolution_box.setEnabled(self._device is not None and self.resolution_box.count() > 1)
        self.done_button.setEnabled(bool(self._pages))
        self.delete_button.setEnabled(bool(self.strip.selectedItems()))

    # Leaving ---------------------------------------------------------------------------------------------

    def reject(self) -> None:
        """取消 (or Esc, or the window's close button): the pages taken are dropped, after asking if there
        are any. The question does not block: no nested event loop while the camera delivers frames."""
        if not self._pages:
            super().reject()
            return
        if self._asking:
            return
        box = named(
            QMessageBox(
                QMessageBox.Icon.Question,
                "放弃已拍页面",
                f"已拍了 {len(self._pages)} 页，取消将不保存这些页面。确定放弃吗？",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                self,
            ),
            "cameraDropPages",
        )
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.button(QMessageBox.StandardButton.Yes).setText("放弃这些页面")
        box.button(QMessageBox.StandardButton.No).setText("继续拍摄")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda answer: self._drop_answered(answer))
        self._asking = True
        box.open()

    def _drop_answered(self, answer: int) -> None:
        self._asking = False
        if answer == QMessageBox.StandardButton.Yes.value:
            super().reject()

    def done(self, result: int) -> None:
        """The camera is released whenever the dialog closes: another program (or the next dialog) may
        need it."""
        self._stop_camera()
        super().done(result)
