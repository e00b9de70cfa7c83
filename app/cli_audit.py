"""`clerk audit verify [--json]`: is this window's own record intact? Read-only.

Walks the hash chain of the window's events (app.audit.chain) and compares each case row with the snapshot
its decision recorded (app.audit.verify). Exit 0 and "哈希链完整：N 条事件" when all is well; exit 1 naming
the first broken event (its local number, case, kind, time) and what is wrong, the others after it.
"""

from __future__ import annotations

import argparse
from typing import Any

from app.audit.verify import verify
from app.cli_setup import Output
from app.workspace import Workspace

EXIT_BROKEN = 1


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add `audit` to `clerk`'s subcommands."""
    audit = sub.add_parser("audit", help="审计记录（防篡改核验）").add_subparsers(
        dest="action", required=True, metavar="操作"
    )
    p = audit.add_parser(
        "verify", parents=[common], help="核验本窗口事件的哈希链和办件记录是否被改动（只读）"
    )
    p.set_defaults(handler=_verify)


def _verify(ws: Workspace, args: argparse.Namespace, out: Output) -> int:
    result = verify(ws.store)
    data = {
        "intact": result.intact,
        "events": result.events,
        "cases": result.cases,
        "findings": [f.to_json() for f in result.findings],
    }
    if result.intact:
        out.emit(data, f"哈希链完整：{result.events} 条事件；{result.cases} 个办件与受理记录一致")
        return 0
    first, *rest = result.findings
    lines = [f"发现改动：{first.message}"]
    lines += [f"  另：{f.message}" for f in rest[:20]]
    if len(rest) > 20:
        lines.append(f"  另有 {len(rest) - 20} 处")
    lines.append(
        f"共检查 {result.events} 条事件、{result.cases} 个办件；请联系大厅信息技术人员和值班主任核查"
    )
    out.emit(data, "\n".join(lines))
    return EXIT_BROKEN
