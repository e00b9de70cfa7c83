"""The program's log: a size-rotated file in the data folder (`logs/NAME.log`), masked, and optionally
stderr.  A windowed program has no console: the file is the only place its lines go."""

from __future__ import annotations

import logging
import sys
from io import TextIOWrapper
from logging.handlers import RotatingFileHandler
from pathlib import Path

from app.diagnostics.masking import MaskingFilter

LOG_FOLDER = "logs"
MAX_BYTES = 2_000_000
BACKUPS = 4  # window.log, window.log.1 … window.log.4: at most 10 MB a program
CRASH_MARK = "crash_report"  # set on the record that logs a crash report
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"


class _LogFile(RotatingFileHandler):
    """Opens (and makes its folder) on the first record: a command that logs nothing leaves nothing.

    A data folder that cannot be written gets no log, without a "Logging error" on every record (the
    program says what is wrong with the folder where it matters: opening the database).
    """

    unwritable = False

    def _open(self) -> TextIOWrapper:
        try:
            Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
            return super()._open()
        except OSError:
            self.unwritable = True
            raise

    def emit(self, record: logging.LogRecord) -> None:
        if not self.unwritable:
            super().emit(record)

    def handleError(self, record: logging.LogRecord) -> None:
        if not self.unwritable:
            super().handleError(record)


class ProgramLog:
    """The handlers one program added to the root logger; `close` takes them away again."""

    def __init__(self, path: Path, handlers: list[logging.Handler], previous_level: int) -> None:
        self.path = path
        self._handlers = handlers
        self._previous_level = previous_level

    def tail(self, *, lines: int = 200) -> str:
        for handler in self._handlers:
            handler.flush()
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def close(self) -> None:
        root = logging.getLogger()
        for handler in self._handlers:
            root.removeHandler(handler)
            handler.close()
        root.setLevel(self._previous_level)


def start_logging(
    *,
    home: Path,
    program: str,
    console_level: int | None = None,
    crashes_on_console: bool = True,
    console_format: str = "%(message)s",
    max_bytes: int = MAX_BYTES,
    backups: int = BACKUPS,
) -> ProgramLog:
    """INFO and above to `home/logs/{program}.log`; to stderr too from `console_level` (if there is one).

    `crashes_on_console=False` keeps a crash's traceback off stderr (it is in the file and the report).
    """
    path = Path(home) / LOG_FOLDER / f"{program}.log"
    masking = MaskingFilter()
    file_handler = _LogFile(path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8", delay=True)
    file_handler.setLevel(logging.INFO)
    handlers: list[logging.Handler] = [file_handler]
    if console_level is not None and sys.stderr is not None:  # a windowed program has no stderr
        console = logging.StreamHandler(sys.stderr)
        console.setLevel(console_level)
        if not crashes_on_console:
            console.addFilter(lambda record: not getattr(record, CRASH_MARK, False))
        handlers.append(console)
    root = logging.getLogger()
    previous_level = root.level
    for handler in handlers:
        handler.addFilter(masking)
        handler.setFormatter(logging.Formatter(FORMAT if handler is file_handler else console_format))
        root.addHandler(handler)
    root.setLevel(min(logging.INFO, previous_level or logging.WARNING))
    return ProgramLog(path, handlers, previous_level)
