"""A crash report: what a bug left behind for hall IT, in the data folder (`crash-reports/`).

The traceback, the program and its version, the machine, and the log's last lines; identifiers masked.
"""

from __future__ import annotations

import logging
import platform
import sys
import traceback
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from app import __version__
from app.atomic import write_atomic
from app.clock import CHINA, Clock
from app.diagnostics.log_file import CRASH_MARK, ProgramLog
from app.diagnostics.masking import mask_identifiers

log = logging.getLogger("clerk.crash")

CRASH_FOLDER = "crash-reports"
TAIL_LINES = 200


@dataclass(frozen=True)
class CrashReport:
    text: str
    path: Path | None  # None: the data folder could not be written; the text went to the log only


def crash_report_text(*, program: str, error: BaseException, log_tail: str, now: datetime) -> str:
    trace = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    build = "安装版" if getattr(sys, "frozen", False) else "源码运行"
    lines = [
        f"{program} {__version__} 错误报告",
        f"时间：{now.astimezone(CHINA):%Y-%m-%d %H:%M:%S}（北京时间）",
        f"环境：Python {platform.python_version()} · {platform.platform()} · {build}",
        "",
        trace.rstrip(),
        "",
        f"--- 日志最后 {TAIL_LINES} 行 ---",
        log_tail or "（日志为空）",
        "",
    ]
    return mask_identifiers("\n".join(lines))


def write_crash_report(
    *, home: Path, program: str, error: BaseException, log_file: ProgramLog | None, clock: Clock | None = None
) -> CrashReport:
    """Write the report (atomically), then log the error with where the report is."""
    now = (clock or Clock()).now()
    text = crash_report_text(
        program=program,
        error=error,
        log_tail=log_file.tail(lines=TAIL_LINES) if log_file else "",
        now=now,
    )
    target = Path(home) / CRASH_FOLDER / f"crash-{now.astimezone(CHINA):%Y%m%dT%H%M%S%f}-{program}.txt"
    path: Path | None = target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, text.encode("utf-8"))
    except OSError:
        path = None
    exc_info = (type(error), error, error.__traceback__)
    log.critical(
        "程序错误，错误报告：%s", path or "未能写入数据目录", exc_info=exc_info, extra={CRASH_MARK: True}
    )
    return CrashReport(text=text, path=path)
