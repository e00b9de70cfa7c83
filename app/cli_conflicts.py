"""`clerk conflicts`: the hall's sync conflicts for its supervisor, and recording a resolution.

    clerk conflicts [--all]                                            what the server could not merge
    clerk conflicts resolve SEQ --resolution TEXT --by LOGIN           the supervisor's password from
                                                                       CLERK_PASSWORD or a prompt

Resolving obeys the same rule as the window's dialog: the person needs the role the action needs
(`app.accounts.roles.GRANTS`), proved with their own password here, and again on the server, which
checks the hall's accounts itself and records the resolver from the account.
"""

from __future__ import annotations

import argparse
from typing import Any

from app.cli_setup import Output, PasswordUnavailable, read_password
from app.clock import hall_time_text
from app.operations.sync import resolve_conflict
from app.sync.conflicts import describe_conflict
from app.workspace import Workspace


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add `conflicts` to `clerk`'s subcommands."""
    conflicts = sub.add_parser("conflicts", parents=[common], help="同步冲突（值班主任核实处理）")
    conflicts.add_argument("--all", action="store_true", help="包括已处理的")
    conflicts.set_defaults(handler=_list)
    actions = conflicts.add_subparsers(dest="action", metavar="操作")
    p = actions.add_parser(
        "resolve",
        parents=[common],
        help="记录冲突的处理结果（值班主任；密码取自 CLERK_PASSWORD 或提示输入）",
    )
    p.add_argument("seq", type=int, metavar="SEQ", help="冲突序号（clerk conflicts 列出的 #序号）")
    p.add_argument("--resolution", required=True, help="处理意见：核实结果和处理办法")
    p.add_argument("--by", required=True, metavar="LOGIN", help="值班主任账号")
    p.set_defaults(handler=_resolve)


def _list(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    rows = ws.sync.conflicts(unresolved_only=not args.all)
    credential = ws.sync.credential()
    lines = []
    for c in rows:
        text = describe_conflict(
            reason=c["reason"],
            window_code=c["window_code"],
            message=c["message"],
            mine=credential is not None and c["device_id"] == credential.device_id,
        )
        done = f"已由{c['resolved_by_name']}处理：{c['resolution']}" if c["resolved_at"] else "未处理"
        lines.append(
            f"#{c['seq']}  {c['case_number']}  {c['window_code'] or '—'}  "
            f"收到 {hall_time_text(c['received_at'])}  {done}\n    {text.full}"
        )
    out.emit(rows, "\n".join(lines) or ("没有冲突" if args.all else "没有未处理的冲突"))
    return 0


def _resolve(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    try:
        password = read_password(f"{args.by} 的密码：")
    except PasswordUnavailable as error:
        return out.fail(f"{error}，处理结果未提交")
    resolved = resolve_conflict(
        ws, seq=args.seq, resolution=args.resolution, supervisor_login=args.by, password=password
    )
    out.emit(
        resolved.answer,
        f"冲突 #{args.seq}（办件 {resolved.case_number}）已记录处理结果，本大厅各窗口同步后可见",
    )
    return 0
