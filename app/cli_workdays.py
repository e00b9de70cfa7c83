"""`clerk workdays add DATE N [--natural]` and `clerk workdays between A B`: working-day arithmetic with this
window's calendar (the package's years and those the server published, received by sync). Read-only: no
one needs to be signed in.

Past the calendar the window knows, both still answer, computed on weekends alone, and say so: exit 0, a
warning on stderr naming the unknown years, `"certain": false` with --json. A wrong command line (not a
date, a date outside 2000–2100, N not a whole number from 0 to 3650) exits 2 as every argument error does.
`between` with B before A answers a negative count: minus the working days after B up to and including A.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, timedelta
from typing import Any

from app.catalog import TimeLimit
from app.cli_setup import Output
from app.lifecycle.time_limits import WorkdayIndex, due, unknown_years
from app.workdays import WorkCalendar
from app.workspace import Workspace

FIRST_DATE, LAST_DATE = date(2000, 1, 1), date(2100, 12, 31)
MAX_DAYS = 3650


def _date_argument(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} 不是有效日期（应为 YYYY-MM-DD）") from None
    if not FIRST_DATE <= day <= LAST_DATE:
        raise argparse.ArgumentTypeError(f"{text} 超出可计算的范围（{FIRST_DATE.year}–{LAST_DATE.year} 年）")
    return day


def _days_argument(text: str) -> int:
    try:
        days = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} 不是整数（天数应为 0–{MAX_DAYS} 的整数）") from None
    if days < 0:
        raise argparse.ArgumentTypeError(f"天数不能为负数：{days}")
    if days > MAX_DAYS:
        raise argparse.ArgumentTypeError(f"{days} 超出范围（天数应为 0–{MAX_DAYS} 的整数）")
    return days


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add `workdays` to `clerk`'s subcommands."""
    workdays = sub.add_parser("workdays", help="工作日计算（只读）").add_subparsers(
        dest="action", required=True, metavar="操作"
    )
    p = workdays.add_parser(
        "add",
        parents=[common],
        help="起算日之后第 N 个工作日（起算日不计）",
        description="按本窗口的节假日安排（含服务器发布的年份）计算起算日之后第 N 个工作日；起算日不计入。",
        epilog="超出已知节假日安排时仍给出按周末推算的结果，并在标准错误输出警告"
        "（--json 时 certain 为 false）。",
    )
    p.add_argument("start", type=_date_argument, metavar="起算日", help="YYYY-MM-DD，不计入")
    p.add_argument("days", type=_days_argument, metavar="天数", help=f"0–{MAX_DAYS}")
    p.add_argument(
        "--natural", action="store_true", help="按自然日计算（届满日为休息日的，顺延至其后第一个工作日）"
    )
    p.set_defaults(handler=_add)
    p = workdays.add_parser(
        "between",
        parents=[common],
        help="起始日之后至截止日（含）的工作日数",
        description="起始日之后至截止日（含当日）共有几个工作日；截止日早于起始日时为负数。",
    )
    p.add_argument("first", type=_date_argument, metavar="起始日", help="YYYY-MM-DD，不计入")
    p.add_argument("last", type=_date_argument, metavar="截止日", help="YYYY-MM-DD，计入")
    p.set_defaults(handler=_between)


def _warn_uncertain(calendar: WorkCalendar, *, first: date, last: date) -> list[int]:
    """The unknown years among the days looked at, warned of on stderr."""
    years = unknown_years(calendar, first=first, last=last)
    if years:
        names = "、".join(f"{year} 年" for year in years)
        print(
            f"警告：本窗口没有 {names}的节假日安排，结果仅按周末推算，不一定准确；"
            "请同步以获取服务器发布的节假日安排",
            file=sys.stderr,
        )
    return years


def _add(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    start: date = args.start
    unit = "natural" if args.natural else "working"
    answer = due(ws.calendar, start=start, limit=TimeLimit(args.days, unit), today=start)
    # The days the answer depended on: every day counted (working days), or the due day and the rest days
    # it moved over (natural days); none for zero days.
    looked_from = start + timedelta(days=1 if unit == "working" else max(args.days, 1))
    years = _warn_uncertain(ws.calendar, first=looked_from, last=answer.day) if answer.uncertain else []
    word = "自然日" if args.natural else "工作日"
    data = {
        "start": start.isoformat(),
        "days": args.days,
        "unit": unit,
        "date": answer.day.isoformat(),
        "certain": not answer.uncertain,
        "unknown_years": years,
    }
    note = "（不确定）" if answer.uncertain else ""
    out.emit(data, f"{answer.day}{note}：{start} 之后第 {args.days} 个{word}（起算日不计）")
    return 0


def _between(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    first: date = args.first
    last: date = args.last
    low, high = min(first, last), max(first, last)
    count = WorkdayIndex.build(ws.calendar, first=low, last=high).working_days_between(first, last)
    years = [] if count.certain else _warn_uncertain(ws.calendar, first=low + timedelta(days=1), last=high)
    data = {
        "first": first.isoformat(),
        "last": last.isoformat(),
        "working_days": count.days,
        "certain": count.certain,
        "unknown_years": years,
    }
    note = "（不确定）" if not count.certain else ""
    out.emit(data, f"{count.days}{note}：{first} 之后至 {last}（含）的工作日数")
    return 0
