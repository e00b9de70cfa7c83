"""Uncaught exceptions of the window — in a Qt slot, at start-up, in any thread — become a crash report in
the data folder and a message that tells the clerk where it is and that the saved cases are safe."""

from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, QtMsgType, Signal, Slot, qInstallMessageHandler
from PySide6.QtWidgets import QApplication, QMessageBox

from app.diagnostics import ProgramLog, write_crash_report

log = logging.getLogger("clerk.ui.crash")

PROGRAM = "window-clerk"


class CrashReporter(QObject):
    """Installed as `sys.excepthook` and `threading.excepthook` for as long as the window runs."""

    _crashed = Signal(str)  # where the report is; delivered to the GUI thread

    def __init__(self, *, home: Path, log_file: ProgramLog | None, max_reports: int = 20) -> None:
        super().__init__()
        self.home = home
        self.log_file = log_file
        self.max_reports = max_reports  # an error repeating in a timer or a paint must not fill the disk
        self.reports = 0
        self._telling = False
        self._previous: tuple[object, object] | None = None
        self._crashed.connect(self._tell_clerk)

    def install(self) -> None:
        self._previous = (sys.excepthook, threading.excepthook)
        sys.excepthook = self.excepthook
        threading.excepthook = self.thread_excepthook

    def uninstall(self) -> None:
        if self._previous is not None:
            sys.excepthook, threading.excepthook = self._previous  # type: ignore[assignment]
            self._previous = None

    def excepthook(
        self, kind: type[BaseException], error: BaseException, trace: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, error, trace)
            return
        if error.__traceback__ is None:
            error = error.with_traceback(trace)
        if self.reports >= self.max_reports:
            log.critical("程序错误（错误报告已达 %d 份，不再另写）", self.max_reports, exc_info=error)
            return
        self.reports += 1
        report = write_crash_report(home=self.home, program=PROGRAM, error=error, log_file=self.log_file)
        where = str(report.path) if report.path else str(self.log_file.path if self.log_file else "")
        if QApplication.instance() is None:
            return
        if threading.current_thread() is threading.main_thread():  # the GUI thread
            self._tell_clerk(where)
        else:
            self._crashed.emit(where)  # queued: widgets only on the GUI thread

    def thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None:
            return
        self.excepthook(args.exc_type, args.exc_value, args.exc_traceback)

    @Slot(str)
    def _tell_clerk(self, where: str) -> None:
        if self._telling:  # one message at a time; the others are in the reports and the log
            return
        self._telling = True
        try:
            box = QMessageBox(
                QMessageBox.Icon.Critical, "程序错误", "程序出现了一个错误，刚才的操作可能没有完成。"
            )
            box.setInformativeText(
                "已保存的办件不受影响。\n"
                f"错误报告已保存到：\n{where}\n"
                "请把这个文件交给信息技术人员。如果窗口不能正常使用，请关闭后重新打开本程序。"
            )
            box.exec()
        finally:
            self._telling = False


_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def log_qt_messages() -> None:
    """Qt's own warnings (fonts, printers, platform) go to the log too, not only to a console there isn't."""
    qt_log = logging.getLogger("qt")

    def handler(kind: QtMsgType, context: object, message: str) -> None:
        qt_log.log(_QT_LEVELS.get(kind, logging.WARNING), "%s", message)

    qInstallMessageHandler(handler)
