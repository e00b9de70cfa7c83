"""Draw the program icon: resources/icons/window-clerk.png (the window's icon at run time) and
window-clerk.ico (the executables' icon in the Windows build), at the sizes Windows asks for.

    QT_QPA_PLATFORM=offscreen python tools/make_icons.py
"""

from __future__ import annotations

import struct
import sys
from importlib import resources
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication, QImage, QPainter, QPainterPath, QPen

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
BLUE = QColor("#1d4e89")  # the hall's signs
RED = QColor("#c8102e")  # the seal


def draw(size: int, family: str) -> QImage:
    """A blue rounded square, a red seal ring, and 受 (accept) in white."""
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    box = QRectF(0, 0, size, size).adjusted(size * 0.03, size * 0.03, -size * 0.03, -size * 0.03)
    path = QPainterPath()
    path.addRoundedRect(box, size * 0.18, size * 0.18)
    painter.fillPath(path, BLUE)
    if size >= 32:
        ring = box.adjusted(size * 0.12, size * 0.12, -size * 0.12, -size * 0.12)
        painter.setPen(QPen(RED, max(1.5, size * 0.05)))
        painter.drawEllipse(ring)
    font = QFont(family)
    font.setPixelSize(round(size * (0.5 if size >= 32 else 0.72)))
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(QColor("white"))
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, "受")
    painter.end()
    return image


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def ico_bytes(images: list[tuple[int, bytes]]) -> bytes:
    """An .ico with PNG-compressed entries (Windows Vista and later read them)."""
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries, blobs = b"", b""
    for size, blob in images:
        side = 0 if size >= 256 else size  # 0 means 256
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(blob), offset + len(blobs))
        blobs += blob
    return header + entries + blobs


def main() -> int:
    app = QGuiApplication(sys.argv[:1])
    font_data = resources.files("resources.fonts").joinpath("wqy-microhei.ttc").read_bytes()
    family = QFontDatabase.applicationFontFamilies(QFontDatabase.addApplicationFontFromData(font_data))[0]
    (ICONS / "window-clerk.png").write_bytes(png_bytes(draw(256, family)))
    (ICONS / "window-clerk.ico").write_bytes(ico_bytes([(s, png_bytes(draw(s, family))) for s in ICO_SIZES]))
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
