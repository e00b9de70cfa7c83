"""Register the fonts shipped in resources/fonts so the window never draws tofu boxes; Qt in Chinese."""

from __future__ import annotations

import logging
from importlib import resources

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator
from PySide6.QtGui import QFont, QFontDatabase

log = logging.getLogger("clerk.ui.fonts")

FONT_FILES = ("wqy-microhei.ttc", "HanaMinA.ttf", "HanaMinB.ttf")  # fallback order


def register_fonts() -> list[str]:
    """Add the shipped fonts to Qt; returns the families in fallback order."""
    families: list[str] = []
    folder = resources.files("resources.fonts")
    for name in FONT_FILES:
        data = folder.joinpath(name).read_bytes()
        font_id = QFontDatabase.addApplicationFontFromData(data)
        if font_id < 0:
            log.error("font %s could not be registered", name)
            continue
        for family in QFontDatabase.applicationFontFamilies(font_id):
            if family not in families:
                families.append(family)
    return families


def ui_font(families: list[str], *, point_size: int = 11) -> QFont:
    font = QFont()
    if families:
        font.setFamilies(families)
    font.setPointSize(point_size)
    return font


def install_chinese_translations(app: QCoreApplication) -> QTranslator | None:
    """Qt's own dialogs and buttons (确定/取消/关闭) in Chinese, from the translations Qt ships."""
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if translator.load(QLocale(QLocale.Language.Chinese, QLocale.Country.China), "qtbase", "_", folder):
        app.installTranslator(translator)
        return translator
    log.warning("Qt's Chinese translations not found in %s", folder)
    return None
