"""The capture view: a case's materials on the left, the chosen material's pages as thumbnails in the
middle (drag to reorder), the chosen page large on the right with its check's warnings and what can be done
to it; the sources along the top (document camera, scanner, files, the scan-to folder, a feeder run split
by separator sheets) and the disk's room at the bottom.

It draws an app.scanning.capture.CaptureSession and calls its methods; storing, checking, thumbnailing,
scanning and decoding run off the GUI thread (ui.jobs). 完成 hands the session back (a case being taken in:
its pages go with the decision) or attaches the pages (a saved case: `attach` given by the caller).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.scanning.capture import CaptureSession, HeldPage
from app.scanning.image_codes import FoundCode
from app.scanning.page_store import DiskUse
from app.scanning.pages import CapturedPage, CaptureError
from app.scanning.sources.folder import CollectedFile, ScanFolder
from app.scanning.thumbnails import Thumbnail, ThumbnailCache
from app.settings import Settings, SettingsError
from ui.desk import Desk
from ui.jobs import Jobs
from ui.object_names import named
from ui.screen_fit import fit_to_screen

log = logging.getLogger("clerk.ui.capture")

THUMBNAILS_FOLDER = "thumbnails"  # under the data folder: app.scanning.thumbnails.ThumbnailCache
THUMB_BOX = 160
PREVIEW_BOX = 720
FOLDER_POLL_MS = 1500
IMPORT_FILTER = "图像或 PDF (*.png *.jpg *.jpeg *.tif *.tiff *.bmp *.pdf);;所有文件 (*)"
WARNED = QColor("#fff3c4")
KEPT = QColor("#e8f5e9")
UNPLACED = "__unplaced__"


class CaptureDialog(QDialog):
    """`session` is changed in place; `attach(session)` (a saved case) stores on 完成, else 完成 accepts."""

    changed = Signal()  # pages added, moved, turned or deleted

    def __init__(
        self,
        *,
        session: CaptureSession,
        jobs: Jobs,
        thumbnails: ThumbnailCache,
        title: str,
        case_number: str | None = None,
        applicant_name: str = "",
        scan_folder: str = "",
        attach: Callable[[CaptureSession], object] | None = None,
        on_code: Callable[[str], None] | None = None,
        read_only: bool = False,
        note: str = "",
        settings: Settings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """`read_only`: the pages are shown, nothing captured or changed (查看 without 采集, an ended case).
        `note`: what the clerk should know first (pages not downloaded, offline)."""
        super().__init__(parent)
        self.setWindowTitle(title)
        fit_to_screen(self, preferred=QSize(1280, 720))
        self.session = session
        self.jobs = jobs
        self.thumbnails = thumbnails
        self.case_number = case_number
        self.applicant_name = applicant_name
        self._attach = attach
        self._on_code = on_code
        self._pixmaps: dict[tuple[str, int, int], QPixmap] = {}
        self._folder: ScanFolder | None = None  # the scan-to folder, when one is set and usable
        self._folder_busy = False
        self.busy = 0
        self.last_error = ""
        self.read_only = read_only
        self.settings = settings  # the scanner's dpi and colour, the camera last chosen
        self._build()
        if read_only:
            self._show_only()
        if note:
            self.message.setText(note)
        self._refresh_materials()
        self.materials.setCurrentRow(0)
        self._update_disk()
        if scan_folder:
            self._watch_folder(scan_folder)

    # -- layout ----------------------------------------------------------------------------------------
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        sources = QHBoxLayout()
        self.camera_button = named(QPushButton("高拍仪拍摄 (F7)"), "captureCamera")
        self.camera_button.clicked.connect(self.open_camera)
        self.scan_button = named(QPushButton("扫描仪扫描 (F8)"), "captureScanner")
        self.scan_button.clicked.connect(lambda: self.scan(feeder=False))
        self.feeder_button = named(QPushButton("进纸器整叠扫描（按分隔页分拣）"), "captureFeeder")
        self.feeder_button.clicked.connect(lambda: self.scan(feeder=True))
        self.feeder_button.setEnabled(self.case_number is not None)
        if self.case_number is None:
            self.feeder_button.setToolTip("分隔页印有办件编号：保存办件后才能打印分隔页、整叠扫描")
        self.sheets_button = named(QPushButton("打印分隔页…"), "printSeparators")
        self.sheets_button.setToolTip("每项材料一张分隔页：放在该材料之前，整叠放入进纸器扫描，自动分拣")
        self.sheets_button.setEnabled(self.case_number is not None)
        self.sheets_button.clicked.connect(self.print_separators)
        self.import_button = named(QPushButton("导入文件…"), "captureImport")
        self.import_button.clicked.connect(self.choose_files)
        self.scanners = named(QComboBox(), "scannerChoice")
        self.scanners.setMinimumWidth(200)
        self.scanners.setPlaceholderText("扫描仪（点“扫描仪扫描”时查找）")
        self.sources = (
            self.camera_button,
            self.scan_button,
            self.scanners,
            self.sheets_button,
            self.feeder_button,
            self.import_button,
        )
        for widget in self.sources:
            sources.addWidget(widget)
        sources.addStretch(1)
        outer.addLayout(sources)
        self.folder_label = named(QLabel("扫描文件夹：未设置"), "scanFolderState")
        self.folder_label.setStyleSheet("color:#555;")
        outer.addWidget(self.folder_label)

        split = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        left_column = QVBoxLayout(left)
        left_column.setContentsMargins(0, 0, 0, 0)
        left_column.addWidget(QLabel("材料"))
        self.materials = named(QListWidget(), "captureMaterials")
        self.materials.setWordWrap(True)  # a material's whole name, on two lines when it is long
        self.materials.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.materials.currentRowChanged.connect(self._material_chosen)
        left_column.addWidget(self.materials, 1)
        self.short_label = named(QLabel(), "shortCount")
        self.short_label.setWordWrap(True)
        self.short_label.setStyleSheet("color:#8a4b00;")
        left_column.addWidget(self.short_label)
        self.keep_short_button = named(QPushButton("确认页数不足仍保存"), "keepShort")
        self.keep_short_button.clicked.connect(self.keep_short)
        left_column.addWidget(self.keep_short_button)
        split.addWidget(left)

        middle = QWidget()
        middle_column = QVBoxLayout(middle)
        middle_column.setContentsMargins(0, 0, 0, 0)
        self.pages_title = QLabel("页面（拖动可调整顺序）")
        middle_column.addWidget(self.pages_title)
        self.pages = named(QListWidget(), "capturePages")
        self.pages.setViewMode(QListView.ViewMode.IconMode)
        self.pages.setIconSize(QSize(THUMB_BOX, THUMB_BOX))
        self.pages.setGridSize(QSize(THUMB_BOX + 24, THUMB_BOX + 56))
        self.pages.setResizeMode(QListView.ResizeMode.Adjust)
        self.pages.setMovement(QListView.Movement.Snap)
        self.pages.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.pages.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.pages.setWordWrap(True)
        self.pages.currentRowChanged.connect(self._page_chosen)
        self.pages.model().rowsMoved.connect(self._pages_dragged)
        middle_column.addWidget(self.pages, 1)
        split.addWidget(middle)

        right = QWidget()
        right_column = QVBoxLayout(right)
        right_column.setContentsMargins(0, 0, 0, 0)
        self.preview = named(QLabel("选择一页查看"), "pagePreview")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumSize(QSize(320, 360))
        self.preview.setStyleSheet("background:#f4f4f4;border:1px solid #ccc;")
        right_column.addWidget(self.preview, 1)
        self.page_info = named(QLabel(), "pageInfo")
        self.page_info.setWordWrap(True)
        right_column.addWidget(self.page_info)
        actions = QHBoxLayout()
        self.left_button = QPushButton("左转")
        self.left_button.clicked.connect(lambda: self.rotate(clockwise=False))
        self.right_button = QPushButton("右转 (R)")
        self.right_button.clicked.connect(lambda: self.rotate(clockwise=True))
        self.up_button = QPushButton("前移")
        self.up_button.clicked.connect(lambda: self.move_page(-1))
        self.down_button = QPushButton("后移")
        self.down_button.clicked.connect(lambda: self.move_page(1))
        self.delete_button = named(QPushButton("删除 (Del)"), "deletePage")
        self.delete_button.clicked.connect(self.delete_page)
        for button in (
            self.left_button,
            self.right_button,
            self.up_button,
            self.down_button,
            self.delete_button,
        ):
            actions.addWidget(button)
        right_column.addLayout(actions)
        more = QHBoxLayout()
        self.keep_button = named(QPushButton("忽略提示，保留此页"), "keepPage")
        self.keep_button.clicked.connect(self.keep_page)
        self.move_to = named(QComboBox(), "moveToMaterial")
        self.move_to.setPlaceholderText("移到材料…")
        self.move_to.activated.connect(self._move_to_chosen)
        self.code_button = named(QPushButton("识别页面上的二维码/条码"), "readCodes")
        self.code_button.clicked.connect(self.read_codes)
        more.addWidget(self.keep_button)
        more.addWidget(self.move_to, 1)
        right_column.addLayout(more)
        right_column.addWidget(self.code_button)
        split.addWidget(right)
        split.setSizes([300, 540, 420])
        outer.addWidget(split, 1)

        bottom = QHBoxLayout()
        self.disk_label = named(QLabel(), "diskUse")
        self.disk_label.setStyleSheet("color:#555;")
        bottom.addWidget(self.disk_label, 1)
        self.message = named(QLabel(), "captureMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color:#b00020;")
        self.done_button = named(QPushButton("完成"), "captureDone")
        self.done_button.clicked.connect(self.finish)
        self.cancel_button = QPushButton("取消")
        self.cancel_button.clicked.connect(self.reject)
        bottom.addWidget(self.done_button)
        bottom.addWidget(self.cancel_button)
        outer.addWidget(self.message)
        outer.addLayout(bottom)
        for keys, slot in (
            ("F7", self.open_camera),
            ("F8", lambda: self.scan(feeder=False)),
            ("R", lambda: self.rotate(clockwise=True)),
            (QKeySequence.StandardKey.Delete, self.delete_page),
        ):
            QShortcut(QKeySequence(keys), self, slot)

    def _show_only(self) -> None:
        for widget in (
            *self.sources,
            self.folder_label,
            self.keep_short_button,
            self.left_button,
            self.right_button,
            self.up_button,
            self.down_button,
            self.delete_button,
            self.keep_button,
            self.move_to,
        ):
            widget.hide()
        self.pages.setDragDropMode(QAbstractItemView.DragDropMode.NoDragDrop)
        self.pages_title.setText("页面（只读）")
        self.done_button.setText("关闭")
        self.cancel_button.hide()

    # -- what is shown ---------------------------------------------------------------------------------
    def current_code(self) -> str | None:
        item = self.materials.currentItem()
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def _held_pages(self, code: str | None) -> list[HeldPage]:
        if code is None:
            return []
        if code == UNPLACED:
            return list(self.session.unplaced)
        return self.session.pages(code)

    def _refresh_materials(self) -> None:
        if self.read_only:
            self.keep_short_button.hide()
        current = self.current_code()
        self.materials.blockSignals(True)
        self.materials.clear()
        counts = self.session.page_counts()
        for slot in self.session.materials:
            warned = any(
                p.page.warnings and not p.page.kept_despite_warnings for p in self.session.pages(slot.code)
            )
            short = self.session.short_message(slot.code) is not None and not self.session.kept_short(
                slot.code
            )
            mark = "⚠ " if warned or short else ""
            item = QListWidgetItem(f"{mark}{slot.code}（{counts[slot.code]} 页）{slot.name}")
            item.setData(Qt.ItemDataRole.UserRole, slot.code)
            item.setToolTip(slot.name)
            if warned or short:
                item.setBackground(WARNED)
            self.materials.addItem(item)
        if self.session.unplaced:
            item = QListWidgetItem(f"⚠ 未归类（{len(self.session.unplaced)} 页）")
            item.setData(Qt.ItemDataRole.UserRole, UNPLACED)
            item.setBackground(WARNED)
            self.materials.addItem(item)
        self.move_to.clear()
        for slot in self.session.materials:
            self.move_to.addItem(f"{slot.code} {slot.name}", slot.code)
        self.materials.blockSignals(False)
        codes = [self.materials.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.materials.count())]
        self.materials.setCurrentRow(codes.index(current) if current in codes else 0)
        self._refresh_pages()
        problems = self.session.problems()
        self.message.setText("" if not problems else "须处理后才能完成：" + "；".join(problems[:4]))

    def _material_chosen(self, _row: int) -> None:
        self._refresh_pages()

    def _refresh_pages(self, select: int | None = None) -> None:
        code = self.current_code()
        held = self._held_pages(code)
        self.pages.blockSignals(True)
        self.pages.clear()
        for index, page in enumerate(held):
            text = f"第 {index + 1} 页"
            if page.reason:
                text += f"\n{page.reason}"
            elif page.page.warnings:
                text += (
                    "\n已确认保留"
                    if page.page.kept_despite_warnings
                    else f"\n⚠ {page.messages[0] if page.messages else '有质量提示'}"
                )
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, index)
            item.setSizeHint(QSize(THUMB_BOX + 20, THUMB_BOX + 50))
            if page.page.warnings or page.reason:
                item.setBackground(KEPT if page.page.kept_despite_warnings and not page.reason else WARNED)
            pixmap = self._pixmaps.get((page.page.sha256, page.page.rotation, THUMB_BOX))
            if pixmap is not None:
                item.setIcon(QIcon(pixmap))
            else:
                self._thumbnail(page, THUMB_BOX)
            self.pages.addItem(item)
        self.pages.blockSignals(False)
        if held:
            self.pages.setCurrentRow(min(select if select is not None else 0, len(held) - 1))
        else:
            self._page_chosen(-1)
        short = None if code in (None, UNPLACED) else self.session.short_message(str(code))
        kept = code not in (None, UNPLACED) and self.session.kept_short(str(code))
        self.short_label.setText("" if short is None else short + ("（已确认）" if kept else ""))
        self.keep_short_button.setVisible(short is not None and not kept and not self.read_only)
        placing = code == UNPLACED
        self.move_to.setPlaceholderText("归入材料…" if placing else "移到材料…")
        self.pages_title.setText(
            "未归类的页面：请逐页归入材料或删除" if placing else "页面（拖动可调整顺序）"
        )

    def current_page(self) -> tuple[str, int, HeldPage] | None:
        code = self.current_code()
        row = self.pages.currentRow()
        held = self._held_pages(code)
        if code is None or not 0 <= row < len(held):
            return None
        return code, row, held[row]

    def _page_chosen(self, _row: int) -> None:
        chosen = self.current_page()
        for widget in (
            self.left_button,
            self.right_button,
            self.up_button,
            self.down_button,
            self.delete_button,
            self.move_to,
            self.code_button,
        ):
            widget.setEnabled(chosen is not None)
        if chosen is None:
            self.preview.setPixmap(QPixmap())
            self.preview.setText("本材料还没有页面：请用上方的高拍仪、扫描仪或导入文件采集")
            self.page_info.setText("")
            self.keep_button.setVisible(False)
            return
        _code, _row, page = chosen
        info = f"{page.page.width}×{page.page.height} 像素"
        if page.page.dpi:
            info += f"，{page.page.dpi} dpi"
        info += f"，{page.page.byte_size / 1024:.0f} KB，来自{page.origin or page.page.source}"
        if page.messages:
            info += "\n" + "；".join(page.messages)
            if page.page.kept_despite_warnings:
                info += "（已确认保留）"
        self.page_info.setText(info)
        warned = bool(page.page.warnings) and not page.page.kept_despite_warnings
        self.keep_button.setVisible(warned and not self.read_only)
        pixmap = self._pixmaps.get((page.page.sha256, page.page.rotation, PREVIEW_BOX))
        if pixmap is None:
            self.preview.setText("正在加载…")
            self._thumbnail(page, PREVIEW_BOX)
        else:
            self._show_preview(pixmap)

    def _show_preview(self, pixmap: QPixmap) -> None:
        area = self.preview.size()
        self.preview.setPixmap(
            pixmap.scaled(
                area, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
        )

    def _thumbnail(self, page: HeldPage, box: int) -> None:
        key = (page.page.sha256, page.page.rotation, box)
        store, cache = self.session.store, self.thumbnails

        def make(_progress: object) -> Thumbnail:
            return cache.thumbnail(store.read(page.page.sha256), rotation=page.page.rotation, box=box)

        self.jobs.network(make, parent=self).success(lambda t: self._thumbnail_made(key, t)).failure(
            lambda error: self._failed("无法显示页面", error)
        ).run()

    def _thumbnail_made(self, key: tuple[str, int, int], made: Thumbnail) -> None:
        image = QImage.fromData(made.png)
        self._pixmaps[key] = QPixmap.fromImage(image)
        chosen = self.current_page()
        if chosen is not None and key == (chosen[2].page.sha256, chosen[2].page.rotation, PREVIEW_BOX):
            self._show_preview(self._pixmaps[key])
        if key[2] == THUMB_BOX:
            held = self._held_pages(self.current_code())
            for row, page in enumerate(held):
                if (page.page.sha256, page.page.rotation) == key[:2] and row < self.pages.count():
                    self.pages.item(row).setIcon(QIcon(self._pixmaps[key]))

    # -- arranging -------------------------------------------------------------------------------------
    def _changed(self, select: int | None = None) -> None:
        self._refresh_materials()
        if select is not None and 0 <= select < self.pages.count():
            self.pages.setCurrentRow(select)
        self.changed.emit()

    def rotate(self, *, clockwise: bool) -> None:
        chosen = self.current_page()
        if chosen is None or chosen[0] == UNPLACED:
            return
        self.session.rotate(chosen[0], chosen[1], clockwise=clockwise)
        self._changed(chosen[1])

    def move_page(self, step: int) -> None:
        chosen = self.current_page()
        if chosen is None or chosen[0] == UNPLACED:
            return
        code, row, _page = chosen
        target = row + step
        if 0 <= target < len(self.session.pages(code)):
            self.session.move(code, row, target)
            self._changed(target)

    def _pages_dragged(self, *_args: object) -> None:
        code = self.current_code()
        if code is None or code == UNPLACED:
            self._refresh_pages()
            return
        order = [
            int(self.pages.item(row).data(Qt.ItemDataRole.UserRole)) for row in range(self.pages.count())
        ]
        self.session.reorder(code, order)
        QTimer.singleShot(0, lambda: self._changed(self.pages.currentRow()))

    def delete_page(self) -> None:
        chosen = self.current_page()
        if chosen is None:
            return
        code, row, _page = chosen
        if code == UNPLACED:
            self.session.drop_unplaced(row)
        else:
            self.session.delete(code, row)
        self._changed(row)

    def keep_page(self) -> None:
        chosen = self.current_page()
        if chosen is None or chosen[0] == UNPLACED:
            return
        self.session.keep(chosen[0], chosen[1])
        self._changed(chosen[1])

    def keep_short(self) -> None:
        code = self.current_code()
        if code is not None and code != UNPLACED:
            self.session.keep_short_count(code)
            self._changed()

    def _move_to_chosen(self, index: int) -> None:
        chosen = self.current_page()
        other = self.move_to.itemData(index)
        if chosen is None or other is None:
            return
        code, row, _page = chosen
        if code == UNPLACED:
            self.session.place(row, str(other))
        elif code != other:
            self.session.move_to_material(code, row, str(other))
        self.move_to.setCurrentIndex(-1)
        self._changed(row)

    # -- sources ---------------------------------------------------------------------------------------
    def _target_code(self) -> str | None:
        code = self.current_code()
        if code is None or code == UNPLACED:
            self.last_error = "请先在左侧选择页面要归入的材料"
            self.message.setText(self.last_error)
            return None
        return code

    def add_pages(self, code: str, captured: Sequence[CapturedPage], what: str) -> None:
        """Store and check `captured` off the GUI thread, then add them to material `code`."""
        session = self.session
        self._busy(+1, f"正在保存{what}的 {len(captured)} 页…")
        self.jobs.network(lambda _p: session.prepare(captured), parent=self).success(
            lambda prepared: self._prepared(code, prepared, what)
        ).failure(lambda error: self._failed(f"{what}未能保存", error)).run()

    def _prepared(self, code: str, prepared: tuple[list[HeldPage], list[str]], what: str) -> None:
        self._busy(-1)
        held, refused = prepared
        added = self.session.append(code, held, refused)
        self._changed(len(self.session.pages(code)) - 1)
        self._update_disk()
        text = f"{what}：已加入 {added.pages} 页" + (
            f"，其中 {added.warned} 页有质量提示" if added.warned else ""
        )
        self.message.setStyleSheet("color:#b00020;" if refused or added.warned else "color:#1b5e20;")
        self.message.setText(text + ("；未采集：" + "；".join(refused) if refused else ""))

    def open_camera(self) -> None:
        code = self._target_code()
        if code is None:
            return
        from ui.camera_capture import CameraCaptureDialog  # Qt Multimedia loads only when it is used

        remembered = remembered_camera(self.settings)
        dialog = CameraCaptureDialog(device_id=remembered[0], resolution=remembered[1], parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._camera_done(code, dialog.pages()))
        dialog.finished.connect(
            lambda _result: remember_camera(self.settings, dialog.device_id, dialog.resolution)
        )
        dialog.open()
        self.camera = dialog

    def _camera_done(self, code: str, pages: list[CapturedPage]) -> None:
        if pages:
            self.add_pages(code, pages, "高拍仪")

    def choose_files(self) -> None:
        code = self._target_code()
        if code is None:
            return
        names, _filter = QFileDialog.getOpenFileNames(self, "导入材料页面", "", IMPORT_FILTER)
        if names:
            self.import_files(code, [Path(name) for name in names])

    def import_files(self, code: str, paths: Sequence[Path]) -> None:
        from app.scanning.sources.files import import_file

        def read(_progress: object) -> tuple[list[CapturedPage], list[str]]:
            pages: list[CapturedPage] = []
            problems: list[str] = []
            for path in paths:
                try:
                    pages.extend(import_file(path))
                except CaptureError as error:
                    problems.append(str(error))
            return pages, problems

        self._busy(+1, f"正在读取 {len(paths)} 个文件…")
        self.jobs.network(read, parent=self).success(lambda read_: self._files_read(code, *read_)).failure(
            lambda error: self._failed("文件未能导入", error)
        ).run()

    def _files_read(self, code: str, pages: list[CapturedPage], problems: list[str]) -> None:
        self._busy(-1)
        if problems:
            self.last_error = "；".join(problems)
            self._warn("部分文件未能导入", "\n".join(problems))
        if pages:
            self.add_pages(code, pages, "导入文件")

    def scan(self, *, feeder: bool) -> None:
        code = None if feeder else self._target_code()
        if not feeder and code is None:
            return
        if feeder and self.case_number is None:
            return
        from app.scanning.sources import ColourMode, ScanInterrupted, ScanSettings, available_scanner

        chosen = self.scanners.currentData()
        dpi = int(self.settings.get("scan_dpi")) if self.settings is not None else 300
        colour = str(self.settings.get("scan_colour")) if self.settings is not None else "gray"
        settings = ScanSettings(dpi=dpi, mode=ColourMode(colour), feeder=feeder)

        def run(_progress: object) -> tuple[list[CapturedPage], str, list[tuple[str, str]]]:
            scanner = available_scanner()
            devices = [(d.name, d.label) for d in scanner.devices()]
            name = chosen if chosen in {n for n, _l in devices} else devices[0][0]
            try:
                return list(scanner.scan(device_name=name, settings=settings)), "", devices
            except ScanInterrupted as stopped:
                return list(stopped.pages), str(stopped), devices

        self._busy(+1, "正在扫描…")
        self.jobs.network(run, parent=self).success(
            lambda result: self._scanned(code, feeder, *result)
        ).failure(lambda error: self._failed("扫描未完成", error)).run()

    def _scanned(
        self,
        code: str | None,
        feeder: bool,
        pages: list[CapturedPage],
        stopped: str,
        devices: list[tuple[str, str]],
    ) -> None:
        self._busy(-1)
        if self.scanners.count() != len(devices):
            self.scanners.clear()
            for name, label in devices:
                self.scanners.addItem(label, name)
        if stopped:
            self.last_error = stopped
            self._warn("扫描中断", f"{stopped}\n\n已扫描的 {len(pages)} 页已保留。")
        if not pages:
            return
        if feeder:
            self.split_feeder_run(pages)
        elif code is not None:
            self.add_pages(code, pages, "扫描仪")

    def split_feeder_run(self, pages: Sequence[CapturedPage]) -> None:
        """A feeder run with separator sheets: each page to its material, the sheets dropped, the pages the
        sheets cannot place shown under 未归类."""
        from app.scanning.feeder import split

        assert self.case_number is not None
        number, codes, session = self.case_number, [m.code for m in self.session.materials], self.session

        def run(_progress: object) -> tuple[dict[str, tuple[list[HeldPage], list[str]]], list[HeldPage], int]:
            result = split(list(pages), case_number=number, material_codes=codes)
            prepared = {
                code: session.prepare(list(found)) for code, found in result.materials.items() if found
            }
            unplaced: list[HeldPage] = []
            for entry in result.unplaced:
                held, _refused = session.prepare([entry.page])
                for one in held:
                    one.reason = entry.reason
                unplaced.extend(held)
            return prepared, unplaced, result.sheets_dropped

        self._busy(+1, f"正在按分隔页分拣 {len(pages)} 页…")
        self.jobs.network(run, parent=self).success(lambda result: self._split(*result)).failure(
            lambda error: self._failed("整叠扫描未能分拣", error)
        ).run()

    def _split(
        self, prepared: dict[str, tuple[list[HeldPage], list[str]]], unplaced: list[HeldPage], sheets: int
    ) -> None:
        self._busy(-1)
        placed = 0
        for code, (held, refused) in prepared.items():
            placed += self.session.append(code, held, refused).pages
        self.session.unplaced.extend(unplaced)
        self._changed()
        self._update_disk()
        self.message.setStyleSheet("color:#b00020;" if unplaced else "color:#1b5e20;")
        self.message.setText(
            f"整叠扫描：{placed} 页已按 {sheets} 张分隔页归入材料"
            + (f"；{len(unplaced)} 页未能归类，请在“未归类”中逐页处理" if unplaced else "")
        )

    def print_separators(self) -> None:
        """The case's separator sheets, through the print preview (nothing recorded: no case document)."""
        if self.case_number is None:
            return
        from app.documents.separator_sheets import separator_sheets_pdf
        from ui.printing import SeparatorPrint

        number, name = self.case_number, self.applicant_name
        checklist = [(slot.code, slot.name) for slot in self.session.materials]

        def make(_progress: object) -> SeparatorPrint:
            sheets = separator_sheets_pdf(case_number=number, applicant_name=name, checklist=checklist)
            return SeparatorPrint(sheets, number)

        op = self.jobs.network(make, parent=self)
        op.success(self._preview_separators).failure(
            lambda error: self._failed("分隔页未能生成", error)
        ).run()

    def _preview_separators(self, document: object) -> None:
        from PySide6.QtPrintSupport import QPrinterInfo

        from ui.printing import PrintPreviewDialog, SeparatorPrint, print_pages

        assert isinstance(document, SeparatorPrint)
        printers = QPrinterInfo.availablePrinterNames()
        dialog = PrintPreviewDialog(
            document,
            printers=printers,
            default_printer=QPrinterInfo.defaultPrinterName() or None,
            parent=self,
        )

        def printed() -> None:
            job = dialog.job()
            op = self.jobs.network(lambda _p: print_pages(document, job), parent=self)
            op.success(lambda _r: self.message.setText(f"分隔页已送打印机 {job.printer}"))
            op.failure(lambda error: self._failed("分隔页未打印", error))
            op.run()

        dialog.accepted.connect(printed)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.separator_preview = dialog

    # -- the scan-to folder ----------------------------------------------------------------------------
    def _watch_folder(self, path: str) -> None:
        folder = ScanFolder(Path(path))
        try:
            folder.check()
        except CaptureError as error:
            self.folder_label.setText(f"扫描文件夹不可用：{error}")
            self.folder_label.setStyleSheet("color:#b00020;")
            return
        self._folder = folder
        self.folder_label.setText(f"扫描文件夹：{path}（监视中，新文件归入左侧选中的材料）")
        self._folder_timer = QTimer(self, interval=FOLDER_POLL_MS)
        self._folder_timer.timeout.connect(self.poll_folder)
        self._folder_timer.start()

    def poll_folder(self) -> None:
        folder = self._folder
        code = self.current_code()
        if folder is None or self._folder_busy or code is None or code == UNPLACED or self.jobs.closed:
            return  # (a poll due while the window closes is skipped: the jobs take no more work)
        self._folder_busy = True
        self.jobs.network(lambda _p: folder.collect(), parent=self).success(
            lambda files: self._folder_collected(code, files)
        ).failure(self._folder_failed).run()

    def _folder_collected(self, code: str, files: list[CollectedFile]) -> None:
        self._folder_busy = False
        pages = [page for collected in files for page in collected.pages]
        problems = [collected.error for collected in files if collected.error]
        if problems:
            self.last_error = "；".join(problems)
            self.folder_label.setText(
                "扫描文件夹中有文件未能导入（已移入“无法导入”）：" + "；".join(problems)
            )
        if pages:
            self.add_pages(code, pages, "扫描文件夹")

    def _folder_failed(self, error: Exception) -> None:
        self._folder_busy = False
        if not isinstance(error, CaptureError):
            raise error
        self.folder_label.setText(f"扫描文件夹不可用：{error}")
        self.folder_label.setStyleSheet("color:#b00020;")

    # -- codes on a page -------------------------------------------------------------------------------
    def read_codes(self) -> None:
        chosen = self.current_page()
        if chosen is None:
            return
        from app.scanning.image_codes import codes_in_image

        store, sha = self.session.store, chosen[2].page.sha256
        self.jobs.network(lambda _p: codes_in_image(store.read(sha)), parent=self).success(
            self._codes_read
        ).failure(lambda error: self._failed("未能识别页面", error)).run()

    def _codes_read(self, found: list[FoundCode]) -> None:
        texts = [code.text for code in found if code.text]
        if not texts:
            self.message.setText("本页上没有识别到二维码或条码")
            return
        if self._on_code is not None:
            self._on_code(texts[0])
        self.message.setStyleSheet("color:#1b5e20;")
        self.message.setText(f"识别到 {len(texts)} 个码，已按第一个处理")

    def _warn(self, title: str, text: str) -> None:
        """A message on top of the view that does not block its event loop (closed with Enter)."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.last_box = box

    # -- state -----------------------------------------------------------------------------------------
    def _busy(self, step: int, text: str = "") -> None:
        self.busy += step
        if text:
            self.message.setStyleSheet("color:#555;")
            self.message.setText(text)
        self.done_button.setEnabled(self.busy == 0)

    def _failed(self, what: str, error: Exception) -> None:
        from app.scanning.separators import SeparatorCodeError
        from ui.printing import PrintError

        if not isinstance(error, CaptureError | OSError | SeparatorCodeError | PrintError):
            raise error
        self._busy(-1) if self.busy else None
        self.last_error = f"{what}：{error}"
        self.message.setStyleSheet("color:#b00020;")
        self.message.setText(self.last_error)
        self._update_disk()

    def _update_disk(self) -> None:
        store = self.session.store
        self.jobs.network(lambda _p: store.disk_use(), parent=self).success(self._disk_shown).failure(
            lambda _error: None
        ).run()

    def _disk_shown(self, use: DiskUse) -> None:
        self.disk_use = use
        self.disk_label.setText(use.label)
        self.disk_label.setStyleSheet("color:#b00020;" if use.nearly_full else "color:#555;")
        for button in (self.camera_button, self.scan_button, self.feeder_button, self.import_button):
            button.setToolTip(use.label if use.nearly_full else button.toolTip())

    def finish(self) -> None:
        if self.read_only:
            self.accept()
            return
        problems = self.session.problems()
        if problems:
            self.message.setStyleSheet("color:#b00020;")
            self.message.setText("须处理后才能完成：" + "；".join(problems))
            return
        if self._attach is None:
            self.accept()
            return
        attach = self._attach
        session = self.session
        self._busy(+1, "正在保存…")
        self.jobs.database(lambda _p: attach(session), parent=self).success(
            lambda _r: self._attached()
        ).failure(self._not_attached).run()

    def _attached(self) -> None:
        self._busy(-1)
        self.accept()

    def _not_attached(self, error: Exception) -> None:
        from app.operations.changes import REFUSALS

        self._busy(-1)
        if not isinstance(error, REFUSALS):
            raise error
        self.last_error = str(error)
        self.message.setStyleSheet("color:#b00020;")
        self.message.setText(f"未保存：{error}")


def open_capture(
    desk: Desk,
    session: CaptureSession,
    *,
    title: str,
    case_number: str | None,
    applicant_name: str = "",
    attach: Callable[[CaptureSession], object] | None = None,
    read_only: bool = False,
    note: str = "",
    on_code: Callable[[str], None] | None = None,
) -> CaptureDialog:
    """The capture view over `session`, opened on the window (its thumbnails cached under the data folder,
    the scan-to folder watched when pages can be captured)."""
    workspace = desk.workspace
    dialog = CaptureDialog(
        session=session,
        jobs=desk.jobs,
        thumbnails=ThumbnailCache(workspace.home / THUMBNAILS_FOLDER),
        title=title,
        case_number=case_number,
        applicant_name=applicant_name,
        scan_folder="" if read_only else str(workspace.settings.get("scan_folder") or ""),
        attach=attach,
        on_code=on_code,
        read_only=read_only,
        note=note,
        settings=workspace.settings,
        parent=desk.window,
    )
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


def remembered_camera(settings: Settings | None) -> tuple[bytes | None, tuple[int, int] | None]:
    """The document camera and resolution chosen last on this PC (None: none remembered, or unreadable)."""
    if settings is None:
        return None, None
    device: bytes | None = None
    size: tuple[int, int] | None = None
    with contextlib.suppress(ValueError):
        device = bytes.fromhex(str(settings.get("camera_device"))) or None
    width, _x, height = str(settings.get("camera_resolution")).partition("x")
    if width.isdigit() and height.isdigit():
        size = (int(width), int(height))
    return device, size


def remember_camera(settings: Settings | None, device: bytes | None, size: tuple[int, int] | None) -> None:
    if settings is None:
        return
    values = {
        "camera_device": device.hex() if device else "",
        "camera_resolution": f"{size[0]}x{size[1]}" if size else "",
    }
    if any(settings.get(key) != value for key, value in values.items()):
        try:
            settings.update(values)
        except (SettingsError, OSError) as error:
            log.warning("camera choice not remembered: %s", error)
