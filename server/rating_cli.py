"""`clerk-server ratings list [--unfavourable] [--hall SZX01]`: the hall's 好差评 for its IT staff and
supervisor (server.ratings), the newest first; a 差评 with its follow-up due day and its follow-up."""

from __future__ import annotations

import argparse
from typing import Any

from app.clock import hall_time_text
from server import ratings
from server.cli_base import Parser, output, with_db
from server.config import ServerConfig


def add_rating_commands(commands: argparse._SubParsersAction[Parser], common: Parser) -> None:
    listing = commands.add_parser("ratings", parents=[common], help="服务评价（好差评）")
    actions = listing.add_subparsers(dest="action", required=True, parser_class=Parser, metavar="操作")
    shown = actions.add_parser("list", parents=[common], help="列出服务评价（最新在前）")
    shown.add_argument("--unfavourable", action="store_true", help="只列出差评（不满意、非常不满意）")
    shown.add_argument("--hall", default=None, help="只列出该大厅的")


def _line(row: dict[str, Any]) -> str:
    line = (
        f"{hall_time_text(row['rated_at'])}  {row['hall_code']}/{row['window_code']}  {row['case_number']}  "
        f"{row['level_label']}"
    )
    if row["reason"]:
        line += f"  原因：{row['reason']}"
    if row["followed_up_at"]:
        line += (
            f"\n    已回访 {hall_time_text(row['followed_up_at'])}（{row['followed_up_by']}）："
            f"{row['follow_up_note']}"
        )
    elif row["follow_up_due"]:
        line += f"\n    待回访，期限 {row['follow_up_due']}"
    return line


def cmd_ratings(args: argparse.Namespace, config: ServerConfig) -> None:
    hall = args.hall.strip().upper() if args.hall else None
    rows: list[dict[str, Any]] = with_db(
        config, lambda db: ratings.list_ratings(db, unfavourable=args.unfavourable, hall_code=hall)
    )
    empty = "没有差评" if args.unfavourable else "没有服务评价"
    output(args, rows, "\n".join(_line(r) for r in rows) or empty)
